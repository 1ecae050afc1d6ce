"""Hardening, concurrency and faults, on SQLite and PostgreSQL: twenty
conflicting events fired at one article at once; the database connection lost
in the middle of a request (or while idle in the pool, or a lock held past
the timeout); and the server killed with SIGKILL during a stream of writes,
then restarted.

The races reuse test_concurrency's threads released by a barrier and its
logged-in browsers; the workflow is arranged with test_workflow's Desk.
"""

import re
import sqlite3
import threading
import time
from collections import Counter
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import requests
import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import func, select

from reviewapp.accounts.permissions import can_edit_draft
from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.errors import (
    CONNECTION_LOST_MESSAGE,
    DATABASE_UNAVAILABLE_MESSAGE,
    LOST_WHILE_SAVING_MESSAGE,
)
from reviewapp.extensions import db
from reviewapp.lifecycle.events import EVENTS as LIFE_CYCLE
from reviewapp.lifecycle.states import APPROVED, UNDER_REVIEW
from reviewapp.reviews.models import Review, Signature
from tests.conftest import (
    PASSWORD,
    REQUIRE_POSTGRES,
    TEST_DATABASE_URL,
    CSRFClient,
)
from tests.integration.test_concurrency import (
    Browser,
    assert_only_domain_errors,
    chain_is_intact,
    race,
)
from tests.integration.test_workflow import Desk
from tests.live import HTTP_TIMEOUT, LiveServer

REFERENCES = "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"


def draft_form(client) -> dict:
    """A new draft's form as the browser sends it, with the page's CSRF token."""
    return {"title": "Paracetamol in fever", "body": "Paracetamol helps [1].",
            "references": REFERENCES, "tags": "", "save": "Save draft",
            "csrf_token": client.csrf_token()}


def audit_events_after(rows, seq: int) -> list[tuple[int | None, str, dict]]:
    """(actor id, action, details) of every event after `seq`, in order."""
    with rows() as session:
        return [(e.actor_id, e.action, e.details) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq))]


def last_seq(rows) -> int:
    with rows() as session:
        return session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0)))


# --- 1. twenty conflicting events at one article -------------------------------

# What each form posts, the page its hidden fields come from, and the audit
# action a successful one writes.
EVENTS = {
    "approve": ("approve", "review", {"password": PASSWORD}, "review.approved"),
    "request_changes": ("request-changes", "review", {"comments": "Cite the dose."},
                        "review.changes_requested"),
    "reject": ("reject", "", {"reason": "Out of scope."}, "article.rejected"),
    "edit": ("edit", "", {"title": "Ibuprofen for back pain", "references": REFERENCES,
                          "tags": "pain medicine", "save": "Save draft"},
             "article.draft_saved"),
}
# A refusal says what happened, in words a user understands.
REFUSAL = re.compile(
    r"This article changed since you opened it — nothing was saved\."
    r"|This article is no longer [A-Za-z ]+ \(now: [A-Za-z ]+\)\."
    r"|This is not possible while the article is [A-Za-z ]+ \(only: [A-Za-z, ]+\)\."
    r"|You are not an accepted reviewer of this article\."
    r"|You have already approved this revision\."
    r"|This article can be edited only as a draft or after changes were "
    r"requested \(it is [A-Za-z ]+\)\.")


def contender(browser, article_id: int, event: str, n: int, fresh: bool):
    """One browser tab posting `event`. A stale tab posts the form it loaded
    before the race; a fresh one reloads the page after the barrier first (and
    falls back to its old form when the page no longer offers the action)."""
    rule, page, fields, _ = EVENTS[event]
    data = {**browser.form(article_id, page), **fields}
    if event == "edit":
        data["body"] = f"Ibuprofen {n}00 mg helps [1]."  # each edit a real change

    def post(barrier):
        barrier.wait()
        form = data
        if fresh:
            try:
                form = {**data, **browser.form(article_id, page)}
            except AssertionError:  # the page shows no form for it any more
                pass
        return browser.client.post(f"/desk/articles/{article_id}/{rule}", data=form,
                                   csrf=False)
    return post


def replay(actions, author_id: int, required_approvals: int) -> str:
    """Walk the committed events through the state machine from Under Review:
    each must have been allowed in the state it found, and the state it
    leaves is what the machine says; enough approvals approve the article.
    Returns the final state."""
    state, approvals = UNDER_REVIEW, 0
    for actor_id, action, details in actions:
        if action == "article.draft_saved":
            assert can_edit_draft(SimpleNamespace(id=actor_id),
                                  SimpleNamespace(author_id=author_id, state=state)), state
            continue
        event = {"review.approved": "approve", "review.changes_requested": "request_changes",
                 "article.rejected": "reject", "article.approved": "approve"}[action]
        assert state in LIFE_CYCLE[event].sources, (action, state)
        approvals += action == "review.approved"
        if action == "article.approved":
            assert approvals == required_approvals, approvals
            state = LIFE_CYCLE["approve"].target
        elif action != "review.approved":  # one approval of several leaves the state
            assert details["before"]["state"] == state, (action, details)
            state = LIFE_CYCLE[event].target
            assert details["after"]["state"] == state, (action, details)
    assert (approvals >= required_approvals) == (state == APPROVED), (approvals, state)
    return state


def test_twenty_conflicting_events_at_once_end_in_a_state_the_machine_allows(
        app, rows, make_user, make_article):
    # A reviewer's request for changes sends the article back at once here, so
    # that it races the approvals, the rejection and the edits (issue 14 made
    # it a recommendation by default, which changes no state).
    app.config["CHANGES_DECISION"] = "reviewer"
    desk = Desk(app, make_user, make_article)
    desk.reviewers += [make_user(roles=["reviewer"], name=f"Dr. Reviewer {n}") for n in (3, 4)]
    desk.under_review()
    article_id = desk.article_id
    r1, r2, r3, r4 = desk.reviewers
    plan = ([(r, "approve", False) for r in desk.reviewers]
            + [(r, "request_changes", False) for r in desk.reviewers]
            + [(r1, "approve", True), (r2, "approve", True)]
            + [(r3, "request_changes", True), (r4, "request_changes", True)]
            + [(desk.editor, "reject", fresh) for fresh in (False, False, True, True)]
            + [(desk.author, "edit", fresh) for fresh in (False, False, True, True)])
    assert len(plan) == 20
    browsers = [Browser(app, user) for user, _, _ in plan]  # one session per tab
    before = last_seq(rows)

    tabs = enumerate(zip(browsers, plan, strict=True))
    results = race(*(contender(browser, article_id, event, n, fresh)
                     for n, (browser, (_, event, fresh)) in tabs))

    assert_only_domain_errors(results)  # no exception escaped a request (no 500)
    assert [kind for kind, _ in results] == ["ok"] * 20, results
    accepted, refused = Counter(), []
    for (user, event, _), (_, response) in zip(plan, results, strict=True):
        page = response.get_data(as_text=True)
        assert "database is locked" not in page
        if response.status_code in (302, 303):
            accepted[(user.id, EVENTS[event][3])] += 1
        else:
            refused.append((user, event, response.status_code, page))
    for _user, event, status, page in refused:
        # An edit of an article no longer editable is refused for its state:
        # 409 naming it, like every refusal here (the state stands in the way).
        assert status == 409, (event, status, page)
        assert REFUSAL.search(page), (event, page)
    assert accepted, "no event went through"

    events = audit_events_after(rows, before)
    with rows() as session:
        article = session.get(Article, article_id)
        final_state = article.state
        reviews = session.scalar(select(func.count()).select_from(Review).where(
            Review.article_id == article_id))
        signatures = session.scalar(select(func.count()).select_from(Signature))
        revisions = session.scalar(select(func.count()).select_from(Revision).where(
            Revision.article_id == article_id))

    # Every accepted event wrote exactly one audit event, every refused one none;
    # the second approval also approves the article, once.
    written = Counter((actor, action) for actor, action, _ in events
                      if action not in ("article.approved", "audit.head_published"))
    assert written == accepted, (written, accepted)
    assert [a for _, a, _ in events].count("article.approved") == (final_state == APPROVED)
    # The approval publishes the chain head that includes it (the transparency log).
    assert [a for _, a, _ in events].count("audit.head_published") == (final_state == APPROVED)
    changes = [event for event in events
               if event[1] not in ("access.denied", "audit.head_published")]
    assert replay(changes, desk.author.id, app.config["REQUIRED_APPROVALS"]) == final_state
    # And the rows agree with the log: nothing a refused request wrote survived.
    decided = Counter(action for _, action in accepted.elements())
    assert reviews == decided["review.approved"] + decided["review.changes_requested"]
    assert signatures == decided["review.approved"]
    assert revisions == 1 + bool(decided["article.draft_saved"])
    chain_is_intact(app)


# --- 2. the database connection lost in the middle of a request -----------------

def connection_dropper(database_url):
    """drop(connection): what losing the connection looks like on each database.
    PostgreSQL: the backend is terminated from another connection (and waited
    for). SQLite has no server; its equivalent is the connection closed under
    the app, which SQLAlchemy also reports as a disconnect."""
    if database_url.startswith("sqlite"):
        return (lambda connection: connection.connection.dbapi_connection.close()), None
    admin = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                             poolclass=sa.pool.NullPool)

    def drop(connection):
        pid = connection.connection.dbapi_connection.info.backend_pid
        with admin.connect() as other:
            assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid, 10000)"),
                                {"pid": pid})
    return drop, admin


@pytest.mark.parametrize("stage", ["first statement", "audit event insert", "commit"])
def test_connection_lost_mid_request_gives_an_error_page_saves_nothing_and_next_works(
        app, client, make_user, login_as, rows, database_url, stage):
    """An author saves a new draft; the connection goes at `stage`: before the
    user is even loaded, after the article and its revision were flushed but
    before their audit event, or as the transaction commits."""
    author = make_user(roles=["author"])
    login_as(author)
    form = draft_form(client)
    with rows() as session:
        before = {model: session.scalar(select(func.count()).select_from(model))
                  for model in (Article, Revision, AuditEvent)}
    drop, admin = connection_dropper(database_url)
    armed = []

    def in_the_request():
        return (armed and has_request_context() and request.method == "POST"
                and request.path == "/desk/articles/new")

    def on_statement(connection, cursor, statement, parameters, context, executemany):
        if in_the_request() and (stage == "first statement"
                                 or statement.startswith("INSERT INTO audit_event")):
            armed.clear()
            drop(connection)

    def on_commit(connection):
        if in_the_request():
            armed.clear()
            drop(connection)

    with app.app_context():
        engine = db.engine
    listener = (("commit", on_commit) if stage == "commit"
                else ("before_cursor_execute", on_statement))
    sa.event.listen(engine, *listener)
    try:
        armed.append(True)
        response = client.post("/desk/articles/new", data=form)
    finally:
        sa.event.remove(engine, *listener)
        if admin is not None:
            admin.dispose()
    assert not armed, "the connection was never dropped"

    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert (LOST_WHILE_SAVING_MESSAGE if stage == "commit" else CONNECTION_LOST_MESSAGE) in page
    assert 'id="error-message"' in page and "Traceback" not in page
    with rows() as session:  # no article without its revision or its audit event
        assert {model: session.scalar(select(func.count()).select_from(model))
                for model in before} == before
    chain_is_intact(app)

    again = client.post("/desk/articles/new", data=form)  # the next request works
    assert again.status_code == 302, again.get_data(as_text=True)
    with rows() as session:
        article = session.scalars(select(Article).where(
            Article.slug == "paracetamol-in-fever")).one()
        assert article.current_revision.body == "Paracetamol helps [1]."
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.article_id == article.id)).all() == ["article.created"]
    chain_is_intact(app)


@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=[
    pytest.mark.postgres_only,
    pytest.mark.skipif(not TEST_DATABASE_URL and not REQUIRE_POSTGRES,
                       reason="TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")])],
    indirect=True)
def test_connections_dropped_while_idle_in_the_pool_do_not_fail_the_next_request(
        app, client, make_user, login_as, rows, database_url):
    """PostgreSQL restarted, or idle connections cut, between two requests:
    the pool's connections are all dead, and the next request still works
    (the pool pings a connection before handing it out)."""
    author = make_user(roles=["author"])
    login_as(author)
    form = draft_form(client)  # so that the POST is the next request
    _, admin = connection_dropper(database_url)
    try:
        with admin.connect() as other:
            dropped = other.scalar(sa.text(
                "SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
    finally:
        admin.dispose()
    assert dropped >= 1, "the pool held no connection to drop"
    response = client.post("/desk/articles/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    with rows() as session:
        assert session.scalars(select(AuditEvent.action).where(
            AuditEvent.article_id.is_not(None))).all() == ["article.created"]


@contextmanager
def write_lock_held(database_url: str):
    """Another connection holds what a new draft needs: SQLite's write lock,
    or on PostgreSQL the audit chain's head row."""
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        return
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as holder:
            holder.execute(sa.text("SELECT seq FROM audit_head FOR UPDATE"))
            yield
            holder.rollback()
    finally:
        engine.dispose()


def test_a_lock_held_past_the_timeout_gives_an_error_page_and_saves_nothing(
        app, client, make_user, login_as, rows, database_url):
    """A database error that is not a lost connection (here the wait for a
    lock running out: SQLite's "database is locked", PostgreSQL's
    lock_timeout, both shortened for this request) is a 503 that says nothing
    was saved, not a traceback or the driver's words."""
    author = make_user(roles=["author"])
    login_as(author)
    form = draft_form(client)
    with rows() as session:
        before = session.scalar(select(func.count()).select_from(Article))
    shortened = []

    def shorten_the_wait(connection, cursor, statement, parameters, context, executemany):
        if (not shortened and has_request_context() and request.method == "POST"
                and request.path == "/desk/articles/new"):
            shortened.append(True)
            dbapi_connection = connection.connection.dbapi_connection
            dbapi_connection.execute("PRAGMA busy_timeout = 200" if database_url.startswith(
                "sqlite") else "SET LOCAL lock_timeout = '200ms'")

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", shorten_the_wait)
    try:
        with write_lock_held(database_url):
            response = client.post("/desk/articles/new", data=form)
    finally:
        sa.event.remove(engine, "before_cursor_execute", shorten_the_wait)
        engine.dispose()  # SQLite's busy timeout was set on the connection itself
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page
    assert DATABASE_UNAVAILABLE_MESSAGE in page
    assert "locked" not in page and "lock_timeout" not in page and "Traceback" not in page
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == before
    assert client.post("/desk/articles/new", data=form).status_code == 302  # lock released
    chain_is_intact(app)


# --- 3. the server killed with SIGKILL during a stream of writes -----------------

ACKNOWLEDGED_BEFORE_KILL = 8


@pytest.fixture
def live_server(database_url, tmp_path):
    server = LiveServer(database_url, tmp_path / "gunicorn.log")
    yield server
    server.close()


class AuthorBrowser:
    """An author's browser against the live server, posting forms with the
    session's CSRF token as a browser would."""

    def __init__(self, base: str, user):
        self.base, self.http = base, requests.Session()
        token = self._token("/login")
        response = self.http.post(f"{base}/login", timeout=HTTP_TIMEOUT, allow_redirects=False,
                                  data={"email": user.email, "password": PASSWORD,
                                        "csrf_token": token})
        assert response.status_code == 302, response.text
        self.token = self._token("/desk/articles/new")

    def _token(self, path: str) -> str:
        page = self.http.get(f"{self.base}{path}", timeout=HTTP_TIMEOUT).text
        match = CSRFClient._TOKEN.search(page)
        assert match, page
        return match.group(1) or match.group(2)

    def _post(self, path: str, data: dict) -> requests.Response:
        response = self.http.post(f"{self.base}{path}", timeout=HTTP_TIMEOUT,
                                  allow_redirects=False,
                                  data={**data, "csrf_token": self.token, "references": REFERENCES,
                                        "tags": "", "save": "Save draft"})
        assert response.status_code == 302, (path, response.status_code, response.text)
        return response

    def create(self, n: int) -> int:
        response = self._post("/desk/articles/new", {"title": f"Stream {n}",
                                                     "body": f"Draft {n} [1]."})
        return int(re.fullmatch(r".*/desk/articles/(\d+)", response.headers["Location"])[1])

    def edit(self, article_id: int, n: int) -> None:
        page = self.http.get(f"{self.base}/desk/articles/{article_id}/edit",
                             timeout=HTTP_TIMEOUT)
        assert page.status_code == 200, (article_id, page.status_code, page.text)
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page.text)[1]
        self._post(f"/desk/articles/{article_id}/edit", {
            "title": f"Stream {n}", "body": f"Edited {n} [1].", "version": version})

    def close(self):
        self.http.close()


@contextmanager
def server_write_caught_mid_transaction(database_url: str):
    """Yields wait(): on PostgreSQL the audit chain's head row is locked from
    here, so the server's next write stops inside its transaction (rows
    flushed, its audit event not yet written), and wait() returns once it
    does; leaving the block releases the lock. SQLite offers no way to stop a
    writer mid-transaction from outside (it takes the write lock at BEGIN), so
    there wait() returns at once and the kill lands wherever the stream is."""
    if database_url.startswith("sqlite"):
        yield lambda: None
        return
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                              poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as holder, engine.connect().execution_options(
                isolation_level="AUTOCOMMIT") as watcher:
            holder.execute(sa.text("SELECT seq FROM audit_head FOR UPDATE"))
            holder_pid = holder.connection.dbapi_connection.info.backend_pid

            def wait():
                for _ in range(HTTP_TIMEOUT * 100):
                    if watcher.scalar(sa.text(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                            "current_database() AND wait_event_type = 'Lock' AND pid <> :pid"),
                            {"pid": holder_pid}):
                        return
                    time.sleep(0.01)
                raise AssertionError("no write of the server came to the locked audit head")

            yield wait
            holder.rollback()
    finally:
        engine.dispose()


def test_server_killed_during_writes_keeps_every_acknowledged_write_whole(
        app, rows, make_user, live_server, database_url):
    """An author streams drafts (create, then edit) while the server is
    killed with SIGKILL (on PostgreSQL with a write caught mid-transaction)
    and restarted. Every write the server acknowledged is there; every write,
    acknowledged or not, is whole (article, revision and audit event
    together); the chain verifies; the restarted server takes new writes."""
    author = make_user(roles=["author"])
    live_server.start()
    browser = AuthorBrowser(live_server.url, author)
    acknowledged, lost, failures = [], [], []
    stop = threading.Event()

    def stream():
        n = 0
        while not stop.is_set():
            n += 1
            try:
                article_id = browser.create(n)
                acknowledged.append(("created", n, article_id))
                browser.edit(article_id, n)
                acknowledged.append(("edited", n, article_id))
            except requests.RequestException as error:  # the server died under it
                lost.append((n, repr(error)))
            except BaseException as error:  # a wrong answer: reported to the test
                failures.append(error)
                return

    writer = threading.Thread(target=stream, daemon=True)
    try:
        writer.start()
        while len(acknowledged) < 2 * ACKNOWLEDGED_BEFORE_KILL and writer.is_alive():
            stop.wait(0.01)
        with server_write_caught_mid_transaction(database_url) as caught:
            caught()
            live_server.kill()  # while the writer keeps writing
        stop.set()
        live_server.start()  # the same port: a request queued meanwhile is served now
        writer.join(HTTP_TIMEOUT)
        assert not writer.is_alive(), "the writer hung"
        assert not failures, failures
        assert len(acknowledged) >= 2 * ACKNOWLEDGED_BEFORE_KILL
        if database_url.startswith("postgresql"):
            assert lost, "the write caught mid-transaction was acknowledged"
        after_restart = browser.create(0)  # the restarted server takes new writes
    finally:
        stop.set()
        browser.close()

    with rows() as session:
        articles = {a.id: a for a in session.scalars(select(Article))}
        created = Counter(session.scalars(select(AuditEvent.article_id).where(
            AuditEvent.action == "article.created")))
        saved = Counter(session.scalars(select(AuditEvent.article_id).where(
            AuditEvent.action == "article.draft_saved")))
        revisions = session.scalar(select(func.count()).select_from(Revision))
        for kind, n, article_id in acknowledged:
            revision = articles[article_id].current_revision
            assert revision.title == f"Stream {n}"
            if kind == "edited":
                assert revision.body == f"Edited {n} [1]." and saved[article_id] == 1
        assert articles[after_restart].current_revision.title == "Stream 0"
        # Nothing partial, acknowledged or not: each article has its revision
        # and its creation event, and an edit is saved together with its event.
        assert created == Counter(articles.keys()), (created, sorted(articles))
        assert revisions == len(articles)
        for article_id, article in articles.items():
            n = int(article.current_revision.title.split()[-1])
            assert article.current_revision.body == (f"Edited {n} [1]." if saved[article_id]
                                                     else f"Draft {n} [1].")
            assert saved[article_id] <= 1
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "Audit chain intact" in verified.output
    assert "Traceback" not in live_server.log_path.read_text()
    print(f"acknowledged {len(acknowledged)} writes, lost in the kill: {lost}")
