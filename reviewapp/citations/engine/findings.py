"""What the engine reports: the catalogue of finding codes, a Finding with its stable key
and its one stored form (to_dict / from_dict), and the Report of one check."""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"

# The catalogue in DESIGN §4; the order is also the order of findings at one place.
CODES = {
    "no-references": ERROR,
    "marker-malformed": ERROR,
    "marker-unresolved": ERROR,
    "reference-order": WARNING,
    "claim-uncited": WARNING,
    # An audience version harder to read than its audience's target (readability.py).
    "reading-level": WARNING,
    "link-unlisted": WARNING,
    "identifier-invalid": ERROR,
    # A DOI of a made-up or cut-off shape ("24XX", a word processor's dash): offline nothing
    # proves a DOI wrong, so unlike identifier-invalid it warns and never blocks approval.
    "identifier-suspicious": WARNING,
    "reference-retracted": ERROR,
    "reference-concern": WARNING,
    "reference-corrected": INFO,
    "reference-duplicate": WARNING,
    "reference-uncited": WARNING,
    "reference-unidentified": WARNING,
    "reference-stale": INFO,
}
_CODE_ORDER = {code: index for index, code in enumerate(CODES)}

# The fields of `citations check --format json` (DESIGN §4), in their order there.
_PUBLIC_FIELDS = ("code", "severity", "message", "reference", "marker", "sentence")


def finding_key(code: str, reference: int | None, marker: str | None,
                sentence: str | None, audience: str | None = None) -> str:
    """Stable across re-runs of the same text; editor waivers attach to it. A finding in
    an audience version names the audience ("claim-uncited@patient:…"), so it is never
    taken for the same finding in the main text; the main text's keys are as before."""
    digest = hashlib.sha256((sentence or "").encode("utf-8", "replace")).hexdigest()
    number = "" if reference is None else str(reference)
    where = f"@{audience}" if audience else ""
    return f"{code}{where}:{number}:{marker or ''}:{digest[:12]}"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    reference: int | None = None
    marker: str | None = None
    sentence: str | None = None
    offset: int | None = None  # in the text it is in (an audience version's: versions.py)
    # The audience version the finding is in (its AUDIENCES key) and where in it, as
    # people read it ("Patient or carer version, body"); None for the main text.
    audience: str | None = None
    place: str | None = None
    # Derived from the location when the engine makes the finding; a finding read back
    # from storage keeps the key it was stored (and waived) under.
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            object.__setattr__(self, "key", finding_key(
                self.code, self.reference, self.marker, self.sentence, self.audience))

    def to_dict(self) -> dict[str, Any]:
        """The stored form (a citation report's JSON column)."""
        return {"key": self.key, "code": self.code, "severity": self.severity,
                "message": self.message, "reference": self.reference,
                "marker": self.marker, "sentence": self.sentence, "offset": self.offset,
                "audience": self.audience, "place": self.place}

    @classmethod
    def from_dict(cls, stored: Mapping[str, Any]) -> "Finding":
        return cls(code=stored["code"], severity=stored["severity"],
                   message=stored["message"], reference=stored.get("reference"),
                   marker=stored.get("marker"), sentence=stored.get("sentence"),
                   offset=stored.get("offset"), audience=stored.get("audience"),
                   place=stored.get("place"), key=stored.get("key") or "")


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]

    def summary(self) -> dict:
        counts = {ERROR: 0, WARNING: 0, INFO: 0}
        for finding in self.findings:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
        return counts

    def to_json(self) -> dict:
        """The object `citations check --format json` prints."""
        findings = [finding.to_dict() for finding in self.findings]
        return {"findings": [{name: stored[name] for name in _PUBLIC_FIELDS}
                             for stored in findings],
                "summary": self.summary()}

    @property
    def errors(self) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if finding.severity == ERROR)


def make_finding(code: str, message: str, **location) -> Finding:
    """A finding with the severity the catalogue gives its code."""
    return Finding(code=code, severity=CODES[code], message=message, **location)


def in_order(findings: list[Finding],
             audiences: tuple[str, ...] = ()) -> tuple[Finding, ...]:
    """Findings in the main text first, by position, then those in each audience version
    (in the order of `audiences`), then findings on references, by number; one finding
    per key."""
    text_rank = {None: 0} | {audience: rank for rank, audience in enumerate(audiences, 1)}

    def place(finding: Finding) -> tuple:
        in_text = finding.offset is not None and finding.reference is None
        where = finding.offset if in_text else (finding.reference or 0)
        text = text_rank.get(finding.audience, len(text_rank)) if in_text else 0
        return (0 if in_text else 1, text, where, _CODE_ORDER[finding.code], finding.key)

    unique: dict[str, Finding] = {}
    for finding in sorted(findings, key=place):
        unique.setdefault(finding.key, finding)
    return tuple(unique.values())
