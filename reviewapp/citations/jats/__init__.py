"""Import a JATS XML article (as PLOS and PubMed Central publish them) as a Markdown body with
numbered citation markers and a reference list. Pure package: lxml only, no Flask or SQLAlchemy.

safe_xml reads the file (refusing entities, the network and deep nesting), body and inline
render the text, markdown writes the markers, references writes the reference list."""

from __future__ import annotations

from dataclasses import dataclass

from reviewapp.citations.jats.body import render_body
from reviewapp.citations.jats.references import reference_positions, reference_text
from reviewapp.citations.jats.safe_xml import DEFAULT_MAX_BYTES, JatsImportError, read_article
from reviewapp.citations.jats.text import collapse, plain_text

__all__ = ["DEFAULT_MAX_BYTES", "ImportedArticle", "JatsImportError", "parse_jats"]


@dataclass(frozen=True)
class ImportedArticle:
    title: str
    body: str
    references: list[str]


def parse_jats(data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> ImportedArticle:
    """Title, Markdown body and references of a JATS article.

    References are numbered by their order in back/ref-list; every <xref ref-type="bibr"> in
    the text becomes a marker with those numbers ("[3]", "[1,4]", "[8–10]"). A citation whose
    target is missing from the reference list keeps the number printed in the XML (or 0), so
    the citation checks report it instead of it silently disappearing.
    """
    root = read_article(data, max_bytes)
    title_element = root.find("front/article-meta/title-group/article-title")
    title = collapse(plain_text(title_element)) if title_element is not None else ""
    if not title:
        raise JatsImportError(
            "The article has no title (front/article-meta/title-group/article-title).")
    back = root.find("back")
    refs = back.xpath(".//ref-list/ref") if back is not None else []
    body = render_body(root, reference_positions(refs))
    return ImportedArticle(title=title, body=body, references=[reference_text(ref) for ref in refs])
