"""Hardening 17-20 on SQLite and PostgreSQL, CSRF on: credential stuffing and brute
force, session replay, open redirects through `next`, and log injection."""

import csv
import io
import json
import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_audit_log import verify_cli
from tests.integration.test_workflow import Desk

GENERIC = "Invalid email or password."
ATTACKER = "203.0.113.66"
BYSTANDER = "198.51.100.7"
_TOKEN = re.compile(r'(name="csrf_token" (?:type="hidden" )?value=")[^"]+"')


def post_login(client, email, password, ip=ATTACKER, **kwargs):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


def logged_in(client) -> bool:
    return client.get("/account/password").status_code == 200


def failed_logins(app) -> int:
    return audit_actions(app).count("user.login_failed")


@pytest.fixture
def later(monkeypatch):
    """later(minutes): the login service's clock moved forward."""
    def move(minutes):
        moved = utcnow() + timedelta(minutes=minutes)
        monkeypatch.setattr("reviewapp.accounts.services.utcnow", lambda: moved)
    return move


# -- 17. Credential stuffing and brute force ------------------------------------------------

def test_credential_stuffing_is_throttled_with_one_generic_answer(app, client, make_user,
                                                                 rows, later):
    """One password tried against 100 accounts (half real, half unknown) from one address."""
    real = [make_user(roles=["author"]) for _ in range(50)]
    emails = [u.email for u in real] + [f"ghost{n}@example.org" for n in range(50)]
    emails[::2], emails[1::2] = emails[:50], emails[50:]     # real and unknown interleaved
    limit = app.config["LOGIN_IP_LIMIT"]
    answers = [post_login(client, email, "Summer2026!Summer") for email in emails]

    allowed, throttled = answers[:limit], answers[limit:]
    assert {r.status_code for r in allowed} == {200}
    assert {r.status_code for r in throttled} == {429}
    # The same page whether the account exists or not (the CSRF token and the
    # address typed, shown back, aside).
    pages = {_TOKEN.sub(r"\1", r.get_data(as_text=True)).replace(email, "")
             for r, email in zip(allowed, emails, strict=False)}
    assert len(pages) == 1 and GENERIC in pages.pop()
    assert all("Too many failed logins" in r.get_data(as_text=True) for r in throttled)
    assert not logged_in(client)
    assert failed_logins(app) == 100                         # every try is on record
    with rows() as session:                                  # no account was locked by it
        assert session.scalar(select(func.count()).select_from(User).where(
            User.locked_until.is_not(None))) == 0

    # The real users are not locked out: from their own address they log in at once,
    # and from the attacker's address once the window has passed.
    assert post_login(app.test_client(), real[0].email, PASSWORD, ip=BYSTANDER
                      ).status_code == 302
    assert post_login(app.test_client(), real[1].email, PASSWORD).status_code == 429
    later(app.config["LOGIN_IP_WINDOW_MINUTES"] + 1)
    assert post_login(app.test_client(), real[1].email, PASSWORD).status_code == 302


def test_brute_force_on_one_account_locks_it_until_the_lock_expires(app, client, make_user,
                                                                   rows, later):
    victim = make_user(roles=["reviewer"])
    answers = [post_login(client, victim.email, f"guess number {n:02d}") for n in range(20)]
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    assert {r.status_code for r in answers} == {200}
    assert all(GENERIC in r.get_data(as_text=True) for r in answers)
    # The address has used up its failures as well: the next try is not even checked.
    assert post_login(client, victim.email, "guess number 20").status_code == 429
    assert audit_actions(app).count("user.locked") == 1
    with rows() as session:
        user = session.get(User, victim.id)
        assert user.failed_login_count == threshold
        locked_until = user.locked_until
    assert locked_until > utcnow()
    # Locked: the right password from the user's own address gets the same answer.
    refused = post_login(app.test_client(), victim.email, PASSWORD, ip=BYSTANDER)
    assert refused.status_code == 200 and GENERIC in refused.get_data(as_text=True)
    later(app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    own = app.test_client()
    assert post_login(own, victim.email, PASSWORD, ip=BYSTANDER).status_code == 302
    assert logged_in(own)
    with rows() as session:
        assert session.get(User, victim.id).failed_login_count == 0


def test_forwarded_for_is_ignored_unless_a_proxy_is_trusted(app, client, make_user):
    """Without TRUSTED_PROXIES an attacker cannot dodge the limit with a made-up
    X-Forwarded-For; behind one trusted proxy the header names the client."""
    user = make_user()
    app.config["LOGIN_IP_LIMIT"] = 3
    for n in range(3):
        client.post("/login", data={"email": "x@example.org", "password": "wrong one!!"},
                    headers={"X-Forwarded-For": f"192.0.2.{n}"})
    assert client.post("/login", data={"email": user.email, "password": PASSWORD},
                       headers={"X-Forwarded-For": "192.0.2.99"}).status_code == 429
    with app.app_context():
        from reviewapp.extensions import db

        ips = set(db.session.scalars(select(AuditEvent.ip).where(
            AuditEvent.action == "user.login_failed")))
    assert ips == {"127.0.0.1"}


def test_a_session_cannot_be_used_to_guess_the_password_at_the_signature(
        app, make_user, make_article, rows, later):
    """The approve form asks for the password again: wrong ones there count towards
    the lock, and a locked account cannot sign even with the right one."""
    from reviewapp.reviews.models import Signature

    desk = Desk(app, make_user, make_article)
    desk.under_review()
    reviewer = desk.reviewers[0]
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    for n in range(threshold):
        assert desk.approve(reviewer, password=f"guess number {n}").status_code == 400
    refused = desk.approve(reviewer)                      # the right password, now locked
    assert refused.status_code == 403
    assert "locked" in refused.get_data(as_text=True)
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Signature)) == 0
    assert "review.approved" not in audit_actions(app)
    later(app.config["LOGIN_LOCKOUT_MINUTES"] + 1)
    assert desk.approve(reviewer).status_code == 302
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Signature)) == 1
        assert session.get(User, reviewer.id).failed_login_count == 0


def test_a_locked_account_cannot_change_its_password(app, client, make_user, login_as):
    user = make_user()
    login_as(user)
    attacker = app.test_client()
    for n in range(app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        post_login(attacker, user.email, f"guess number {n}")
    new = "a brand new passphrase"
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new, "confirm": new})
    assert response.status_code == 403 and "locked" in response.get_data(as_text=True)
    assert "user.password_changed" not in audit_actions(app)
    assert post_login(app.test_client(), user.email, new, ip=BYSTANDER).status_code == 200


class TestBehindOneTrustedProxy:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "TRUSTED_PROXIES": 1, "LOGIN_IP_LIMIT": 3}

    def test_each_client_is_counted_apart(self, app, client, make_user):
        user = make_user()
        for _ in range(3):
            client.post("/login", data={"email": "x@example.org", "password": "wrong one!!"},
                        headers={"X-Forwarded-For": "192.0.2.1"})
        assert client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"X-Forwarded-For": "192.0.2.1"}).status_code == 429
        assert client.post("/login", data={"email": user.email, "password": PASSWORD},
                           headers={"X-Forwarded-For": "192.0.2.2"}).status_code == 302
        with app.app_context():
            from reviewapp.extensions import db

            assert db.session.scalar(select(AuditEvent.ip).where(
                AuditEvent.action == "user.login")) == "192.0.2.2"


# -- 18. Session replay ----------------------------------------------------------------

def _captured(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie_value):
    thief = app.test_client()
    thief.set_cookie("session", cookie_value)
    return thief


@pytest.mark.parametrize("ending", ["logout", "password change", "deactivation"])
def test_a_captured_session_cookie_stops_working(app, make_user, login_as, ending):
    user = make_user(roles=["author"])
    victim = app.test_client()
    assert post_login(victim, user.email, PASSWORD, ip=BYSTANDER).status_code == 302
    stolen = _captured(victim)
    assert logged_in(_replay(app, stolen))                   # the capture works before

    if ending == "logout":
        assert victim.post("/logout", data={}).status_code == 302
    elif ending == "password change":
        new = "a brand new passphrase"
        assert victim.post("/account/password", data={
            "current_password": PASSWORD, "new_password": new, "confirm": new}
        ).status_code == 302
        assert logged_in(victim)                             # this session goes on
    else:
        admin = make_user(roles=["admin"])
        admin_client = app.test_client()
        assert post_login(admin_client, admin.email, PASSWORD, ip=BYSTANDER
                          ).status_code == 302
        assert admin_client.post(f"/admin/users/{user.id}/active", data={
            "active-make_active": "0", "active-reason": "left the board"}).status_code == 302

    thief = _replay(app, stolen)
    response = thief.get("/desk/articles/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    before = audit_actions(app)
    assert thief.post("/desk/articles/new", data={"title": "T", "body": "B",
                                                  "save": "Save draft"}).status_code in (302,
                                                                                         400)
    assert audit_actions(app) == before                      # nothing done as the victim


@pytest.fixture
def clock(monkeypatch):
    """clock(seconds): the session-limit clock moved forward from the real time."""
    from reviewapp.accounts import session_limits

    real = session_limits.now

    def move(seconds):
        monkeypatch.setattr(session_limits, "now", lambda: real() + seconds)
    return move


def test_a_session_ends_after_idle_minutes_and_is_recorded(app, client, make_user, login_as,
                                                          clock):
    login_as(make_user())
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    clock(idle - 5)
    assert logged_in(client)                               # activity within the limit
    clock(idle - 5 + idle - 5)
    assert logged_in(client)                               # ... keeps the session going
    clock(2 * (idle - 5) + idle + 1)                     # idle since the last request
    response = client.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "no activity for" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert audit_actions(app)[-1] == "user.session_expired"
    clock(0)
    assert not logged_in(client)                           # ended for good, not paused


def test_a_session_ends_at_its_longest_lifetime_even_when_active(app, client, make_user,
                                                                login_as, clock):
    login_as(make_user())
    step = app.config["SESSION_IDLE_MINUTES"] * 60 - 60
    longest = app.config["SESSION_MAX_HOURS"] * 3600
    moved = 0
    while moved + step <= longest:
        moved += step
        clock(moved)
        assert logged_in(client), moved
    clock(longest + 1)
    assert not logged_in(client)
    assert audit_actions(app)[-1] == "user.session_expired"


# -- 19. Open redirect via `next` -------------------------------------------------------

@pytest.mark.parametrize("target", [
    "//evil.example", "//evil.example/path", "/\\evil.example", "\\\\evil.example",
    "https://evil.example", "http://evil.example/desk", "https:evil.example",
    "//evil.example@good", "/%2F/evil.example/..", "/\t/evil.example", " //evil.example",
    "javascript:alert(1)", "data:text/html,x", "%2F%2Fevil.example", "///evil.example",
])
def test_next_never_leaves_the_site(app, client, make_user, target):
    user = make_user()
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/" or (location.startswith("/") and not location.startswith(
        ("//", "/\\"))), location
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("", ""), location   # a path on this site
    followed = client.get(location)
    assert followed.status_code in (200, 302, 404)
    assert "evil.example" not in (followed.headers.get("Location") or "")


def test_next_to_a_page_of_the_site_is_followed(client, make_user):
    user = make_user()
    response = client.post("/login", query_string={"next": "/desk/articles/new?x=1"},
                           data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/desk/articles/new?x=1"


# -- 20. Log injection -----------------------------------------------------------------

def _seqs(app) -> list[int]:
    with app.app_context():
        from reviewapp.extensions import db

        return list(db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


INJECTED = ("Dose 5 mg\r\n2026-01-01 00:00:00 seq=1 admin user.login ok\x1b[2J\x07"
            "\u2028forged\x85line\x0bend\x1c")


def test_control_characters_keep_one_event_one_row(app, make_user, make_article, rows,
                                                   caplog):
    desk = Desk(app, make_user, make_article, title="Aspirin " + INJECTED)
    admin = make_user(roles=["admin"], name="Ada Admin")
    before = len(audit_actions(app))

    stranger = app.test_client()
    post_login(stranger, "nobody@example.org" + INJECTED, "wrong password!!")
    author = desk.client(desk.author)
    assert author.post("/desk/articles/new", data={
        "title": INJECTED, "body": INJECTED, "references": "", "tags": "ok",
        "save": "Save draft"}).status_code == 302
    desk.under_review()
    assert desk.request_changes(desk.reviewers[0], comments=INJECTED).status_code == 302
    actions = audit_actions(app)[before:]
    assert actions.count("user.login_failed") == 1
    assert actions.count("article.created") == 1
    assert actions.count("review.changes_requested") == 1

    with rows() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        stored = {e.seq: (e.action, e.canonical) for e in events}
        assert any(INJECTED in json.dumps(e.details, ensure_ascii=False)
                   or INJECTED in (e.reason or "")
                   or INJECTED in json.loads(e.canonical).get("details", {}).get("email", "")
                   for e in events)                          # stored as typed
    assert verify_cli(app).exit_code == 0

    viewer = app.test_client()
    assert post_login(viewer, admin.email, PASSWORD, ip=BYSTANDER).status_code == 302
    app.config["PAGE_SIZE"] = 500
    page = viewer.get("/admin/audit").get_data(as_text=True)
    shown = [int(seq) for seq in re.findall(r'<tr class="audit-event" data-seq="(\d+)"', page)]
    assert sorted(shown) == _seqs(app)                       # one table row per event

    logged = _seqs(app)                      # an export covers the events before its own
    exported_csv = viewer.get("/admin/audit/export.csv").get_data(as_text=True)
    records = list(csv.DictReader(io.StringIO(exported_csv, newline="")))
    assert [int(r["seq"]) for r in records] == logged        # one CSV record per event
    assert [r["action"] for r in records[:len(stored)]] == [a for a, _ in stored.values()]

    logged = _seqs(app)
    exported_jsonl = viewer.get("/admin/audit/export.jsonl").get_data(as_text=True)
    lines = exported_jsonl.splitlines()                      # any line reader's view
    assert [json.loads(line)["seq"] for line in lines] == logged
    assert [json.loads(line)["canonical"] for line in lines[:len(stored)]] == [
        c for _, c in stored.values()]
    assert verify_cli(app).exit_code == 0

    # Mail written to the log: one record, one line, whatever the title holds.
    from reviewapp.mail.models import OutboxMessage
    from reviewapp.mail.services import deliver_pending

    caplog.set_level(logging.INFO, logger="reviewapp.mail.services")
    with app.app_context():
        from reviewapp.extensions import db

        subjects = db.session.scalars(select(OutboxMessage.subject)).all()
        assert subjects and all("\n" not in s and "\r" not in s for s in subjects)
        app.config["MAIL_SERVER"] = ""
        sent, failed = deliver_pending()
        db.session.commit()
    records = [r for r in caplog.records if r.name == "reviewapp.mail.services"]
    assert sent == len(records) and failed == 0
    for record in records:
        assert len(record.getMessage().splitlines()) == 1, record.getMessage()
