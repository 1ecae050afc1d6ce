"""The AUDIENCES setting, and how audience versions enter a revision's hash."""

import pytest

from reviewapp import config as defaults
from reviewapp.articles.audiences import audience_by_key, parse_audiences
from reviewapp.articles.content import canonical_content, content_hash

PATIENT = {"audience": "patient", "title": "Ibuprofen", "key_points": "- Take it with food",
           "body": "Ibuprofen eases pain [1]."}


def test_default_audiences_are_patient_and_professional():
    audiences = parse_audiences(defaults.AUDIENCES)
    assert [(a.key, a.label) for a in audiences] == [
        ("patient", "Patient or carer"), ("professional", "Healthcare professional")]
    assert audiences[0].reading_grade_max == 6
    assert audiences[1].disclaimer.startswith(
        "This information is intended for healthcare professionals")
    assert audience_by_key(audiences, "professional") is audiences[1]
    assert audience_by_key(audiences, "nurse") is None


@pytest.mark.parametrize("setting, message", [
    ("patient", "must be a list"),
    ([{"key": "Patient", "label": "P", "disclaimer": "D"}], "lower-case"),
    ([{"key": "p", "label": "P", "disclaimer": "D"}] * 2, "used twice"),
    ([{"key": "p", "label": " ", "disclaimer": "D"}], "needs a label"),
    ([{"key": "p", "label": "P"}], "needs a disclaimer"),
    ([{"key": "p", "label": "P", "disclaimer": "D", "reading_grade_max": "six"}],
     "reading_grade_max must be a number"),
])
def test_a_bad_setting_is_named(setting, message):
    with pytest.raises(ValueError, match=message):
        parse_audiences(setting)


def test_a_revision_without_versions_hashes_as_before():
    # The canonical form of every revision signed before audience versions existed.
    assert canonical_content("T", "B\r\n", ["R "], []) == (
        '{"body":"B\\n","references":["R"],"title":"T"}')
    assert content_hash("T", "B", ["R"]) == content_hash("T", "B", ["R"], None)


def test_every_version_is_covered_by_the_hash():
    plain = content_hash("T", "B", ["R"])
    with_patient = content_hash("T", "B", ["R"], [PATIENT])
    assert with_patient != plain
    edited = dict(PATIENT, key_points="- Take it with water")
    assert content_hash("T", "B", ["R"], [edited]) != with_patient
    professional = dict(PATIENT, audience="professional")
    assert (content_hash("T", "B", ["R"], [PATIENT, professional])
            == content_hash("T", "B", ["R"], [professional, PATIENT]))
