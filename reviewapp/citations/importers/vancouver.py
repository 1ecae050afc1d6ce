"""A Work as one Vancouver-like (ICMJE/NLM, close to AMA) reference line, and authors' names in
that style ("Surname GA Jr")."""

from __future__ import annotations

import re

from reviewapp.citations.importers.work import Work, clean

# Vancouver (ICMJE/NLM): list the first six authors, then "et al".
_AUTHORS_LISTED = 6


def _initials(given: str) -> str:
    """"John Adam" → "JA"; "J. A." → "JA"; "Jean-Pierre" → "JP"; initials as written ("MM")."""
    tokens = [token for token in re.split(r"[\s.\-]+", given) if token]
    if len(tokens) == 1 and tokens[0].isupper() and len(tokens[0]) <= 4:
        return tokens[0]
    return "".join(token[0].upper() for token in tokens if token[0].isalpha())


def vancouver_name(family: str, given: str, particle: str = "", suffix: str = "") -> str:
    suffix = suffix.replace(".", "").strip()
    return clean(f"{particle} {family} {_initials(given)} {suffix}")


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


def vancouver_line(work: Work) -> str:
    """"Authors. Title. Journal. Year;Vol(Issue):Pages. doi:… PMID: …", or "" when the work
    has no author, title or source."""
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
