"""A short plain-text summary of an article's Markdown body, for mail: the key
points when the body lists them under a heading such as "Key points", else its
first sentences. Pure module."""

import re

from reviewapp.citations.markers import find_markers
from reviewapp.citations.sentences import sentence_spans

MAX_CHARS = 400
MAX_POINTS = 5
MAX_SENTENCES = 3

_KEY_POINTS = re.compile(r"(key (points|messages|facts)|summary|in (brief|short)|"
                         r"what you need to know)$", re.IGNORECASE)
_ATX_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s*(\*\*|__)(.+?)\1\s*:?\s*$")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,3}[.)])\s+(.*)$")
_NOT_PROSE = re.compile(r"^\s{0,3}(#|>|\||```|~~~|[-*_]{3,}\s*$|[-*+]\s|\d{1,3}[.)]\s)")
_SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")

_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(\S(?:.*?\S)?)\1")


def article_summary(body: str, max_chars: int = MAX_CHARS) -> str:
    """The key points, one "- " line each (at most MAX_POINTS), or the first
    sentences of the first paragraph of prose; plain text, about max_chars."""
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    points = _key_points(lines)
    if points:
        return "\n".join(f"- {_shortened(point, max_chars // 2)}" for point in points)
    return _first_sentences(_first_paragraph(lines), max_chars)


def plain_text(markdown: str) -> str:
    """Inline Markdown read as plain text: links and images by their text,
    emphasis and code marks and citation markers left out, spaces collapsed."""
    text = _IMAGE.sub(r"\1", _without_markers(markdown))
    text = _LINK.sub(r"\1", text)
    for _ in range(3):  # nested emphasis, one level at a time
        text = _EMPHASIS.sub(r"\2", text)
    return " ".join(text.split())


def _without_markers(text: str) -> str:
    """Citation markers ([1], [2,3], [22, p. 4], [see 5]) mean nothing without the list:
    each goes with the space before it unless words follow ("[19] (p. 107)"), found as the
    citation checks find them."""
    pieces, position = [], 0
    for marker in find_markers(text):
        position_after = marker.start + len(marker.text)
        before = text[position:marker.start]
        words_follow = text[position_after:position_after + 1] not in ("", *" \t\n.,;:!?)")
        pieces.append(before if words_follow else before.rstrip())
        position = position_after
    return "".join(pieces) + text[position:]


def _heading(line: str, colon: bool = False) -> str | None:
    """The text of a heading line (# Heading, **Heading**, or with `colon`,
    "Heading:"), else None."""
    match = _ATX_HEADING.match(line) or _BOLD_LINE.match(line)
    if match:
        return match.group(match.lastindex).rstrip(":").strip()
    stripped = line.strip()
    return stripped[:-1].strip() if colon and stripped.endswith(":") else None


def _key_points(lines: list[str]) -> list[str]:
    """The list items under the first key-points heading, if it is followed by a list."""
    for n, line in enumerate(lines):
        title = _heading(line, colon=True)
        if title and _KEY_POINTS.fullmatch(plain_text(title)):
            return _list_after(lines[n + 1:])
    return []


def _list_after(lines: list[str]) -> list[str]:
    items: list[str] = []
    for line in lines:
        item = _LIST_ITEM.match(line)
        if item:
            items.append(item.group(1))
        elif not line.strip():
            continue  # between the heading and the list, or between items
        elif items and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()  # the item goes on
        else:
            break
    return [text for text in (plain_text(item) for item in items[:MAX_POINTS]) if text]


def _first_paragraph(lines: list[str]) -> str:
    """The first paragraph of prose: not a heading, list, quote, table or code."""
    paragraph: list[str] = []
    for n, line in enumerate(lines):
        setext = n + 1 < len(lines) and _SETEXT_UNDERLINE.match(lines[n + 1])
        prose = (line.strip() and not _NOT_PROSE.match(line) and not _heading(line)
                 and not _SETEXT_UNDERLINE.match(line) and not (setext and not paragraph))
        if prose:
            paragraph.append(line)
        elif paragraph:
            break
    return plain_text(" ".join(paragraph))


def _first_sentences(text: str, max_chars: int) -> str:
    summary = ""
    for count, (_, end) in enumerate(sentence_spans(text), start=1):
        candidate = text[:end]
        if summary and (len(candidate) > max_chars or count > MAX_SENTENCES):
            break
        summary = candidate
    return _shortened(summary or text, max_chars)


def _shortened(text: str, max_chars: int) -> str:
    """At most max_chars, cut at a space where there is one."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"
