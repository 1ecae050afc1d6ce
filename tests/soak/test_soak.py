"""Soak: gunicorn on 127.0.0.1 with PostgreSQL under mixed load from locust
(tests/soak/locustfile.py, run headless in a subprocess), then: no 5xx, no
error in the server's log, conflicts only where expected, one audit event per
accepted write, and `audit verify` passes.

The server gets a database of its own, TEST_DATABASE_URL's name + "_soak",
created if missing and emptied, migrated and seeded here. SOAK_SECONDS
(default 30) is how long the load runs; `make soak` runs it for minutes.
Nothing here is timed: speed belongs to the benchmarks.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import REQUIRE_POSTGRES, TEST_DATABASE_URL
from tests.live import LIVE_SIGNING_KEY

SOAK_SECONDS = int(os.environ.get("SOAK_SECONDS", "30"))
SOAK_USERS = int(os.environ.get("SOAK_USERS", "12"))  # 8 staff (fixed), the rest readers
PASSWORD = "soak-password-2026"
ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
# Roles the locust users play, and how many accounts of each (see locustfile).
ACCOUNTS = {"author": 3, "reviewer": 3, "editor": 1, "admin": 1}
# What the load counts as done -> the audit action each must have written once.
WRITES = {"login": "user.login", "draft_created": "article.created",
          "draft_saved": "article.draft_saved", "submit": "article.submitted",
          "resubmit": "article.resubmitted", "assigned": "assignment.created",
          "accepted": "assignment.accepted", "approved": "review.approved",
          "changes_requested": "review.changes_requested", "exported": "audit.exported",
          "decided": "article.changes_requested"}
LOG_ERROR = re.compile(r"error|critical|traceback|exception|worker timeout", re.I)
# Warnings are shown (PYTHONWARNINGS=default) and must not appear while serving.
# At shutdown the workers' pooled connections are dropped without close(),
# which psycopg reports as ResourceWarning: known, and not about requests.
LOG_WARNING = re.compile(r"Warning")
SHUTDOWN = "Handling signal: term"

pytestmark = [
    pytest.mark.soak,
    pytest.mark.postgres_only,
    pytest.mark.skipif(not TEST_DATABASE_URL and not REQUIRE_POSTGRES,
                       reason="TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)"),
]


def _engine(url: str):
    return sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1),
                            isolation_level="AUTOCOMMIT")


def _soak_url(test_url: str) -> str:
    """TEST_DATABASE_URL with "_soak" added to the database name."""
    url = sa.engine.make_url(test_url)
    return url.set(database=f"{url.database}_soak").render_as_string(hide_password=False)


def _fresh_database(url: str) -> None:
    """Create the soak database, or drop and recreate it (only ever `*_soak`)."""
    name = sa.engine.make_url(url).database
    assert name.endswith("_soak")
    maintenance = sa.engine.make_url(url).set(database="postgres")
    engine = _engine(maintenance.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def _seed(url: str) -> dict[str, list[str]]:
    """Migrate; demo data (an approved article for readers); the accounts the
    load logs in with; and work waiting for each role from the first second:
    an article needing reviewers, and one under review per reviewer."""
    from flask_migrate import upgrade

    from reviewapp import create_app
    from reviewapp.accounts.services import create_user
    from reviewapp.articles.services import DraftContent, create_article
    from reviewapp.db import utcnow
    from reviewapp.demo import DEMO_BODY, DEMO_REFERENCES, load_demo
    from reviewapp.extensions import db
    from reviewapp.workflow.review_commands import accept_assignment, assign_reviewer
    from reviewapp.workflow.services import submit_article

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "soak",
                      "SIGNING_KEY": LIVE_SIGNING_KEY})
    accounts: dict[str, list] = {}
    with app.app_context():
        upgrade()
        load_demo()
        for role, count in ACCOUNTS.items():
            accounts[role] = [create_user(
                email=f"soak-{role}{n}@example.org",
                display_name=f"{'Dr. ' if role == 'reviewer' else ''}Soak {role.title()} {n}",
                password=PASSWORD, roles=[role],
                specialties=["pain medicine"] if role == "reviewer" else [])
                for n in range(1, count + 1)]
        editor, reviewers = accounts["editor"][0], accounts["reviewer"]

        def article(n: int):
            made = create_article(accounts["author"][n % len(accounts["author"])],
                                  DraftContent(title=f"Seeded article {n}", body=DEMO_BODY,
                                               references_text=DEMO_REFERENCES,
                                               tags=["pain medicine"]))
            submit_article(made.id, made.author, None)
            return made

        article(0)
        for n, reviewer in enumerate(reviewers, start=1):
            seeded = article(n)
            for who in (reviewer, reviewers[n % len(reviewers)]):
                assignment = assign_reviewer(seeded.id, editor, None, who.id,
                                             utcnow() + timedelta(days=14))
                accept_assignment(assignment.id, who, "none")
        db.session.commit()
        emails = {role: [user.email for user in users] for role, users in accounts.items()}
        db.session.remove()
        db.engine.dispose()
    return emails


def _audit_counts(url: str, after_seq: int = 0) -> tuple[int, dict[str, int]]:
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            head = conn.scalar(sa.text("SELECT seq FROM audit_head WHERE id = 1"))
            counts = dict(conn.execute(sa.text(
                "SELECT action, count(*) FROM audit_event WHERE seq > :seq GROUP BY action"),
                {"seq": after_seq}).all())
    finally:
        engine.dispose()
    return head, counts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    pytest.fail(f"gunicorn did not answer within 60 s:\n{log.read_text()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def soak_database() -> str:
    url = _soak_url(TEST_DATABASE_URL)
    _fresh_database(url)
    return url


@pytest.fixture
def server(soak_database, tmp_path):
    """gunicorn, 2 workers × 4 threads, its log (stderr) and access log in tmp_path."""
    port = _free_port()
    log, access = tmp_path / "gunicorn.log", tmp_path / "access.log"
    env = {**os.environ, "DATABASE_URL": soak_database, "SECRET_KEY": "soak-secret",
           "SIGNING_KEY": LIVE_SIGNING_KEY,
           "PYTHONWARNINGS": "default",
           # Its admin signs in with a password alone (two-factor has tests of its own).
           "REVIEWAPP_REQUIRE_TWO_FACTOR_FOR": ""}
    with open(log, "wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
             "--bind", f"127.0.0.1:{port}", "--error-logfile", "-",
             "--access-logfile", str(access), "--access-logformat", "%(s)s %(m)s %(U)s",
             "--graceful-timeout", "20",
             # Not the shared default ~/.gunicorn/gunicorn.ctl: other servers may run.
             "--no-control-socket", "reviewapp.wsgi:app"],
            cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield {"url": url, "process": process, "log": log, "access": access,
               "database_url": soak_database}
    finally:
        _stop(process)


def test_soak_mixed_roles_under_gunicorn_leave_no_errors_and_a_valid_chain(server, tmp_path):
    accounts = _seed(server["database_url"])
    seeded_head, _ = _audit_counts(server["database_url"])
    summary_path, csv_prefix = tmp_path / "summary.json", tmp_path / "locust"
    env = {**os.environ, "SOAK_ACCOUNTS": json.dumps(accounts), "SOAK_PASSWORD": PASSWORD,
           "SOAK_SUMMARY": str(summary_path)}
    locust = subprocess.run(
        [sys.executable, "-m", "locust", "--headless", "-f", str(LOCUSTFILE),
         "--host", server["url"], "--users", str(SOAK_USERS), "--spawn-rate", "4",
         "--run-time", f"{SOAK_SECONDS}s", "--stop-timeout", "20", "--csv", str(csv_prefix),
         "--only-summary", "--loglevel", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=SOAK_SECONDS + 180)
    _stop(server["process"])  # flushes the logs; the checks below read them whole
    report = locust.stdout[-6000:] + locust.stderr[-4000:]
    assert summary_path.exists(), report
    summary = json.loads(summary_path.read_text())
    print(json.dumps(summary, indent=1, sort_keys=True))  # shown with -s or on failure

    statuses = {int(code): n for code, n in summary["statuses"].items()}
    assert not {code: n for code, n in statuses.items() if code >= 500}, summary
    outcomes = summary["outcomes"]
    assert outcomes.get("failure", 0) == 0, summary["failures"]
    assert summary["exceptions"] == [], summary["exceptions"]
    assert summary["locust_failures"] == 0 and locust.returncode == 0, report

    # The server saw the same: no 5xx in its access log, nothing wrong in its log.
    served = [line.split(" ", 1)[0] for line in server["access"].read_text().splitlines()]
    assert len(served) >= summary["requests"] > 0
    assert not [code for code in served if code.startswith("5")]
    log = server["log"].read_text()
    assert not [line for line in log.splitlines() if LOG_ERROR.search(line)], log[-5000:]
    serving = log.split(SHUTDOWN, 1)[0]
    assert not [line for line in serving.splitlines() if LOG_WARNING.search(line)], log[-5000:]

    # Every role did its part, and every write the server accepted wrote
    # exactly one audit event of its kind (and nothing was refused as denied).
    head, written = _audit_counts(server["database_url"], seeded_head)
    for done in ("draft_created", "draft_saved", "submit", "assigned", "accepted",
                 "approved"):
        assert outcomes.get(f"done:{done}", 0) > 0, (done, outcomes)
    assert outcomes.get("conflict:deliberate", 0) > 0, outcomes
    for done, action in WRITES.items():
        assert written.get(action, 0) == outcomes.get(f"done:{done}", 0), (action, written,
                                                                           outcomes)
    assert "access.denied" not in written and "user.login_failed" not in written, written

    verify = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "reviewapp", "audit", "verify"],
        # every process on PostgreSQL needs both keys
        cwd=ROOT, env={**os.environ, "DATABASE_URL": server["database_url"],
                       "SECRET_KEY": "soak-secret", "SIGNING_KEY": LIVE_SIGNING_KEY},
        capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert head > seeded_head
