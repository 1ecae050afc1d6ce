"""Citation markers in a Markdown body: the numbers they cite, and why a marker is malformed."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.citations.markers import MAX_RANGE, find_markers, mask_code


@pytest.mark.parametrize(("body", "text", "numbers"), [
    ("Pain [1].", "[1]", (1,)),
    ("Pain [1,3].", "[1,3]", (1, 3)),
    ("Pain [1-3].", "[1-3]", (1, 2, 3)),
    ("Pain [1–3].", "[1–3]", (1, 2, 3)),
    ("Pain [1—3].", "[1—3]", (1, 2, 3)),
    ("Pain [1, 3–5].", "[1, 3–5]", (1, 3, 4, 5)),
    ("Pain [ 2 ].", "[ 2 ]", (2,)),
    ("Pain [19]–[21].", "[19]–[21]", (19, 20, 21)),
    ("Pain [19]-[21].", "[19]-[21]", (19, 20, 21)),
    ("Pain [3-3].", "[3-3]", (3,)),
    ("Pain [2,2].", "[2,2]", (2,)),
    ("Pain [12].", "[12]", (12,)),
])
def test_well_formed_marker(body, text, numbers):
    [marker] = find_markers(body)
    assert (marker.text, marker.numbers, marker.problem) == (text, numbers, None)
    assert body[marker.start:marker.start + len(marker.text)] == text


@pytest.mark.parametrize(("body", "text", "words"), [
    ("Pain [0].", "[0]", "start at 1"),
    ("Pain [0-2].", "[0-2]", "start at 1"),
    ("Pain [5-3].", "[5-3]", "5–3 runs backwards"),
    ("Pain [5–3].", "[5–3]", "5–3 runs backwards"),
    ("Pain [21]–[19].", "[21]–[19]", "21–19 runs backwards"),
    ("Pain [1,,2].", "[1,,2]", "empty place between commas"),
    ("Pain [1,].", "[1,]", "empty place between commas"),
    ("Pain [,1].", "[,1]", "empty place between commas"),
    ("Pain [1 2].", "[1 2]", "“1 2” is neither a number nor a range"),
    ("Pain [1-].", "[1-]", "“1-” is neither a number nor a range"),
    ("Pain [1--3].", "[1--3]", "neither a number nor a range"),
    ("Pain [1-5000].", "[1-5000]", f"more than {MAX_RANGE} references"),
    ("Pain [1-999999999999].", "[1-999999999999]", "far too large"),
    ("Pain [10000000].", "[10000000]", "far too large"),
])
def test_malformed_or_reversed_marker_says_why(body, text, words):
    [marker] = find_markers(body)
    assert marker.text == text
    assert marker.problem is not None and words in marker.problem


def test_well_formed_parts_of_a_malformed_marker_still_count():
    [marker] = find_markers("Pain [1,,2].")
    assert marker.numbers == (1, 2)


def test_huge_range_is_refused_not_expanded():
    [marker] = find_markers("[1-99999]")
    assert marker.numbers == () and marker.problem


@pytest.mark.parametrize("body", [
    "[click](https://example.org)",
    "[1](https://example.org)",
    "![2](figure.png)",
    "Footnote[^1] here.\n\n[^1]: note",
    "- [x] done\n- [ ] to do",
    "See [the guideline][1].\n\n[1]: https://www.nice.org.uk",
    "See [1][nice].\n\n[nice]: https://www.nice.org.uk",
    "See [NICE].\n\n[NICE]: https://www.nice.org.uk",
    "See [1] again.\n\n[1]: https://www.nice.org.uk",
    "A list [a, b] and [i-iii] and [] and [ ].",
    "Inline `[1]` code.",
    "```\nfenced [1]\n```",
    "~~~python\nx = a[1]\n~~~",
    "Text.\n\n    indented code [1]\n",
    "<!-- draft [1] -->",
])
def test_markdown_that_only_looks_like_a_marker_is_not_one(body):
    assert find_markers(body) == []


def test_adjacent_markers_are_two_markers():
    assert [marker.text for marker in find_markers("Pain [1][2].")] == ["[1]", "[2]"]


def test_markers_are_in_reading_order():
    body = "First [2]. Then [1, 3–4]. Last [5]–[6]."
    assert [marker.numbers for marker in find_markers(body)] == [(2,), (1, 3, 4), (5, 6)]


def test_marker_after_code_span_is_found():
    [marker] = find_markers("Use `x[0]` then cite [4].")
    assert (marker.text, marker.numbers) == ("[4]", (4,))


@pytest.mark.parametrize("body", [
    "a `b` c\n\n```\nd\n```\ne",
    "x ``code ` span`` y\r\nz",
    "<!-- unclosed comment [1]",
    "` unmatched backtick",
    "\r\n\r\n    code\r\nline\r",
])
def test_masking_code_keeps_length_and_line_breaks(body):
    masked = mask_code(body)
    assert len(masked) == len(body)
    assert [index for index, char in enumerate(masked) if char in "\r\n"] == \
        [index for index, char in enumerate(body) if char in "\r\n"]


MARKDOWNISH = st.text(alphabet="[]()0123456789,-–— `~!^:\nabc\t#>|*", max_size=400)


@given(st.one_of(st.text(max_size=400), MARKDOWNISH))
def test_any_text_gives_markers_within_the_text(body):
    for marker in find_markers(body):
        assert body[marker.start:marker.start + len(marker.text)] == marker.text
        assert all(1 <= number for number in marker.numbers)
        assert len(marker.numbers) <= MAX_RANGE * 200
        assert marker.problem is None or isinstance(marker.problem, str)


def test_hostile_input_is_scanned_quickly():
    for body in ["[" * 200_000, "[1-" * 50_000, "`" * 5_000 + "a" + "``" * 5_000,
                 "[" + "1" * 100_000 + "]", "<!--" * 50_000]:
        find_markers(body)
