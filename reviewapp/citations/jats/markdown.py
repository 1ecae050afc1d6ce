"""Placeholder text → Markdown. The renderer marks citations, emphasis and links with
private-use characters; finish() turns each group of citations into one numbered marker
("[3]", "[1,4]", "[8–10]") and escapes the rest of the text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewapp.citations.jats.text import PRIVATE

# Private-use characters stand for Markdown syntax while the text around it is escaped.
CITE_OPEN, CITE_CLOSE = "\ue000", "\ue001"
_MARK_OPEN, _MARK_CLOSE = "\ue002", "\ue003"
EM, STRONG = "\ue004", "\ue005"
LINK_OPEN, LINK_MID, LINK_CLOSE = "\ue006", "\ue007", "\ue008"
_AFTER_MARKER = "\ue009"

DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212-"
_CITE = f"{CITE_OPEN}\\d+{CITE_CLOSE}"
# Between two citations of one group: a comma or a dash, and brackets closed and reopened
# around each number ("[1], [2]", "[19]–[21]", "3,4").
_SEPARATOR = rf"\s*\]?\s*(?:[,;{DASHES}]\s*)?\[?\s*"
_CITATION_GROUP = re.compile(
    rf"(?P<open>\[\s*)?(?P<cites>{_CITE}(?:{_SEPARATOR}{_CITE})*)(?P<close>\s*\])?")
_CITE_WITH_SEPARATOR = re.compile(rf"(?P<sep>{_SEPARATOR})?{CITE_OPEN}(?P<i>\d+){CITE_CLOSE}")


@dataclass(frozen=True)
class Cite:
    """One <xref ref-type="bibr">: the numbers it stands for, as (first, last) ranges."""

    items: tuple[tuple[int, int], ...]


def finish(text: str, cites: list[Cite]) -> str:
    """Placeholder text → Markdown: citation groups become markers, text is escaped.

    `cites` is indexed by the numbers inside the CITE_OPEN … CITE_CLOSE placeholders."""
    text, markers = _mark_citation_groups(text, cites)
    text, links = _mark_links(text)
    text = escape_markdown(text)
    text = text.replace(EM, "*").replace(STRONG, "**")
    text = re.sub(f"{_MARK_OPEN}L(\\d+){_MARK_CLOSE}", lambda m: links[int(m.group(1))], text)
    text = re.sub(f"{_MARK_OPEN}(\\d+){_MARK_CLOSE}",
                  lambda m: markers[int(m.group(1))] + _AFTER_MARKER, text)
    # "[19](p. 107)", "[10–18](see …)" or "[346][355]" could be read as a link: a space
    # after the marker keeps it a citation (a link needs "](" or "][" with nothing between).
    text = re.sub(f"{_AFTER_MARKER}{PRIVATE.pattern}*(?=[(\\[])", " ", text)
    return PRIVATE.sub("", text).strip()


def _mark_citation_groups(text: str, cites: list[Cite]) -> tuple[str, list[str]]:
    """Each run of citations → one placeholder for its marker, which goes in the list."""
    markers: list[str] = []

    def group(match: re.Match) -> str:
        items = _group_items(match.group("cites"), cites)
        opened, closed = match.group("open"), match.group("close")
        marker = "[" + ",".join(
            str(a) if a == b else f"{a}\u2013{b}" for a, b in items) + "]"
        prefix = suffix = ""
        if opened and not closed:
            prefix = opened
        if closed and not opened:
            suffix = closed
        markers.append(marker)
        return f"{prefix}{_MARK_OPEN}{len(markers) - 1}{_MARK_CLOSE}{suffix}"

    # Collapse whitespace first: the separator pattern then never backtracks over long runs.
    text = _CITATION_GROUP.sub(group, re.sub(r"\s+", " ", text))
    text = re.sub(r"\s+", " ", text).strip()
    # A marker directly after a word ("disease<sup>1</sup>") gets a space before it.
    text = re.sub(rf"(?<=\w){_MARK_OPEN}", f" {_MARK_OPEN}", text)
    return text, markers


def _group_items(group: str, cites: list[Cite]) -> list[tuple[int, int]]:
    items: list[tuple[int, int]] = []
    for part in _CITE_WITH_SEPARATOR.finditer(group):
        cite = cites[int(part.group("i"))]
        separator = part.group("sep") or ""
        if items and any(dash in separator for dash in DASHES):
            # "[19]–[21]": every number from the last one before the dash.
            first = items[-1][0]
            items[-1] = (first, cite.items[0][1])
            items.extend(cite.items[1:])
        else:
            items.extend(cite.items)
    return items


def _mark_links(text: str) -> tuple[str, list[str]]:
    """Each link → a placeholder for its Markdown, written before the text is escaped."""
    links: list[str] = []

    def link(match: re.Match) -> str:
        label = escape_markdown(match.group(1)).replace("[", "\\[").replace("]", "\\]")
        href = match.group(2).replace(" ", "%20").replace(")", "%29")
        links.append(f"[{label}]({href})")
        return f"{_MARK_OPEN}L{len(links) - 1}{_MARK_CLOSE}"

    return re.sub(f"{LINK_OPEN}(.*?){LINK_MID}(.*?){LINK_CLOSE}", link, text), links


def escape_markdown(text: str) -> str:
    """Escape what Markdown would read as syntax in running text."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")
    text = re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", r"\\<", text)
    text = re.sub(r"&(?=#?\w+;)", r"\\&", text)
    return text


def escape_block_start(text: str) -> str:
    """A paragraph must not begin like a heading, quote, list item, code fence or link
    definition ("[3]: Smith" would define a link and vanish, citation and all)."""
    definition = re.match(r"\[[^\]]*\]:", text)
    if definition:
        return f"{text[:definition.end() - 1]}\\{text[definition.end() - 1:]}"
    if re.match(r"[#>+=~-]|\d+[.)](?:\s|$)", text):
        match = re.match(r"\d+", text)
        if match:
            return f"{match.group(0)}\\{text[match.end():]}"
        return "\\" + text
    return text
