"""Exports of a filtered set of events: CSV for spreadsheets, JSON Lines with
the hashes for machines. Streamed in batches, so memory stays bounded.

The export is itself audited: start_export() records "audit.exported" (the
filters, the format and the row count) and commits before a byte is sent,
and pins the export to the events up to the head at that moment, so the
count it recorded is exactly what is written.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from reviewapp.audit.chain import format_time
from reviewapp.audit.models import AuditHead, chain_fields
from reviewapp.audit.queries import AuditFilter, count_events, iter_export_rows
from reviewapp.audit.services import HEAD_ID, record
from reviewapp.extensions import db

FORMATS = {"csv": "text/csv", "jsonl": "application/x-ndjson"}
CSV_COLUMNS = ("seq", "occurred_at", "actor_id", "actor_name", "actor_email", "ip",
               "action", "object_type", "object_id", "article_id", "reason", "details",
               "prev_hash", "hash")
# A spreadsheet reads a cell starting with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500


@dataclass(frozen=True)
class Export:
    audit_filter: AuditFilter
    format: str
    through_seq: int
    rows: int


def start_export(audit_filter: AuditFilter, fmt: str, actor=None) -> Export:
    """Fix the set to export, record that it is exported, commit."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    db.session.rollback()
    head = db.session.get(AuditHead, HEAD_ID, populate_existing=True)
    through_seq, through_hash = head.seq, head.hash
    rows = count_events(audit_filter, through_seq)  # events up to there never change
    # The record is a short transaction of its own: on SQLite a reader that
    # counted for long and then writes could find the database moved on.
    db.session.rollback()
    record("audit.exported", actor=actor, object_type="audit_log",
           details={"format": fmt, "filters": audit_filter.as_details(), "rows": rows,
                    "through": f"{through_seq}:{through_hash}"})
    db.session.commit()
    return Export(audit_filter, fmt, through_seq, rows)


def neutralise(cell):
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def csv_row(row) -> list:
    values = {name: getattr(row, name) for name in CSV_COLUMNS}
    values["occurred_at"] = format_time(values["occurred_at"])
    values["details"] = json.dumps(values["details"] or {}, ensure_ascii=False,
                                   sort_keys=True)
    return [neutralise("" if values[name] is None else values[name]) for name in CSV_COLUMNS]


# JSON leaves these raw inside strings, yet some line readers end a line at them.
_LINE_SEPARATOR_ESCAPES = str.maketrans(
    {"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


def jsonl_line(row) -> str:
    """One event: its columns as the chain covers them, the canonical text and
    both hashes, so link_hash(prev_hash, canonical) can be recomputed."""
    line = {**chain_fields(row), "canonical": row.canonical, "prev_hash": row.prev_hash,
            "hash": row.hash}
    text = json.dumps(line, ensure_ascii=False, sort_keys=True)
    return text.translate(_LINE_SEPARATOR_ESCAPES) + "\n"


def chunks(export: Export) -> Iterator[str]:
    """The export's text, ROWS_PER_CHUNK events at a time."""
    rows = iter_export_rows(export.audit_filter, export.through_seq)
    try:
        if export.format == "csv":
            yield from _csv_chunks(rows)
        else:
            yield from _batched(jsonl_line(row) for row in rows)
    finally:
        rows.close()  # also when the download is abandoned half way


def _csv_chunks(rows: Iterable) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for n, row in enumerate(rows, start=1):
        writer.writerow(csv_row(row))
        if n % ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _batched(lines: Iterable[str]) -> Iterator[str]:
    batch = []
    for line in lines:
        batch.append(line)
        if len(batch) >= ROWS_PER_CHUNK:
            yield "".join(batch)
            batch.clear()
    if batch:
        yield "".join(batch)
