"""Word-level diffs of revisions (reviewapp.articles.word_diff)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.articles.word_diff import (
    ADDED,
    CHANGED,
    DELETED,
    GAP,
    INSERTED,
    REMOVED,
    SAME,
    Piece,
    reference_changes,
    word_diff,
)


def kinds_and_texts(diff):
    return [(p.kind, p.text) for p in diff.pieces]


def test_an_insertion_is_whole_words_between_unchanged_text():
    diff = word_diff("Ibuprofen reduces pain [1].",
                     "Ibuprofen 400 mg three times a day reduces pain [1].")
    assert kinds_and_texts(diff) == [(SAME, "Ibuprofen "),
                                     (INSERTED, "400 mg three times a day "),
                                     (SAME, "reduces pain [1].")]


def test_an_unchanged_phrase_between_two_edits_stays_unchanged():
    # A dose added before the claim and a warning after it: the claim itself,
    # which the reviewer already checked, is not shown as rewritten.
    diff = word_diff("Ibuprofen reduces pain [1].",
                     "Ibuprofen 400 mg three times a day reduces pain [1]. "
                     "Avoid it in kidney disease.")
    assert kinds_and_texts(diff) == [(SAME, "Ibuprofen "),
                                     (INSERTED, "400 mg three times a day "),
                                     (SAME, "reduces pain [1]."),
                                     (INSERTED, " Avoid it in kidney disease.")]


def test_one_shared_word_amid_a_rewrite_is_folded_into_it():
    diff = word_diff("Take one tablet a day with food and water.",
                     "Take two tablets each night without food.")
    assert (SAME, " a ") not in kinds_and_texts(diff)
    assert kinds_and_texts(diff)[0] == (SAME, "Take ")


def test_a_deletion_is_marked_and_the_rest_unchanged():
    diff = word_diff("Take 10 mg twice daily with food.", "Take 10 mg with food.")
    assert kinds_and_texts(diff) == [(SAME, "Take 10 mg "), (DELETED, "twice daily "),
                                     (SAME, "with food.")]


def test_a_changed_word_is_replaced_whole_not_letter_by_letter():
    diff = word_diff("Dose: 400 mg.", "Dose: 200 mg.")
    assert kinds_and_texts(diff) == [(SAME, "Dose: "), (DELETED, "400"), (INSERTED, "200"),
                                     (SAME, " mg.")]


def test_punctuation_is_a_word_of_its_own():
    diff = word_diff("Avoid NSAIDs.", "Avoid NSAIDs!")
    assert kinds_and_texts(diff) == [(SAME, "Avoid NSAIDs"), (DELETED, "."), (INSERTED, "!")]


def test_whitespace_changes_show_and_line_endings_do_not():
    assert kinds_and_texts(word_diff("one two", "one  two")) == [
        (SAME, "one"), (DELETED, " "), (INSERTED, "  "), (SAME, "two")]
    assert not word_diff("first line\r\nsecond", "first line\nsecond").changed


def test_equal_and_empty_texts():
    assert word_diff("Same text [1].", "Same text [1].").pieces == ()
    assert word_diff("", "").pieces == ()
    assert kinds_and_texts(word_diff("", "New text")) == [(INSERTED, "New text")]
    assert kinds_and_texts(word_diff("Old text", "")) == [(DELETED, "Old text")]


def test_long_unchanged_stretches_keep_three_lines_of_context():
    old = "\n".join(f"Line {n}." for n in range(30))
    new = old.replace("Line 15.", "Line fifteen.")
    diff = word_diff(old, new)
    assert [p.kind for p in diff.pieces] == [GAP, SAME, DELETED, INSERTED, SAME, GAP]
    assert diff.pieces[1].text == "Line 12.\nLine 13.\nLine 14.\nLine "
    assert diff.pieces[4].text == ".\nLine 16.\nLine 17.\nLine 18.\n"


def test_html_is_escaped_and_changes_are_marked_for_readers_without_colour():
    diff = word_diff("Use <b>ibuprofen</b> & rest", "Use <script>x</script> & rest")
    for html in (diff.inline, diff.old, diff.new):
        assert "<b>" not in html and "<script>" not in html
        assert "&lt;" in html and "&amp;" in html
    assert '<del><span class="visually-hidden">[deleted: </span>' in diff.inline
    assert '<ins><span class="visually-hidden">[inserted: </span>' in diff.inline
    assert "<ins>" not in diff.old and "<del>" in diff.old
    assert "<del>" not in diff.new and "<ins>" in diff.new


def test_sides_show_each_text_and_the_gap():
    old = "\n".join(f"Line {n}." for n in range(30))
    diff = word_diff(old, old.replace("Line 15.", "Line fifteen."))
    assert "Line 12." in diff.old and "Line 2." not in diff.old
    assert diff.new.count('class="diff-gap"') == 2
    assert "fifteen" in diff.new and "fifteen" not in diff.old


def test_references_are_compared_by_number():
    old = ["Doe J. Ibuprofen. BMJ. 2020.", "Roe R. Paracetamol. Lancet. 2019.",
           "Poe P. Rest. JAMA. 2018."]
    new = ["Doe J. Ibuprofen. BMJ. 2021.", "Roe R. Paracetamol. Lancet. 2019."]
    changes = reference_changes(old, new)
    assert [(c.number, c.kind) for c in changes] == [(1, CHANGED), (3, REMOVED)]
    assert kinds_and_texts(changes[0].diff)[-3:] == [(DELETED, "2020"), (INSERTED, "2021"),
                                                     (SAME, ".")]
    assert changes[1].old == "Poe P. Rest. JAMA. 2018." and changes[1].new is None
    added = reference_changes(old[:1], old[:2])
    assert [(c.number, c.kind, c.new) for c in added] == [
        (2, ADDED, "Roe R. Paracetamol. Lancet. 2019.")]
    assert reference_changes(old, list(old)) == []
    assert reference_changes([], []) == []


def _side(pieces: tuple[Piece, ...], kind: str) -> str:
    return "".join(p.text for p in pieces if p.kind in (SAME, kind))


words = st.lists(st.sampled_from(["dose", "10", "mg", " ", "\n", ",", ".", "[1]", "é",
                                  "<b>", "twice", "daily"]), max_size=40).map("".join)


@given(words, words)
def test_each_side_of_the_diff_is_its_text(old, new):
    diff = word_diff(old, new, context_lines=10_000)
    assert diff.changed == (old != new)
    if diff.changed:
        assert _side(diff.pieces, DELETED) == old
        assert _side(diff.pieces, INSERTED) == new


@pytest.mark.parametrize("text", ["", "a", "x\ny", "ñ — ≥ 5 %"])
def test_a_text_compared_with_itself_has_no_change(text):
    assert not word_diff(text, text).changed
