"""An article's text as Markdown blocks: abstracts, body, back matter and floats, one handler
per kind of block element."""

from __future__ import annotations

from lxml import etree

from reviewapp.citations.jats.inline import BLOCK_TAGS, InlineRenderer
from reviewapp.citations.jats.markdown import STRONG, escape_block_start
from reviewapp.citations.jats.text import SILENT, local_name

# Abstracts that are not the authors' text for review: one-line table-of-contents blurbs and
# the editors' lay summaries.
_SKIPPED_ABSTRACT_TYPES = frozenset({"toc", "teaser", "editors-summary", "editor", "precis"})
# Back matter that belongs to the article's text (acknowledgements, glossaries and notes
# about competing interests do not).
_BACK_CONTENT = frozenset({"sec", "app-group", "app", "boxed-text"})

_SECTIONS = ("sec", "app", "abstract", "trans-abstract", "app-group")
_CAPTIONED = (
    "fig", "table-wrap", "boxed-text", "supplementary-material", "media", "chem-struct-wrap",
    "fig-group", "table-wrap-group", "statement",
)
_LABELLED = ("fn", "fn-group", "table-wrap-foot", "alternatives", "verse-group", "speech",
             "disp-formula-group")
_ORDERED_LIST_TYPES = ("order", "arabic", "alpha-lower", "alpha-upper", "roman-lower",
                       "roman-upper")


def render_body(root: etree._Element, positions: dict[str, int]) -> str:
    """The article's text as Markdown; `positions` numbers the references by their ids."""
    renderer = BodyRenderer(positions)
    blocks: list[str] = []
    for abstract in root.iterfind("front/article-meta/abstract"):
        if abstract.get("abstract-type") not in _SKIPPED_ABSTRACT_TYPES:
            blocks.extend(renderer.section(abstract, 2, default_title="Abstract"))
    body = root.find("body")
    if body is not None:
        blocks.extend(renderer.children(body, 2))
    back = root.find("back")
    if back is not None:
        for child in back:
            if local_name(child) in _BACK_CONTENT:
                blocks.extend(renderer.block(child, 2))
    floats = root.find("floats-group")
    if floats is not None:
        blocks.extend(renderer.children(floats, 2))
    return "\n\n".join(blocks)


class BodyRenderer(InlineRenderer):
    """Block elements → Markdown blocks; `depth` is the heading level of the next section."""

    def children(self, element, depth: int) -> list[str]:
        blocks: list[str] = []
        loose = [element.text or ""]
        for child in element:
            name = local_name(child)
            if name in ("title", "label", "caption", "attrib") or name in SILENT:
                continue
            if isinstance(child, etree._Entity) or name not in BLOCK_TAGS and not _has_blocks(
                    child):
                loose.append(self.inline_child(child))
                loose.append(child.tail or "")
                continue
            blocks.extend(self._paragraph("".join(loose)))
            loose = [child.tail or ""]
            blocks.extend(self.block(child, depth))
        blocks.extend(self._paragraph("".join(loose)))
        return blocks

    def block(self, element, depth: int) -> list[str]:
        name = local_name(element)
        handler = self._BLOCK_HANDLERS.get(name)
        if handler is not None:
            return handler(self, element, depth)
        if name in SILENT:
            return []
        if _has_blocks(element):
            return self.children(element, depth)
        return self._paragraph(self.inline(element))

    def section(self, element, depth: int, default_title: str = "") -> list[str]:
        heading = self._label_and_title(element) or default_title
        blocks = []
        if heading:
            text = self.finish(heading)
            if text:
                blocks.append(f"{'#' * min(depth, 6)} {text}")
        return blocks + self.children(element, depth + 1)

    # One handler per element, all taking the element and the depth ----------------------

    def _mixed_paragraphs(self, element, depth: int) -> list[str]:
        """A <p> may hold lists, tables and figures; they split it into several blocks."""
        blocks: list[str] = []
        buffer = [element.text or ""]
        for child in element:
            if local_name(child) in BLOCK_TAGS:
                blocks.extend(self._paragraph("".join(buffer)))
                blocks.extend(self.block(child, depth))
                buffer = [child.tail or ""]
            else:
                buffer.append(self.inline_child(child))
                buffer.append(child.tail or "")
        blocks.extend(self._paragraph("".join(buffer)))
        return blocks

    def _list(self, element, depth: int) -> list[str]:
        blocks = []
        title = self._label_and_title(element)
        if title:
            blocks.extend(self._paragraph(title))
        ordered = element.get("list-type") in _ORDERED_LIST_TYPES
        lines = []
        number = 0
        for item in element:
            if local_name(item) != "list-item":
                continue
            number += 1
            item_blocks = self.children(item, depth)
            label = item.find("label")
            if label is not None and item_blocks:
                item_blocks[0] = f"{self.finish(self.inline(label))} {item_blocks[0]}".strip()
            if not item_blocks:
                continue
            bullet = f"{number}. " if ordered else "- "
            indent = " " * len(bullet)
            text = "\n\n".join(item_blocks)
            lines.append(bullet + text.replace("\n", "\n" + indent).replace(
                "\n" + indent + "\n", "\n\n"))
        if lines:
            blocks.append("\n".join(lines))
        return blocks

    def _quote(self, element, depth: int) -> list[str]:
        quoted = self.children(element, depth + 1)
        attribution = element.find("attrib")
        if attribution is not None:
            quoted.extend(self._paragraph("— " + self.inline(attribution)))
        return ["\n".join(f"> {line}" if line else ">" for line in block.split("\n"))
                for block in _join_as_one(quoted)]

    def _captioned(self, element, depth: int) -> list[str]:
        """Figures, tables, boxes and supplementary files: their label and caption as text."""
        caption = element.find("caption")
        blocks = self._caption_head(element, caption)
        if caption is not None:
            blocks.extend(self.children(caption, depth + 1))
        if local_name(element) == "boxed-text":
            blocks.extend(self.children(element, depth + 1))
            return blocks
        for child in element:
            name = local_name(child)
            if name in ("label", "caption", "title") or name in SILENT:
                continue
            if name == "alternatives":
                textual = [c for c in child if local_name(c) not in SILENT]
                if textual:
                    blocks.extend(self.block(textual[0], depth + 1))
                continue
            blocks.extend(self.block(child, depth + 1))
        return blocks

    def _labelled(self, element, depth: int) -> list[str]:
        """Footnotes and similar: the label goes in front of the first paragraph."""
        if local_name(element) == "alternatives":
            textual = [c for c in element if local_name(c) not in SILENT]
            return self.block(textual[0], depth) if textual else []
        blocks = self.children(element, depth)
        label = element.find("label")
        if label is not None:
            label_text = self.finish(self.inline(label))
            if blocks and label_text:
                blocks[0] = f"{label_text} {blocks[0]}"
            elif label_text:
                blocks = [label_text]
        title = element.find("title")
        if title is not None:
            blocks = self._paragraph(self.inline(title)) + blocks
        return blocks

    def _definitions(self, element, _depth: int) -> list[str]:
        blocks = []
        title = element.find("title")
        if title is not None:
            blocks.extend(self._paragraph(self.inline(title)))
        for item in element.iter("def-item"):
            term = item.find("term")
            definition = item.find("def")
            term_text = self.inline(term).strip() if term is not None else ""
            definition_text = self.inline(definition).strip() if definition is not None else ""
            blocks.extend(self._paragraph(
                f"{term_text}: {definition_text}" if term_text else definition_text))
        return blocks

    def _table(self, element, _depth: int) -> list[str]:
        """One paragraph per row, cells separated by " | "."""
        blocks = []
        for row in element.iter("tr"):
            cells = [self.finish(self.inline(cell)) for cell in row
                     if local_name(cell) in ("td", "th")]
            cells = [cell for cell in cells if cell]
            if cells:
                blocks.append(escape_block_start(" | ".join(cells)))
        return blocks

    _BLOCK_HANDLERS = {
        **dict.fromkeys(_SECTIONS, section),
        "p": _mixed_paragraphs,
        "list": _list,
        "disp-quote": _quote,
        **dict.fromkeys(_CAPTIONED, _captioned),
        "table": _table,
        "def-list": _definitions,
        **dict.fromkeys(_LABELLED, _labelled),
    }

    # Pieces ------------------------------------------------------------------------------

    def _label_and_title(self, element) -> str:
        label = element.find("label")
        title = element.find("title")
        parts = [self.inline(part) for part in (label, title) if part is not None]
        return " ".join(part.strip() for part in parts if part.strip())

    def _caption_head(self, element, caption) -> list[str]:
        """"**Figure 1.** Title" from the label and the caption's title."""
        label = element.find("label")
        title = caption.find("title") if caption is not None else element.find("title")
        label_text = self.inline(label).strip() if label is not None else ""
        title_text = self.inline(title).strip() if title is not None else ""
        if label_text and label_text[-1] not in ".:":
            label_text += "."
        head = " ".join(part for part in (
            f"{STRONG}{label_text}{STRONG}" if label_text else "", title_text) if part)
        return self._paragraph(head)

    def _paragraph(self, text: str) -> list[str]:
        finished = self.finish(text)
        return [escape_block_start(finished)] if finished else []


def _has_blocks(element) -> bool:
    return any(local_name(child) in BLOCK_TAGS for child in element)


def _join_as_one(blocks: list[str]) -> list[str]:
    return ["\n\n".join(blocks)] if blocks else []
