"""Two-factor sign-in (TOTP, RFC 6238) through the test client with real codes
from pyotp, on SQLite and PostgreSQL: enrolment confirmed by a code, the code
asked after the password with no session before it, no replay, wrong codes
lock the account, recovery codes work once, enrolment forced for the roles in
REQUIRE_TWO_FACTOR_FOR, turning it off."""

import hashlib
import threading
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from reviewapp.accounts import session_limits, two_factor
from reviewapp.accounts.models import RecoveryCode, User
from tests.conftest import PASSWORD, audit_actions
from tests.two_factor_steps import (
    RECOVERY_CODES_ON_PAGE,
    code,
    enrol,
    password_step,
    secret_on,
)

DESK = "/desk/articles/"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "REQUIRE_TWO_FACTOR_FOR": ["admin"]}


@dataclass
class Enrolled:
    user: User
    secret: str
    recovery_codes: list[str]


@pytest.fixture
def enrolled(app, make_user, login_as):
    """An author who turned two-factor sign-in on from the account page."""
    user = make_user(roles=["author"])
    client = app.test_client()
    assert password_step(client, user).status_code == 302
    secret, codes = enrol(client)
    return Enrolled(user, secret, codes)


def user_row(rows, user) -> User:
    with rows() as session:
        row = session.get(User, user.id)
        session.expunge(row)
        return row


def is_signed_in(client) -> bool:
    response = client.get(DESK)
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/login")
    return response.status_code == 200


# --- enrolment ----------------------------------------------------------------------

def test_enrolment_shows_a_local_qr_code_and_the_secret_and_needs_a_right_code(
        app, client, make_user, rows):
    user = make_user(roles=["author"])
    password_step(client, user)
    page = client.get("/account/password").get_data(as_text=True)
    assert "Turn on two-factor sign-in" in page
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert '<img src="data:image/svg+xml' in page  # made here, not by a remote service
    secret = secret_on(page)
    assert secret_on(client.get("/account/two-factor").get_data(as_text=True)) == secret

    response = client.post("/account/two-factor", data={"code": code(secret, steps=5)})
    assert response.status_code == 400
    assert "That code is not right" in response.get_data(as_text=True)
    row = user_row(rows, user)
    assert (row.two_factor_secret, row.two_factor_enabled_at) == (None, None)
    with rows() as session:
        assert session.scalars(select(RecoveryCode)).all() == []
    assert "user.two_factor_enabled" not in audit_actions(app)

    response = client.post("/account/two-factor", data={"code": code(secret)})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "shown only this once" in page
    assert user_row(rows, user).two_factor_secret == secret
    assert audit_actions(app)[-1] == "user.two_factor_enabled"
    assert "Manage two-factor sign-in" in client.get("/account/password").get_data(as_text=True)


def test_recovery_codes_are_stored_only_as_hashes(enrolled, rows):
    with rows() as session:
        stored = set(session.scalars(select(RecoveryCode.code_hash)))
    assert len(stored) == 10 and all(len(c) == 29 for c in enrolled.recovery_codes)
    assert stored == {hashlib.sha256(c.replace("-", "").encode()).hexdigest()
                      for c in enrolled.recovery_codes}


# --- the code after the password -------------------------------------------------------

def test_password_alone_gives_no_session_and_the_code_then_logs_in(app, enrolled):
    client = app.test_client()
    response = password_step(client, enrolled.user, query_string={"next": "/desk/articles/new"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login/code"
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert not is_signed_in(client)  # a desk page sends the pending user back to log in
    page = client.get("/login/code").get_data(as_text=True)
    assert "Use a recovery code" in page and ">Verify<" in page

    response = client.post("/login/code", data={"code": code(enrolled.secret)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/desk/articles/new"
    assert is_signed_in(client)
    assert audit_actions(app)[-2:] == ["user.login", "user.two_factor_verified"]


def test_a_wrong_password_never_reaches_the_code_step(app, enrolled):
    client = app.test_client()
    response = password_step(client, enrolled.user, password="not the password")
    assert response.status_code == 200
    assert client.get("/login/code").headers["Location"] == "/login"


def test_a_code_cannot_be_used_twice_in_its_window(app, enrolled, rows):
    used = code(enrolled.secret)
    first = app.test_client()
    password_step(first, enrolled.user)
    assert first.post("/login/code", data={"code": used}).status_code == 302

    second = app.test_client()
    password_step(second, enrolled.user)
    response = second.post("/login/code", data={"code": used})
    assert response.status_code == 400
    assert "used already" in response.get_data(as_text=True)
    assert not is_signed_in(second)
    assert audit_actions(app)[-2:] == ["user.two_factor_failed", "user.login_failed"]
    # The code of the next time step is still good.
    assert second.post("/login/code",
                       data={"code": code(enrolled.secret, steps=1)}).status_code == 302


def test_the_same_code_sent_twice_at_once_logs_in_only_once(app, enrolled, monkeypatch):
    """Both requests read the user while the other is checking: only the row
    lock makes the second see the step the first spent."""
    clients = [app.test_client() for _ in range(2)]
    for client in clients:
        password_step(client, enrolled.user)
    real_matching_step = two_factor._matching_step

    def slow_matching_step(secret, given):
        step = real_matching_step(secret, given)
        threading.Event().wait(0.5)  # both are now between reading and writing
        return step

    monkeypatch.setattr(two_factor, "_matching_step", slow_matching_step)
    used, statuses = code(enrolled.secret), []
    threads = [threading.Thread(target=lambda c=c: statuses.append(
        c.post("/login/code", data={"code": used}).status_code)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [302, 400]


def test_wrong_codes_lock_the_account_and_the_right_code_is_then_refused(app, enrolled, rows):
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    client = app.test_client()
    password_step(client, enrolled.user)
    for _ in range(threshold):
        assert client.post("/login/code", data={"code": "000000"}).status_code == 400
    assert user_row(rows, enrolled.user).locked_until is not None
    assert "user.locked" in audit_actions(app)

    response = client.post("/login/code", data={"code": code(enrolled.secret)})
    assert response.status_code == 403
    assert "locked" in response.get_data(as_text=True)
    assert not is_signed_in(client)
    assert password_step(app.test_client(), enrolled.user).status_code == 200  # locked


def test_wrong_codes_still_count_after_the_password_is_typed_again(app, enrolled, rows):
    """A right password starts the lockout count afresh; wrong codes since the
    last right code must not be forgotten with it."""
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    for _ in range(threshold - 1):
        client = app.test_client()
        password_step(client, enrolled.user)
        assert client.post("/login/code", data={"code": "000000"}).status_code == 400
    client = app.test_client()
    password_step(client, enrolled.user)
    client.post("/login/code", data={"code": "000000"})
    assert user_row(rows, enrolled.user).locked_until is not None
    assert client.post("/login/code",
                       data={"code": code(enrolled.secret)}).status_code == 403


def test_a_recovery_code_works_instead_of_a_code_once(app, enrolled):
    recovery_code = enrolled.recovery_codes[3]
    client = app.test_client()
    password_step(client, enrolled.user)
    response = client.post("/login/recovery-code", data={"code": recovery_code.upper()})
    assert response.status_code == 302
    page = client.get(DESK)
    assert page.status_code == 200  # signed in
    assert "You have 9 recovery codes left" in page.get_data(as_text=True)
    assert audit_actions(app)[-1] == "user.recovery_code_used"

    again = app.test_client()
    password_step(again, enrolled.user)
    response = again.post("/login/recovery-code", data={"code": recovery_code})
    assert response.status_code == 400
    assert not is_signed_in(again)
    assert again.post("/login/recovery-code",
                      data={"code": enrolled.recovery_codes[4]}).status_code == 302


def test_the_step_after_the_password_runs_out(app, enrolled, monkeypatch):
    client = app.test_client()
    password_step(client, enrolled.user)
    later = session_limits.now() + 11 * 60
    monkeypatch.setattr(session_limits, "now", lambda: later)
    response = client.post("/login/code", data={"code": code(enrolled.secret)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert not is_signed_in(client)


# --- enrolment forced by role ----------------------------------------------------------------

def test_an_admin_without_two_factor_must_set_it_up_before_any_page(app, make_user, rows):
    admin = make_user(roles=["admin"])
    client = app.test_client()
    response = password_step(client, admin)
    assert response.headers["Location"] == "/login/two-factor-setup"
    assert client.get("/admin/users").status_code == 302
    assert not is_signed_in(client)
    page = client.get("/login/two-factor-setup").get_data(as_text=True)
    assert "Your role requires two-factor sign-in" in page

    secret, codes = enrol(client, "/login/two-factor-setup")
    assert client.get("/admin/users").status_code == 200
    assert user_row(rows, admin).two_factor_secret == secret

    # From then on the code is asked.
    again = app.test_client()
    assert password_step(again, admin).headers["Location"] == "/login/code"
    assert again.get("/admin/users").status_code == 302


def test_roles_not_listed_log_in_with_the_password_alone(app, make_user):
    author = make_user(roles=["author"])
    client = app.test_client()
    assert password_step(client, author).headers["Location"] == "/"
    assert is_signed_in(client)


def test_an_admin_cannot_turn_it_off_while_the_role_requires_it(app, make_user, rows):
    admin = make_user(roles=["admin"])
    client = app.test_client()
    password_step(client, admin)
    secret, _ = enrol(client, "/login/two-factor-setup")
    response = client.post("/account/two-factor/disable", data={
        "off-password": PASSWORD, "off-code": code(secret)})
    assert response.status_code == 400
    assert user_row(rows, admin).two_factor_secret == secret


# --- managing it ----------------------------------------------------------------------------

def signed_in(app, enrolled, steps=0):
    client = app.test_client()
    password_step(client, enrolled.user)
    assert client.post("/login/code",
                       data={"code": code(enrolled.secret, steps)}).status_code == 302
    return client


def test_turning_it_off_needs_the_password_and_a_code(app, enrolled, rows):
    client = signed_in(app, enrolled)
    fresh = code(enrolled.secret, steps=1)
    response = client.post("/account/two-factor/disable", data={
        "off-password": "not the password", "off-code": fresh})
    assert response.status_code == 400
    assert "password is not correct" in response.get_data(as_text=True)
    response = client.post("/account/two-factor/disable", data={
        "off-password": PASSWORD, "off-code": "000000"})
    assert response.status_code == 400
    assert user_row(rows, enrolled.user).two_factor_secret == enrolled.secret

    response = client.post("/account/two-factor/disable", data={
        "off-password": PASSWORD, "off-code": fresh})
    assert response.status_code == 302
    assert user_row(rows, enrolled.user).two_factor_secret is None
    with rows() as session:
        assert session.scalars(select(RecoveryCode)).all() == []
    assert audit_actions(app)[-1] == "user.two_factor_disabled"
    again = app.test_client()
    assert password_step(again, enrolled.user).headers["Location"] == "/"


def test_new_recovery_codes_replace_the_old_ones(app, enrolled):
    client = signed_in(app, enrolled)
    response = client.post("/account/two-factor/recovery-codes",
                           data={"codes-code": code(enrolled.secret, steps=1)})
    assert response.status_code == 200
    assert audit_actions(app)[-1] == "user.recovery_codes_regenerated"
    new_codes = RECOVERY_CODES_ON_PAGE.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(enrolled.recovery_codes)

    other = app.test_client()
    password_step(other, enrolled.user)
    assert other.post("/login/recovery-code",
                      data={"code": enrolled.recovery_codes[0]}).status_code == 400
    assert other.post("/login/recovery-code", data={"code": new_codes[0]}).status_code == 302


def test_a_wrong_code_on_the_account_page_counts_towards_the_lockout(app, enrolled, rows):
    client = signed_in(app, enrolled)
    response = client.post("/account/two-factor/recovery-codes", data={"codes-code": "000000"})
    assert response.status_code == 400
    assert user_row(rows, enrolled.user).failed_login_count == 1
    assert audit_actions(app)[-2:] == ["user.two_factor_failed", "user.login_failed"]


def test_its_pages_need_a_session_or_the_step_after_the_password(app, enrolled):
    anonymous = app.test_client()
    for path in ("/account/two-factor", "/login/code", "/login/recovery-code",
                 "/login/two-factor-setup"):
        assert anonymous.get(path).headers["Location"].startswith("/login"), path
    pending = app.test_client()
    password_step(pending, enrolled.user)
    for path in ("/account/two-factor/disable", "/account/two-factor/recovery-codes"):
        response = pending.post(path, data={"off-password": PASSWORD, "off-code": "1",
                                            "codes-code": "1"})
        assert response.headers["Location"].startswith("/login"), path
    assert audit_actions(app)[-1] == "user.login"  # nothing else happened
