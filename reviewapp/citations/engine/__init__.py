"""Citation checks on an article body and its reference list (DESIGN §4). Pure package:
check() takes text, the retraction notices for the references and settings, and returns a
Report; it never raises and gives the same report for the same input. The audience
versions of a revision (issue 17) are checked against the same reference list, each
finding naming the version it is in, and each version's reading level against its
audience's target."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from reviewapp.citations.engine.claim_checks import claim_findings
from reviewapp.citations.engine.claim_list import ArticleClaim, list_claims, revision_claims
from reviewapp.citations.engine.document import Document
from reviewapp.citations.engine.findings import (
    CODES,
    ERROR,
    INFO,
    WARNING,
    Finding,
    Report,
    in_order,
)
from reviewapp.citations.engine.link_checks import link_findings
from reviewapp.citations.engine.marker_checks import marker_findings, order_findings
from reviewapp.citations.engine.readability import reading_findings
from reviewapp.citations.engine.reference_checks import reference_findings
from reviewapp.citations.engine.retraction_checks import (
    Retraction,
    notice_kind,
    retraction_keys,
)
from reviewapp.citations.engine.versions import VersionDocument, VersionText
from reviewapp.citations.identifiers import parse_reference

__all__ = ["CODES", "ERROR", "INFO", "WARNING", "ArticleClaim", "Finding", "Report",
           "Retraction", "Settings", "VersionText", "check", "list_claims", "notice_kind",
           "retraction_keys", "revision_claims"]


@dataclass(frozen=True)
class Settings:
    stale_reference_years: int = 10
    link_allowlist: tuple[str, ...] = ()  # host names; subdomains match


def check(body: str, references: Sequence[str], retractions: Mapping[str, Retraction],
          today: date, settings: Settings, versions: Sequence[VersionText] = ()) -> Report:
    """All citation findings for one revision, in a fixed order: the main text's, then
    each audience version's (in the order given), then the reference list's."""
    body = body if isinstance(body, str) else ""
    texts = [text if isinstance(text, str) else "" for text in (references or ())]
    parsed = [parse_reference(number, text) for number, text in enumerate(texts, start=1)]
    document = Document(body)
    settings = settings if isinstance(settings, Settings) else Settings()

    findings: list[Finding] = []
    findings += marker_findings(document, len(parsed))
    findings += order_findings(document, len(parsed))
    findings += claim_findings(document, has_references=bool(parsed))
    findings += link_findings(document, parsed, settings.link_allowlist)
    cited = {number for marker in document.markers for number in marker.numbers}
    versions = [v for v in (versions or ()) if isinstance(v, VersionText)]
    for version in versions:
        found, cited_there = _version_findings(version, parsed, settings)
        findings += found
        cited |= cited_there
    findings += reference_findings(cited, parsed, retractions or {}, today,
                                   settings.stale_reference_years)
    return Report(findings=in_order(findings, tuple(v.audience for v in versions)))


def _version_findings(version: VersionText, parsed: list,
                      settings: Settings) -> tuple[list[Finding], set[int]]:
    """One audience version's findings, and the reference numbers it cites. Its markers
    must resolve against the one list; the numbering order is the main text's to set."""
    document = VersionDocument(version)
    findings: list[Finding] = []
    findings += marker_findings(document, len(parsed))
    findings += claim_findings(document, has_references=bool(parsed))
    findings += link_findings(document, parsed, settings.link_allowlist)
    findings += reading_findings(document)
    cited = {number for marker in document.markers for number in marker.numbers}
    return document.tagged(findings), cited
