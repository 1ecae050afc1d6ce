"""A commissioned article's title from a reader's question: one line, within the
title limit, cut at a word with "…" when it is longer."""

from hypothesis import given
from hypothesis import strategies as st

from reviewapp.questions.services import question_title


def test_a_short_question_is_the_title_on_one_line():
    assert question_title("  Is it safe\nwith   alcohol? ", 300) == "Is it safe with alcohol?"


def test_a_long_question_is_cut_at_a_word():
    title = question_title("Is it safe to take ibuprofen with warfarin after surgery?", 30)
    assert title == "Is it safe to take ibuprofen…"


def test_one_long_word_is_cut_inside_it():
    assert question_title("x" * 50, 10) == "x" * 9 + "…"


@given(st.text(min_size=1, max_size=600), st.integers(min_value=10, max_value=300))
def test_any_question_fits_the_limit_on_one_line(text, limit):
    title = question_title(text, limit)
    assert len(title) <= limit
    assert "\n" not in title and title == title.strip()
