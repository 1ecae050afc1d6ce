"""Three-way merge of a stale form (reviewapp.articles.merge)."""

import pytest

from reviewapp.articles.merge import merge_text

OPENED = ("Ibuprofen reduces pain [1].\n\n## Dose\n\nGive 400 mg every 8 hours with food.\n\n"
          "See your doctor if the pain lasts.")


@pytest.mark.parametrize(("mine", "latest", "merged"), [
    # untouched by one side: the other side's text
    (OPENED, OPENED + "\n\nMore.", OPENED + "\n\nMore."),
    (OPENED + "\n\nMore.", OPENED, OPENED + "\n\nMore."),
    # both made the same change
    (OPENED.replace("400", "200"), OPENED.replace("400", "200"), OPENED.replace("400", "200")),
    # changes apart, one above the other (the latest moved the author's place)
    (OPENED.replace("your doctor", "your GP"), "A new first line.\n\n" + OPENED,
     "A new first line.\n\n" + OPENED.replace("your doctor", "your GP")),
    (OPENED.replace("400 mg", "200 mg"), OPENED.replace("8 hours with food", "8 hours, with food"),
     OPENED.replace("400 mg", "200 mg").replace("8 hours with food", "8 hours, with food")),
    # line breaks as a browser sends them do not count as changes
    (OPENED.replace("\n", "\r\n").replace("if the pain", "if the back pain"),
     OPENED + "\n\nMore.", OPENED.replace("if the pain", "if the back pain") + "\n\nMore."),
])
def test_changes_apart_merge(mine, latest, merged):
    result = merge_text(OPENED, mine, latest)
    assert (result.text, result.refused, result.clean) == (merged, (), True)


def test_a_change_where_the_latest_changed_too_is_refused_and_quoted():
    latest = OPENED.replace("400 mg", "600 mg")
    result = merge_text(OPENED, OPENED.replace("400 mg", "200 mg").replace("doctor", "GP"),
                        latest)
    assert not result.clean
    assert result.text == latest  # nothing half-applied
    assert result.refused == ("\u201cGive 200 mg every 8 hours with food.\u201d",)


def test_a_refused_deletion_says_what_was_deleted():
    opened = "A.\n\nB para.\n\nC."
    result = merge_text(opened, "A.\n\nC.", "A.\n\nB para, changed.\n\nC.")
    assert result.refused == ("the deletion of \u201cB para.\u201d",)
