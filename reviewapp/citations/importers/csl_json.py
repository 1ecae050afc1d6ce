"""CSL-JSON files (as Zotero and Mendeley export them: a list of items, one item, or
{"items": [...]}) as Works."""

from __future__ import annotations

import json

from reviewapp.citations.importers.errors import ReferenceImportError
from reviewapp.citations.importers.vancouver import vancouver_name
from reviewapp.citations.importers.work import Work, bare_doi, clean, identifiers_from_text, year_in

_CSL_KINDS = {
    "article-journal": "article", "article": "article", "article-magazine": "article",
    "article-newspaper": "article", "review": "article", "book": "book", "chapter": "chapter",
}


def works_from_csl_json(text: str) -> list[Work]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ReferenceImportError(
            f"The CSL-JSON file is not valid JSON: {error.msg} "
            f"(line {error.lineno}, column {error.colno}).") from None
    if isinstance(data, dict):
        data = data.get("items", [data]) if "items" in data else [data]
    if not isinstance(data, list):
        raise ReferenceImportError(
            "A CSL-JSON file holds a list of references ([{…}, {…}]).")
    works = []
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            raise ReferenceImportError(
                f"Item {number} of the CSL-JSON list is not a reference object ({{…}}).")
        works.append(_csl_work(item))
    return works


def _csl_text(item: dict, *keys: str) -> str:
    for key in keys:
        value = item.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str | int | float) and str(value).strip():
            return clean(str(value))
    return ""


def _csl_names(value) -> list[str]:
    if not isinstance(value, list):
        return []
    names = []
    for person in value:
        if not isinstance(person, dict):
            continue
        if person.get("literal"):
            names.append(clean(str(person["literal"])))
            continue
        particle = " ".join(
            str(person[key]) for key in ("dropping-particle", "non-dropping-particle")
            if person.get(key))
        family, given = str(person.get("family") or ""), str(person.get("given") or "")
        if family or given:
            names.append(vancouver_name(family, given, particle=particle,
                                        suffix=str(person.get("suffix") or "")))
    return names


def _csl_year(issued) -> str:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return year_in(str(parts[0][0]))
        return year_in(str(issued.get("raw") or issued.get("literal") or ""))
    return year_in(str(issued or ""))


def _csl_work(item: dict) -> Work:
    work = Work(kind=_CSL_KINDS.get(str(item.get("type", "")), "other"))
    work.authors = _csl_names(item.get("author"))
    work.editors = _csl_names(item.get("editor"))
    work.title = _csl_text(item, "title")
    if work.kind == "article":
        work.container = _csl_text(item, "container-title-short", "journalAbbreviation",
                                   "container-title")
    else:
        work.container = _csl_text(item, "container-title", "collection-title")
    work.year = _csl_year(item.get("issued"))
    work.volume = _csl_text(item, "volume")
    work.issue = _csl_text(item, "issue")
    work.pages = _csl_text(item, "page")
    work.edition = _csl_text(item, "edition")
    work.publisher = _csl_text(item, "publisher")
    work.place = _csl_text(item, "publisher-place")
    work.doi = bare_doi(_csl_text(item, "DOI", "doi"))
    work.pmid = _csl_text(item, "PMID", "pmid")
    work.pmcid = _csl_text(item, "PMCID", "pmcid")
    identifiers_from_text(work, _csl_text(item, "note"), [_csl_text(item, "URL", "url")])
    return work
