"""Audience versions as the edit form holds them (reviewapp.articles.versions) and
their diff between revisions (word_diff.version_changes)."""

import pytest

from reviewapp import config as defaults
from reviewapp.articles.audiences import parse_audiences
from reviewapp.articles.versions import (
    VersionText,
    field_labels,
    field_name,
    texts_of_versions,
    version_problems,
    versions_from_texts,
)
from reviewapp.articles.word_diff import (
    ADDED,
    CHANGED,
    DELETED,
    INSERTED,
    REMOVED,
    version_changes,
)

AUDIENCES = parse_audiences(defaults.AUDIENCES)
PATIENT = AUDIENCES[0]


def test_field_names_and_labels_are_distinct_from_the_main_texts():
    labels = field_labels(AUDIENCES)
    assert labels["aud_patient_title"] == "Title for Patient or carer"
    assert labels["aud_professional_key_points"] == "Key points for Healthcare professional"
    assert not {"title", "body", "references", "tags"} & labels.keys()
    assert "Title" not in labels.values() and "Body" not in labels.values()
    # A hyphen in a key cannot meet another key's name: keys have no underscores.
    assert field_name("long-term", "body") == "aud_long_term_body"


def test_an_empty_section_is_no_version_and_a_begun_one_is_read_whole():
    texts = {"aud_patient_title": "  Ibuprofen  ", "aud_patient_key_points": "",
             "aud_patient_body": "Line one\r\nLine two",
             "aud_professional_title": " ", "aud_professional_body": "\n"}
    assert versions_from_texts(AUDIENCES, texts) == {
        "patient": VersionText("patient", "Ibuprofen", "", "Line one\nLine two")}


def test_saved_versions_fill_the_form_and_read_back_the_same():
    version = VersionText("patient", "T", "- a [1]", "B [1]")
    texts = texts_of_versions(AUDIENCES, [version])
    assert texts["aud_patient_body"] == "B [1]" and texts["aud_professional_title"] == ""
    assert versions_from_texts(AUDIENCES, texts) == {"patient": version}


@pytest.mark.parametrize(("version", "parts"), [
    (VersionText("patient", "T", "", "B"), []),
    (VersionText("patient", "", "- point", "B"), ["title"]),
    (VersionText("patient", "T", "- point", "  "), ["body"]),
    (VersionText("patient", "", "- point", ""), ["title", "body"]),
    (VersionText("patient", "T" * 11, "", "B"), ["title"]),
    (VersionText("patient", "T", "k" * 21, "b" * 21), ["key_points", "body"]),
])
def test_version_problems(version, parts):
    problems = version_problems(PATIENT, version, max_title=10, max_body=20)
    assert [part for part, _ in problems] == parts
    assert all("the version for Patient or carer" in message for _, message in problems)


def test_version_changes_per_audience_in_the_sites_order():
    def v(audience, body, title="T"):
        return {"audience": audience, "title": title, "key_points": "", "body": body}

    old = [v("patient", "Take it with food."), v("professional", "Same.")]
    new = [v("professional", "Same."), v("patient", "Take it with milk."),
           v("carer", "New.")]
    changes = version_changes(old, new, order=("professional", "patient"))
    assert [(c.audience, c.kind) for c in changes] == [("patient", CHANGED),
                                                      ("carer", ADDED)]
    assert not changes[0].title.changed and changes[0].body.changed
    assert [(p.kind, p.text) for p in changes[0].body.pieces if p.kind != "same"] == [
        (DELETED, "food"), (INSERTED, "milk")]
    removed = version_changes(old, [], order=("patient", "professional"))
    assert [(c.audience, c.kind) for c in removed] == [("patient", REMOVED),
                                                      ("professional", REMOVED)]
    assert version_changes(old, list(reversed(old))) == []
