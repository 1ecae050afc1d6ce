"""An event's details as people read them: labelled before → after lines, then
other facts, with states named as the life cycle labels them ("Under Review")
and user ids as names ("Dr Rita Reviewer"). Never raw JSON.

Pure module: the names come in as a mapping, loaded once per page by
audit/pages.py. Services write before/after in a few shapes:
{"before": {"state": "draft"}, "after": {"state": "submitted"}},
{"before": ["author"], "after": ["author", "editor"]},
{"changes": {"title": {"before": "A", "after": "B"}, "body": {"before_chars": 10, ...}}},
{"round": {"number": 1, "before": {"decision": None}, "after": {"decision": "approved"}}}.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from reviewapp.lifecycle.states import STATE_INFO

PAIRS = (("before", "after"), ("before_chars", "after_chars"))

# Field labels where the stored key does not read well once its underscores go.
LABELS = {
    "approved_by": "Approved by", "approved_revision": "Approved revision",
    "acknowledged": "Warnings acknowledged", "claims_checked": "Claims checked",
    "content_hash": "Content hash", "due_at": "Due", "email_given": "Email given",
    "message_chars": "Message length", "outbox_message_id": "Mail", "report": "Reader report",
    "reviewer_id": "Reviewer", "signature_id": "Signature", "slug": "Address",
    "user_id": "User", "verdicts_hash": "Verdicts hash",
}
# Keys whose values are user ids, shown as the users' names.
USER_KEYS = frozenset({"approved_by", "reviewer_id", "user_id"})
# Keys whose values are stored names of states or choices ("under_review").
NAMED_VALUES = frozenset({"state", "decision", "verdict"})


@dataclass(frozen=True)
class Change:
    name: str
    before: str
    after: str


@dataclass(frozen=True)
class Readable:
    changes: list[Change]
    facts: list[tuple[str, str]]


def readable(details: dict | None, action: str = "",
             names: Mapping[int, str] | None = None) -> Readable:
    """`action` names a top-level before/after of plain values ("user.roles_changed"
    → "Roles"); `names` maps user ids to names (an id not in it stays "user 7")."""
    details = dict(details or {})
    names = names or {}
    changes: list[Change] = []
    facts: list[tuple[str, str]] = []
    if "before" in details and "after" in details:
        verb = action.rpartition(".")[2]
        name = verb.removesuffix("_changed") if verb.endswith("_changed") else ""
        changes += _pair_changes(name, details.pop("before"), details.pop("after"), names)
    for key, value in details.items():
        if key == "changes" and isinstance(value, dict):
            for name, inner in value.items():
                _add(name, inner, changes, facts, names)
        elif key == "changes" and isinstance(value, list):
            for inner in value:
                _add(key, inner, changes, facts, names)
        else:
            _add(key, value, changes, facts, names)
    # A value that stayed the same (a second reviewer assigned: Under Review
    # → Under Review) is no change to read.
    return Readable([c for c in changes if c.before != c.after], facts)


def _add(key: str, value, changes: list, facts: list, names) -> None:
    pair = _as_pair(value)
    if pair:
        changes += _pair_changes(key, *pair, names)
    elif isinstance(value, dict) and "before" in value and "after" in value:
        # A record with its own before/after: a review round, a claim's verdict.
        rest = {k: v for k, v in value.items() if k not in ("before", "after")}
        name = _record_name(key, rest)
        changes += _pair_changes("", value["before"], value["after"], names, prefix=name)
        if rest:
            facts.append((name, show(rest, key, names)))
    elif isinstance(value, dict) and "number" in value and _is_flags(value):
        # {"number": 2, "opened": true} → "Round 2: opened"
        rest = {k: v for k, v in value.items() if k != "number"}
        facts.append((f"{label(key)} {value['number']}",
                      ", ".join(label(k).lower() for k, v in rest.items() if v) or "—"))
    else:
        facts.append((label(key), show(value, key, names)))


def _is_flags(value: dict) -> bool:
    return all(isinstance(v, bool) for k, v in value.items() if k != "number")


def _record_name(key: str, rest: dict) -> str:
    if "number" in rest:
        return f"{label(key)} {rest.pop('number')}"
    if isinstance(rest.get("sentence"), str):
        rest.pop("claim", None)
        return f"“{_shorten(rest.pop('sentence'))}”"
    return label(key)


def _shorten(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _as_pair(value):
    """(before, after) when `value` is exactly a before/after record, else None."""
    if not isinstance(value, dict):
        return None
    for before, after in PAIRS:
        if set(value) == {before, after}:
            if before.endswith("_chars"):
                return (f"{value[before]} characters", f"{value[after]} characters")
            return value[before], value[after]
    return None


def _pair_changes(name: str, before, after, names, prefix: str = "") -> list[Change]:
    if isinstance(before, dict | None) and isinstance(after, dict | None) and (before or after):
        before, after = before or {}, after or {}
        return [Change(_joined(prefix, label(key)), show(before.get(key), key, names),
                       show(after.get(key), key, names))
                for key in dict.fromkeys([*before, *after])]
    return [Change(_joined(prefix, label(name)) or "Value", show(before, name, names),
                   show(after, name, names))]


def _joined(prefix: str, name: str) -> str:
    if prefix and name:
        return f"{prefix} {name.lower()}"
    return prefix or name


def label(key: str) -> str:
    """A field's label: "approved_by" → "Approved by"."""
    if not key:
        return ""
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def named_value(name: str) -> str:
    """A stored state or choice as people say it: the life cycle's label for an
    article state, else the words of its name ("needs_change" → "Needs change")."""
    state = STATE_INFO.get(name)
    return state.label if state else name.replace("_", " ").capitalize()


def user_ids_in(details) -> set[int]:
    """The user ids that `details` holds under USER_KEYS, at any depth."""
    found: set[int] = set()
    if isinstance(details, dict):
        for key, value in details.items():
            if key in USER_KEYS:
                values = value if isinstance(value, list) else [value]
                found.update(v for v in values if isinstance(v, int)
                             and not isinstance(v, bool))
            else:
                found |= user_ids_in(value)
    elif isinstance(details, list):
        for value in details:
            found |= user_ids_in(value)
    return found


def show(value, key: str = "", names: Mapping[int, str] | None = None) -> str:
    """One value as text: lists joined, mappings as "Label: value" pairs, None as a
    dash, user ids as names, state names as labels, ISO times as UTC times."""
    names = names or {}
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key in USER_KEYS and isinstance(value, int):
        return names.get(value) or f"user {value}"
    if isinstance(value, str):
        if not value.strip():
            return "—"
        if key in NAMED_VALUES:
            return named_value(value)
        if key.endswith("_at"):
            return _utc(value)
        return value
    if isinstance(value, list | tuple):
        return ", ".join(show(v, key, names) for v in value) if value else "(none)"
    if isinstance(value, dict):
        if isinstance(value.get("id"), int) and isinstance(value.get("name"), str) \
                and set(value) == {"id", "name"}:
            return names.get(value["id"]) or value["name"]  # {"id": 2, "name": "R"}
        if not value:
            return "(none)"
        return "; ".join(f"{label(k) or '(no name)'}: {show(v, k, names)}"
                         for k, v in value.items())
    return str(value)


def _utc(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None or moment.utcoffset().total_seconds() != 0:
        return text
    return moment.strftime("%Y-%m-%d %H:%M UTC")
