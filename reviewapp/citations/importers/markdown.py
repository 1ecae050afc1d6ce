"""The reference section of a Markdown article: split off the body, one line per reference."""

from __future__ import annotations

import re
from typing import NamedTuple

from reviewapp.citations.importers.work import clean
from reviewapp.citations.reference_list import ListReader, ReferenceList

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*(?:[ \t]#+[ \t]*)?$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:\[\d{1,5}\]|\d{1,5}[.)]|[-*+])\s+")
_REFERENCE_TITLES = frozenset({
    "references", "reference list", "bibliography", "literature cited", "works cited",
})
# A bare "References" line above a list is taken as a heading below every Markdown level.
_BARE_LEVEL = 7


class MarkdownDocument(NamedTuple):
    body: str
    references: list[str]
    notes: list[str]  # for the author: a DOI or link a line break may have cut, and the like


def parse_markdown_document(text: str) -> MarkdownDocument:
    """Split a Markdown article into its body and references.

    The references are the items of the list under the last heading called "References" (any
    level, ATX "## References" or setext "References\\n---", or a bare "References" line
    directly above the list). The section ends at the next heading of the same or a higher
    level; whatever follows it stays in the body. Items are split and their wrapped lines
    joined as a pasted list is (citations/reference_list.py): item numbers ("1.", "[1]") are
    removed, a wrapped line that starts with a number out of the count ("2019. doi:…") stays
    in its item, and a DOI or link broken by the wrap is joined.
    """
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings = _headings(lines)
    reference_headings = [h for h in headings if _is_reference_title(h[3])]
    if not reference_headings:
        return MarkdownDocument("\n".join(lines).rstrip(), [], [])
    start, content_start, level, _ = reference_headings[-1]
    end = len(lines)
    for other_start, _, other_level, _ in headings:
        if other_start >= content_start and other_level <= level:
            end = other_start
            break
    found = _list_items(lines, content_start, end, headings)
    before = "\n".join(lines[:start]).rstrip()
    after = "\n".join(lines[end:]).strip("\n").rstrip()
    body = f"{before}\n\n{after}" if before and after else before or after
    return MarkdownDocument(body, found.entries, found.notes)


def _list_items(lines: list[str], first: int, end: int,
                headings: list[tuple[int, int, int, str]]) -> ReferenceList:
    """The entries of the reference section lines[first:end]: a blank line or a heading
    also ends an item, as in Markdown."""
    reader = ListReader(None)
    inner_headings = {h[0]: h[1] for h in headings if first <= h[0] < end}
    skip_until = first
    for index in range(first, end):
        if index < skip_until:
            continue
        if index in inner_headings:
            skip_until = inner_headings[index]
            reader.end_item()
        elif lines[index].strip():
            reader.add(lines[index])
        else:
            reader.end_item()
    found = reader.result()
    return ReferenceList([clean(entry) for entry in found.entries], found.notes)


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
