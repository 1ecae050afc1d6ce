"""Importing the Retraction Watch database CSV, and flagging approved articles
that cite a work retracted since."""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from reviewapp.citations.doi import normalize_doi
from reviewapp.citations.models import Retraction
from reviewapp.errors import InvalidInput
from reviewapp.extensions import db

REQUIRED_COLUMNS = ("Record ID", "OriginalPaperDOI", "OriginalPaperPubMedID", "RetractionNature")
# How the database writes "no value".
MISSING = {"", "unavailable", "0", "none", "n/a", "na"}
FLAGGING_NATURES = {"Retraction", "Expression of concern"}
BATCH = 1000


@dataclass
class ImportResult:
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    flagged_articles: list[int] = field(default_factory=list)

    @property
    def message(self) -> str:
        return (f"{self.rows:,} rows: {self.added:,} added, {self.updated:,} updated, "
                f"{self.unchanged:,} unchanged, {self.skipped:,} skipped; "
                f"{len(self.flagged_articles)} approved article(s) flagged for re-review.")


def _value(raw: str | None) -> str | None:
    value = (raw or "").strip()
    return None if value.lower() in MISSING else value


def _date(raw: str | None) -> str | None:
    """'3/14/2024 0:00' -> '2024-03-14'."""
    value = _value(raw)
    if not value:
        return None
    try:
        return datetime.strptime(value.split()[0], "%m/%d/%Y").date().isoformat()
    except ValueError:
        return None


def _pmid(raw: str | None) -> str | None:
    value = _value(raw)
    return value if value and re.fullmatch(r"\d{1,9}", value) else None


def read_retractions(binary: io.BufferedIOBase, progress: Callable[[int], None] | None = None
                     ) -> tuple[ImportResult, set[str], set[str]]:
    """Upsert every row by Record ID (the caller commits), holding one batch in
    memory at a time. `progress` gets the bytes read. Returns the counts and the
    DOIs and PMIDs whose notices are new or changed, for re-review flagging."""
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
    try:
        return _read(csv.DictReader(text), binary, progress)
    finally:
        text.detach()  # the caller's file stays open, and is the caller's to close


def _read(reader: csv.DictReader, binary, progress) -> tuple[ImportResult, set, set]:
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput("This is not a Retraction Watch CSV: missing column(s) "
                           + ", ".join(missing) + ".")
    result = ImportResult()
    flag_dois: set[str] = set()
    flag_pmids: set[str] = set()
    batch: list[dict] = []
    for row in reader:
        batch.append(row)
        if len(batch) >= BATCH:
            _apply(batch, result, flag_dois, flag_pmids)
            batch.clear()
            if progress:
                progress(binary.tell())
    _apply(batch, result, flag_dois, flag_pmids)
    if progress:
        progress(binary.tell())
    return result, flag_dois, flag_pmids


def _apply(rows: list[dict], result: ImportResult, flag_dois: set, flag_pmids: set) -> None:
    parsed = {}
    for row in rows:
        result.rows += 1
        record_id = _value(row.get("Record ID"))
        nature = _value(row.get("RetractionNature"))
        if not record_id or not nature:
            result.skipped += 1
            continue
        doi_raw = _value(row.get("OriginalPaperDOI"))
        parsed[record_id[:40]] = {
            "doi": normalize_doi(doi_raw) if doi_raw else None,
            "pmid": _pmid(row.get("OriginalPaperPubMedID")),
            "nature": nature[:40],
            "title": (row.get("Title") or "").strip(),
            "reason": (row.get("Reason") or "").strip(),
            "retraction_date": _date(row.get("RetractionDate")),
        }
    if not parsed:
        return
    existing = {r.record_id: r for r in db.session.scalars(
        select(Retraction).where(Retraction.record_id.in_(list(parsed))))}
    for record_id, values in parsed.items():
        current = existing.get(record_id)
        if current is None:
            db.session.add(Retraction(record_id=record_id, **values))
            result.added += 1
        elif any(getattr(current, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(current, key, value)
            result.updated += 1
        else:
            result.unchanged += 1
            continue
        if values["nature"] in FLAGGING_NATURES:
            if values["doi"]:
                flag_dois.add(values["doi"])
            if values["pmid"]:
                flag_pmids.add(values["pmid"])
    db.session.flush()
    db.session.expunge_all()  # bounded memory: the transaction goes on, the objects go
