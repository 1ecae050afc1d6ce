"""Citation findings as people read them: advice, order, counts in words, and the exact place
of each finding in the draft form's fields (reviewapp/citations/finding_advice.py)."""

import subprocess
import sys
from datetime import date

import pytest

from reviewapp.citations import engine
from reviewapp.citations.engine.findings import CODES, Finding, make_finding
from reviewapp.citations.finding_advice import (
    ADVICE,
    advice,
    blocking_phrase,
    count_phrase,
    in_severity_order,
    locate,
    shown_findings,
)
from reviewapp.citations.reference_list import entry_first_lines, split_reference_list


def _check(body: str, references: list[str]) -> engine.Report:
    return engine.check(body, references, {}, date(2026, 1, 1), engine.Settings())


def test_the_module_is_pure():
    code = ("import sys, reviewapp.citations.finding_advice; "
            "print(any(m.split('.')[0] in ('flask', 'sqlalchemy') for m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(("count", "severity", "words"), [
    (0, "error", "0 errors"), (1, "error", "1 error"), (2, "error", "2 errors"),
    (1, "warning", "1 warning"), (3, "warning", "3 warnings"),
    (1, "info", "1 note"), (0, "info", "0 notes"),
])
def test_counts_are_said_in_words(count, severity, words):
    assert count_phrase(count, severity) == words


@pytest.mark.parametrize(("count", "words"), [
    (1, "1 error blocks approval"), (2, "2 errors block approval"),
    (11, "11 errors block approval"),
])
def test_blocking_errors_agree_in_number(count, words):
    assert blocking_phrase(count) == words


def test_every_code_of_the_catalogue_has_advice_that_names_an_action():
    assert set(ADVICE) == set(CODES)
    for code in CODES:
        said = advice(Finding(code=code, severity=CODES[code], message="", reference=4,
                              marker="[4]", sentence="Take 10 mg [4]."), 3)
        assert said.endswith(".") and len(said.split()) >= 6, code
        assert "-" not in said.split()[0], code  # plain words, not the code


@pytest.mark.parametrize(("marker", "count", "said"), [
    ("[7]", 5, "Add reference 7 to the list, or change the marker."),
    ("[4-6]", 4, "Add references 5 and 6 to the list, or change the marker."),
    ("[2,9]", 3, "Add reference 9 to the list, or change the marker."),
    ("[7]", None, "Add reference 7 to the list, or change the marker."),
])
def test_an_unresolved_marker_names_the_references_to_add(marker, count, said):
    finding = make_finding("marker-unresolved", "…", marker=marker, offset=0)
    assert advice(finding, count) == said


def test_reference_advice_names_the_reference():
    finding = make_finding("reference-uncited", "…", reference=3)
    assert advice(finding) == "Cite reference 3 in the text with a marker, or remove it from " \
                              "the list."


def test_errors_come_first_then_warnings_then_notes_each_in_report_order():
    report = _check(
        "Give 10 mg/kg every 6 hours. See https://shop.example.com now [1].\n\n"
        "Ibuprofen works [5].",
        ["Doe J. Old paper. 1990.", "Roe R. Unused. BMJ. 2024. doi:10.1136/bmj.m1"])
    severities = [finding.severity for _, finding in in_severity_order(report.findings)]
    assert severities == sorted(severities, key=("error", "warning", "info").index)
    assert set(severities) == {"error", "warning", "info"}
    # Within a severity the report's order (text by position, then references) is kept.
    indexes = [index for index, finding in in_severity_order(report.findings)
               if finding.severity == "warning"]
    assert indexes == sorted(indexes)


def test_a_marker_finding_covers_exactly_the_marker():
    body = "# Dose\n\nIbuprofen helps [1].\nNaproxen may help too [3]."
    report = _check(body, ["Doe J. Ibuprofen. BMJ. 2024. doi:10.1136/bmj.m1"])
    unresolved = next(f for f in report.findings if f.code == "marker-unresolved")
    place = locate(unresolved, body, None)
    assert (place.field, place.line, place.text) == ("body", 4, "[3]")
    assert body[place.start:place.end] == "[3]"


def test_a_sentence_finding_covers_the_sentence_as_written_across_lines():
    body = "Intro [1].\n\nAdults may take 400 mg\nevery 8 hours for pain."
    report = _check(body, ["Doe J. Ibuprofen. BMJ. 2024. doi:10.1136/bmj.m1"])
    uncited = next(f for f in report.findings if f.code == "claim-uncited")
    place = locate(uncited, body, None)
    assert place.text == "Adults may take 400 mg\nevery 8 hours for pain."
    assert body[place.start:place.end] == place.text and place.line == 3


def test_positions_count_as_the_browser_does():
    """A textarea's value has "\\n" line breaks and counts UTF-16 units: a CRLF body and a
    character outside the BMP before the marker shift the range accordingly."""
    body = "Pain 😀 relief [1].\r\nMore [4]."
    finding = next(f for f in _check(body, ["Doe J. A. BMJ. 2024. doi:10.1136/bmj.m1"]).findings
                   if f.code == "marker-unresolved")
    place = locate(finding, body, None)
    browser_value = body.replace("\r\n", "\n")
    utf16 = browser_value.encode("utf-16-le")
    assert utf16[2 * place.start:2 * place.end].decode("utf-16-le") == "[4]"
    assert place.line == 2


def test_a_finding_whose_text_moved_is_found_nearest_to_its_old_place():
    finding = make_finding("marker-unresolved", "…", marker="[9]", offset=3,
                           sentence="Dose [9].")
    body = "New first line.\nDose [9]. Other [9]."
    place = locate(finding, body, None)
    assert (place.start, place.text) == (body.index("[9]"), "[9]")


def test_a_finding_whose_text_is_gone_has_no_place():
    finding = make_finding("claim-uncited", "…", offset=0, sentence="Take 10 mg daily.")
    assert locate(finding, "Something else entirely.", None) is None


def test_a_reference_finding_points_at_the_first_line_of_its_entry():
    references = ("1. Doe J. Ibuprofen for pain.\n"
                  "   BMJ. 2024. doi:10.1136/bmj.m1\n"
                  "\n"
                  "2. Roe R. Naproxen. Lancet. 2023.\n")
    assert entry_first_lines(references) == [0, 3]
    assert len(entry_first_lines(references)) == len(split_reference_list(references).entries)
    place = locate(make_finding("reference-uncited", "…", reference=2), "", references)
    assert place.field == "references" and place.line == 4
    assert place.text == "2. Roe R. Naproxen. Lancet. 2023."
    assert references[place.start:place.end] == place.text
    assert locate(make_finding("reference-uncited", "…", reference=3), "", references) is None


def test_unnumbered_lists_have_one_entry_per_line():
    references = "Doe J. One.\n\nRoe R. Two.\nPoe P. Three."
    assert entry_first_lines(references) == [0, 2, 3]


def test_shown_findings_keep_the_report_index_for_waivers():
    report = _check("Ibuprofen helps [1]. Naproxen [2].", ["Doe J. One. 1990.", "Roe R. 2024."])
    shown = shown_findings(report.findings, "Ibuprofen helps [1]. Naproxen [2].",
                           "1. Doe J. One. 1990.\n2. Roe R. 2024.")
    assert sorted(item.index for item in shown) == list(range(len(report.findings)))
    assert all(report.findings[item.index] is item.finding for item in shown)
    assert all(item.advice for item in shown)
    assert all(item.location is not None for item in shown)
    without_fields = shown_findings(report.findings)
    assert all(item.location is None for item in without_fields)
