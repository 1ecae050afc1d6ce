"""Splitting a pasted reference list: one entry per line, the author's own
numbering replaced by the list position."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.articles.references import join_reference_lines, split_reference_lines

DOE = "Doe J. Ibuprofen for back pain. BMJ. 2020. doi:10.1136/bmj.m1"


@pytest.mark.parametrize("line", [
    f"1. {DOE}",
    f"1) {DOE}",
    f"[1] {DOE}",
    f"1 {DOE}",
    f"12. {DOE}",
    f"[12345] {DOE}",
    f"   3.   {DOE}   ",
    f"\t[2]\t{DOE}",
    DOE,
])
def test_leading_number_is_removed(line):
    assert split_reference_lines(line) == [DOE]


@pytest.mark.parametrize(("line", "entry"), [
    ("1.5 mg/kg ibuprofen trial. Lancet. 2019.", "1.5 mg/kg ibuprofen trial. Lancet. 2019."),
    ("1.Doe J. No space after the number.", "1.Doe J. No space after the number."),
    ("1. 2. Second number stays", "2. Second number stays"),
    ("[a] Lettered label stays", "[a] Lettered label stays"),
])
def test_only_one_leading_number_followed_by_space_is_removed(line, entry):
    assert split_reference_lines(line) == [entry]


def test_blank_lines_are_skipped_and_order_kept():
    text = "1. First\n\n   \n2) Second\r\n\t\n[3] Third\n"
    assert split_reference_lines(text) == ["First", "Second", "Third"]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "1. ", "[2]  \n3)\t", None])
def test_nothing_but_numbers_and_blanks_gives_no_entries(text):
    assert split_reference_lines(text) == []


def test_join_numbers_entries_from_one():
    assert join_reference_lines(["First", "Second"]) == "1. First\n2. Second"
    assert join_reference_lines([]) == ""


def test_renumbering_a_pasted_list_keeps_the_entries():
    pasted = "3. Third-listed\n7. Seventh-listed"
    assert join_reference_lines(split_reference_lines(pasted)) == (
        "1. Third-listed\n2. Seventh-listed")


# An entry as the edit form holds it: one line, no surrounding whitespace.
entries = st.text(min_size=1, max_size=60).map(str.strip).filter(
    lambda s: s != "" and s.splitlines() == [s])


@given(st.lists(entries, max_size=20))
def test_property_split_of_join_gives_back_the_entries(items):
    assert split_reference_lines(join_reference_lines(items)) == items


@given(st.text(max_size=300))
def test_property_join_of_split_is_stable(text):
    once = split_reference_lines(text)
    assert split_reference_lines(join_reference_lines(once)) == once
    assert all(entry and entry == entry.strip() for entry in once)
