"""Running text of a JATS element, with citations, emphasis and links held as placeholders
until finish() writes them as Markdown."""

from __future__ import annotations

import re

from lxml import etree

from reviewapp.citations.jats.markdown import (
    CITE_CLOSE,
    CITE_OPEN,
    DASHES,
    EM,
    LINK_CLOSE,
    LINK_MID,
    LINK_OPEN,
    STRONG,
    Cite,
    finish,
)
from reviewapp.citations.jats.text import (
    PRIVATE,
    SILENT,
    collapse,
    entity_text,
    local_name,
    plain_text,
)

# Elements that end a paragraph when they occur inside one and are rendered as blocks.
BLOCK_TAGS = frozenset({
    "p", "sec", "list", "disp-quote", "fig", "fig-group", "table-wrap", "table-wrap-group",
    "boxed-text", "disp-formula", "disp-formula-group", "def-list", "supplementary-material",
    "fn", "fn-group", "statement", "preformat", "code", "array", "table", "chem-struct-wrap",
    "speech", "verse-group", "media", "table-wrap-foot", "app", "app-group",
})
# Inline, these are set off from the text around them by a space on each side.
_SPACED = BLOCK_TAGS | {"list-item", "td", "th", "title", "caption"}
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"

_NUMBER_RANGE = re.compile(rf"(\d+)\s*[{DASHES}]\s*(\d+)")
_NUMBER = re.compile(r"\d+")


class InlineRenderer:
    """Renders inline markup. Every <xref ref-type="bibr"> becomes a placeholder indexing
    the Cite it stands for; `positions` maps a reference's ids to its number in the list."""

    def __init__(self, positions: dict[str, int]):
        self._positions = positions
        self._cites: list[Cite] = []

    def inline(self, element) -> str:
        parts = [PRIVATE.sub("", element.text or "")]
        for child in element:
            parts.append(self.inline_child(child))
            parts.append(PRIVATE.sub("", child.tail or ""))
        return "".join(parts)

    def inline_child(self, child) -> str:
        if isinstance(child, etree._Entity):
            return entity_text(child)
        name = local_name(child)
        if name in SILENT:
            return ""
        handler = self._INLINE_HANDLERS.get(name)
        if handler is not None:
            return handler(self, child)
        if name in _SPACED:
            return f" {self.inline(child)} "
        return self.inline(child)

    def finish(self, text: str) -> str:
        return finish(text, self._cites)

    # One handler per element, all taking the element ------------------------------------

    def _xref(self, xref) -> str:
        if xref.get("ref-type") == "bibr":
            return self._cite(xref)
        return self.inline(xref)

    def _emphasis(self, element) -> str:
        mark = EM if local_name(element) == "italic" else STRONG
        inner = self.inline(element)
        stripped = inner.strip()
        if not stripped:
            return inner
        leading = inner[: len(inner) - len(inner.lstrip())]
        trailing = inner[len(inner.rstrip()):]
        return f"{leading}{mark}{stripped}{mark}{trailing}"

    def _link(self, element) -> str:
        text = collapse(self.inline(element))
        href = (element.get(_XLINK_HREF) or "").strip()
        if not re.match(r"https?://", href, re.I) or collapse(text) in ("", href):
            return text or href
        return f"{LINK_OPEN}{text}{LINK_MID}{href}{LINK_CLOSE}"

    def _break(self, _element) -> str:
        return " "

    def _alternatives(self, element) -> str:
        """The first of several renderings (MathML, TeX, an image) that has text."""
        textual = [c for c in element if local_name(c) not in SILENT]
        if textual:
            return self.inline(textual[0])
        return self.inline(element)

    def _inline_formula(self, element) -> str:
        textual = [c for c in element if local_name(c) not in SILENT]
        if textual and local_name(textual[0]) == "alternatives":
            return self.inline_child(textual[0])
        return self.inline(element)

    _INLINE_HANDLERS = {
        "xref": _xref, "italic": _emphasis, "bold": _emphasis, "ext-link": _link, "uri": _link,
        "break": _break, "alternatives": _alternatives, "inline-formula": _inline_formula,
    }

    # Citations ---------------------------------------------------------------------------

    def _cite(self, xref) -> str:
        self._cites.append(Cite(tuple(self._cited_items(xref))))
        return f"{CITE_OPEN}{len(self._cites) - 1}{CITE_CLOSE}"

    def _cited_items(self, xref) -> list[tuple[int, int]]:
        """The (first, last) reference numbers one citation stands for."""
        shown = plain_text(xref)
        shown_range = _NUMBER_RANGE.search(shown)
        rids = (xref.get("rid") or "").split()
        numbers = [self._positions[rid] for rid in rids if rid in self._positions]
        if numbers:
            if shown_range and len(numbers) == 1:
                # <xref rid="b8">8–10</xref>: one target standing for a printed range.
                first, last = int(shown_range.group(1)), int(shown_range.group(2))
                if last > first:
                    return [(numbers[0], numbers[0] + last - first)]
            return [(number, number) for number in numbers]
        printed = _NUMBER.search(shown)
        number = int(printed.group(0)) if printed else 0
        if rids:
            # It names a reference the list does not have. The printed number
            # would silently cite another reference, unless it is past the end:
            # keep it then, else use the first number past the end, so the check
            # reports a marker that points at no reference.
            if number <= len(self._positions):
                number = len(self._positions) + 1
        elif shown_range:
            return [(int(shown_range.group(1)), int(shown_range.group(2)))]
        return [(number, number)]
