"""An event's details as people read them: before → after rows, then other facts.

Pure module. Services write before/after in a few shapes:
{"before": {"state": "draft"}, "after": {"state": "submitted"}},
{"before": ["author"], "after": ["author", "editor"]},
{"changes": {"title": {"before": "A", "after": "B"}, "body": {"before_chars": 10, ...}}}.
"""

import json
from dataclasses import dataclass

PAIRS = (("before", "after"), ("before_chars", "after_chars"))


@dataclass(frozen=True)
class Change:
    name: str
    before: str
    after: str


@dataclass(frozen=True)
class Readable:
    changes: list[Change]
    facts: list[tuple[str, str]]


def readable(details: dict | None, action: str = "") -> Readable:
    """`action` names a top-level before/after of plain values ("user.roles_changed"
    → "roles")."""
    details = dict(details or {})
    changes: list[Change] = []
    if "before" in details and "after" in details:
        verb = action.rpartition(".")[2]
        name = verb.removesuffix("_changed") if verb.endswith("_changed") else ""
        changes += _pair_changes(name, details.pop("before"), details.pop("after"))
    facts = []
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            for name, inner in value.items():
                pair = _as_pair(inner)
                if pair:
                    changes += _pair_changes(name, *pair)
                else:
                    facts.append((_label(name), show(inner)))
            continue
        pair = _as_pair(value)
        if pair:
            changes += _pair_changes(key, *pair)
        else:
            facts.append((_label(key), show(value)))
    return Readable(changes, facts)


def _as_pair(value):
    """(before, after) when `value` is a before/after record, else None."""
    if not isinstance(value, dict):
        return None
    for before, after in PAIRS:
        if set(value) == {before, after}:
            if before.endswith("_chars"):
                return (f"{value[before]} characters", f"{value[after]} characters")
            return value[before], value[after]
    return None


def _pair_changes(name: str, before, after) -> list[Change]:
    if isinstance(before, dict) and isinstance(after, dict):
        return [Change(_label(key), show(before.get(key)), show(after.get(key)))
                for key in dict.fromkeys([*before, *after])]
    return [Change(_label(name) or "value", show(before), show(after))]


def _label(key: str) -> str:
    return key.replace("_", " ")


def show(value) -> str:
    """One value as text: lists joined, mappings as compact JSON, None as a dash."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(show(v) for v in value) if value else "(none)"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
