"""An event's details as people read them: before/after rows and other facts."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reviewapp.audit.changes import Change, readable, show

CASES = [
    ("state change",
     {"before": {"state": "draft"}, "after": {"state": "submitted"}, "revision": 1}, "",
     [Change("state", "draft", "submitted")], [("revision", "1")]),
    ("list before/after named by the action",
     {"before": ["author"], "after": ["author", "editor"]}, "user.roles_changed",
     [Change("roles", "author", "author, editor")], []),
    ("list before/after without an action", {"before": [], "after": ["x"]}, "",
     [Change("value", "(none)", "x")], []),
    ("keys only on one side",
     {"before": {"active": True}, "after": {"active": False, "locked": None}}, "",
     [Change("active", "yes", "no"), Change("locked", "—", "—")], []),
    ("draft changes",
     {"revision": 2, "changes": {"title": {"before": "A", "after": "B"},
                                 "body": {"before_chars": 10, "after_chars": 12},
                                 "references": {"before": 1, "after": 2}}}, "",
     [Change("title", "A", "B"), Change("body", "10 characters", "12 characters"),
      Change("references", "1", "2")], [("revision", "2")]),
    ("a nested before/after",
     {"revision": {"before": 1, "after": 2}}, "", [Change("revision", "1", "2")], []),
    ("facts only",
     {"competing_interests": "none", "approved_by": [3, 4], "reviewer": {"id": 2, "name": "R"},
      "overdue": False}, "",
     [], [("competing interests", "none"), ("approved by", "3, 4"),
          ("reviewer", '{"id": 2, "name": "R"}'), ("overdue", "no")]),
    ("nothing", {}, "", [], []),
    ("no details at all", None, "", [], []),
]


@pytest.mark.parametrize(("details", "action", "changes", "facts"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_readable(details, action, changes, facts):
    view = readable(details, action)
    assert view.changes == changes
    assert view.facts == facts


def test_readable_does_not_change_the_details():
    details = {"before": {"state": "a"}, "after": {"state": "b"}}
    readable(details)
    assert details == {"before": {"state": "a"}, "after": {"state": "b"}}


@pytest.mark.parametrize(("value", "text"), [
    (None, "—"), (True, "yes"), (0, "0"), (400.5, "400.5"), ("Åsa", "Åsa"), ([], "(none)"),
    (["a", None], "a, —"), ({"b": 1, "a": "é"}, '{"a": "é", "b": 1}'),
])
def test_show(value, text):
    assert show(value) == text


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=10)


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_any_details_are_readable_as_text(details):
    view = readable(details)
    assert all(isinstance(c.before, str) and isinstance(c.after, str) for c in view.changes)
    assert all(isinstance(name, str) and isinstance(text, str) for name, text in view.facts)
