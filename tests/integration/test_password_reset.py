""""Forgot your password?" and admins' set-password links, through the test
client, with mail delivered by `reminders send` to a real SMTP server
(aiosmtpd) and the link read from the delivered message."""

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from reviewapp.accounts import recovery
from reviewapp.accounts.models import User
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from tests.conftest import PASSWORD
from tests.integration.test_reminders import mailbox as reminders_mailbox

SITE = "https://review.example.org"
NEW_PASSWORD = "a brand new passphrase"
SENT = "If an account uses this email address, we are sending it a link"
NO_LONGER_VALID = "This link is no longer valid"
LINK = re.compile(r"\S+/password/reset/\S+")
_CSRF = re.compile(r'(name="csrf_token" type="hidden" value=")[^"]+"')


@pytest.fixture
def mailbox(app, request):
    """test_reminders' real SMTP server, with links on SITE."""
    box = reminders_mailbox.__wrapped__(app, request)
    app.config["SITE_URL"] = SITE
    return box


def deliver(app) -> None:
    """What cron does: deliver the outbox."""
    result = app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output


def ask(client, email, ip="127.0.0.1", **kwargs):
    return client.post("/password/forgot", data={"email": email},
                       environ_base={"REMOTE_ADDR": ip}, **kwargs)


def link_in(mailbox, email) -> str:
    [message] = mailbox.messages(email)[-1:]
    return LINK.search(message.get_content())[0]


def path_of(link: str) -> str:
    return urlsplit(link).path


def set_password(client, link, password=NEW_PASSWORD, confirm=None):
    return client.post(path_of(link), data={"new_password": password,
                                             "confirm": confirm or password})


def logs_in(app, email, password) -> bool:
    response = app.test_client().post("/login", data={"email": email, "password": password})
    return response.status_code == 302


def events(rows, action):
    with rows() as session:
        found = session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.seq)).all()
        session.expunge_all()
        return found


def requested_link(app, client, mailbox, user) -> str:
    assert ask(client, user.email).status_code == 302
    deliver(app)
    return link_in(mailbox, user.email)


# --- the way in ------------------------------------------------------------------------

def test_login_page_offers_forgot_your_password_which_asks_for_the_email(client):
    login = client.get("/login").get_data(as_text=True)
    assert '<a href="/password/forgot">Forgot your password?</a>' in login
    page = client.get("/password/forgot").get_data(as_text=True)
    assert '<label class="form-label" for="email">Email</label>' in page


# --- the whole flow ----------------------------------------------------------------------

def test_reset_by_mailed_link_ends_other_sessions_and_the_new_password_logs_in(
        app, client, make_user, mailbox, rows):
    user = make_user()
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": user.email, "password": PASSWORD})
    assert elsewhere.get("/desk/articles/").status_code == 200

    response = ask(client, f"  {user.email.upper()} ", follow_redirects=True)
    assert response.status_code == 200 and SENT in response.get_data(as_text=True)
    assert mailbox.envelopes == []  # queued in the outbox, sent by cron
    deliver(app)
    [message] = mailbox.messages(user.email)
    assert message["Subject"] == "Choose a new password for the Medical Advisory Board review site"
    body = message.get_content()
    assert user.display_name in body and "works for 1 hour, and only once" in body
    link = link_in(mailbox, user.email)
    assert link.startswith(f"{SITE}/password/reset/")

    form = client.get(path_of(link))
    assert form.status_code == 200 and user.email in form.get_data(as_text=True)
    response = set_password(client, link)
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    assert elsewhere.get("/desk/articles/").status_code == 302  # the old session ended
    assert not logs_in(app, user.email, PASSWORD)
    assert logs_in(app, user.email, NEW_PASSWORD)

    # Used once, the link is dead: a clear page, a way to a new one, nothing changed.
    with rows() as session:
        stored = session.get(User, user.id)
        before = (stored.password_hash, stored.session_token)
    for again in (client.get(path_of(link)), set_password(client, link, "yet another passphrase")):
        page = again.get_data(as_text=True)
        assert again.status_code == 404 and NO_LONGER_VALID in page
        assert 'href="/password/forgot">Ask for a new link</a>' in page
    with rows() as session:
        stored = session.get(User, user.id)
        assert (stored.password_hash, stored.session_token) == before
    assert logs_in(app, user.email, NEW_PASSWORD)

    [asked] = events(rows, "user.password_reset_requested")
    assert (asked.object_type, asked.object_id, asked.reason) == ("user", str(user.id),
                                                                  "link mailed")
    assert asked.details["email"] == f"  {user.email.upper()} "
    [reset] = events(rows, "user.password_reset")
    assert (reset.actor_id, reset.object_id) == (user.id, str(user.id))


def test_reset_clears_the_lockout(app, client, make_user, mailbox):
    user = make_user()
    for _ in range(app.config["LOGIN_LOCKOUT_THRESHOLD"]):
        logs_in(app, user.email, "not my password")
    assert not logs_in(app, user.email, PASSWORD)  # locked
    link = requested_link(app, client, mailbox, user)
    assert set_password(client, link).status_code == 302
    assert logs_in(app, user.email, NEW_PASSWORD)


def test_reset_applies_the_password_rules_and_a_refused_one_changes_nothing(
        app, client, make_user, mailbox, rows):
    user = make_user()
    link = requested_link(app, client, mailbox, user)
    response = set_password(client, link, "short")
    assert response.status_code == 400
    assert "at least 12 characters" in response.get_data(as_text=True)
    assert events(rows, "user.password_reset") == []
    assert logs_in(app, user.email, PASSWORD)
    assert client.get(path_of(link)).status_code == 200  # still usable


def test_service_refuses_a_short_password_even_past_the_form(app, make_user, mailbox):
    user = make_user()
    client = app.test_client()
    link = requested_link(app, client, mailbox, user)
    app.config["PASSWORD_MIN_LENGTH"] = 40  # the form's check reads it too; call the service
    with app.test_request_context():
        from reviewapp.errors import InvalidInput

        with pytest.raises(InvalidInput, match="at least 40 characters"):
            recovery.reset_password(path_of(link).rsplit("/", 1)[1], NEW_PASSWORD)


# --- links that must not work --------------------------------------------------------------

def test_link_dies_when_the_password_is_changed_another_way(app, client, make_user, mailbox,
                                                            login_as):
    user = make_user()
    link = requested_link(app, client, mailbox, user)
    login_as(user)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    stranger = app.test_client()
    assert stranger.get(path_of(link)).status_code == 404
    assert set_password(stranger, link, "the attackers password").status_code == 404
    assert logs_in(app, user.email, NEW_PASSWORD)


def test_expired_link_is_refused(app, client, make_user, mailbox, monkeypatch):
    user = make_user()
    link = requested_link(app, client, mailbox, user)
    real_now = recovery.now
    monkeypatch.setattr(recovery, "now", lambda: real_now() + timedelta(minutes=58))
    assert client.get(path_of(link)).status_code == 200
    monkeypatch.setattr(recovery, "now", lambda: real_now() + timedelta(hours=1, seconds=2))
    response = set_password(client, link)
    assert response.status_code == 404 and NO_LONGER_VALID in response.get_data(as_text=True)
    assert logs_in(app, user.email, PASSWORD)


def test_expiry_follows_the_setting(app, client, make_user, mailbox, monkeypatch):
    app.config["PASSWORD_RESET_HOURS"] = 3
    user = make_user()
    link = requested_link(app, client, mailbox, user)
    assert "works for 3 hours" in mailbox.messages(user.email)[-1].get_content()
    real_now = recovery.now
    monkeypatch.setattr(recovery, "now", lambda: real_now() + timedelta(hours=2))
    assert client.get(path_of(link)).status_code == 200
    monkeypatch.setattr(recovery, "now", lambda: real_now() + timedelta(hours=3, seconds=2))
    assert client.get(path_of(link)).status_code == 404


@pytest.mark.parametrize("tamper", ["flip a character", "another key", "another user",
                                    "no fingerprint", "huge user id", "not a token"])
def test_garbled_or_forged_links_are_refused(app, client, make_user, mailbox, tamper):
    from itsdangerous import URLSafeTimedSerializer

    user, other = make_user(), make_user()
    token = path_of(requested_link(app, client, mailbox, user)).rsplit("/", 1)[1]
    ours = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=recovery._SALT)
    payload = ours.loads(token)
    if tamper == "flip a character":
        token = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    elif tamper == "another key":
        token = URLSafeTimedSerializer("guessed", salt=recovery._SALT).dumps(payload)
    elif tamper == "another user":  # only a signed token can say which user
        token = token.replace(token.split(".")[0], ours.dumps({**payload, "u": other.id})
                              .split(".")[0])
    elif tamper == "no fingerprint":
        token = ours.dumps({"u": user.id, "p": "reset"})
    elif tamper == "huge user id":
        token = ours.dumps({**payload, "u": 99999999999999999999})
    else:
        token = "not-a-token"
    for response in (client.get(f"/password/reset/{token}"),
                     client.post(f"/password/reset/{token}",
                                 data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})):
        assert response.status_code == 404, tamper
        assert NO_LONGER_VALID in response.get_data(as_text=True)
    assert logs_in(app, user.email, PASSWORD) and logs_in(app, other.email, PASSWORD)


def test_deactivated_account_gets_no_mail_and_its_old_link_dies(app, client, make_user,
                                                                mailbox, login_as):
    user, admin = make_user(), make_user(roles=["admin"])
    link = requested_link(app, client, mailbox, user)
    login_as(admin)
    response = client.post(f"/admin/users/{user.id}/active",
                           data={"active-make_active": "0", "active-reason": "left"})
    assert response.status_code == 302
    client.post("/logout", data={})
    with app.app_context():
        from reviewapp.extensions import db

        assert db.session.get(User, user.id).active is False
    assert ask(client, user.email).status_code == 302
    deliver(app)
    assert len(mailbox.messages(user.email)) == 1
    assert client.get(path_of(link)).status_code == 404


# --- the same answer for everyone --------------------------------------------------------

def _answer(app, email, ip):
    """What a stranger sees after asking: status, redirect, and the page it leads to."""
    client = app.test_client()
    response = ask(client, email, ip)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.headers["Location"], _CSRF.sub(r"\1", page)


def test_unknown_deactivated_and_limited_addresses_get_the_identical_page_and_no_mail(
        app, make_user, mailbox, rows, login_as, client):
    app.config["PASSWORD_RESET_EMAIL_LIMIT"] = 1
    known, gone, limited = make_user(), make_user(), make_user()
    with rows() as session:
        session.get(User, gone.id).active = False
        session.commit()
    assert ask(app.test_client(), limited.email, "10.0.0.9").status_code == 302
    deliver(app)
    mailbox.envelopes.clear()

    answers = {email: _answer(app, email, f"10.0.1.{n}") for n, email in enumerate(
        [known.email, "nobody@example.org", gone.email, limited.email, "not an email"])}
    assert len(set(answers.values())) == 1, answers
    assert SENT in answers[known.email][2]
    deliver(app)
    assert [e.rcpt_tos for e in mailbox.envelopes] == [[known.email]]

    reasons = {e.details["email"]: (e.reason, e.object_id) for e in
               events(rows, "user.password_reset_requested")[1:]}
    assert reasons == {
        known.email: ("link mailed", str(known.id)),
        "nobody@example.org": ("unknown email", None),
        gone.email: ("account deactivated", str(gone.id)),
        limited.email: ("too many links mailed to this account", str(limited.id)),
        "not an email": ("unknown email", None)}


def test_links_mailed_per_address_are_limited(app, make_user, mailbox, rows, monkeypatch):
    app.config["PASSWORD_RESET_EMAIL_LIMIT"] = 2
    user = make_user()
    for n in range(4):  # from four addresses: the account's limit holds whatever the IP
        assert ask(app.test_client(), user.email, f"10.0.2.{n}").status_code == 302
    deliver(app)
    assert len(mailbox.messages(user.email)) == 2
    assert [e.reason for e in events(rows, "user.password_reset_requested")] == [
        "link mailed", "link mailed", "too many links mailed to this account",
        "too many links mailed to this account"]
    # The window passes: mail again.
    real_now = recovery.now
    monkeypatch.setattr(recovery, "now", lambda: real_now() + timedelta(minutes=61))
    ask(app.test_client(), user.email, "10.0.2.9")
    deliver(app)
    assert len(mailbox.messages(user.email)) == 3


def test_requests_per_ip_are_limited(app, make_user, mailbox, rows):
    app.config["PASSWORD_RESET_IP_LIMIT"] = 3
    user = make_user()
    for n in range(3):  # a script walking a list of addresses
        ask(app.test_client(), f"guess{n}@example.org", "10.0.3.1")
    assert ask(app.test_client(), user.email, "10.0.3.1").status_code == 302
    deliver(app)
    assert mailbox.envelopes == []
    [limited] = events(rows, "user.password_reset_requested")[3:]
    assert (limited.reason, limited.ip) == ("too many requests from this address", "10.0.3.1")
    assert limited.details == {"email": user.email}
    ask(app.test_client(), user.email, "10.0.3.2")  # another address is not held up
    deliver(app)
    assert len(mailbox.messages(user.email)) == 1


# --- where the link points ----------------------------------------------------------------

def test_host_header_does_not_reach_the_mailed_link(app, client, make_user, mailbox):
    user = make_user()
    evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
    page = client.get("/password/forgot", headers=evil).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    response = client.post("/password/forgot", headers=evil,
                           data={"email": user.email, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    deliver(app)
    body = mailbox.messages(user.email)[0].get_content()
    assert "evil.example" not in body
    assert link_in(mailbox, user.email).startswith(f"{SITE}/password/reset/")


def test_site_url_with_a_path_prefix_is_kept(app, client, make_user, mailbox):
    app.config["SITE_URL"] = "https://example.org/review/"
    user = make_user()
    link = requested_link(app, client, mailbox, user)
    assert link.startswith("https://example.org/review/password/reset/")


# --- admins create users with a set-password link ------------------------------------------

def test_admin_created_user_is_welcomed_by_mail_and_logs_in_only_after_setting_a_password(
        app, client, make_user, login_as, mailbox, rows, monkeypatch):
    admin = make_user(roles=["admin"], name="Ada Admin")
    login_as(admin)
    response = client.post("/admin/users/new", data={
        "email": "new.reviewer@example.org", "display_name": "Dr. New Reviewer",
        "roles": ["reviewer"], "specialties": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/logout", data={})
    deliver(app)
    [message] = mailbox.messages("new.reviewer@example.org")
    assert message["Subject"] == "Welcome to the Medical Advisory Board review site"
    body = message.get_content()
    assert "Dear Dr. New Reviewer" in body and "works for 7 days" in body
    assert f"{SITE}/password/forgot" in body
    link = link_in(mailbox, "new.reviewer@example.org")
    assert link.startswith(f"{SITE}/password/reset/")

    for guess in (PASSWORD, "", "!", "None"):
        assert not logs_in(app, "new.reviewer@example.org", guess)

    real_now = recovery.now
    monkeypatch.setattr(recovery, "now", lambda: real_now() + timedelta(days=6))
    page = client.get(path_of(link)).get_data(as_text=True)
    assert "Set your password" in page
    assert set_password(client, link).status_code == 302
    monkeypatch.setattr(recovery, "now", real_now)
    assert logs_in(app, "new.reviewer@example.org", NEW_PASSWORD)
    assert client.get(path_of(link)).status_code == 404

    [welcome] = events(rows, "user.password_reset_requested")
    assert (welcome.actor_id, welcome.reason) == (admin.id,
                                                  "set-password link mailed to a new user")
    [done] = events(rows, "user.password_reset")
    assert done.reason == "first password set"


def test_set_password_link_expires_after_set_password_days(app, client, make_user, login_as,
                                                           mailbox, monkeypatch):
    login_as(make_user(roles=["admin"]))
    client.post("/admin/users/new", data={"email": "late@example.org", "display_name": "Late",
                                          "roles": ["author"], "specialties": ""})
    deliver(app)
    link = link_in(mailbox, "late@example.org")
    real_now = recovery.now
    monkeypatch.setattr(recovery, "now", lambda: real_now() + timedelta(days=7, seconds=2))
    assert app.test_client().get(path_of(link)).status_code == 404


def test_a_welcome_link_does_not_count_against_the_admins_address(app, client, make_user,
                                                                  login_as, mailbox):
    app.config["PASSWORD_RESET_IP_LIMIT"] = 1
    login_as(make_user(roles=["admin"]))
    for n in range(2):
        assert client.post("/admin/users/new", data={
            "email": f"new{n}@example.org", "display_name": f"New {n}",
            "roles": ["author"], "specialties": ""}).status_code == 302
    user = make_user()
    ask(app.test_client(), user.email)  # from the admin's 127.0.0.1
    deliver(app)
    assert len(mailbox.messages(user.email)) == 1


def test_tokens_are_bound_to_the_current_password(app, make_user):
    """The fingerprint changes with the hash and with password_changed_at."""
    user = make_user()
    with app.test_request_context():
        from reviewapp.extensions import db

        stored = db.session.get(User, user.id)
        first = recovery._fingerprint(stored)
        stored.password_changed_at = utcnow()
        assert recovery._fingerprint(stored) != first
        db.session.rollback()


def _tab_posting(app, link, password):
    """A browser tab with the reset form open, which posts it when released."""
    tab = app.test_client()
    form = _CSRF.search(tab.get(path_of(link)).get_data(as_text=True))
    data = {"new_password": password, "confirm": password,
            "csrf_token": re.search(r'value="([^"]+)"', form[0])[1]}

    def contender(barrier):
        barrier.wait()
        return tab.post(path_of(link), data=data).status_code
    return contender


def test_one_link_sent_twice_at_once_sets_one_password(app, make_user, mailbox, rows):
    """Two tabs (or a thief and the owner) posting the same link at the same
    instant: the user row is locked, so one wins and the other is told the link
    is no longer valid. (On SQLite writers queue anyway; PostgreSQL is the race.)"""
    from tests.integration.test_concurrency import REPETITIONS, race

    app.config["PASSWORD_RESET_EMAIL_LIMIT"] = REPETITIONS
    user = make_user()
    for n in range(REPETITIONS):
        link = requested_link(app, app.test_client(), mailbox, user)
        mailbox.envelopes.clear()
        results = race(*(_tab_posting(app, link, f"{NEW_PASSWORD} {n}{k}") for k in (1, 2)))
        assert sorted(code for _, code in results) == [302, 404], (n, results)
        assert len(events(rows, "user.password_reset")) == n + 1
