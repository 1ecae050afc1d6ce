"""The article body as the checks read it: code blanked, cut into blocks (paragraphs, list
items, headings, table rows), with its citation markers; sentences are split on demand."""

import bisect
import re
from dataclasses import dataclass

from reviewapp.citations.identifiers import find_web_urls
from reviewapp.citations.markers import Marker, find_markers_in_masked, mask_code
from reviewapp.citations.sentences import sentence_spans

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")
_HEADING = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")
_SETEXT_OR_RULE = re.compile(r"[ \t]{0,3}(?:=+|-+|(?:[-*_][ \t]*){3,})[ \t]*$")
_TABLE_ROW = re.compile(r"[ \t]*\|")
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_LINE_PREFIX = re.compile(r"^[ \t]*(?:>[ \t]?)*(?:[-*+]|\d{1,9}[.)]|#{1,6})?[ \t]", re.MULTILINE)

Span = tuple[int, int]  # [start, end) offsets in the body


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    kind: str  # "text" (a paragraph or list item), "heading" or "table" (one row)


class Document:
    """The body with code blanked, cut into blocks; sentences are split on demand."""

    def __init__(self, body: str):
        self.body = body
        self.masked = mask_code(body)
        self.blocks = _blocks(self.masked)
        self.block_starts = [block.start for block in self.blocks]
        self.markers: list[Marker] = find_markers_in_masked(self.masked)
        self.marker_starts = [marker.start for marker in self.markers]
        self._texts: dict[int, str] = {}
        self._sentences: dict[int, list[Span]] = {}

    def block_at(self, offset: int) -> Block | None:
        index = bisect.bisect_right(self.block_starts, offset) - 1
        if index >= 0 and offset < self.blocks[index].end:
            return self.blocks[index]
        return None

    def text_of(self, block: Block) -> str:
        """The block as the splitter and the claim patterns see it (same length)."""
        if block.start not in self._texts:
            self._texts[block.start] = _for_splitting(self.masked[block.start:block.end])
        return self._texts[block.start]

    def sentences(self, block: Block) -> list[Span]:
        if block.start not in self._sentences:
            text = self.text_of(block)
            if block.kind == "text":
                spans = sentence_spans(text)  # cached per paragraph text
            else:
                lead = len(text) - len(text.lstrip())
                spans = ((lead, len(text.rstrip())),) if text.strip() else ()
            self._sentences[block.start] = [
                (block.start + start, block.start + end) for start, end in spans]
        return self._sentences[block.start]

    def sentence_at(self, offset: int) -> Span | None:
        """The sentence holding offset; between sentences, the one before."""
        block = self.block_at(offset)
        spans = self.sentences(block) if block else []
        if not spans:
            return None
        index = bisect.bisect_right(spans, (offset, len(self.body) + 1)) - 1
        return spans[max(index, 0)]

    def sentence_text(self, span: Span | None) -> str | None:
        if span is None:
            return None
        return " ".join(self.body[span[0]:span[1]].split()) or None

    def sentence_text_at(self, offset: int) -> str | None:
        """The text of the sentence holding offset, with its spacing collapsed."""
        return self.sentence_text(self.sentence_at(offset))

    def markers_between(self, start: int, end: int) -> list[Marker]:
        low = bisect.bisect_left(self.marker_starts, start)
        high = bisect.bisect_left(self.marker_starts, end)
        return self.markers[low:high]


def _blocks(masked: str) -> list[Block]:
    blocks: list[Block] = []
    current: list[int] = []  # [start, end] of the paragraph being read

    def close(kind: str = "text") -> None:
        if current:
            blocks.append(Block(current[0], current[1], kind))
            current.clear()

    for found in _LINE.finditer(masked):
        if found.start() == found.end():
            break
        line_start = found.start()
        line = found[0].rstrip("\r\n")
        line_end = line_start + len(line)
        if not line.strip():
            close()
        elif _HEADING.match(line):
            close()
            blocks.append(Block(line_start, line_end, "heading"))
        elif _SETEXT_OR_RULE.match(line):
            close("heading" if re.match(r"[ \t]*[=-]+[ \t]*$", line) else "text")
        elif _TABLE_ROW.match(line):
            close()
            blocks.append(Block(line_start, line_end, "table"))
        else:
            if _LIST_ITEM.match(line):
                close()
            if not current:
                current[:] = [line_start, line_end]
            current[1] = line_end
    close()
    return blocks


def _for_splitting(text: str) -> str:
    """Same length as `text`: line breaks, list bullets, quote marks and links blanked so
    that they do not look like sentence ends to the splitter."""
    text = _LINE_PREFIX.sub(lambda found: " " * len(found[0]), text)
    pieces, position = [], 0
    for start, url in find_web_urls(text):
        pieces += [text[position:start], "x" * len(url)]
        position = start + len(url)
    pieces.append(text[position:])
    return "".join(pieces).replace("\r", " ").replace("\n", " ").replace("\t", " ")
