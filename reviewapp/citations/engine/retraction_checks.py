"""Checks against the retraction list: a cited work that was retracted, is under an
expression of concern or has a correction; and the keys notices are looked up by."""

from collections.abc import Mapping
from dataclasses import dataclass

from reviewapp.citations.engine.findings import Finding, make_finding
from reviewapp.citations.identifiers import ParsedReference

_GRAVEST_FIRST = ("reference-retracted", "reference-concern", "reference-corrected")


@dataclass(frozen=True)
class Retraction:
    nature: str  # "Retraction" | "Expression of concern" | "Correction" | "Reinstatement"
    record_id: str
    reason: str = ""
    date: str = ""


def retraction_keys(doi: str | None, pmid: str | None) -> list[str]:
    """Keys under which retraction notices for a work with this (normalised) DOI and PMID
    are filed and looked up: the one spelling of "doi:…" and "pmid:…"."""
    keys = []
    if doi:
        keys.append(f"doi:{doi}")
    if pmid:
        keys.append(f"pmid:{pmid}")
    return keys


def notice_kind(nature: object) -> str | None:
    """The finding code a Retraction Watch notice leads to ("reinstatement": none)."""
    nature = str(nature or "").casefold()
    if "reinstat" in nature:
        return "reinstatement"
    if "retract" in nature:
        return "reference-retracted"
    if "concern" in nature:
        return "reference-concern"
    if "correct" in nature or "erratum" in nature:
        return "reference-corrected"
    return None


def retraction_finding(ref: ParsedReference,
                       retractions: Mapping[str, Retraction]) -> Finding | None:
    notices = []
    for key in retraction_keys(ref.doi, ref.pmid):
        try:
            notice = retractions.get(key)
        except Exception:  # a mapping that cannot be searched holds no notice for us
            notice = None
        if notice is not None:
            notices.append((notice_kind(getattr(notice, "nature", "")), notice))
    if any(kind == "reinstatement" for kind, _ in notices):
        return None  # the work was reinstated after the notice
    for code in _GRAVEST_FIRST:
        for kind, notice in notices:
            if kind == code:
                return make_finding(code, _notice_message(code, ref.number, notice),
                                    reference=ref.number)
    return None


def _notice_message(code: str, number: int, notice: Retraction) -> str:
    record = str(getattr(notice, "record_id", "") or "")
    when = str(getattr(notice, "date", "") or "")
    reason = str(getattr(notice, "reason", "") or "").strip().rstrip(".")
    details = ", ".join(part for part in (
        f"notice {record}" if record else "", when) if part)
    if reason:
        details = f"{details}: {reason}" if details else reason
    details = f" ({details})" if details else ""
    if code == "reference-retracted":
        return (f"Reference {number} has been retracted{details}. Remove it, or cite it only "
                "as retracted work.")
    if code == "reference-concern":
        return (f"Reference {number} is under an expression of concern{details}. Check that "
                "the article does not rely on it alone.")
    return (f"Reference {number} has a published correction{details}. Make sure the article "
            "uses the corrected findings.")
