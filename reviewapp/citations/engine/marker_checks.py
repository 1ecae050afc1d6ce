"""Checks on the citation markers in the text: malformed markers, markers that point at no
reference, and references not numbered in the order they are first cited."""

from reviewapp.citations.engine.document import Document
from reviewapp.citations.engine.findings import Finding, make_finding
from reviewapp.citations.markers import Marker


def marker_findings(document: Document, reference_count: int) -> list[Finding]:
    findings = []
    for marker in document.markers:
        missing = [number for number in marker.numbers if number > reference_count]
        if marker.problem:
            code = "marker-malformed"
            message = f"Marker {marker.text} is malformed: {marker.problem}."
        elif missing:
            code = "marker-unresolved"
            message = _unresolved_message(marker, missing, reference_count)
        else:
            continue
        findings.append(make_finding(code, message, marker=marker.text, offset=marker.start,
                                     sentence=document.sentence_text_at(marker.start)))
    return findings


def _unresolved_message(marker: Marker, missing: list[int], reference_count: int) -> str:
    if reference_count == 0:
        return f"Marker {marker.text} points at no reference (the list is empty)."
    if missing == list(marker.numbers) and len(missing) == 1:
        return (f"Marker {marker.text} points at no reference "
                f"(the list has {reference_count}).")
    return (f"Marker {marker.text} points at "
            f"{_plural(len(missing), 'reference')} {_number_list(missing)}, "
            f"which {'is' if len(missing) == 1 else 'are'} not in the list "
            f"(the list has {reference_count}).")


def order_findings(document: Document, reference_count: int) -> list[Finding]:
    """Vancouver numbering: the first reference cited is 1, the next new one 2, and so on."""
    first_cited: list[tuple[int, Marker]] = []
    seen: set[int] = set()
    for marker in document.markers:
        for number in marker.numbers:
            if number <= reference_count and number not in seen:
                seen.add(number)
                first_cited.append((number, marker))
    expected = sorted(number for number, _ in first_cited)
    for (number, marker), wanted in zip(first_cited, expected, strict=True):
        if number != wanted:
            return [make_finding(
                "reference-order",
                f"Reference {number} is cited before reference {wanted}; number the references "
                "in the order they are first cited.",
                reference=number, marker=marker.text, offset=marker.start,
                sentence=document.sentence_text_at(marker.start))]
    return []


def _plural(count: int, word: str) -> str:
    return word if count == 1 else f"{word}s"


def _number_list(numbers: list[int]) -> str:
    """[1, 2, 3, 5] -> "1–3 and 5"."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][1] + 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    parts = [str(low) if low == high else f"{low}–{high}" for low, high in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
