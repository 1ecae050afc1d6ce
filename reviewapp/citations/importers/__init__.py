"""Reference lists from RIS (rispy), BibTeX (bibtexparser 2) and CSL-JSON files as Vancouver-like
lines, and the reference section of a Markdown article. Pure package: no Flask or SQLAlchemy."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePath

from reviewapp.citations.importers.bibtex import works_from_bibtex
from reviewapp.citations.importers.csl_json import works_from_csl_json
from reviewapp.citations.importers.errors import TOO_DEEP, ReferenceImportError
from reviewapp.citations.importers.markdown import parse_markdown_document
from reviewapp.citations.importers.ris import works_from_ris
from reviewapp.citations.importers.vancouver import vancouver_line
from reviewapp.citations.importers.work import Work

__all__ = ["DEFAULT_MAX_BYTES", "ReferenceImportError", "import_references",
           "parse_markdown_document"]

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


def import_references(data: bytes, filename: str,
                      max_bytes: int = DEFAULT_MAX_BYTES) -> list[str]:
    """One Vancouver-like line per reference in a .ris, .bib or CSL .json file:
    "Authors. Title. Journal. Year;Vol(Issue):Pages. doi:… PMID: …"."""
    name = PurePath(filename or "").name or "The file"
    if len(data) > max_bytes:
        raise ReferenceImportError(
            f"{name} is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    text = _decode(data, name)
    reader = _reader_for(name, text)
    try:
        works = reader(text)
    except RecursionError:  # e.g. CSL-JSON [[[…]]] 200,000 deep
        raise ReferenceImportError(f"{name} is {TOO_DEEP}.") from None
    if not works:
        raise ReferenceImportError(f"{name} contains no references.")
    lines = []
    for number, work in enumerate(works, start=1):
        line = vancouver_line(work)
        if not line:
            raise ReferenceImportError(
                f"Reference {number} in {name} has no author, title or source.")
        lines.append(line)
    return lines


def _decode(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            # Older reference managers write Windows-1252.
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise ReferenceImportError(f"{name} is not UTF-8 text.") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _reader_for(name: str, text: str) -> Callable[[str], list[Work]]:
    suffix = PurePath(name).suffix.lower()
    if suffix == ".ris":
        return works_from_ris
    if suffix in (".bib", ".bibtex"):
        return works_from_bibtex
    if suffix in (".json", ".csl", ".csljson"):
        return works_from_csl_json
    # Unknown extension (.txt, none): look at the content.
    if re.search(r"^TY  -", text, re.MULTILINE):
        return works_from_ris
    if re.search(r"^\s*@\w+\s*[{(]", text, re.MULTILINE):
        return works_from_bibtex
    if text.lstrip()[:1] in ("[", "{"):
        return works_from_csl_json
    raise ReferenceImportError(
        f"{name} is not a reference file this importer knows: use RIS (.ris), "
        "BibTeX (.bib) or CSL-JSON (.json).")
