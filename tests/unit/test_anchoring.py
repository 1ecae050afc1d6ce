"""Finding a commented passage in a revision's Markdown and again in a later
revision: exact, moved, slightly edited, deleted; selections made on the
rendered page; paragraphs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.reviews.anchoring import (
    Span,
    context_of,
    locate,
    paragraph_at,
    paragraphs,
    reanchor,
)

BODY = """# Metformin

Metformin is the **first-line** treatment for type 2 diabetes [1].

- Start with 500 mg once daily with meals [2].
- Increase to 1 g twice daily as tolerated.

Lactic acidosis is rare but serious [3]."""
DOSE = "Start with 500 mg once daily with meals"


def span_of(body: str, text: str) -> Span:
    start = body.index(text)
    return Span(start, start + len(text))


def test_an_unchanged_passage_is_found_where_it_was():
    span = span_of(BODY, DOSE)
    assert reanchor(BODY, span, BODY) == span


def test_a_moved_passage_is_found_in_its_new_place():
    moved = "Lactic acidosis is rare but serious [3].\n\n" + BODY.replace(
        "\n\nLactic acidosis is rare but serious [3].", "")
    found = reanchor(BODY, span_of(BODY, DOSE), moved)
    assert found is not None and found.text(moved) == DOSE
    far = "A new opening paragraph. " * 80 + "\n\n" + BODY
    assert reanchor(BODY, span_of(BODY, DOSE), far).text(far) == DOSE


@pytest.mark.parametrize("now", [
    "Begin with 500 mg once a day with meals",    # edited in the middle
    "Start with 850 mg once daily with meals",    # a number changed
    "Start with 500 mg once daily with a meal",   # edited at its end
])
def test_a_slightly_edited_passage_is_found_as_it_reads_now(now):
    edited = BODY.replace(DOSE, now)
    found = reanchor(BODY, span_of(BODY, DOSE), edited)
    assert found is not None and found.text(edited) == now


def test_a_slightly_edited_long_passage_is_found_whole():
    passage = "Metformin is the **first-line** treatment for type 2 diabetes [1]."
    edited = BODY.replace("type 2 diabetes", "type 2 diabetes mellitus in adults")
    found = reanchor(BODY, span_of(BODY, passage), edited)
    assert found.text(edited) == ("Metformin is the **first-line** treatment for type 2 "
                                  "diabetes mellitus in adults [1].")


def test_an_edited_passage_far_from_where_it_was_is_found_by_its_context():
    edited = ("An inserted paragraph about something else entirely. " * 40 + "\n\n"
              + BODY.replace(DOSE, "Begin with 500 mg once a day with meals"))
    found = reanchor(BODY, span_of(BODY, DOSE), edited)
    assert found is not None and found.text(edited).startswith("Begin with 500 mg")


def test_a_deleted_passage_is_not_found():
    deleted = BODY.replace("- Start with 500 mg once daily with meals [2].\n", "")
    assert reanchor(BODY, span_of(BODY, DOSE), deleted) is None
    rewritten = BODY.replace(DOSE, "Discuss the options with your doctor")
    assert reanchor(BODY, span_of(BODY, DOSE), rewritten) is None
    assert reanchor(BODY, span_of(BODY, DOSE), "") is None


def test_of_two_occurrences_the_one_in_the_same_context_wins():
    body = "Take 10 mg daily with food.\n\nIn children, take 10 mg daily at night."
    second = body.rindex("take 10 mg daily")
    found = locate(body, "take 10 mg daily", prefix="In children, ", suffix=" at night")
    assert found == Span(second, second + len("take 10 mg daily"))
    assert locate(body, "10 mg daily", near=len(body) - 5).start == body.rindex("10 mg daily")
    assert locate(body, "10 mg daily", near=0).start == body.index("10 mg daily")


@pytest.mark.parametrize(("selected", "expected"), [
    ("the first-line treatment", "the **first-line** treatment"),
    ("meals [2]. Increase to 1 g", "meals [2].\n- Increase to 1 g"),
    ("Metformin  is the\nfirst-line", "Metformin is the **first-line"),
    ("Lactic acidosis is rare", "Lactic acidosis is rare"),
])
def test_a_selection_on_the_rendered_page_is_found_in_the_markdown(selected, expected):
    found = locate(BODY, selected)
    assert found is not None and found.text(BODY) == expected


def test_nothing_to_find_is_not_found():
    assert locate(BODY, "") is None and locate(BODY, "   ") is None
    assert locate("", "Metformin") is None
    assert locate(BODY, "insulin glargine at bedtime") is None


def test_paragraphs_are_blocks_between_blank_lines():
    spans = paragraphs(BODY)
    assert [s.text(BODY) for s in spans] == [
        "# Metformin",
        "Metformin is the **first-line** treatment for type 2 diabetes [1].",
        "- Start with 500 mg once daily with meals [2].\n- Increase to 1 g twice daily as "
        "tolerated.",
        "Lactic acidosis is rare but serious [3]."]
    assert paragraphs("") == [] and paragraphs("\n \n") == []
    assert paragraph_at(BODY, BODY.index(DOSE)) == 2
    assert paragraph_at(BODY, 0) == 0 and paragraph_at(BODY, len(BODY)) == 3


def test_context_is_the_text_around_the_passage():
    before, after = context_of(BODY, span_of(BODY, DOSE))
    assert before.endswith("\n\n- ") and after.startswith(" [2].")


words = st.lists(st.sampled_from(["dose", "daily", "metformin", "renal", "500", "mg", "[1]",
                                  "*risk*", "rare", "with", "meals"]), min_size=1, max_size=60)


@given(words, st.integers(min_value=0, max_value=59), st.integers(min_value=1, max_value=8))
def test_any_passage_of_a_text_is_found_in_that_same_text(tokens, first, length):
    body = " ".join(tokens)
    first = min(first, len(tokens) - 1)
    quote = " ".join(tokens[first:first + length])
    found = locate(body, quote, near=len(" ".join(tokens[:first])))
    assert found is not None
    assert found.text(body).replace("*", "") == quote.replace("*", "")
