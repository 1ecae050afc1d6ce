"""The reference section of a Markdown article: split off the body, one line per reference."""

from __future__ import annotations

import re

from reviewapp.citations.importers.work import clean

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*(?:[ \t]#+[ \t]*)?$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:\[\d{1,5}\]|\d{1,5}[.)]|[-*+])\s+")
_REFERENCE_TITLES = frozenset({
    "references", "reference list", "bibliography", "literature cited", "works cited",
})
# A bare "References" line above a list is taken as a heading below every Markdown level.
_BARE_LEVEL = 7


def parse_markdown_document(text: str) -> tuple[str, list[str]]:
    """Split a Markdown article into (body, references).

    The references are the items of the list under the last heading called "References" (any
    level, ATX "## References" or setext "References\\n---", or a bare "References" line
    directly above the list). The section ends at the next heading of the same or a higher
    level; whatever follows it stays in the body. Item numbers ("1.", "[1]") are removed, and
    a reference wrapped over several lines becomes one line.
    """
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings = _headings(lines)
    reference_headings = [h for h in headings if _is_reference_title(h[3])]
    if not reference_headings:
        return "\n".join(lines).rstrip(), []
    start, content_start, level, _ = reference_headings[-1]
    end = len(lines)
    for other_start, _, other_level, _ in headings:
        if other_start >= content_start and other_level <= level:
            end = other_start
            break

    entries: list[str] = []
    current: list[str] | None = None
    inner_headings = {h[0] for h in headings if content_start <= h[0] < end}
    skip_until = content_start
    for index in range(content_start, end):
        if index < skip_until:
            continue
        if index in inner_headings:
            heading = next(h for h in headings if h[0] == index)
            skip_until = heading[1]
            current = None
            continue
        line = lines[index]
        if not line.strip():
            current = None
            continue
        item = _LIST_ITEM.match(line)
        if item or current is None:
            current = [line[item.end():] if item else line]
            entries.append("")
        else:
            current.append(line)
        entries[-1] = clean(" ".join(current))
    entries = [entry for entry in entries if entry]

    before = "\n".join(lines[:start]).rstrip()
    after = "\n".join(lines[end:]).strip("\n").rstrip()
    body = f"{before}\n\n{after}" if before and after else before or after
    return body, entries


def _is_reference_title(title: str) -> bool:
    title = re.sub(r"^[*_]+|[*_]+$", "", title.strip()).strip().rstrip(":").strip()
    return title.lower() in _REFERENCE_TITLES


def _headings(lines: list[str]) -> list[tuple[int, int, int, str]]:
    """(first line, first line after it, level, text) of each heading outside code fences."""
    found = []
    fence = ""
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(
                    fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        atx = _ATX_HEADING.match(line)
        if atx:
            found.append((index, index + 1, len(atx.group(1)), atx.group(2) or ""))
            continue
        previous_blank = index == 0 or not lines[index - 1].strip()
        if not line.strip() or not previous_blank or _LIST_ITEM.match(line):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        underline = _SETEXT_UNDERLINE.match(following)
        if underline:
            found.append((index, index + 2, 1 if underline.group(1)[0] == "=" else 2,
                          line.strip()))
        elif _is_reference_title(line) and _list_follows(lines, index + 1):
            found.append((index, index + 1, _BARE_LEVEL, line.strip()))
    return found


def _list_follows(lines: list[str], index: int) -> bool:
    for line in lines[index:]:
        if line.strip():
            return bool(_LIST_ITEM.match(line))
    return False
