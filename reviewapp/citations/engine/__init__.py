"""Citation checks on an article body and its reference list (DESIGN §4). Pure package:
check() takes text, the retraction notices for the references and settings, and returns a
Report; it never raises and gives the same report for the same input."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from reviewapp.citations.engine.claim_checks import claim_findings
from reviewapp.citations.engine.claim_list import ArticleClaim, list_claims
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
from reviewapp.citations.engine.reference_checks import reference_findings
from reviewapp.citations.engine.retraction_checks import (
    Retraction,
    notice_kind,
    retraction_keys,
)
from reviewapp.citations.identifiers import parse_reference

__all__ = ["CODES", "ERROR", "INFO", "WARNING", "ArticleClaim", "Finding", "Report",
           "Retraction", "Settings", "check", "list_claims", "notice_kind", "retraction_keys"]


@dataclass(frozen=True)
class Settings:
    stale_reference_years: int = 10
    link_allowlist: tuple[str, ...] = ()  # host names; subdomains match


def check(body: str, references: Sequence[str], retractions: Mapping[str, Retraction],
          today: date, settings: Settings) -> Report:
    """All citation findings for one revision, in a fixed order."""
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
    findings += reference_findings(document, parsed, retractions or {}, today,
                                   settings.stale_reference_years)
    return Report(findings=in_order(findings))
