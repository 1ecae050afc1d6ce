"""render_markdown: what a reader's browser receives never runs script, loads
frames or styles, or carries a dangerous link, whatever the author typed."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup

from reviewapp.rendering import render_markdown

# The elements and attributes an article may show (DESIGN: Markdown, no raw HTML).
SHOWN_TAGS = {"a", "abbr", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5",
              "h6", "hr", "li", "ol", "p", "pre", "strong", "sub", "sup", "table", "tbody",
              "td", "th", "thead", "tr", "ul"}
SHOWN_ATTRIBUTES = {"a": {"href", "title", "rel"}, "ol": {"start"}, "th": {"align"},
                    "td": {"align"}}
LINK_SCHEMES = {"http", "https", "mailto"}
C0_AND_SPACE = "".join(map(chr, range(33)))


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def elements(html: str) -> list[tuple[str, dict]]:
    """Every element with its attributes, entities decoded, as a browser parses them."""
    parser = _Elements()
    parser.feed(html)
    parser.close()
    return parser.found


def browser_scheme(href: str) -> str | None:
    """The scheme a browser would give this href: it strips surrounding control
    characters and spaces and drops tabs and newlines anywhere."""
    cleaned = "".join(ch for ch in href.strip(C0_AND_SPACE) if ch not in "\t\n\r")
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", cleaned)
    return match.group(1).lower() if match else None


def links(html: str) -> list[dict]:
    return [attrs for tag, attrs in elements(html) if tag == "a"]


def assert_harmless(html: str) -> None:
    assert "<script" not in html.lower()
    for tag, attrs in elements(html):
        assert tag in SHOWN_TAGS, f"<{tag}> in {html!r}"
        assert set(attrs) <= SHOWN_ATTRIBUTES.get(tag, set()), f"<{tag} {attrs}> in {html!r}"
        assert not any(name.startswith("on") for name in attrs)
        if "href" in attrs:
            assert browser_scheme(attrs["href"] or "") in LINK_SCHEMES | {None}, html


RAW_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<iframe src=https://evil.example></iframe>",
    "<style>body { display: none }</style>",
    "<svg onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<a href=javascript:alert(1)>click</a>",
    "<object data=x.swf></object><embed src=x.swf>",
    "<form action=https://evil.example><input name=password></form>",
    "<p onclick=alert(1)>text</p>",
    "<div>\n<script>alert(1)</script>\n</div>",
    "| a | b |\n|---|---|\n| <img src=x onerror=alert(1)> | <script>x</script> |",
    "> <iframe src=x></iframe>",
    "- <style>x</style>",
    "<!-- <script>alert(1)</script> -->",
    "<scr<script>ipt>alert(1)</script>",
]


@pytest.mark.parametrize("text", RAW_HTML)
def test_raw_html_is_shown_as_text_never_as_elements(text):
    html = str(render_markdown(text))
    assert_harmless(html)
    for tag in ("script", "img", "iframe", "style", "svg", "object", "embed", "form", "input"):
        assert f"<{tag}" not in html.lower()


def test_raw_script_tag_reaches_the_reader_as_visible_text():
    assert str(render_markdown("<script>alert(1)</script>")) == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n")


DANGEROUS_LINKS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](java&#x0A;script:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;vascript:alert(1))",
    "[x](java%0ascript:alert(1))",
    "[x]( javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DATA:text/html,<script>alert(1)</script>)",
    "[x](vbscript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "<javascript:alert(1)>",
    "<data:text/html,x>",
    "[x][r]\n\n[r]: javascript:alert(1)",
    "[x][r]\n\n[r]: <vbscript:msgbox(1)>",
]


@pytest.mark.parametrize("text", DANGEROUS_LINKS)
def test_dangerous_link_never_produces_such_an_href(text):
    html = str(render_markdown(text))
    assert_harmless(html)
    for attrs in links(html):
        assert browser_scheme(attrs.get("href") or "") not in {
            "javascript", "vbscript", "data", "file"}


BREAK_OUTS = [
    '[x](https://a.com" onmouseover="alert(1))',
    '[x](<https://a.com" onmouseover="alert(1)>)',
    '[x](https://a.com "title" onmouseover="alert(1)")',
    '[x](https://a.com "t\\" onmouseover=\\"alert(1)")',
    "[x](https://a.com 'a' onfocus='alert(1)')",
    "[x](https://a.com (\" autofocus onfocus=alert(1) x=\"))",
    '![x](https://a.com/i.png "x\\" onerror=\\"alert(1)")',
    '[x](https://a.com"><script>alert(1)</script>)',
    "[x](https://a.com/'onmouseover='alert(1))",
]


@pytest.mark.parametrize("text", BREAK_OUTS)
def test_link_attribute_break_out_yields_no_event_attribute(text):
    html = str(render_markdown(text))
    assert_harmless(html)
    assert not any(name.startswith("on") for _, attrs in elements(html) for name in attrs)


@pytest.mark.parametrize(("text", "href"), [
    ("[NICE guideline](https://www.nice.org.uk/guidance/ng59)",
     "https://www.nice.org.uk/guidance/ng59"),
    ("[trial](http://example.org/trial?id=1&arm=2)", "http://example.org/trial?id=1&arm=2"),
    ("[write to us](mailto:editors@example.org)", "mailto:editors@example.org"),
    ("<https://example.org/autolink>", "https://example.org/autolink"),
    ("[x][r]\n\n[r]: https://example.org/ref", "https://example.org/ref"),
])
def test_web_and_mail_links_survive_with_noopener(text, href):
    [link] = links(str(render_markdown(text)))
    assert link["href"] == href
    assert "noopener" in link["rel"].split()
    assert "noreferrer" in link["rel"].split()


def test_link_title_survives_as_an_attribute():
    [link] = links(str(render_markdown('[x](https://a.com "Read more")')))
    assert link["title"] == "Read more"


def test_markdown_formatting_is_rendered():
    html = str(render_markdown(
        "# Dose\n\n**Adults**: *400 mg*, `q8h`\n\n1. one\n2. two\n\n"
        "| Drug | Dose |\n|:-----|-----:|\n| ibuprofen | 400 mg |"))
    tags = [tag for tag, _ in elements(html)]
    for tag in ("h2", "strong", "em", "code", "ol", "li", "table", "th", "td"):
        assert tag in tags
    assert_harmless(html)


@pytest.mark.parametrize("text", ["", None])
def test_empty_body_renders_nothing(text):
    assert str(render_markdown(text)) == ""


def test_result_is_markup_so_templates_do_not_escape_it_again():
    assert isinstance(render_markdown("*x*"), Markup)


SNIPPETS = RAW_HTML + DANGEROUS_LINKS + BREAK_OUTS + [
    "<", ">", '"', "'", "`", "(", ")", "[", "]", "!", "&", "#", ";", ":", "=", "\\", "\n",
    "\n\n", " ", "\t", "on", "onerror", "onmouseover=", "javascript:", "java\tscript:",
    "&#x09;", "&#106;", "&lt;", "<img", "<script", "<a href=", "src=x", "https://a.com",
    "mailto:a@b.org", "data:", "vbscript:", "| a |", "|---|", "> ", "- ", "1. ", "```",
    "    ", "*", "_", "~",
]


@given(st.lists(st.sampled_from(SNIPPETS) | st.text(max_size=8), max_size=25).map("".join))
def test_property_no_output_runs_script_or_carries_event_attributes(text):
    html = str(render_markdown(text))
    assert_harmless(html)
    assert not any(name.startswith("on") for _, attrs in elements(html) for name in attrs)


# --- heading levels: the body's headings stay below the page's title ---------------------

def headings(html: str) -> list[tuple[str, str]]:
    return re.findall(r"<(h[1-6])>([^<]*)</h[1-6]>", html)


@pytest.mark.parametrize(("body", "top", "expected"), [
    ("# Ibuprofen\n\n## Dose\n\n### Adults", 2,
     [("h2", "Ibuprofen"), ("h3", "Dose"), ("h4", "Adults")]),
    ("## Dose\n\ntext\n\n## Warnings", 2, [("h2", "Dose"), ("h2", "Warnings")]),
    ("## Dose\n\n### Adults", 3, [("h3", "Dose"), ("h4", "Adults")]),
    ("### Dose", 2, [("h3", "Dose")]),                   # already below: kept
    ("# A\n\n###### F", 2, [("h2", "A"), ("h6", "F")]),  # never past h6
    ("Dose\n====\n\nSafety\n------", 2, [("h2", "Dose"), ("h3", "Safety")]),
])
def test_body_headings_start_below_the_title(body, top, expected):
    assert headings(str(render_markdown(body, top))) == expected


def test_headings_default_to_below_a_page_h1():
    assert headings(str(render_markdown("# Dose"))) == [("h2", "Dose")]
