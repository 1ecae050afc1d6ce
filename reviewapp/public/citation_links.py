"""Citation markers in rendered, sanitised article HTML become links to the
numbered reference list ([2,3] -> [<a href="#ref-2">2</a>,<a href="#ref-3">3</a>]).
Pure module.

It works on the HTML that nh3 already cleaned, text node by text node, never
inside a link or code, and adds only links it builds itself from digits.
"""

from html.parser import HTMLParser

from reviewapp.citations.markers import find_markers_in_masked

_SKIP = {"a", "code", "pre"}


def link_markers(html: str, reference_count: int) -> str:
    """The HTML with each number of each well-formed marker that names a
    reference (1..reference_count) linked to its `#ref-n` entry."""
    if not html or reference_count < 1 or "[" not in html:
        return html
    linker = _Linker(reference_count)
    linker.feed(html)
    linker.close()
    return "".join(linker.out)


def _link_text(text: str, reference_count: int) -> str:
    if "[" not in text:
        return text
    pieces, position = [], 0
    for marker in find_markers_in_masked(text):
        if marker.problem:
            continue
        pieces.append(text[position:marker.start])
        written = 0  # only the reference numbers: not the page of [22, p. 4]
        for start, end in marker.number_spans:
            pieces.append(marker.text[written:start])
            pieces.append(_anchor(marker.text[start:end], reference_count))
            written = end
        pieces.append(marker.text[written:])
        position = marker.start + len(marker.text)
    pieces.append(text[position:])
    return "".join(pieces)


def _anchor(digits: str, reference_count: int) -> str:
    number = int(digits)
    if not 1 <= number <= reference_count:
        return digits
    return (f'<a class="citation" href="#ref-{number}" '
            f'aria-label="Reference {number}">{digits}</a>')


class _Linker(HTMLParser):
    """Copies the HTML as it is, except for marker text outside links and code."""

    def __init__(self, reference_count: int):
        super().__init__(convert_charrefs=False)
        self.reference_count = reference_count
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in _SKIP:
            self.skipping += 1

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if tag in _SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        self.out.append(data if self.skipping else _link_text(data, self.reference_count))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")
