"""An event's details as people read them: before/after rows and other facts."""

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reviewapp.audit.changes import Change, readable, show, user_ids_in

CASES = [
    ("state change, labelled as the life cycle names states",
     {"before": {"state": "draft"}, "after": {"state": "under_review"}, "revision": 1}, "",
     [Change("State", "Draft", "Under Review")], [("Revision", "1")]),
    ("a state that stayed the same is no change",
     {"before": {"state": "under_review"}, "after": {"state": "under_review"}}, "", [], []),
    ("list before/after named by the action",
     {"before": ["author"], "after": ["author", "editor"]}, "user.roles_changed",
     [Change("Roles", "author", "author, editor")], []),
    ("list before/after without an action", {"before": [], "after": ["x"]}, "",
     [Change("Value", "(none)", "x")], []),
    ("keys only on one side",
     {"before": {"active": True}, "after": {"active": False, "locked": None}}, "",
     [Change("Active", "yes", "no")], []),
    ("draft changes",
     {"revision": 2, "changes": {"title": {"before": "A", "after": "B"},
                                 "body": {"before_chars": 10, "after_chars": 12},
                                 "references": {"before": 1, "after": 2}}}, "",
     [Change("Title", "A", "B"), Change("Body", "10 characters", "12 characters"),
      Change("References", "1", "2")], [("Revision", "2")]),
    ("a nested before/after",
     {"revision": {"before": 1, "after": 2}}, "", [Change("Revision", "1", "2")], []),
    ("a round closed, and one opened",
     {"round": {"number": 1, "before": {"decision": None}, "after": {"decision": "approved"}},
      "next": {"number": 2, "opened": True}}, "",
     [Change("Round 1 decision", "—", "Approved")], [("Next 2", "opened")]),
    ("a claim's verdict changed",
     {"changes": [{"claim": "c1", "sentence": "Ibuprofen helps.", "before": None,
                   "after": {"verdict": "needs_change", "note": "Which dose?"}}]}, "",
     [Change("“Ibuprofen helps.” verdict", "—", "Needs change"),
      Change("“Ibuprofen helps.” note", "—", "Which dose?")], []),
    ("user ids as names, a stored reviewer by name, times in UTC",
     {"competing_interests": "none", "approved_by": [3, 4], "reviewer": {"id": 2, "name": "R"},
      "reviewer_id": 9, "due_at": "2026-12-07T06:10:00+00:00", "overdue": False}, "",
     [], [("Competing interests", "none"), ("Approved by", "Dr Rita, Dr Sam"),
          ("Reviewer", "R"), ("Reviewer", "user 9"), ("Due", "2026-12-07 06:10 UTC"),
          ("Overdue", "no")]),
    ("other mappings as labelled pairs, never JSON",
     {"passage": {"start": 3, "end": 9}}, "", [], [("Passage", "Start: 3; End: 9")]),
    ("an empty text reads as a dash",
     {"before": {"note": ""}, "after": {"note": "Which dose?"}}, "",
     [Change("Note", "—", "Which dose?")], []),
    ("nothing", {}, "", [], []),
    ("no details at all", None, "", [], []),
]
NAMES = {3: "Dr Rita", 4: "Dr Sam"}


@pytest.mark.parametrize(("details", "action", "changes", "facts"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_readable(details, action, changes, facts):
    view = readable(details, action, NAMES)
    assert view.changes == changes
    assert view.facts == facts


def test_readable_does_not_change_the_details():
    details = {"before": {"state": "a"}, "after": {"state": "b"}}
    readable(details)
    assert details == {"before": {"state": "a"}, "after": {"state": "b"}}


@pytest.mark.parametrize(("value", "text"), [
    (None, "—"), (True, "yes"), (0, "0"), (400.5, "400.5"), ("Åsa", "Åsa"), ([], "(none)"),
    (["a", None], "a, —"), ({"b": 1, "a_b": "é"}, "B: 1; A b: é"),
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


def strings_in(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(t for v in value.values() for t in strings_in(v))]
    if isinstance(value, list):
        return [t for v in value for t in strings_in(v)]
    return []


@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_details_read_without_json_braces(details):
    """Whatever shape the details take, no brace appears unless someone typed one."""
    assume(not any("{" in text or "}" in text for text in strings_in(details)))
    view = readable(details)
    texts = [t for c in view.changes for t in (c.name, c.before, c.after)]
    texts += [t for fact in view.facts for t in fact]
    assert not any("{" in t or "}" in t for t in texts)


def test_user_ids_are_found_at_any_depth():
    assert user_ids_in({"approved_by": [2, 3], "x": [{"reviewer_id": 5}],
                        "round": {"user_id": True}, "reviewer": {"id": 8}}) == {2, 3, 5}
