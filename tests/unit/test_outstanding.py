"""What an article under review still needs, in sentences (reviewapp.reviews.outstanding)."""

import pytest

from reviewapp.reviews.outstanding import still_needed

MARKER = "Marker [7] points at no reference (the list has 3)."
DOI = "Reference 2: the DOI 10.1000 is malformed."


@pytest.mark.parametrize("approvals,required,errors,expected", [
    (1, 2, [], ["1 of 2 approvals"]),
    (0, 2, [], ["0 of 2 approvals"]),
    (0, 1, [], ["0 of 1 approval"]),
    (2, 2, [MARKER], [f"Blocked by 1 citation error: {MARKER}"]),
    (1, 2, [MARKER, DOI], ["1 of 2 approvals",
                           f"Blocked by 2 citation errors: {MARKER} {DOI}"]),
    (2, 2, [], []),
    (3, 2, [], []),
])
def test_sentences_name_each_unmet_part_of_the_rule(approvals, required, errors, expected):
    assert still_needed(approvals, required, errors) == expected


def test_a_few_findings_are_named_and_the_others_counted():
    errors = [f"Marker [{n}] points at no reference." for n in range(10, 15)]
    (sentence,) = still_needed(2, 2, errors)
    assert sentence == ("Blocked by 5 citation errors: Marker [10] points at no reference. "
                        "Marker [11] points at no reference. Marker [12] points at no "
                        "reference. And 2 more (see the citation check).")


def test_a_message_without_a_full_stop_still_reads_as_a_sentence():
    assert still_needed(2, 2, ["Marker [0] is malformed\n  (zero)"]) == [
        "Blocked by 1 citation error: Marker [0] is malformed (zero)."]
