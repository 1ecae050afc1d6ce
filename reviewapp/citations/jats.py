"""Import a JATS XML article (as PLOS and PubMed Central publish them) as a Markdown body with
numbered citation markers and a reference list. Pure module: lxml only, no Flask or SQLAlchemy."""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass

from lxml import etree

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
# libxml2 refuses nesting deeper than 256 without huge_tree; the renderer recurses, so stop
# well before Python's recursion limit.
_MAX_DEPTH = 160

# Abstracts that are not the authors' text for review: one-line table-of-contents blurbs and
# the editors' lay summaries.
_SKIPPED_ABSTRACT_TYPES = frozenset({"toc", "teaser", "editors-summary", "editor", "precis"})
# Back matter that belongs to the article's text (acknowledgements, glossaries and notes
# about competing interests do not).
_BACK_CONTENT = frozenset({"sec", "app-group", "app", "boxed-text"})

# Elements that end a paragraph when they occur inside one and are rendered as blocks.
_BLOCK_TAGS = frozenset({
    "p", "sec", "list", "disp-quote", "fig", "fig-group", "table-wrap", "table-wrap-group",
    "boxed-text", "disp-formula", "disp-formula-group", "def-list", "supplementary-material",
    "fn", "fn-group", "statement", "preformat", "code", "array", "table", "chem-struct-wrap",
    "speech", "verse-group", "media", "table-wrap-foot", "app", "app-group",
})
_CAPTIONED = frozenset({
    "fig", "table-wrap", "boxed-text", "supplementary-material", "media", "chem-struct-wrap",
    "fig-group", "table-wrap-group", "statement",
})
_SILENT = frozenset({
    "graphic", "inline-graphic", "object-id", "alt-text", "long-desc", "permissions",
    "sec-meta", "kwd-group", "processing-meta", "counts",
})

# Private-use characters stand for Markdown syntax while the text around it is escaped.
_CITE_OPEN, _CITE_CLOSE = "\ue000", "\ue001"
_MARK_OPEN, _MARK_CLOSE = "\ue002", "\ue003"
_EM, _STRONG = "\ue004", "\ue005"
_LINK_OPEN, _LINK_MID, _LINK_CLOSE = "\ue006", "\ue007", "\ue008"
_PRIVATE = re.compile("[\ue000-\ue00f]")

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212-"
_CITE = f"{_CITE_OPEN}\\d+{_CITE_CLOSE}"
# Between two citations of one group: a comma or a dash, and brackets closed and reopened
# around each number ("[1], [2]", "[19]–[21]", "3,4").
_SEPARATOR = rf"\s*\]?\s*(?:[,;{_DASHES}]\s*)?\[?\s*"
_CITATION_GROUP = re.compile(
    rf"(?P<open>\[\s*)?(?P<cites>{_CITE}(?:{_SEPARATOR}{_CITE})*)(?P<close>\s*\])?")
_CITE_WITH_SEPARATOR = re.compile(rf"(?P<sep>{_SEPARATOR})?{_CITE_OPEN}(?P<i>\d+){_CITE_CLOSE}")
_NUMBER_RANGE = re.compile(rf"(\d+)\s*[{_DASHES}]\s*(\d+)")
_NUMBER = re.compile(r"\d+")

_DOI_TEXT = re.compile(r"\b(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?(10\.\d{4,9}/\S+)", re.I)
_DOI_LABELLED = re.compile(r"\bdoi:\s*(10\.\d{4,9}/\S+)", re.I)
_DOI_URL = re.compile(r"^(?:https?://)?(?:dx\.|www\.)?doi\.org/(10\.\d{4,9}/\S+)$", re.I)
_PUBMED_URL = re.compile(r"ncbi\.nlm\.nih\.gov/(?:pubmed|entrez/query\.fcgi\?.*list_uids=)/?(\d+)")


@dataclass(frozen=True)
class ImportedArticle:
    title: str
    body: str
    references: list[str]


class JatsImportError(Exception):
    """The file is not a JATS article this importer can read safely; the message says why."""


def parse_jats(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedArticle:
    """Title, Markdown body and references of a JATS article.

    References are numbered by their order in back/ref-list; every <xref ref-type="bibr"> in
    the text becomes a marker with those numbers ("[3]", "[1,4]", "[8–10]"). A citation whose
    target is missing from the reference list keeps the number printed in the XML (or 0), so
    the citation checks report it instead of it silently disappearing.
    """
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > max_bytes:
        raise JatsImportError(
            f"The XML file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if b"<!ENTITY" in data:
        raise JatsImportError(
            "The XML declares its own entities (<!ENTITY …>); such files are refused because "
            "entities can expand without bound or read other files.")
    root = _parse_xml(data)
    if _local(root) != "article":
        raise JatsImportError(
            f"This is not a JATS article: the root element is <{_local(root)}>, "
            "expected <article>.")

    title_element = root.find("front/article-meta/title-group/article-title")
    title = _collapse(_plain_text(title_element)) if title_element is not None else ""
    if not title:
        raise JatsImportError(
            "The article has no title (front/article-meta/title-group/article-title).")

    back = root.find("back")
    refs = back.xpath(".//ref-list/ref") if back is not None else []
    positions: dict[str, int] = {}
    for number, ref in enumerate(refs, start=1):
        for element in ref.iter():
            element_id = element.get("id") if isinstance(element.tag, str) else None
            if element_id:
                positions.setdefault(element_id, number)

    renderer = _BodyRenderer(positions)
    blocks: list[str] = []
    for abstract in root.iterfind("front/article-meta/abstract"):
        if abstract.get("abstract-type") not in _SKIPPED_ABSTRACT_TYPES:
            blocks.extend(renderer.section(abstract, 2, default_title="Abstract"))
    body = root.find("body")
    if body is not None:
        blocks.extend(renderer.children(body, 2))
    if back is not None:
        for child in back:
            if _local(child) in _BACK_CONTENT:
                blocks.extend(renderer.block(child, 2))
    floats = root.find("floats-group")
    if floats is not None:
        blocks.extend(renderer.children(floats, 2))

    references = [_reference_text(ref) for ref in refs]
    return ImportedArticle(title=title, body="\n\n".join(blocks), references=references)


def _parse_xml(data: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
        dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        message = str(error)
        if "amplification" in message or ("ntity" in message and "loop" in message):
            raise JatsImportError(
                "The XML expands entities without bound and was refused.") from None
        raise JatsImportError(f"The file is not well-formed XML: {message}") from None
    tree = root.getroottree()
    dtd = tree.docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise JatsImportError(
            "The XML declares its own entities (<!ENTITY …>); such files are refused because "
            "entities can expand without bound or read other files.")
    depth = 0
    for event, _element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > _MAX_DEPTH:
            raise JatsImportError(f"The XML is nested more than {_MAX_DEPTH} levels deep.")
    return root


# ---------------------------------------------------------------------------------------------
# Text helpers


def _local(element) -> str:
    if not isinstance(element.tag, str):
        return ""
    return etree.QName(element).localname


def _entity_text(entity) -> str:
    """Named entities the (unloaded) JATS DTD would define, such as &nbsp; or &mdash;."""
    return html.entities.html5.get(f"{entity.name};", "")


def _plain_text(element) -> str:
    """Text content of an element with entity references resolved and markup dropped."""
    parts = [element.text or ""] if isinstance(element.tag, str) else []
    for child in element:
        if isinstance(child, etree._Entity):
            parts.append(_entity_text(child))
        elif _local(child) not in _SILENT:
            parts.append(_plain_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", _PRIVATE.sub("", text)).strip()


def _escape_markdown(text: str) -> str:
    """Escape what Markdown would read as syntax in running text."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")
    text = re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", r"\\<", text)
    text = re.sub(r"&(?=#?\w+;)", r"\\&", text)
    return text


def _escape_block_start(text: str) -> str:
    """A paragraph must not begin like a heading, quote, list item or code fence."""
    if re.match(r"[#>+=~-]|\d+[.)](?:\s|$)", text):
        match = re.match(r"\d+", text)
        if match:
            return f"{match.group(0)}\\{text[match.end():]}"
        return "\\" + text
    return text


# ---------------------------------------------------------------------------------------------
# Body


@dataclass(frozen=True)
class _Cite:
    """One <xref ref-type="bibr">: the numbers it stands for, as (first, last) ranges."""

    items: tuple[tuple[int, int], ...]


class _BodyRenderer:
    def __init__(self, positions: dict[str, int]):
        self._positions = positions
        self._cites: list[_Cite] = []

    # Blocks ------------------------------------------------------------------------------

    def children(self, element, depth: int) -> list[str]:
        blocks: list[str] = []
        loose = [element.text or ""]
        for child in element:
            name = _local(child)
            if name in ("title", "label", "caption", "attrib") or name in _SILENT:
                continue
            if isinstance(child, etree._Entity) or name not in _BLOCK_TAGS and not _has_blocks(
                    child):
                loose.append(self._inline_child(child))
                loose.append(child.tail or "")
                continue
            blocks.extend(self._paragraph("".join(loose)))
            loose = [child.tail or ""]
            blocks.extend(self.block(child, depth))
        blocks.extend(self._paragraph("".join(loose)))
        return blocks

    def block(self, element, depth: int) -> list[str]:
        name = _local(element)
        if name in ("sec", "app", "abstract", "trans-abstract", "app-group"):
            return self.section(element, depth)
        if name == "p":
            return self._mixed_paragraphs(element, depth)
        if name == "list":
            return self._list(element, depth)
        if name == "disp-quote":
            quoted = self.children(element, depth + 1)
            attribution = element.find("attrib")
            if attribution is not None:
                quoted.extend(self._paragraph("— " + self._inline(attribution)))
            return ["\n".join(f"> {line}" if line else ">" for line in block.split("\n"))
                    for block in _join_as_one(quoted)]
        if name in _CAPTIONED:
            return self._captioned(element, depth)
        if name == "table":
            return self._table(element)
        if name in ("fn", "fn-group", "table-wrap-foot", "alternatives", "verse-group",
                    "speech", "def-list", "disp-formula-group"):
            if name == "def-list":
                return self._definitions(element)
            return self._labelled(element, depth)
        if name in _SILENT:
            return []
        if _has_blocks(element):
            return self.children(element, depth)
        return self._paragraph(self._inline(element))

    def section(self, element, depth: int, default_title: str = "") -> list[str]:
        heading = self._label_and_title(element) or default_title
        blocks = []
        if heading:
            text = self._finish(heading)
            if text:
                blocks.append(f"{'#' * min(depth, 6)} {text}")
        return blocks + self.children(element, depth + 1)

    def _label_and_title(self, element) -> str:
        label = element.find("label")
        title = element.find("title")
        parts = [self._inline(part) for part in (label, title) if part is not None]
        return " ".join(part.strip() for part in parts if part.strip())

    def _mixed_paragraphs(self, element, depth: int) -> list[str]:
        """A <p> may hold lists, tables and figures; they split it into several blocks."""
        blocks: list[str] = []
        buffer = [element.text or ""]
        for child in element:
            if _local(child) in _BLOCK_TAGS:
                blocks.extend(self._paragraph("".join(buffer)))
                blocks.extend(self.block(child, depth))
                buffer = [child.tail or ""]
            else:
                buffer.append(self._inline_child(child))
                buffer.append(child.tail or "")
        blocks.extend(self._paragraph("".join(buffer)))
        return blocks

    def _list(self, element, depth: int) -> list[str]:
        blocks = []
        title = self._label_and_title(element)
        if title:
            blocks.extend(self._paragraph(title))
        ordered = element.get("list-type") in ("order", "arabic", "alpha-lower", "alpha-upper",
                                               "roman-lower", "roman-upper")
        lines = []
        number = 0
        for item in element:
            if _local(item) != "list-item":
                continue
            number += 1
            item_blocks = self.children(item, depth)
            label = item.find("label")
            if label is not None and item_blocks:
                item_blocks[0] = f"{self._finish(self._inline(label))} {item_blocks[0]}".strip()
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

    def _captioned(self, element, depth: int) -> list[str]:
        """Figures, tables, boxes and supplementary files: their label and caption as text."""
        blocks: list[str] = []
        label = element.find("label")
        caption = element.find("caption")
        title = caption.find("title") if caption is not None else element.find("title")
        label_text = self._inline(label).strip() if label is not None else ""
        title_text = self._inline(title).strip() if title is not None else ""
        if label_text and label_text[-1] not in ".:":
            label_text += "."
        head = " ".join(part for part in (
            f"{_STRONG}{label_text}{_STRONG}" if label_text else "", title_text) if part)
        blocks.extend(self._paragraph(head))
        if caption is not None:
            blocks.extend(self.children(caption, depth + 1))
        if _local(element) == "boxed-text":
            blocks.extend(self.children(element, depth + 1))
            return blocks
        for child in element:
            name = _local(child)
            if name in ("label", "caption", "title") or name in _SILENT:
                continue
            if name == "alternatives":
                textual = [c for c in child if _local(c) not in _SILENT]
                if textual:
                    blocks.extend(self.block(textual[0], depth + 1))
                continue
            blocks.extend(self.block(child, depth + 1))
        return blocks

    def _labelled(self, element, depth: int) -> list[str]:
        """Footnotes and similar: the label goes in front of the first paragraph."""
        if _local(element) == "alternatives":
            textual = [c for c in element if _local(c) not in _SILENT]
            return self.block(textual[0], depth) if textual else []
        blocks = self.children(element, depth)
        label = element.find("label")
        if label is not None:
            label_text = self._finish(self._inline(label))
            if blocks and label_text:
                blocks[0] = f"{label_text} {blocks[0]}"
            elif label_text:
                blocks = [label_text]
        title = element.find("title")
        if title is not None:
            blocks = self._paragraph(self._inline(title)) + blocks
        return blocks

    def _definitions(self, element) -> list[str]:
        blocks = []
        title = element.find("title")
        if title is not None:
            blocks.extend(self._paragraph(self._inline(title)))
        for item in element.iter("def-item"):
            term = item.find("term")
            definition = item.find("def")
            term_text = self._inline(term).strip() if term is not None else ""
            definition_text = self._inline(definition).strip() if definition is not None else ""
            blocks.extend(self._paragraph(
                f"{term_text}: {definition_text}" if term_text else definition_text))
        return blocks

    def _table(self, element) -> list[str]:
        """One paragraph per row, cells separated by " | "."""
        blocks = []
        for row in element.iter("tr"):
            cells = [self._finish(self._inline(cell)) for cell in row
                     if _local(cell) in ("td", "th")]
            cells = [cell for cell in cells if cell]
            if cells:
                blocks.append(_escape_block_start(" | ".join(cells)))
        return blocks

    def _paragraph(self, text: str) -> list[str]:
        finished = self._finish(text)
        return [_escape_block_start(finished)] if finished else []

    # Inline ------------------------------------------------------------------------------

    def _inline(self, element) -> str:
        parts = [_PRIVATE.sub("", element.text or "")]
        for child in element:
            parts.append(self._inline_child(child))
            parts.append(_PRIVATE.sub("", child.tail or ""))
        return "".join(parts)

    def _inline_child(self, child) -> str:
        if isinstance(child, etree._Entity):
            return _entity_text(child)
        name = _local(child)
        if name in _SILENT:
            return ""
        if name == "xref":
            if child.get("ref-type") == "bibr":
                return self._cite(child)
            return self._inline(child)
        if name in ("italic", "bold"):
            mark = _EM if name == "italic" else _STRONG
            inner = self._inline(child)
            stripped = inner.strip()
            if not stripped:
                return inner
            leading = inner[: len(inner) - len(inner.lstrip())]
            trailing = inner[len(inner.rstrip()):]
            return f"{leading}{mark}{stripped}{mark}{trailing}"
        if name in ("ext-link", "uri"):
            return self._link(child)
        if name == "break":
            return " "
        if name in ("inline-formula", "alternatives"):
            textual = [c for c in child if _local(c) not in _SILENT]
            if textual and name == "alternatives":
                return self._inline(textual[0])
            if name == "inline-formula" and textual and _local(textual[0]) == "alternatives":
                return self._inline_child(textual[0])
        if name in _BLOCK_TAGS or name in ("list-item", "td", "th", "title", "caption"):
            return f" {self._inline(child)} "
        return self._inline(child)

    def _link(self, element) -> str:
        text = _collapse(self._inline(element))
        href = (element.get("{http://www.w3.org/1999/xlink}href") or "").strip()
        if not re.match(r"https?://", href, re.I) or _collapse(text) in ("", href):
            return text or href
        return f"{_LINK_OPEN}{text}{_LINK_MID}{href}{_LINK_CLOSE}"

    def _cite(self, xref) -> str:
        shown = _plain_text(xref)
        shown_range = _NUMBER_RANGE.search(shown)
        numbers = [self._positions[rid] for rid in (xref.get("rid") or "").split()
                   if rid in self._positions]
        items: list[tuple[int, int]] = []
        if numbers:
            items = [(number, number) for number in numbers]
            if shown_range and len(numbers) == 1:
                # <xref rid="b8">8–10</xref>: one target standing for a printed range.
                first, last = int(shown_range.group(1)), int(shown_range.group(2))
                if last > first:
                    items = [(numbers[0], numbers[0] + last - first)]
        elif (xref.get("rid") or "").strip():
            # It names a reference the list does not have. The printed number
            # would silently cite another reference, unless it is past the end:
            # keep it then, else use the first number past the end, so the check
            # reports a marker that points at no reference.
            printed = _NUMBER.search(shown)
            number = int(printed.group(0)) if printed else 0
            if number <= len(self._positions):
                number = len(self._positions) + 1
            items = [(number, number)]
        elif shown_range:
            items = [(int(shown_range.group(1)), int(shown_range.group(2)))]
        else:
            printed = _NUMBER.search(shown)
            number = int(printed.group(0)) if printed else 0
            items = [(number, number)]
        self._cites.append(_Cite(tuple(items)))
        return f"{_CITE_OPEN}{len(self._cites) - 1}{_CITE_CLOSE}"

    # Finishing ---------------------------------------------------------------------------

    def _finish(self, text: str) -> str:
        """Placeholder text → Markdown: citation groups become markers, text is escaped."""
        markers: list[str] = []

        def group(match: re.Match) -> str:
            items: list[tuple[int, int]] = []
            for part in _CITE_WITH_SEPARATOR.finditer(match.group("cites")):
                cite = self._cites[int(part.group("i"))]
                separator = part.group("sep") or ""
                if items and any(dash in separator for dash in _DASHES):
                    # "[19]–[21]": every number from the last one before the dash.
                    first = items[-1][0]
                    items[-1] = (first, cite.items[0][1])
                    items.extend(cite.items[1:])
                else:
                    items.extend(cite.items)
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
        links: list[str] = []

        def link(match: re.Match) -> str:
            label = _escape_markdown(match.group(1)).replace("[", "\\[").replace("]", "\\]")
            href = match.group(2).replace(" ", "%20").replace(")", "%29")
            links.append(f"[{label}]({href})")
            return f"{_MARK_OPEN}L{len(links) - 1}{_MARK_CLOSE}"

        text = re.sub(f"{_LINK_OPEN}(.*?){_LINK_MID}(.*?){_LINK_CLOSE}", link, text)
        text = _escape_markdown(text)
        text = text.replace(_EM, "*").replace(_STRONG, "**")
        text = re.sub(f"{_MARK_OPEN}L(\\d+){_MARK_CLOSE}", lambda m: links[int(m.group(1))], text)
        text = re.sub(f"{_MARK_OPEN}(\\d+){_MARK_CLOSE}", lambda m: markers[int(m.group(1))],
                      text)
        return _PRIVATE.sub("", text).strip()


def _has_blocks(element) -> bool:
    return any(_local(child) in _BLOCK_TAGS for child in element)


def _join_as_one(blocks: list[str]) -> list[str]:
    return ["\n\n".join(blocks)] if blocks else []


# ---------------------------------------------------------------------------------------------
# References

_CITATION_TAGS = ("mixed-citation", "element-citation", "nlm-citation", "citation")


def _reference_text(ref) -> str:
    """One reference as a line of text ending with its identifiers ("doi:…", "PMID: …")."""
    citation = None
    for tag in _CITATION_TAGS:
        citation = ref.find(tag)
        if citation is None:
            alternatives = ref.find("citation-alternatives")
            if alternatives is not None:
                citation = alternatives.find(tag)
        if citation is not None:
            break
    identifiers = _identifiers(ref)
    if citation is None:
        text = " ".join(_plain_text(child) for child in ref if _local(child) != "label")
    elif _local(citation) == "mixed-citation" and not _is_structured(citation):
        text = _mixed_text(citation)
    else:
        text = _structured_text(citation)
    text = _collapse(text)
    if "doi" not in identifiers:
        labelled = _DOI_LABELLED.search(text)
        if labelled:
            identifiers["doi"] = labelled.group(1).rstrip(".,;:)]")
    return _with_identifiers(text, identifiers)


def _is_structured(citation) -> bool:
    """Mixed citations normally carry their own punctuation; some carry none."""
    loose = [citation.text or ""] + [child.tail or "" for child in citation]
    return not "".join(loose).strip()


def _identifiers(ref) -> dict[str, str]:
    found: dict[str, str] = {}
    for pub_id in ref.iter("pub-id"):
        kind = (pub_id.get("pub-id-type") or "").lower()
        value = _collapse(_plain_text(pub_id))
        if not value:
            continue
        if kind == "doi":
            match = _DOI_URL.match(value)
            found.setdefault("doi", match.group(1) if match else re.sub(
                r"^doi:\s*", "", value, flags=re.I))
        elif kind == "pmid":
            found.setdefault("pmid", value)
        elif kind in ("pmcid", "pmc"):
            found.setdefault("pmcid", value if value.upper().startswith("PMC") else f"PMC{value}")
    for link in ref.iter("ext-link", "uri"):
        href = (link.get("{http://www.w3.org/1999/xlink}href") or "").strip()
        text = _collapse(_plain_text(link))
        for candidate in (href, text):
            match = _DOI_URL.match(candidate) or re.fullmatch(
                r"(?:doi:\s*)?(10\.\d{4,9}/\S+)", candidate, re.I)
            if match and "doi" not in found:
                found["doi"] = match.group(1).rstrip(".,;")
            pubmed = _PUBMED_URL.search(candidate)
            if pubmed and "pmid" not in found:
                found["pmid"] = pubmed.group(1)
    return found


def _with_identifiers(text: str, identifiers: dict[str, str]) -> str:
    doi, pmid, pmcid = identifiers.get("doi"), identifiers.get("pmid"), identifiers.get("pmcid")
    if doi:
        text = re.sub(
            r"(?:\bdoi:\s*|(?:https?://)?(?:dx\.|www\.)?doi\.org/)?" + re.escape(doi), "", text,
            flags=re.I)
    if pmid:
        text = re.sub(r"\bPMID:?\s*" + re.escape(pmid) + r"\b", "", text)
    if pmcid:
        text = re.sub(r"\b(?:PMCID:?\s*)?" + re.escape(pmcid) + r"\b", "", text)
    text = re.sub(r"\bdoi:\s*(?=[.,;]|$)", "", text, flags=re.I)
    text = re.sub(r"\(\s*\)", "", text)
    text = re.sub(r"\s+([.,;:])", r"\1", text)
    text = re.sub(r"([.,;:])\s*\.(?=\s|$)", r"\1", text)
    text = _collapse(text).rstrip(" ,;:")
    if text and text[-1] not in ".?!" and not re.search(r"\bhttps?://\S+$", text):
        text += "."
    suffix = []
    if doi:
        suffix.append(f"doi:{doi}")
    if pmid:
        suffix.append(f"PMID: {pmid}")
    if pmcid:
        suffix.append(f"PMCID: {pmcid}")
    return " ".join([text, *suffix]).strip()


def _mixed_text(element) -> str:
    """A mixed citation's text as printed, with each <name> as "Surname GN"."""
    parts = [element.text or ""]
    for child in element:
        name = _local(child)
        if isinstance(child, etree._Entity):
            parts.append(_entity_text(child))
        elif name == "name":
            parts.append(_name(child))
        elif name in ("label", "pub-id") or name in _SILENT:
            pass
        else:
            parts.append(_mixed_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _name(name) -> str:
    surname = _collapse(_plain_text(name.find("surname"))) if name.find(
        "surname") is not None else ""
    given = name.find("given-names")
    initials = _initials(_collapse(_plain_text(given))) if given is not None else ""
    suffix = name.find("suffix")
    parts = [surname, initials, _collapse(_plain_text(suffix)) if suffix is not None else ""]
    return " ".join(part for part in parts if part)


def _initials(given: str) -> str:
    """"John Adam" → "JA"; "J. A." → "JA"; initials already written ("MM") stay."""
    tokens = [token for token in re.split(r"[\s.\-]+", given) if token]
    if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) <= 4:
        return tokens[0]
    return "".join(token[0].upper() for token in tokens if token[0].isalpha())


def _field(citation, tag: str) -> str:
    element = citation.find(tag)
    return _collapse(_plain_text(element)) if element is not None else ""


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _people(group) -> str:
    names = []
    etal = False
    for child in group:
        name = _local(child)
        if name == "name":
            names.append(_name(child))
        elif name in ("collab", "string-name", "name-alternatives"):
            names.append(_collapse(_plain_text(child)))
        elif name == "etal":
            etal = True
    text = ", ".join(name for name in names if name)
    if etal and text:
        text += ", et al"
    return text


def _structured_text(citation) -> str:
    """A Vancouver-like line from an element-citation or nlm-citation."""
    authors = editors = ""
    for group in citation.iterfind("person-group"):
        kind = group.get("person-group-type", "author")
        if kind == "author" and not authors:
            authors = _people(group)
        elif kind == "editor" and not editors:
            editors = _people(group)
    if not authors:
        authors = _people(citation)

    kind = citation.get("publication-type") or citation.get("citation-type") or ""
    title = _field(citation, "article-title") or _field(citation, "chapter-title")
    source = _field(citation, "source")
    year = _field(citation, "year")
    volume, issue = _field(citation, "volume"), _field(citation, "issue")
    first_page, last_page = _field(citation, "fpage"), _field(citation, "lpage")
    pages = f"{first_page}\u2013{last_page}" if first_page and last_page else first_page
    pages = pages or _field(citation, "elocation-id") or _field(citation, "page-range")
    place, publisher = _field(citation, "publisher-loc"), _field(citation, "publisher-name")

    parts = [_sentence(authors), _sentence(title)]
    if kind == "journal" or (volume and not publisher):
        parts.append(_sentence(source))
        numbering = volume + (f"({issue})" if issue else "")
        date_and_numbering = year + (";" + numbering if numbering and year else numbering)
        if pages:
            date_and_numbering += (":" if date_and_numbering else "") + pages
        parts.append(_sentence(date_and_numbering))
    else:
        if editors and title:
            parts.append(_sentence(f"In: {editors}, editors"))
        parts.append(_sentence(source))
        parts.append(_sentence(_field(citation, "edition")))
        for conference in ("conf-name", "conf-date", "conf-loc"):
            parts.append(_sentence(_field(citation, conference)))
        imprint = ": ".join(part for part in (place, publisher) if part)
        imprint = "; ".join(part for part in (imprint, year) if part)
        parts.append(_sentence(imprint))
        if pages and first_page:
            parts.append(_sentence(f"p. {pages}"))
    for child in citation:
        name = _local(child)
        if name in ("comment", "ext-link", "uri", "date-in-citation", "annotation"):
            parts.append(_collapse(_mixed_text(child)))
    return " ".join(part for part in parts if part)
