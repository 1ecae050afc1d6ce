"""Readability of audience versions (issue 17): textstat's Flesch reading ease and
Flesch-Kincaid grade on texts whose level is known, the Markdown taken out before
measuring, and the `reading-level` warning of a version above its audience's target,
naming the measured values, the target and the hardest sentences."""

import pytest

from reviewapp.citations.engine import WARNING, VersionText
from reviewapp.citations.engine.readability import (
    Reading,
    plain_sentences,
    reading_findings,
    reading_of,
)
from reviewapp.citations.engine.versions import VersionDocument
from reviewapp.citations.finding_advice import advice

# Plain words and short sentences, as the NHS writes for patients: about grade 2.
PLAIN = ("Ibuprofen is a medicine for pain. You can buy it at a pharmacy or a shop. "
         "It can help with back pain, toothache and period pain. "
         "Take it with food or a glass of milk. This helps to protect your stomach. "
         "Do not take it if you have had a stomach ulcer. Ask a pharmacist if you are not sure.")
# A results-and-conclusions paragraph of a clinical abstract: beyond grade 20.
DENSE_FIRST = ("Nonsteroidal anti-inflammatory drugs demonstrated statistically significant "
               "reductions in pain intensity compared with placebo in patients with chronic "
               "non-specific low back pain, although the magnitude of the effect was small and "
               "of questionable clinical relevance.")
DENSE_SECOND = ("Gastrointestinal, cardiovascular and renal adverse events necessitate "
                "individualised risk stratification before prolonged administration, "
                "particularly in elderly patients with comorbidities.")
DENSE = f"{DENSE_FIRST} {DENSE_SECOND}"


def patient(body: str, key_points: str = "", title: str = "Back pain",
            ease_min: float | None = 60, grade_max: float | None = 6) -> VersionDocument:
    return VersionDocument(VersionText("patient", "Patient or carer", title, key_points, body,
                                       ease_min, grade_max))


def test_textstat_values_of_fixed_texts_are_known():
    """The values textstat 0.7.4 gives; an upgrade that changes them fails here first."""
    assert reading_of(PLAIN) == Reading(ease=96.59, grade=1.9)
    assert reading_of(DENSE) == Reading(ease=-23.11, grade=23.1)
    assert reading_of(DENSE_FIRST).grade == 22.5
    assert reading_of(DENSE_SECOND).grade == 26.0


def test_plain_nhs_style_text_gets_no_warning():
    reading = reading_of(PLAIN)
    assert reading.grade <= 6 and reading.ease >= 60
    assert reading_findings(patient(PLAIN)) == []


def test_dense_clinical_text_gets_a_warning_naming_values_target_and_hardest_sentences():
    (finding,) = reading_findings(patient(f"Back pain is common. {DENSE} It often gets better."))
    assert finding.code == "reading-level" and finding.severity == WARNING
    assert finding.sentence == DENSE_SECOND  # the hardest: grade 26.0
    assert finding.message.startswith(
        "The Patient or carer version reads at grade ")
    assert "(Flesch-Kincaid) with a reading ease of " in finding.message
    assert ("the target for patient or carer readers is grade 6 or below and a reading "
            "ease of 60 or above") in finding.message
    # The hardest first, each with its grade; sentences within the target are not quoted.
    assert finding.message.endswith(
        f"Its hardest 2 sentences are “{DENSE_SECOND}” (grade 26.0); “{DENSE_FIRST}” "
        "(grade 22.5).")
    assert "shorter sentences, everyday words" in advice(finding)


def test_at_most_three_sentences_are_quoted():
    (finding,) = reading_findings(patient(f"{DENSE_FIRST} {DENSE_SECOND} {DENSE_FIRST} "
                                          f"{DENSE_SECOND}"))
    assert "Its hardest 3 sentences are" in finding.message
    assert finding.message.count("(grade ") == 3


def test_with_only_an_ease_target_the_hardest_sentences_are_quoted_whatever_their_grade():
    (finding,) = reading_findings(patient(f"Back pain is common. {DENSE_FIRST}",
                                          ease_min=90, grade_max=None))
    assert "the target for patient or carer readers is a reading ease of 90 or above" \
        in finding.message
    assert finding.message.endswith(
        f"Its hardest 2 sentences are “{DENSE_FIRST}” (grade 22.5); “Back pain is common.” "
        f"(grade {reading_of('Back pain is common.').grade:.1f}).")


def test_a_version_with_one_sentence_quotes_it():
    (finding,) = reading_findings(patient(DENSE_FIRST))
    assert f"Its hardest sentence is “{DENSE_FIRST}” (grade 22.5)." in finding.message


def test_no_target_means_no_check():
    assert reading_findings(patient(DENSE, ease_min=None, grade_max=None)) == []


@pytest.mark.parametrize(("ease_min", "grade_max", "fires"), [
    (None, 30, False),   # grade 23.1 is within grade 30
    (None, 20, True),
    (-30, None, False),  # ease -23.1 is above -30
    (0, None, True),
])
def test_either_target_alone_is_enough(ease_min, grade_max, fires):
    findings = reading_findings(patient(DENSE, ease_min=ease_min, grade_max=grade_max))
    assert bool(findings) is fires


def test_markdown_markers_and_link_targets_are_not_measured():
    document = patient(
        "## What it does\n\nIbuprofen eases pain [1, 2]. Read the "
        "[leaflet](https://example.org/a-very-long-address/of-many-syllables) first.\n",
        key_points="- Ease **back** pain\n- Take it with *food*\n")
    assert [s.plain for s in plain_sentences(document)] == [
        "Ease back pain.", "Take it with food.", "What it does.",
        "Ibuprofen eases pain.", "Read the leaflet first."]
    # The sentence quoted is as written.
    assert plain_sentences(document)[3].written == "Ibuprofen eases pain [1, 2]."


def test_the_title_is_not_measured_and_key_points_are():
    hard_title = patient(PLAIN, title=DENSE_SECOND)
    assert reading_findings(hard_title) == []
    hard_points = patient(PLAIN, key_points=f"- {DENSE_FIRST}\n- {DENSE_SECOND}\n")
    (finding,) = reading_findings(hard_points)
    assert finding.sentence == DENSE_SECOND


def test_an_empty_version_is_not_measured():
    assert reading_findings(patient("", key_points="")) == []
    assert reading_findings(patient("[1] 2024.")) == []
