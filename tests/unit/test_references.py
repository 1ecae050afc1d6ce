"""Splitting a pasted reference list: a numbered list's wrapped lines join the entry above
them, DOIs and links broken by the wrap are joined or named in a note, the author's numbering
is replaced by the list position, and an unnumbered list is one reference per line."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.citations.reference_list import number_reference_list, split_reference_list

DOE = "Doe J. Ibuprofen for back pain. BMJ. 2020. doi:10.1136/bmj.m1"

# Four references as Word or a PDF viewer hands them over: each wrapped over two or three
# lines, DOIs and links broken by the wrap, continuation lines starting with a year.
WRAPPED = """\
1. Huang C, Wang Y, Li X, et al. Clinical features of patients infected with 2019
novel coronavirus in Wuhan, China. Lancet. 2020;395(10223):497-506.
doi:10.1016/S0140-
6736(20)30183-5
2. Polack FP, Thomas SJ, Kitchin N, et al. Safety and efficacy of the BNT162b2 mRNA
Covid-19 vaccine. N Engl J Med. 2020;383(27):2603-15. https://doi.org/10.1056/
NEJMoa2034577
3. Doe A, Roe B. Paracetamol for fever in children: a randomised trial in 20
2019 Mar;12(3):34-9. doi:10.1371/journal.
pmed.1001418. PMID: 23637575
4. Cochrane review. Cochrane Database Syst Rev. 2019;(5):CD012345. doi:10.1002/14651858.
CD012345.pub2
"""
WRAPPED_ENTRIES = [
    "Huang C, Wang Y, Li X, et al. Clinical features of patients infected with 2019 novel "
    "coronavirus in Wuhan, China. Lancet. 2020;395(10223):497-506. "
    "doi:10.1016/S0140-6736(20)30183-5",
    "Polack FP, Thomas SJ, Kitchin N, et al. Safety and efficacy of the BNT162b2 mRNA "
    "Covid-19 vaccine. N Engl J Med. 2020;383(27):2603-15. "
    "https://doi.org/10.1056/NEJMoa2034577",
    "Doe A, Roe B. Paracetamol for fever in children: a randomised trial in 20 "
    "2019 Mar;12(3):34-9. doi:10.1371/journal.pmed.1001418. PMID: 23637575",
    "Cochrane review. Cochrane Database Syst Rev. 2019;(5):CD012345. "
    "doi:10.1002/14651858.CD012345.pub2",
]


def entries(text):
    return split_reference_list(text).entries


def notes(text):
    return split_reference_list(text).notes


def test_wrapped_numbered_list_gives_one_entry_per_number_and_whole_dois():
    found = split_reference_list(WRAPPED)
    assert found.entries == WRAPPED_ENTRIES
    assert found.notes == []


@pytest.mark.parametrize("style", ["{n}. ", "{n}) ", "[{n}] ", "{n}.\t", "{n} "])
def test_every_numbering_style_takes_continuation_lines(style):
    text = "\n".join([style.format(n=1) + "Smith J. A long title", "that wraps. BMJ. 2020.",
                      style.format(n=2) + "Doe J. Short. Lancet.", "2019;12:34."])
    assert entries(text) == ["Smith J. A long title that wraps. BMJ. 2020.",
                             "Doe J. Short. Lancet. 2019;12:34."]


@pytest.mark.parametrize(("text", "expected"), [
    # A wrapped line that starts with a year is not entry 2019, nor a bare "12" entry 12.
    ("1. Smith J. Pain. BMJ.\n2019. doi:10.1136/bmj.m1\n2. Doe J.", ["Smith J. Pain. BMJ. "
     "2019. doi:10.1136/bmj.m1", "Doe J."]),
    ("1 Smith J. Trial of\n12 weeks. BMJ. 2019.\n2 Doe J. B.",
     ["Smith J. Trial of 12 weeks. BMJ. 2019.", "Doe J. B."]),
    # "1." "1)" and "[1]" may be mixed; a bare number in such a list is part of an entry.
    ("1. Smith J. A.\n\n[2] Doe J. B.\n3) Roe R. In\n4 weeks.", ["Smith J. A.", "Doe J. B.",
                                                              "Roe R. In 4 weeks."]),
    # PDFs sometimes put each number on a line of its own.
    ("1.\nSmith J. Pain.\n2.\nDoe J. Fever.", ["Smith J. Pain.", "Doe J. Fever."]),
    # Bullets start entries too.
    ("- Smith J. A long\n  title. BMJ.\n- Doe J. B.", ["Smith J. A long title. BMJ.",
                                                     "Doe J. B."]),
    # Blank lines between entries change nothing.
    ("1. Smith J. A\n\nwraps.\n\n2. Doe J. B.", ["Smith J. A wraps.", "Doe J. B."]),
])
def test_numbering_must_follow_on_to_start_an_entry(text, expected):
    assert entries(text) == expected


@pytest.mark.parametrize(("wrapped", "joined"), [
    ("doi:10.1000/abc-\n123", "doi:10.1000/abc-123"),
    ("https://doi.org/10.1000/\nabc", "https://doi.org/10.1000/abc"),
    ("doi:10.1056\n/NEJMoa2034577", "doi:10.1056/NEJMoa2034577"),
    ("https://\ndoi.org/10.1000/abc", "https://doi.org/10.1000/abc"),
    ("https://www.nice.org.uk/guidance/ng59?tab=\nevidence", "https://www.nice.org.uk/guidance/"
     "ng59?tab=evidence"),
    ("doi:10.1001/jama.\n2020.1585", "doi:10.1001/jama.2020.1585"),
    ("doi:\n10.1136/bmj.m1", "doi: 10.1136/bmj.m1"),
])
def test_doi_or_link_broken_by_the_wrap_is_joined(wrapped, joined):
    found = split_reference_list(f"1. Smith J. Pain. {wrapped}\n2. Doe J.")
    assert found.entries == [f"Smith J. Pain. {joined}", "Doe J."]
    assert found.notes == []


@pytest.mark.parametrize("wrapped", [
    "doi:10.1136/bmj.m1.\nPMID: 31000001.",
    "doi:10.1136/bmj.m1\nEpub 2020 Jan 3.",
    "https://www.who.int/publications/guide\n[cited 2024 Jan 5].",
    "https://www.cdc.gov/flu/index.html\n2019.",
])
def test_complete_doi_or_link_at_a_line_end_is_left_alone(wrapped):
    found = split_reference_list(f"1. Smith J. Pain. {wrapped}")
    assert found.entries == ["Smith J. Pain. " + wrapped.replace("\n", " ")]
    assert found.notes == []


@pytest.mark.parametrize(("wrapped", "kind", "tail", "head"), [
    ("doi:10.1056/NEJ\nMoa2034577.", "DOI", "doi:10.1056/NEJ", "Moa2034577."),
    ("doi:10.1016/S0140-6736(20)\n30183-5", "DOI", "doi:10.1016/S0140-6736(20)", "30183-5"),
    ("https://www.nice.org.uk/guidance/ng\n136", "link", "https://www.nice.org.uk/guidance/ng",
     "136"),
])
def test_doi_or_link_that_cannot_be_joined_safely_is_named_in_a_note(wrapped, kind, tail, head):
    found = split_reference_list(f"1. Doe J. B.\n2. Smith J. Pain. {wrapped}")
    assert found.entries == ["Doe J. B.", "Smith J. Pain. " + wrapped.replace("\n", " ")]
    assert found.notes == [
        f"Reference 2: the {kind} “{tail}” ends a line and the next line starts with “{head}”. "
        f"If the line break cut the {kind} in two, put it back together on one line."]


def test_numbers_that_skip_are_renumbered_with_a_note():
    found = split_reference_list("1. A\n2. B\n4. D\n5. E")
    assert found.entries == ["A", "B", "D", "E"]
    assert found.notes == [
        "Your list goes from 2 to 4: references are numbered in the order given, so your "
        "number 4 is reference 3 here. Check that the markers in the text point to the right "
        "references."]


def test_a_repeated_number_is_kept_in_its_entry_with_a_note():
    found = split_reference_list("1. A\n2. B\n2. C")
    assert found.entries == ["A", "B 2. C"]
    assert found.notes == ["Reference 2 has a line starting with the number 2 again, so it "
                           "was read as part of reference 2. If it is a reference of its own, "
                           "number it 3."]


def test_renumbering_a_pasted_list_keeps_the_entries():
    found = split_reference_list("3. Third-listed\n7. Seventh-listed")
    assert number_reference_list(found.entries) == "1. Third-listed\n2. Seventh-listed"
    assert found.notes[0].startswith("Your list starts at 3:")


@pytest.mark.parametrize(("text", "expected"), [
    ("Smith J. A.\nDoe J. B.\nRoe R. C.", ["Smith J. A.", "Doe J. B.", "Roe R. C."]),
    # An unnumbered list keeps a number that belongs to the reference.
    ("1000 Genomes Project. A map. Nature. 2010.\nDoe J. B.",
     ["1000 Genomes Project. A map. Nature. 2010.", "Doe J. B."]),
    ("Smith J. A.\n2. Doe J. B.", ["Smith J. A.", "Doe J. B."]),
])
def test_without_numbering_each_line_is_one_reference(text, expected):
    found = split_reference_list(text)
    assert (found.entries, found.notes) == (expected, [])


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
    assert entries(line) == [DOE]


@pytest.mark.parametrize(("line", "entry"), [
    ("1.5 mg/kg ibuprofen trial. Lancet. 2019.", "1.5 mg/kg ibuprofen trial. Lancet. 2019."),
    ("1.Doe J. No space after the number.", "1.Doe J. No space after the number."),
    ("1. 2. Second number stays", "2. Second number stays"),
    ("[a] Lettered label stays", "[a] Lettered label stays"),
])
def test_only_one_leading_number_followed_by_space_is_removed(line, entry):
    assert entries(line) == [entry]


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "1. ", "[2]  \n[3]\t", "2)\n\n3)", None])
def test_nothing_but_numbers_and_blanks_gives_no_entries(text):
    assert entries(text) == []


def test_number_reference_list_numbers_entries_from_one():
    assert number_reference_list(["First", "Second"]) == "1. First\n2. Second"
    assert number_reference_list([]) == ""


# An entry as the edit form holds it: one line, no surrounding whitespace.
one_line = st.text(min_size=1, max_size=60).map(str.strip).filter(
    lambda s: s != "" and s.splitlines() == [s])


@given(st.lists(one_line, max_size=20))
def test_property_the_form_gives_back_the_entries_it_shows(items):
    found = split_reference_list(number_reference_list(items))
    assert (found.entries, found.notes) == (items, [])


@given(st.text(max_size=300))
def test_property_split_of_numbered_split_is_stable(text):
    once = entries(text)
    assert entries(number_reference_list(once)) == once
    assert all(entry and entry == entry.strip() for entry in once)
