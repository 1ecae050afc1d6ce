"""Logging in and out: generic errors, lockout, rate limit, sessions, cookies."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from reviewapp.accounts.models import User
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from tests.conftest import PASSWORD, audit_actions

GENERIC = "Invalid email or password."


def post_login(client, email, password, **kwargs):
    return client.post("/login", data={"email": email, "password": password}, **kwargs)


def test_login_with_right_password_reaches_home_and_is_audited(client, make_user, app):
    author = make_user(roles=["author"])
    response = post_login(client, author.email, PASSWORD)
    assert response.status_code == 302
    assert client.get("/desk/articles/").status_code == 200
    assert audit_actions(app)[-1] == "user.login"


def test_email_is_matched_after_case_folding_and_nfkc(client, make_user):
    make_user(email="dr.smith@example.org")
    response = post_login(client, "  DR.Ｓｍｉｔｈ@Example.ORG ", PASSWORD)
    assert response.status_code == 302


@pytest.mark.parametrize("email_kind", ["unknown", "known"])
def test_wrong_credentials_get_the_same_generic_error(client, make_user, app, email_kind):
    user = make_user()
    email = user.email if email_kind == "known" else "nobody@example.org"
    response = post_login(client, email, "wrong password!!")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert GENERIC in page
    assert "unknown" not in page.lower() and "no such user" not in page.lower()
    assert client.get("/desk/articles/").status_code == 302  # still logged out
    assert audit_actions(app)[-1] == "user.login_failed"


def test_account_locks_after_repeated_failures_and_unlocks_after_the_period(
        client, make_user, app, rows):
    user = make_user()
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    for _ in range(threshold):
        post_login(client, user.email, "wrong password!!")
    # Locked: even the right password is refused, with the same message.
    response = post_login(client, user.email, PASSWORD)
    assert GENERIC in response.get_data(as_text=True)
    assert client.get("/desk/articles/").status_code == 302
    assert "user.locked" in audit_actions(app)
    with rows() as session:
        stored = session.get(User, user.id)
        assert stored.locked_until is not None
        # The lock is time-limited: once it has passed, the right password works.
        stored.locked_until = utcnow() - timedelta(seconds=1)
        session.commit()
    assert post_login(client, user.email, PASSWORD).status_code == 302
    with rows() as session:
        assert session.get(User, user.id).failed_login_count == 0


def test_too_many_failures_from_one_address_are_throttled(client, make_user, app):
    app.config["LOGIN_IP_LIMIT"] = 3
    user = make_user()
    for n in range(3):
        post_login(client, f"someone{n}@example.org", "wrong password!!")
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 429
    assert "Too many failed logins" in response.get_data(as_text=True)
    assert client.get("/desk/articles/").status_code == 302


def test_deactivated_user_cannot_log_in(client, make_user, rows):
    user = make_user()
    with rows() as session:
        session.get(User, user.id).active = False
        session.commit()
    response = post_login(client, user.email, PASSWORD)
    assert GENERIC in response.get_data(as_text=True)


@pytest.mark.parametrize("target,expected", [
    ("/desk/articles/new", "/desk/articles/new"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_is_followed_only_to_paths_on_this_site(client, make_user, target, expected):
    user = make_user()
    response = client.post("/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_needs_csrf_and_ends_every_session_of_the_user(app, make_user, login_as):
    user = make_user()
    first, second = app.test_client(), app.test_client()
    for c in (first, second):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
    assert first.post("/logout", data={}, csrf=False).status_code == 400
    assert first.get("/desk/articles/").status_code == 200
    assert first.post("/logout", data={}).status_code == 302
    assert first.get("/desk/articles/").status_code == 302
    assert second.get("/desk/articles/").status_code == 302  # the other session ended too
    assert "user.logout" in audit_actions(app)


def test_password_change_keeps_this_session_and_ends_the_others(app, make_user):
    user = make_user()
    here, elsewhere = app.test_client(), app.test_client()
    for c in (here, elsewhere):
        c.post("/login", data={"email": user.email, "password": PASSWORD})
    new_password = "a new long passphrase"
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": new_password, "confirm": new_password})
    assert response.status_code == 302
    assert here.get("/desk/articles/").status_code == 200
    assert elsewhere.get("/desk/articles/").status_code == 302
    assert audit_actions(app)[-1] == "user.password_changed"
    fresh = app.test_client()
    assert post_login(fresh, user.email, new_password).status_code == 302


def test_password_change_refuses_a_short_password_and_a_wrong_current_one(
        client, make_user, login_as, app):
    user = make_user()
    login_as(user)
    short = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert short.status_code == 400
    assert "at least 12 characters" in short.get_data(as_text=True)
    wrong = client.post("/account/password", data={
        "current_password": "not my password", "new_password": "long enough pass",
        "confirm": "long enough pass"})
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    assert audit_actions(app)[-1] == "user.login_failed"
    assert post_login(app.test_client(), user.email, PASSWORD).status_code == 302


def test_hash_is_upgraded_when_argon2_parameters_change(client, make_user, app, rows):
    user = make_user()
    with rows() as session:
        old_hash = session.get(User, user.id).password_hash
    assert old_hash.startswith("$argon2id$")
    app.config["ARGON2_TIME_COST"] = 2
    assert post_login(client, user.email, PASSWORD).status_code == 302
    with rows() as session:
        new_hash = session.get(User, user.id).password_hash
    assert new_hash != old_hash and ",t=2," in new_hash


def test_session_holds_a_session_token_not_the_user_id(client, make_user, rows):
    user = make_user()
    post_login(client, user.email, PASSWORD)
    with rows() as session:
        token = session.get(User, user.id).session_token
    with client.session_transaction() as cookie_session:
        assert cookie_session["_user_id"] == token
        assert cookie_session["_user_id"] != str(user.id)


def test_login_page_sends_security_headers_and_safe_cookies(client, make_user):
    page = client.get("/login")
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin"
    user = make_user()
    response = post_login(client, user.email, PASSWORD)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookie_when_configured(app, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user()
    client = app.test_client()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    app.config["SESSION_COOKIE_SECURE"] = False
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_login_without_csrf_token_is_refused_and_changes_nothing(client, make_user, app):
    user = make_user()
    before = audit_actions(app)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD},
                           csrf=False)
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert audit_actions(app) == before


def test_failed_login_event_records_ip_and_reason(client, rows):
    post_login(client, "ghost@example.org", "whatever it is")
    with rows() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event.action == "user.login_failed"
        assert event.ip == "127.0.0.1"
        assert event.reason == "unknown email"
        assert event.details == {"email": "ghost@example.org"}
