"""Hash chain of audit events: canonical bytes, link hashes, verification.

Pure module (stdlib only): the same code verifies SQLite and PostgreSQL logs.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC

GENESIS_HASH = "0" * 64


# What json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# builds on every call, built once (verify encodes every event).
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_json(fields: dict) -> str:
    """One text for one event: sorted keys, no spaces, UTF-8 kept as is."""
    return _CANONICAL.encode(fields)


def link_hash(prev_hash: str, canonical: str, key: bytes | None = None) -> str:
    """sha256(prev_hash ‖ canonical), or HMAC-SHA256 under `key`."""
    message = prev_hash.encode("ascii") + canonical.encode("utf-8")
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


@dataclass(frozen=True)
class StoredEvent:
    """What verification needs of one stored row."""

    seq: int
    fields: dict        # the row's columns, as canonical_json would take them
    canonical: str      # the canonical text stored when the event was written
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    problem: str | None = None

    @property
    def message(self) -> str:
        if self.ok:
            return (f"Audit chain intact: {self.checked} events, "
                    f"head {self.head_seq}:{self.head_hash}")
        return f"Audit chain broken at event {self.broken_seq}: {self.problem}"


def verify(events: Iterable[StoredEvent], key: bytes | None = None,
           checkpoint: tuple[int, str] | None = None,
           head: tuple[int, str] | None = None,
           published: Mapping[int, str] | None = None,
           start: tuple[int, str] | None = None) -> VerifyResult:
    """Walk events in sequence order and name the first one that breaks the chain.

    Streaming: holds one event at a time. `checkpoint` (seq, hash) is a head
    recorded earlier outside the database: the log must still contain it.
    `published` ({seq: hash}) are the heads the site published (its transparency
    log): the log must contain every one. `head` is the chain-head row kept beside
    the log: the log must end there. Each exposes a truncated tail. `start` (seq,
    hash) is a head verified before: `events` begin after it and link to it.
    """
    expected_seq, prev_hash = (start[0] + 1, start[1]) if start else (1, GENESIS_HASH)
    checked, published = 0, published or {}
    matched = start[0] if start else 0  # the last published head found intact
    for event in events:
        def broken(problem, seq=event.seq, checked=checked, last=expected_seq - 1,
                   last_hash=prev_hash):
            return VerifyResult(False, checked, last, last_hash, seq, problem)

        if event.seq != expected_seq:
            if event.seq > expected_seq:
                return broken(f"event {expected_seq} is missing", expected_seq)
            return broken("sequence number out of order")
        if event.prev_hash != prev_hash:
            return broken("its link to the previous event does not match")
        if problem := content_problem(event, key):
            return broken(problem)
        if checkpoint and event.seq == checkpoint[0] and event.hash != checkpoint[1]:
            return broken("it does not match the checkpoint (the log was rewritten)")
        if event.seq in published:
            if event.hash != published[event.seq]:
                return broken(f"it does not match the head published for event {event.seq}: "
                              f"the log was rewritten after event {matched}, at or before "
                              f"event {event.seq}")
            matched = event.seq
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1

    last_seq = expected_seq - 1
    latest = max(published, default=0)
    for label, mark in (("checkpoint", checkpoint), ("chain head", head),
                        ("last published head", (latest, "") if latest else None)):
        if mark and last_seq < mark[0]:
            return VerifyResult(False, checked, last_seq, prev_hash, last_seq + 1,
                                f"the log ends at event {last_seq} but the {label} is "
                                f"event {mark[0]} (events were removed from the end)")
    if head and (last_seq, prev_hash) != tuple(head):
        return VerifyResult(False, checked, last_seq, prev_hash, last_seq,
                            f"the last event does not match the chain head {head[0]}")
    return VerifyResult(True, checked, last_seq, prev_hash)


def content_problem(event: StoredEvent, key: bytes | None = None) -> str | None:
    """What is wrong with one event on its own (its columns against its
    canonical text, its hash against both), or None."""
    # Compared as canonical text: in Python True == 1 == 1.0. The usual case,
    # the very text that was stored, costs one encoding and no decoding.
    if canonical_json(event.fields) != event.canonical:
        try:
            stored_fields = json.loads(event.canonical)
        except ValueError:
            return "its stored canonical text is not valid JSON"
        if canonical_json(stored_fields) != canonical_json(event.fields):
            changed = sorted(k for k in set(stored_fields) | set(event.fields)
                             if stored_fields.get(k) != event.fields.get(k))
            return "its columns differ from what was recorded: " + ", ".join(changed)
    if link_hash(event.prev_hash, event.canonical, key) != event.hash:
        return "its hash does not match its content"
    return None


def format_time(moment) -> str:
    """UTC time as it enters the canonical text: 2026-03-01T09:30:15.000123Z
    (isoformat is several times faster than strftime, and verify calls it
    once per event)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
