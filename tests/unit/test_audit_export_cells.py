"""CSV cells a spreadsheet would run as a formula get a leading apostrophe."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.audit.export import FORMULA_STARTS, neutralise


@pytest.mark.parametrize(("cell", "written"), [
    ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
    ("+1+1", "'+1+1"), ("-2+3", "'-2+3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"),
    ("Dose 5 mg", "Dose 5 mg"), ("a=b", "a=b"), ("", ""), ("'quoted", "'quoted"),
    (42, 42), (None, None),
])
def test_neutralise(cell, written):
    assert neutralise(cell) == written


@given(st.text())
def test_no_neutralised_cell_starts_like_a_formula(cell):
    written = neutralise(cell)
    assert not written.startswith(FORMULA_STARTS)
    assert written in (cell, "'" + cell)
