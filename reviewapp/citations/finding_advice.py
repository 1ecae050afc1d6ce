"""Citation findings as the author and editor read them: errors first, then warnings, then
notes; what to do about each; counts in plain words; and where each one is in the body or
reference field (a character range a textarea can select, and its line). Pure module."""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reviewapp.citations.engine.findings import CODES, ERROR, INFO, WARNING, Finding
from reviewapp.citations.markers import find_markers_in_masked
from reviewapp.citations.reference_list import entry_first_lines

SEVERITY_ORDER = (ERROR, WARNING, INFO)
# (one, many): what a person calls findings of each severity.
SEVERITY_NOUNS = {ERROR: ("error", "errors"), WARNING: ("warning", "warnings"),
                  INFO: ("note", "notes")}
BODY, REFERENCES = "body", "references"  # the draft form's fields (their ids)


def count_phrase(count: int, severity: str) -> str:
    """3, "warning" -> "3 warnings"; 1, "info" -> "1 note"."""
    one, many = SEVERITY_NOUNS[severity]
    return f"{count} {one if count == 1 else many}"


def blocking_phrase(count: int) -> str:
    """1 -> "1 error blocks approval"; 2 -> "2 errors block approval"."""
    return f"{count_phrase(count, ERROR)} {'blocks' if count == 1 else 'block'} approval"


def _numbers(numbers: list[int]) -> str:
    if len(numbers) == 1:
        return f"reference {numbers[0]}"
    return f"references {', '.join(map(str, numbers[:-1]))} and {numbers[-1]}"


def _unresolved(finding: Finding, reference_count: int | None) -> str:
    markers = find_markers_in_masked(finding.marker or "")
    numbers = list(markers[0].numbers) if markers else []
    missing = [n for n in numbers if reference_count is None or n > reference_count]
    if not missing or len(missing) > 3:
        return "Add the missing references to the list, or change the marker."
    return f"Add {_numbers(missing)} to the list, or change the marker."


def _number(finding: Finding) -> str:
    return str(finding.reference) if finding.reference is not None else "it"


# What to do about a finding of each code: a sentence for the author (DESIGN §4's catalogue).
ADVICE: dict[str, Callable[[Finding, int | None], str]] = {
    "no-references": lambda f, n: (
        "Add the sources of the clinical claims to the reference list and cite each one "
        "with a numbered marker such as [1]."),
    "marker-malformed": lambda f, n: (
        "Write the marker as [1], [2,3], [4-6] or [22, p. 4]."),
    "marker-unresolved": _unresolved,
    "reference-order": lambda f, n: (
        "Renumber the references in the order the text first cites them: the first one "
        "cited is 1, the next new one 2, and so on."),
    "claim-uncited": lambda f, n: (
        "Add a marker such as [1] for the source of this statement, or reword it if it is "
        "not a claim that needs one."),
    "reading-level": lambda f, n: (
        "Rewrite the hardest sentences for these readers: shorter sentences, everyday words "
        "instead of medical terms (or the term explained), one idea per sentence, and "
        "“you” for the reader."),
    "link-unlisted": lambda f, n: (
        "Add the linked page to the references and cite it with a marker, or remove the link."),
    "identifier-invalid": lambda f, n: (
        f"Copy the identifier of reference {_number(f)} again from the journal's or "
        "PubMed's page, or remove it."),
    "identifier-suspicious": lambda f, n: (
        f"Open the DOI of reference {_number(f)} at https://doi.org; if it does not lead to "
        "the cited work, copy it again from the journal's page."),
    "reference-retracted": lambda f, n: (
        f"Remove reference {_number(f)} and rewrite the statements that rely on it, or cite "
        "a current source instead."),
    "reference-concern": lambda f, n: (
        f"Read the expression of concern on reference {_number(f)} and decide whether the "
        "statements citing it still hold."),
    "reference-corrected": lambda f, n: (
        f"Check that what the text takes from reference {_number(f)} matches the corrected "
        "version."),
    "reference-duplicate": lambda f, n: (
        f"Remove reference {_number(f)} and cite the earlier entry instead."),
    "reference-uncited": lambda f, n: (
        f"Cite reference {_number(f)} in the text with a marker, or remove it from the list."),
    "reference-unidentified": lambda f, n: (
        f"Add the DOI or PubMed ID (PMID) of reference {_number(f)}, so that readers and the "
        "retraction check can find the work."),
    "reference-stale": lambda f, n: (
        f"Check whether newer evidence or guidance replaces reference {_number(f)}."),
}
assert set(ADVICE) == set(CODES), "every finding code needs its advice"


def advice(finding: Finding, reference_count: int | None = None) -> str:
    """What the author can do about the finding, in one sentence."""
    give = ADVICE.get(finding.code)
    return give(finding, reference_count) if give else ""


@dataclass(frozen=True)
class Location:
    """Where a finding is in a field of the draft form, as a browser counts: start and end
    in UTF-16 units of the textarea's value (whose line breaks are all "\\n"), the line
    (from 1) the range starts on, and the exact text it covers."""
    field: str
    start: int
    end: int
    line: int
    text: str


@dataclass(frozen=True)
class ShownFinding:
    finding: Finding
    index: int                   # its place in the report (waiver forms are numbered by it)
    advice: str
    location: Location | None


def in_severity_order(findings: Iterable[Finding]) -> list[tuple[int, Finding]]:
    """Errors first, then warnings, then notes; each severity in the report's order
    (text by position, then references by number). Pairs of (index in report, finding)."""
    rank = {severity: place for place, severity in enumerate(SEVERITY_ORDER)}
    return sorted(enumerate(findings), key=lambda pair: (rank.get(pair[1].severity, 3),
                                                         pair[0]))


def shown_findings(findings: Iterable[Finding], body: str | None = None,
                   references: str | None = None) -> list[ShownFinding]:
    """The report's findings in severity order, each with its advice and, when the text of
    the form's fields is given, its place in them."""
    first_lines = entry_first_lines(references) if references is not None else None
    count = len(first_lines) if first_lines is not None else None
    return [ShownFinding(finding, index, advice(finding, count),
                         locate(finding, body, references, first_lines))
            for index, finding in in_severity_order(findings)]


def locate(finding: Finding, body: str | None, references: str | None,
           first_lines: list[int] | None = None) -> Location | None:
    """The finding's marker or sentence in the body, or its reference's first line in the
    reference list; None when it has no place or the text no longer holds it, and for a
    finding in an audience version (its place names the version instead)."""
    if finding.audience is not None:
        return None
    if finding.offset is not None and body is not None:
        span = _marker_span(finding, body) or _sentence_span(finding, body)
        if span:
            return _location(BODY, body, *span)
    if finding.reference is not None and references is not None:
        if first_lines is None:
            first_lines = entry_first_lines(references)
        if 1 <= finding.reference <= len(first_lines):
            lines = references.splitlines(keepends=True)
            line = first_lines[finding.reference - 1]
            start = sum(map(len, lines[:line]))
            text = lines[line].rstrip("\r\n")
            lead = len(text) - len(text.lstrip())
            return _location(REFERENCES, references, start + lead, start + len(text.rstrip()))
    return None


def _marker_span(finding: Finding, body: str) -> tuple[int, int] | None:
    marker, offset = finding.marker, finding.offset
    if not marker:
        return None
    if body[offset:offset + len(marker)] == marker:
        return offset, offset + len(marker)
    return _nearest(re.finditer(re.escape(marker), body), offset)


def _sentence_span(finding: Finding, body: str) -> tuple[int, int] | None:
    """The stored sentence has its spacing collapsed; find it as written, at or nearest to
    the finding's offset."""
    words = (finding.sentence or "").split()
    if not words:
        return None
    pattern = re.compile(r"\s+".join(map(re.escape, words)))
    return _nearest(pattern.finditer(body), finding.offset)


def _nearest(matches: Iterable[re.Match], offset: int) -> tuple[int, int] | None:
    spans = [found.span() for found in matches]
    if not spans:
        return None
    return min(spans, key=lambda span: (0 if span[0] <= offset < span[1] else 1,
                                        abs(span[0] - offset)))


def _location(field: str, text: str, start: int, end: int) -> Location:
    return Location(field, _browser_index(text, start), _browser_index(text, end),
                    line=_as_browser(text[:start]).count("\n") + 1, text=text[start:end])


def _as_browser(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _browser_index(text: str, index: int) -> int:
    """Python's index (code points, any line breaks) as a textarea's selection counts it."""
    before = _as_browser(text[:index])
    return len(before) + sum(1 for char in before if ord(char) > 0xFFFF)
