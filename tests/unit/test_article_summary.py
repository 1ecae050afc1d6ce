"""The summary of an article in invitation mail (reviewapp.articles.summary)."""

import pytest

from reviewapp.articles.summary import MAX_POINTS, article_summary, plain_text


def test_first_sentences_of_the_first_paragraph_in_plain_text():
    body = ("# Ibuprofen for back pain\n\nIbuprofen reduces pain [1]. Take **400 mg** three "
            "times a day [2,3]. See [NICE](https://www.nice.org.uk). A fourth sentence.\n\n"
            "The next paragraph.")
    assert article_summary(body) == ("Ibuprofen reduces pain. Take 400 mg three times a day. "
                                     "See NICE.")


def test_key_points_are_the_summary_when_the_body_lists_them():
    body = ("Intro text first.\n\n## Key points\n\n- Ibuprofen helps [1].\n"
            "- Avoid it in *kidney* disease\n  and with ulcers.\n\n## Background\n\nText.")
    assert article_summary(body) == ("- Ibuprofen helps.\n"
                                     "- Avoid it in kidney disease and with ulcers.")


@pytest.mark.parametrize("heading", ["**Key points**", "Key points:", "### What you need to know",
                                     "## Summary"])
def test_key_points_headings_in_several_spellings(heading):
    body = f"Prose first.\n\n{heading}\n1. First point.\n2. Second point.\n\nProse."
    assert article_summary(body) == "- First point.\n- Second point."


def test_a_bare_word_is_not_a_key_points_heading():
    assert article_summary("Summary\n1. First point.\n\nProse.") == "Summary"


def test_at_most_a_few_key_points():
    body = "## Key points\n" + "\n".join(f"- Point {n}." for n in range(1, 10))
    assert article_summary(body).count("\n- ") == MAX_POINTS - 1


def test_long_text_is_cut_at_a_word_and_says_so():
    summary = article_summary("Word " * 300, max_chars=100)
    assert len(summary) <= 100 and summary.endswith("Word…")


def test_a_body_without_prose_or_text_gives_an_empty_summary():
    assert article_summary("") == ""
    assert article_summary("# Only a heading\n\n> a quote") == ""


def test_setext_heading_and_quotes_are_not_prose():
    body = "Title\n=====\n\n> Quoted.\n\nThe real start. Second."
    assert article_summary(body) == "The real start. Second."


def test_plain_text_drops_marks_not_words():
    assert plain_text("A ![chart](x.png) and `code` with __bold__ [2-4] and <b>tags</b>") == (
        "A chart and code with bold and <b>tags</b>")


@pytest.mark.parametrize("markdown, expected", [
    ("Take 500 mg [22, p. 4].", "Take 500 mg."),
    ("Rest helps [see 5] and so does ice [5 and 7].", "Rest helps and so does ice."),
    ("As shown [19](p. 107), it works.", "As shown (p. 107), it works."),
    ("See [NICE](https://www.nice.org.uk) [3].", "See NICE."),
])
def test_plain_text_leaves_out_every_marker_the_checks_count(markdown, expected):
    assert plain_text(markdown) == expected
