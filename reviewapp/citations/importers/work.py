"""One cited work as the readers fill it in, whatever its format, and the clean-ups of single
fields (year, DOI, identifiers in notes and links) the readers share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Work:
    """One cited work, whatever format it came from."""

    kind: str = "other"  # "article", "book", "chapter" or "other"
    authors: list[str] = field(default_factory=list)
    more_authors: bool = False
    editors: list[str] = field(default_factory=list)
    title: str = ""
    container: str = ""  # where it appeared: the journal, book or series
    year: str = ""
    # Where in a journal (or book) it is.
    volume: str = ""
    issue: str = ""
    pages: str = ""
    # Books and chapters.
    edition: str = ""
    publisher: str = ""
    place: str = ""
    # Identifiers, and a link used only when there is neither DOI nor PMID.
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    url: str = ""


def clean(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def year_in(value: str) -> str:
    match = re.search(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)", value or "")
    return match.group(1) if match else ""


def bare_doi(value: str) -> str:
    value = clean(value)
    return re.sub(r"^(?:doi:\s*|(?:https?://)?(?:dx\.|www\.)?doi\.org/)", "", value,
                  flags=re.IGNORECASE)


def identifiers_from_text(work: Work, notes: str, urls: list[str]) -> None:
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
        url = clean(url or "")
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
