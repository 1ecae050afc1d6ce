"""The action registry: every action the code records is registered with a
description, every registered action is recorded somewhere, and the registry
module is pure."""

import ast
from pathlib import Path

import pytest

from reviewapp.audit import actions
from reviewapp.audit.actions import ACTIONS, UnregisteredAction, check_registered, matching
from reviewapp.lifecycle.events import APPROVAL_ACTION, EVENTS
from tests.unit.test_pure_modules import _web_modules_loaded_by

PACKAGE = Path(__file__).resolve().parents[2] / "reviewapp"


def _literals(node, constants: dict[str, str] | None = None) -> set[str]:
    """The strings an expression can be: a literal, a module-level string
    constant, either arm of `a if c else b`, or an f-string's constant prefix
    marked with '*'."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.Name) and constants and node.id in constants:
        return {constants[node.id]}
    if isinstance(node, ast.IfExp):
        return _literals(node.body) | _literals(node.orelse)
    if isinstance(node, ast.BoolOp):
        return set().union(*(_literals(value) for value in node.values))
    if isinstance(node, ast.JoinedStr) and isinstance(node.values[0], ast.Constant):
        return {node.values[0].value + "*"}
    return set()


def recorded_in_source() -> dict[str, list[str]]:
    """action -> where: the first argument of every record(...) call and every
    `action=` keyword in reviewapp, and each life-cycle event's audit action
    (workflow/transition.py records them); f"article.{_PAST[event]}" expands to _PAST."""
    found: dict[str, list[str]] = {}
    for event in EVENTS.values():
        found.setdefault(event.audit_action, []).append(f"lifecycle/events.py:{event.name}")
    found.setdefault(APPROVAL_ACTION, []).append("lifecycle/events.py:APPROVAL_ACTION")
    past: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(PACKAGE.parent))
        constants = {target.id: node.value.value for node in tree.body
                     if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
                     and isinstance(node.value.value, str)
                     for target in node.targets if isinstance(target, ast.Name)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and getattr(node.targets[0], "id", None) == "_PAST"):
                past |= {v.value for v in node.value.values}
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            candidates = set()
            if name == "record" and node.args:
                candidates |= _literals(node.args[0], constants)
            candidates |= {s for kw in node.keywords if kw.arg == "action"
                           for s in _literals(kw.value)}
            for action in candidates:
                found.setdefault(action, []).append(f"{where}:{node.lineno}")
    for action in [a for a in found if a.endswith("*")]:
        for verb in past:
            found.setdefault(action[:-1] + verb, []).extend(found[action])
        del found[action]
    return found


def test_the_scan_finds_the_calls_it_should():
    found = recorded_in_source()
    assert "reviewapp/accounts/services.py" in found["user.login"][0]
    assert "article.submitted" in found and "article.revision_started" in found
    assert "review.changes_requested" in found  # an event's audit action
    assert {"user.reactivated", "user.deactivated"} <= set(found)


def test_every_action_the_code_records_is_registered():
    unregistered = {a: where for a, where in recorded_in_source().items() if a not in ACTIONS}
    assert unregistered == {}


def test_every_registered_action_is_recorded_somewhere():
    assert sorted(set(ACTIONS) - set(recorded_in_source())) == []


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_each_action_is_dotted_and_described(action):
    group, _, verb = action.partition(".")
    assert group and verb and action == action.lower() and " " not in action
    assert len(action) <= 64  # the column's width
    assert len(ACTIONS[action]) > 5 and ACTIONS[action][0].isupper()


def test_an_unregistered_action_is_refused_with_a_clear_error():
    check_registered("article.submitted")
    with pytest.raises(UnregisteredAction, match=r"'article\.teleported' is not registered: "
                                                 r"add it, with a description, to ACTIONS"):
        check_registered("article.teleported")
    assert issubclass(UnregisteredAction, ValueError)


@pytest.mark.parametrize(("prefix", "expected"), [
    ("audit.", ["audit.exported", "audit.head_published", "audit.verified"]),
    ("user.login", ["user.login", "user.login_failed"]),
    ("nosuch.", []),
])
def test_matching_lists_the_actions_a_prefix_stands_for(prefix, expected):
    assert matching(prefix) == expected


def test_retired_actions_stay_filterable_but_are_not_recordable(monkeypatch):
    monkeypatch.setattr(actions, "RETIRED", {"user.role_granted": "Role granted (old name)"})
    assert "user.role_granted" in matching("user.")
    assert actions.describe("user.role_granted") == "Role granted (old name)"
    with pytest.raises(UnregisteredAction):
        check_registered("user.role_granted")


def test_groups_are_the_prefixes_of_the_actions():
    assert {"user.", "article.", "audit."} <= set(actions.groups())
    assert all(g.endswith(".") for g in actions.groups())


@pytest.mark.parametrize("module", ["reviewapp.audit.actions", "reviewapp.audit.changes"])
def test_registry_and_changes_are_pure(module):
    assert _web_modules_loaded_by(module) == []
