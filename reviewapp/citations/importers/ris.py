"""RIS files (read with rispy) as Works; a broken record is named by its line, since rispy
skips what it cannot read."""

from __future__ import annotations

import re

import rispy

from reviewapp.citations.importers.errors import ReferenceImportError
from reviewapp.citations.importers.vancouver import vancouver_name
from reviewapp.citations.importers.work import Work, bare_doi, clean, identifiers_from_text, year_in

_RIS_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_RIS_TAG_MISSPACED = re.compile(r"^([A-Z][A-Z0-9]) {0,3}-")
_RIS_KINDS = {
    "JOUR": "article", "JFULL": "article", "EJOUR": "article", "MGZN": "article",
    "NEWS": "article", "INPR": "article", "BOOK": "book", "EBOOK": "book", "EDBOOK": "book",
    "CHAP": "chapter", "ECHAP": "chapter",
}


def _check_ris_structure(text: str) -> None:
    """rispy skips what it cannot read; say which record is broken instead."""
    open_record = 0
    seen_record = False
    for number, line in enumerate(text.split("\n"), start=1):
        tag = _RIS_TAG.match(line)
        if tag is None:
            misspaced = _RIS_TAG_MISSPACED.match(line)
            if misspaced and misspaced.group(1) in rispy.TAG_KEY_MAPPING and open_record:
                raise ReferenceImportError(
                    f"Line {number} of the RIS file is not a tag line: a tag is two capitals, "
                    f"two spaces and a hyphen (\"AU  - \"), found {line[:12]!r}.")
            continue
        if tag.group(1) == "TY":
            if open_record:
                raise ReferenceImportError(
                    f"The RIS record starting on line {open_record} has no end line (\"ER  -\") "
                    f"before the next record on line {number}.")
            open_record = number
            seen_record = True
        elif tag.group(1) == "ER":
            if not open_record:
                raise ReferenceImportError(
                    f"Line {number} of the RIS file ends a record that never started "
                    "(\"TY  -\").")
            open_record = 0
        elif not open_record:
            raise ReferenceImportError(
                f"Line {number} of the RIS file lies outside a record; every record starts "
                "with \"TY  - \" and ends with \"ER  - \".")
    if open_record:
        raise ReferenceImportError(
            f"The RIS record starting on line {open_record} has no end line (\"ER  -\").")
    if not seen_record:
        raise ReferenceImportError(
            "This is not a RIS file: no record starts with a \"TY  - \" line.")


def works_from_ris(text: str) -> list[Work]:
    _check_ris_structure(text)
    try:
        records = rispy.loads(text)
    except (ValueError, KeyError, TypeError) as error:
        raise ReferenceImportError(f"The RIS file could not be read: {error}") from None
    return [_ris_work(record) for record in records]


def _ris_values(record: dict, *keys: str) -> list[str]:
    values: list[str] = []
    for key in keys:
        value = record.get(key)
        if isinstance(value, list):
            values.extend(str(item) for item in value if str(item).strip())
        elif value is not None and str(value).strip():
            values.append(str(value))
    return values


def _ris_first(record: dict, *keys: str) -> str:
    values = _ris_values(record, *keys)
    return clean(values[0]) if values else ""


def _ris_work(record: dict) -> Work:
    kind = _RIS_KINDS.get(str(record.get("type_of_reference", "")).upper(), "other")
    work = Work(kind=kind)
    names = _ris_values(record, "authors", "first_authors")
    work.authors = [_name_from_text(name) for name in names]
    if kind == "chapter":
        work.editors = [_name_from_text(name) for name in _ris_values(
            record, "secondary_authors")]
    work.title = _ris_first(record, "title", "primary_title", "translated_title")
    if kind == "article":
        work.container = _ris_first(record, "alternate_title1", "alternate_title2",
                                    "journal_name", "secondary_title", "alternate_title3")
    else:
        work.container = _ris_first(record, "secondary_title", "journal_name")
    work.year = year_in(_ris_first(record, "year", "publication_year", "date"))
    work.volume = _ris_first(record, "volume")
    work.issue = _ris_first(record, "number")
    start, end = _ris_first(record, "start_page"), _ris_first(record, "end_page")
    work.pages = f"{start}-{end}" if start and end and "-" not in start else start
    work.edition = _ris_first(record, "edition")
    work.publisher = _ris_first(record, "publisher")
    work.place = _ris_first(record, "place_published")
    work.doi = bare_doi(_ris_first(record, "doi"))

    notes = " ".join(_ris_values(record, "notes", "note", "custom1", "custom2", "custom6",
                                 "accession_number", "unknown_tag"))
    database = " ".join(_ris_values(record, "name_of_database", "database_provider"))
    accession = _ris_first(record, "accession_number")
    if accession.isdigit() and re.search(r"pubmed|medline|nlm", database, re.IGNORECASE):
        work.pmid = accession
    urls = _ris_values(record, "urls")
    identifiers_from_text(work, notes, urls)
    return work


def _name_from_text(name: str) -> str:
    """RIS "Surname, Given" (or "Surname, G.A., Jr.") as "Surname GA Jr"; anything else,
    such as an organisation, as written."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) >= 2 and parts[0]:
        return vancouver_name(parts[0], parts[1], suffix=" ".join(parts[2:]))
    return clean(name)
