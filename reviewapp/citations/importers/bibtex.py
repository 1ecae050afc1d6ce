"""BibTeX files (read with bibtexparser 2) as Works."""

from __future__ import annotations

import bibtexparser
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts

from reviewapp.citations.importers.errors import TOO_DEEP, ReferenceImportError
from reviewapp.citations.importers.vancouver import vancouver_name
from reviewapp.citations.importers.work import Work, bare_doi, clean, identifiers_from_text, year_in

_BIBTEX_KINDS = {
    "article": "article", "book": "book", "booklet": "book", "inbook": "chapter",
    "incollection": "chapter",
}


def works_from_bibtex(text: str) -> list[Work]:
    library = bibtexparser.parse_string(text, append_middleware=[
        # Decode accents first but keep braces, so "{World Health Organization}" stays one name.
        LatexDecodingMiddleware(keep_braced_groups=True, keep_math_mode=False),
        SeparateCoAuthors(),
        SplitNameParts(),
    ])
    if library.failed_blocks:
        block = library.failed_blocks[0]
        error = getattr(block, "error", None)
        reason = getattr(error, "abort_reason", None) or str(error or "") or "syntax error"
        reason = reason.split(" Note:")[0]
        if "maximum recursion depth" in reason:  # bibtexparser caught the RecursionError
            raise ReferenceImportError(
                f"The BibTeX entry starting on line {block.start_line + 1} is {TOO_DEEP}.")
        raise ReferenceImportError(
            f"The BibTeX entry starting on line {block.start_line + 1} could not be read: "
            f"{reason.strip()}")
    if not library.entries:
        raise ReferenceImportError("This is not a BibTeX file: it has no @entry{…} blocks.")
    return [_bibtex_work(entry) for entry in library.entries]


def _bibtex_work(entry) -> Work:
    fields = {item.key.lower(): item.value for item in entry.fields}

    def text(*keys: str) -> str:
        for key in keys:
            value = fields.get(key)
            if isinstance(value, str) and value.strip():
                return clean(value.replace("{", "").replace("}", ""))
        return ""

    work = Work(kind=_BIBTEX_KINDS.get(entry.entry_type.lower(), "other"))
    work.authors, work.more_authors = _bibtex_names(fields.get("author"))
    work.editors, _ = _bibtex_names(fields.get("editor"))
    work.title = text("title")
    if work.kind == "article":
        work.container = text("journal", "journaltitle", "shortjournal")
    elif work.kind == "chapter":
        work.container = text("booktitle")
    else:
        work.container = text("journal", "journaltitle", "booktitle", "howpublished",
                              "institution", "school")
    work.year = year_in(text("year", "date"))
    work.volume = text("volume")
    work.issue = text("number", "issue")
    work.pages = text("pages")
    work.edition = text("edition")
    work.publisher = text("publisher", "organization")
    work.place = text("address", "location")
    work.doi = bare_doi(text("doi"))
    work.pmid = text("pmid")
    if not work.pmid and text("eprinttype").lower() == "pubmed":
        work.pmid = text("eprint")
    work.pmcid = text("pmcid")
    identifiers_from_text(work, text("note", "annote", "extra"), [text("url")])
    return work


def _bibtex_names(value) -> tuple[list[str], bool]:
    if not isinstance(value, list):
        return [], False
    names, more = [], False
    for parts in value:
        family = _unbrace(" ".join(parts.last))
        given = _unbrace(" ".join(parts.first))
        if family.lower() == "others" and not given:
            more = True
            continue
        names.append(vancouver_name(family, given, particle=_unbrace(" ".join(parts.von)),
                                    suffix=_unbrace(" ".join(parts.jr))))
    return names, more


def _unbrace(value: str) -> str:
    return clean(value.replace("{", "").replace("}", ""))
