"""Checks on each entry of the reference list: never cited, malformed or doubtful identifier,
a duplicate of an earlier entry, retracted, without any identifier, or old."""

import re
from collections.abc import Collection, Mapping
from datetime import date

from reviewapp.citations.engine.findings import Finding, make_finding
from reviewapp.citations.engine.retraction_checks import Retraction, retraction_finding
from reviewapp.citations.identifiers import ParsedReference

_NOT_ALPHANUMERIC = re.compile(r"[\W_]+")


def reference_findings(cited: Collection[int], parsed: list[ParsedReference],
                       retractions: Mapping[str, Retraction], today: date,
                       stale_years: object) -> list[Finding]:
    """`cited`: the numbers any marker cites, in the main text or an audience version."""
    this_year = getattr(today, "year", None)
    findings = []
    first_with: dict[tuple[str, str], int] = {}
    for ref in parsed:
        number = ref.number
        if number not in cited:
            findings.append(make_finding("reference-uncited",
                                         f"Reference {number} is never cited in the text.",
                                         reference=number))
        if ref.invalid:
            noun = "identifier" if len(ref.invalid) == 1 else "identifiers"
            findings.append(make_finding(
                "identifier-invalid",
                f"Reference {number} has a malformed {noun}: {' '.join(ref.invalid)}",
                reference=number))
        if ref.suspicious:
            findings.append(make_finding(
                "identifier-suspicious",
                f"Reference {number} has a DOI that may be wrong: {' '.join(ref.suspicious)} "
                "Check that it opens the cited work at https://doi.org, or copy it again from "
                "the article's page.",
                reference=number))
        if duplicate := _duplicate_of(ref, first_with):
            findings.append(make_finding("reference-duplicate",
                                         f"Reference {number} repeats reference {duplicate}.",
                                         reference=number))
        if notice := retraction_finding(ref, retractions):
            findings.append(notice)
        # A malformed identifier is a wrong one, not a missing one: identifier-invalid says so.
        if not (ref.identified or ref.misidentified):
            findings.append(make_finding(
                "reference-unidentified",
                f"Reference {number} has no DOI, PMID, PMCID, ISBN or web link (http:// or "
                "https://), so it cannot be verified.",
                reference=number))
        if (isinstance(stale_years, int) and isinstance(this_year, int) and stale_years >= 0
                and ref.year is not None and ref.year < this_year - stale_years):
            findings.append(make_finding(
                "reference-stale",
                f"Reference {number} is from {ref.year}, more than {stale_years} years ago; "
                "check whether newer evidence exists.",
                reference=number))
    return findings


def _normalised_text(text: str) -> str:
    """Reference text compared without case, spacing or punctuation."""
    return _NOT_ALPHANUMERIC.sub("", text.casefold())


def _duplicate_of(ref: ParsedReference, first_with: dict[tuple[str, str], int]) -> str | None:
    """'2 (same DOI 10.1/x)' if an earlier reference has the same DOI, PMID or text."""
    duplicate = None
    for kind, value in (("DOI", ref.doi), ("PMID", ref.pmid),
                        ("text", _normalised_text(ref.text))):
        if not value:
            continue
        earlier = first_with.setdefault((kind, value), ref.number)
        if duplicate is None and earlier != ref.number:
            same = "the same text" if kind == "text" else f"the same {kind}, {value}"
            duplicate = f"{earlier} ({same})"
    return duplicate
