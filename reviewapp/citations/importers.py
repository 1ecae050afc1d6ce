"""Reference lists from RIS (rispy), BibTeX (bibtexparser 2) and CSL-JSON files as Vancouver-like
lines, and the reference section of a Markdown article. Pure module: no Flask or SQLAlchemy."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePath

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexDecodingMiddleware, SeparateCoAuthors, SplitNameParts

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
# Vancouver (ICMJE/NLM): list the first six authors, then "et al".
_AUTHORS_LISTED = 6


class ReferenceImportError(Exception):
    """A reference file could not be read; the message says what to fix."""


@dataclass
class _Work:
    """One cited work, whatever format it came from."""

    kind: str = "other"  # "article", "book", "chapter" or "other"
    authors: list[str] = field(default_factory=list)
    more_authors: bool = False
    editors: list[str] = field(default_factory=list)
    title: str = ""
    container: str = ""
    year: str = ""
    volume: str = ""
    issue: str = ""
    pages: str = ""
    edition: str = ""
    publisher: str = ""
    place: str = ""
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    url: str = ""


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
    works = reader(text)
    if not works:
        raise ReferenceImportError(f"{name} contains no references.")
    lines = []
    for number, work in enumerate(works, start=1):
        line = _vancouver(work)
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


def _reader_for(name: str, text: str) -> Callable[[str], list[_Work]]:
    suffix = PurePath(name).suffix.lower()
    if suffix == ".ris":
        return _from_ris
    if suffix in (".bib", ".bibtex"):
        return _from_bibtex
    if suffix in (".json", ".csl", ".csljson"):
        return _from_csl_json
    # Unknown extension (.txt, none): look at the content.
    if re.search(r"^TY  -", text, re.MULTILINE):
        return _from_ris
    if re.search(r"^\s*@\w+\s*[{(]", text, re.MULTILINE):
        return _from_bibtex
    if text.lstrip()[:1] in ("[", "{"):
        return _from_csl_json
    raise ReferenceImportError(
        f"{name} is not a reference file this importer knows: use RIS (.ris), "
        "BibTeX (.bib) or CSL-JSON (.json).")


# ---------------------------------------------------------------------------------------------
# RIS

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


def _from_ris(text: str) -> list[_Work]:
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
    return _clean(values[0]) if values else ""


def _ris_work(record: dict) -> _Work:
    kind = _RIS_KINDS.get(str(record.get("type_of_reference", "")).upper(), "other")
    work = _Work(kind=kind)
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
    work.year = _year(_ris_first(record, "year", "publication_year", "date"))
    work.volume = _ris_first(record, "volume")
    work.issue = _ris_first(record, "number")
    start, end = _ris_first(record, "start_page"), _ris_first(record, "end_page")
    work.pages = f"{start}-{end}" if start and end and "-" not in start else start
    work.edition = _ris_first(record, "edition")
    work.publisher = _ris_first(record, "publisher")
    work.place = _ris_first(record, "place_published")
    work.doi = _doi(_ris_first(record, "doi"))

    notes = " ".join(_ris_values(record, "notes", "note", "custom1", "custom2", "custom6",
                                 "accession_number", "unknown_tag"))
    database = " ".join(_ris_values(record, "name_of_database", "database_provider"))
    accession = _ris_first(record, "accession_number")
    if accession.isdigit() and re.search(r"pubmed|medline|nlm", database, re.IGNORECASE):
        work.pmid = accession
    urls = _ris_values(record, "urls")
    _identifiers_from_text(work, notes, urls)
    return work


def _name_from_text(name: str) -> str:
    """RIS "Surname, Given" (or "Surname, G.A., Jr.") as "Surname GA Jr"; anything else,
    such as an organisation, as written."""
    parts = [part.strip() for part in name.split(",")]
    if len(parts) >= 2 and parts[0]:
        return _vancouver_name(parts[0], parts[1], suffix=" ".join(parts[2:]))
    return _clean(name)


# ---------------------------------------------------------------------------------------------
# BibTeX

_BIBTEX_KINDS = {
    "article": "article", "book": "book", "booklet": "book", "inbook": "chapter",
    "incollection": "chapter",
}


def _from_bibtex(text: str) -> list[_Work]:
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
        raise ReferenceImportError(
            f"The BibTeX entry starting on line {block.start_line + 1} could not be read: "
            f"{reason.strip()}")
    if not library.entries:
        raise ReferenceImportError("This is not a BibTeX file: it has no @entry{…} blocks.")
    return [_bibtex_work(entry) for entry in library.entries]


def _bibtex_work(entry) -> _Work:
    fields = {item.key.lower(): item.value for item in entry.fields}

    def text(*keys: str) -> str:
        for key in keys:
            value = fields.get(key)
            if isinstance(value, str) and value.strip():
                return _clean(value.replace("{", "").replace("}", ""))
        return ""

    work = _Work(kind=_BIBTEX_KINDS.get(entry.entry_type.lower(), "other"))
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
    work.year = _year(text("year", "date"))
    work.volume = text("volume")
    work.issue = text("number", "issue")
    work.pages = text("pages")
    work.edition = text("edition")
    work.publisher = text("publisher", "organization")
    work.place = text("address", "location")
    work.doi = _doi(text("doi"))
    work.pmid = text("pmid")
    if not work.pmid and text("eprinttype").lower() == "pubmed":
        work.pmid = text("eprint")
    work.pmcid = text("pmcid")
    _identifiers_from_text(work, text("note", "annote", "extra"), [text("url")])
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
        names.append(_vancouver_name(family, given, particle=_unbrace(" ".join(parts.von)),
                                     suffix=_unbrace(" ".join(parts.jr))))
    return names, more


def _unbrace(value: str) -> str:
    return _clean(value.replace("{", "").replace("}", ""))


# ---------------------------------------------------------------------------------------------
# CSL-JSON

_CSL_KINDS = {
    "article-journal": "article", "article": "article", "article-magazine": "article",
    "article-newspaper": "article", "review": "article", "book": "book", "chapter": "chapter",
}


def _from_csl_json(text: str) -> list[_Work]:
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
            return _clean(str(value))
    return ""


def _csl_names(value) -> list[str]:
    if not isinstance(value, list):
        return []
    names = []
    for person in value:
        if not isinstance(person, dict):
            continue
        if person.get("literal"):
            names.append(_clean(str(person["literal"])))
            continue
        particle = " ".join(
            str(person[key]) for key in ("dropping-particle", "non-dropping-particle")
            if person.get(key))
        family, given = str(person.get("family") or ""), str(person.get("given") or "")
        if family or given:
            names.append(_vancouver_name(family, given, particle=particle,
                                         suffix=str(person.get("suffix") or "")))
    return names


def _csl_year(issued) -> str:
    if isinstance(issued, dict):
        parts = issued.get("date-parts")
        if isinstance(parts, list) and parts and isinstance(parts[0], list) and parts[0]:
            return _year(str(parts[0][0]))
        return _year(str(issued.get("raw") or issued.get("literal") or ""))
    return _year(str(issued or ""))


def _csl_work(item: dict) -> _Work:
    work = _Work(kind=_CSL_KINDS.get(str(item.get("type", "")), "other"))
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
    work.doi = _doi(_csl_text(item, "DOI", "doi"))
    work.pmid = _csl_text(item, "PMID", "pmid")
    work.pmcid = _csl_text(item, "PMCID", "pmcid")
    _identifiers_from_text(work, _csl_text(item, "note"), [_csl_text(item, "URL", "url")])
    return work


# ---------------------------------------------------------------------------------------------
# Shared


def _clean(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _initials(given: str) -> str:
    """"John Adam" → "JA"; "J. A." → "JA"; "Jean-Pierre" → "JP"; initials as written ("MM")."""
    tokens = [token for token in re.split(r"[\s.\-]+", given) if token]
    if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) <= 4:
        return tokens[0]
    return "".join(token[0].upper() for token in tokens if token[0].isalpha())


def _vancouver_name(family: str, given: str, particle: str = "", suffix: str = "") -> str:
    suffix = suffix.replace(".", "").strip()
    return _clean(f"{particle} {family} {_initials(given)} {suffix}")


def _year(value: str) -> str:
    match = re.search(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)", value or "")
    return match.group(1) if match else ""


def _doi(value: str) -> str:
    value = _clean(value)
    return re.sub(r"^(?:doi:\s*|(?:https?://)?(?:dx\.|www\.)?doi\.org/)", "", value,
                  flags=re.IGNORECASE)


def _identifiers_from_text(work: _Work, notes: str, urls: list[str]) -> None:
    """PMID and PMCID written in notes ("PMID: 123"), and links to PubMed or a DOI."""
    if not work.pmid:
        match = re.search(r"\bPMID:?\s*(\d{1,9})\b", notes)
        if match:
            work.pmid = match.group(1)
    if not work.pmcid:
        match = re.search(r"\b(PMC\d{1,9})\b", notes)
        if match:
            work.pmcid = match.group(1)
    for url in urls:
        url = _clean(url or "")
        if not url:
            continue
        pubmed = re.search(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})|ncbi\.nlm\.nih\.gov/pubmed/"
                           r"(\d{1,9})", url)
        doi = re.match(r"(?:https?://)?(?:dx\.|www\.)?doi\.org/(10\.\S+)", url, re.IGNORECASE)
        if pubmed:
            work.pmid = work.pmid or pubmed.group(1) or pubmed.group(2)
        elif doi:
            work.doi = work.doi or doi.group(1)
        elif not work.url:
            work.url = url


def _sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".?!" else text + "."


def _edition(edition: str) -> str:
    """"3" → "3rd ed"; "2nd" → "2nd ed"; "Revised edition" as written."""
    if edition.isdigit():
        number = int(edition)
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
            number % 10, "th")
        edition = f"{number}{suffix}"
    if edition and not re.search(r"\bed(?:ition|\.)?\b", edition, re.IGNORECASE):
        edition = f"{edition} ed"
    return edition


def _vancouver(work: _Work) -> str:
    parts: list[str] = []
    if work.authors:
        names = work.authors[:_AUTHORS_LISTED]
        if len(work.authors) > _AUTHORS_LISTED or work.more_authors:
            names.append("et al")
        parts.append(_sentence(", ".join(names)))
    parts.append(_sentence(work.title))
    pages = re.sub(r"\s*(?:--|[\u2010-\u2015])\s*", "-", work.pages)
    edition = _edition(work.edition)
    imprint = "; ".join(part for part in (
        ": ".join(part for part in (work.place, work.publisher) if part), work.year) if part)
    if work.kind == "article":
        parts.append(_sentence(work.container))
        numbering = work.volume + (f"({work.issue})" if work.issue else "")
        details = ";".join(part for part in (work.year, numbering) if part)
        if pages:
            details = f"{details}:{pages}" if details else pages
        parts.append(_sentence(details))
    else:
        if work.kind == "chapter" and work.editors:
            parts.append(_sentence(f"In: {', '.join(work.editors)}, editors"))
        elif work.kind == "chapter" and work.container:
            parts.append("In:")
        parts.append(_sentence(work.container))
        parts.append(_sentence(edition))
        parts.append(_sentence(imprint))
        if pages:
            parts.append(_sentence(f"p. {pages}"))
    if work.url and not (work.doi or work.pmid):
        parts.append(f"Available from: {work.url}")
    if work.doi:
        parts.append(f"doi:{work.doi}")
    if work.pmid:
        parts.append(f"PMID: {work.pmid}")
    if work.pmcid:
        parts.append(f"PMCID: {work.pmcid}")
    return " ".join(part for part in parts if part)


# ---------------------------------------------------------------------------------------------
# Markdown

_ATX_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*(?:[ \t]#+[ \t]*)?$")
_SETEXT_UNDERLINE = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s*(?:\[\d{1,5}\]|\d{1,5}[.)]|[-*+])\s+")
_REFERENCE_TITLES = frozenset({
    "references", "reference list", "bibliography", "literature cited", "works cited",
})
# A bare "References" line above a list is taken as a heading below every Markdown level.
_BARE_LEVEL = 7


def parse_markdown_document(text: str) -> tuple[str, list[str]]:
    """Split a Markdown article into (body, references).

    The references are the items of the list under the last heading called "References" (any
    level, ATX "## References" or setext "References\\n---", or a bare "References" line
    directly above the list). The section ends at the next heading of the same or a higher
    level; whatever follows it stays in the body. Item numbers ("1.", "[1]") are removed, and
    a reference wrapped over several lines becomes one line.
    """
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    headings = _headings(lines)
    reference_headings = [h for h in headings if _is_reference_title(h[3])]
    if not reference_headings:
        return "\n".join(lines).rstrip(), []
    start, content_start, level, _ = reference_headings[-1]
    end = len(lines)
    for other_start, _, other_level, _ in headings:
        if other_start >= content_start and other_level <= level:
            end = other_start
            break

    entries: list[str] = []
    current: list[str] | None = None
    inner_headings = {h[0] for h in headings if content_start <= h[0] < end}
    skip_until = content_start
    for index in range(content_start, end):
        if index < skip_until:
            continue
        if index in inner_headings:
            heading = next(h for h in headings if h[0] == index)
            skip_until = heading[1]
            current = None
            continue
        line = lines[index]
        if not line.strip():
            current = None
            continue
        item = _LIST_ITEM.match(line)
        if item or current is None:
            current = [line[item.end():] if item else line]
            entries.append("")
        else:
            current.append(line)
        entries[-1] = _clean(" ".join(current))
    entries = [entry for entry in entries if entry]

    before = "\n".join(lines[:start]).rstrip()
    after = "\n".join(lines[end:]).strip("\n").rstrip()
    body = f"{before}\n\n{after}" if before and after else before or after
    return body, entries


def _is_reference_title(title: str) -> bool:
    title = re.sub(r"^[*_]+|[*_]+$", "", title.strip()).strip().rstrip(":").strip()
    return title.lower() in _REFERENCE_TITLES


def _headings(lines: list[str]) -> list[tuple[int, int, int, str]]:
    """(first line, first line after it, level, text) of each heading outside code fences."""
    found = []
    fence = ""
    for index, line in enumerate(lines):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(
                    fence):
                fence = ""
            continue
        if opening:
            fence = opening.group(1)
            continue
        atx = _ATX_HEADING.match(line)
        if atx:
            found.append((index, index + 1, len(atx.group(1)), atx.group(2) or ""))
            continue
        previous_blank = index == 0 or not lines[index - 1].strip()
        if not line.strip() or not previous_blank or _LIST_ITEM.match(line):
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        underline = _SETEXT_UNDERLINE.match(following)
        if underline:
            found.append((index, index + 2, 1 if underline.group(1)[0] == "=" else 2,
                          line.strip()))
        elif _is_reference_title(line) and _list_follows(lines, index + 1):
            found.append((index, index + 1, _BARE_LEVEL, line.strip()))
    return found


def _list_follows(lines: list[str], index: int) -> bool:
    for line in lines[index:]:
        if line.strip():
            return bool(_LIST_ITEM.match(line))
    return False
