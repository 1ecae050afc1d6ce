"""Two gunicorn instances with separate instance folders on one PostgreSQL
database, as behind a load balancer: traffic goes round-robin and nothing may
depend on which instance answers. They share only what the environment gives
them (DATABASE_URL, SECRET_KEY); each instance has two workers.

Arranged in-process (factories, the test client) on the same database."""

import asyncio
import re
import threading
from collections import Counter
from email import message_from_bytes, policy

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.mail.models import OutboxMessage
from reviewapp.reviews.models import Signature
from tests.conftest import PASSWORD, REQUIRE_POSTGRES, TEST_DATABASE_URL, CSRFClient
from tests.integration.test_hardening_faults import REFUSAL
from tests.integration.test_reminders import Mailbox, Team, unused_port
from tests.integration.test_workflow import Desk
from tests.live import HTTP_TIMEOUT, LiveServer

pytestmark = pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=[
    pytest.mark.postgres_only,
    pytest.mark.skipif(not TEST_DATABASE_URL and not REQUIRE_POSTGRES,
                       reason="TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")])],
    indirect=True)
DRAFT = {"body": "Paracetamol helps [1].", "references": "1. Doe J. Paracetamol. BMJ. 2020.",
         "tags": "", "save": "Save draft"}


class SlowMailbox(Mailbox):
    """A mail server taking 0.3 s per message, so that the two runs overlap."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.3)
        return await super().handle_DATA(server, session, envelope)


def two_instances(database_url, tmp_path, start=True) -> list[LiveServer]:
    servers = [LiveServer(database_url, tmp_path / f"{name}.log", threads=4,
                          instance_path=tmp_path / f"instance-{name}") for name in "ab"]
    if start:
        for server in servers:
            server.start()
    return servers


@pytest.fixture
def pair(database_url, tmp_path):
    servers = two_instances(database_url, tmp_path)
    yield servers
    for server in servers:
        server.close()
    for server in servers:  # the configured key was used: nothing generated per instance
        assert not (server.instance_path / "secret_key").exists()
        assert "Traceback" not in server.log_path.read_text(), server.log_path.read_text()


class LiveBrowser:
    """One browser (one cookie jar) talking to whichever instance it is told."""

    def __init__(self):
        self.http = requests.Session()

    def get(self, server, path) -> requests.Response:
        return self.http.get(server.url + path, timeout=HTTP_TIMEOUT, allow_redirects=False)

    def page(self, server, path) -> str:
        response = self.get(server, path)
        assert response.status_code == 200, (server.url, path, response.status_code)
        return response.text

    def token(self, server, path="/account/password") -> str:
        match = CSRFClient._TOKEN.search(self.page(server, path))
        assert match, path
        return match.group(1) or match.group(2)

    def post(self, server, path, data, token) -> requests.Response:
        return self.http.post(server.url + path, data={**data, "csrf_token": token},
                              timeout=HTTP_TIMEOUT, allow_redirects=False)

    def login(self, server, user, password=PASSWORD) -> requests.Response:
        return self.post(server, "/login", {"email": user.email, "password": password},
                         self.token(server, "/login"))


def events(rows, action) -> list:
    """(actor_id, reason, details) of each event of `action`, in order."""
    with rows() as session:
        return session.execute(select(AuditEvent.actor_id, AuditEvent.reason,
                                      AuditEvent.details).where(AuditEvent.action == action)
                               .order_by(AuditEvent.seq)).all()


def at_once(calls):
    """Run each call in a thread of its own, released together; their results."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(n, call):
        barrier.wait(timeout=HTTP_TIMEOUT)
        results[n] = call()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(HTTP_TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    return results


def test_a_session_and_a_form_from_one_instance_are_accepted_by_the_other(
        pair, make_user, rows):
    a, b = pair
    author = make_user(roles=["author"])
    browser = LiveBrowser()
    assert browser.login(a, author).status_code == 302
    assert "Log out" in browser.page(b, "/desk/articles/new")  # logged in on b as well
    for n, (form_from, post_to) in enumerate(((a, b), (b, a))):
        token = browser.token(form_from, "/desk/articles/new")
        response = browser.post(post_to, "/desk/articles/new",
                                {**DRAFT, "title": f"Paracetamol {n}"}, token)
        assert response.status_code == 302, response.text
    with rows() as session:
        titles = sorted(a.current_revision.title for a in session.scalars(select(Article)))
    assert titles == ["Paracetamol 0", "Paracetamol 1"]
    assert [actor for actor, _, _ in events(rows, "article.created")] == [author.id] * 2
    # Logging out on one ends the session on the other (the session token is a row).
    assert browser.post(b, "/logout", {}, browser.token(b)).status_code == 302
    assert browser.get(a, "/desk/articles/new").status_code == 302


def test_wrong_passwords_spread_over_both_instances_lock_the_account(
        pair, make_user, rows, app):
    """Twelve wrong passwords at once, half to each instance: the lockout
    counts them in the database, so no more than the threshold are checked,
    and then the right password is refused on both."""
    threshold = app.config["LOGIN_LOCKOUT_THRESHOLD"]
    user = make_user(roles=["author"])
    tries = [(pair[n % 2], LiveBrowser()) for n in range(12)]
    tokens = [browser.token(server, "/login") for server, browser in tries]
    answers = at_once([
        lambda server=server, browser=browser, token=token: browser.post(
            server, "/login", {"email": user.email, "password": "a wrong password"}, token)
        for (server, browser), token in zip(tries, tokens, strict=True)])
    assert [answer.status_code for answer in answers] == [200] * 12

    checked = [details["failed_count"] for _, reason, details in events(
        rows, "user.login_failed") if reason == "wrong password"]
    assert sorted(checked) == list(range(1, threshold + 1))
    assert len(events(rows, "user.locked")) == 1
    for server in pair:
        assert LiveBrowser().login(server, user).status_code == 200  # not 302: refused
    with rows() as session:
        assert session.get(User, user.id).locked_until is not None


def test_ten_conflicting_approvals_over_both_instances_approve_the_article_once(
        pair, app, make_user, make_article, rows):
    """Five reviewers, each with one session (logged in on one instance), each
    posting Approve twice at the same instant, once to each instance, with the
    form taken from the other. Two approvals approve the article; every other
    post is refused with a message; every accepted one wrote one audit event."""
    a, b = pair
    desk = Desk(app, make_user, make_article)
    desk.reviewers += [make_user(roles=["reviewer"], name=f"Dr. Reviewer {n}")
                       for n in (3, 4, 5)]
    desk.under_review()
    path = f"/desk/articles/{desk.article_id}/approve"
    posts = []
    for n, reviewer in enumerate(desk.reviewers):
        browser = LiveBrowser()
        assert browser.login(pair[n % 2], reviewer).status_code == 302
        for form_from, post_to in ((a, b), (b, a)):
            page = browser.page(form_from, f"/desk/articles/{desk.article_id}/review")
            form = {"password": PASSWORD, "content_hash": re.search(
                r'name="content_hash" type="hidden" value="([0-9a-f]{64})"', page)[1]}
            token = browser.token(form_from)
            posts.append((reviewer, lambda browser=browser, post_to=post_to, form=form,
                          token=token: browser.post(post_to, path, form, token)))
    answers = at_once([post for _, post in posts])

    accepted = Counter(reviewer.id for (reviewer, _), answer in zip(posts, answers, strict=True)
                       if answer.status_code == 302)
    refused = [answer for answer in answers if answer.status_code != 302]
    assert all(answer.status_code == 409 and REFUSAL.search(answer.text)
               for answer in refused), [(r.status_code, r.text[:300]) for r in refused]
    assert sum(accepted.values()) >= app.config["REQUIRED_APPROVALS"]
    assert max(accepted.values()) == 1  # nobody's approval counted twice
    assert desk.state() == "approved"
    approvals = events(rows, "review.approved")
    assert Counter(actor for actor, _, _ in approvals) == accepted
    assert len(events(rows, "article.approved")) == 1
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Signature)) == len(approvals)
    verified = a.cli("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "Audit chain intact" in verified.stdout


def test_reminders_sent_from_both_instances_at_once_deliver_each_mail_once(
        database_url, tmp_path, app, make_user, make_article, rows):
    """`reminders send` from cron on two hosts at the same minute: two CLI
    processes, each with its instance folder, one real SMTP server."""
    team = Team(app, make_user, make_article)
    box = SlowMailbox()
    controller = Controller(box, hostname="127.0.0.1", port=unused_port())
    controller.start()
    servers = two_instances(database_url, tmp_path, start=False)
    try:
        mail = {"REVIEWAPP_MAIL_SERVER": "127.0.0.1", "REVIEWAPP_MAIL_PORT": str(controller.port)}
        runs = [server.cli("reminders", "send", "--now", team.now.isoformat(), wait=False,
                           env=mail) for server in servers]
        outputs = [run.communicate(timeout=HTTP_TIMEOUT * 4) for run in runs]
    finally:
        controller.stop()
        for server in servers:
            server.close()
    assert [run.returncode for run in runs] == [0, 0], outputs
    sent = sum(int(m[1]) for out, _ in outputs for m in re.finditer(r"sent (\d+),", out))
    with rows() as session:
        outbox = session.execute(select(OutboxMessage.recipient, OutboxMessage.subject,
                                        OutboxMessage.sent_at)).all()
    assert len(outbox) == 6 and all(sent_at for _, _, sent_at in outbox)  # 3 + 2 + 1
    delivered = Counter((envelope.rcpt_tos[0], message_from_bytes(
        envelope.content, policy=policy.default)["Subject"]) for envelope in box.envelopes)
    assert delivered == Counter((recipient, subject) for recipient, subject, _ in outbox)
    assert sent == len(box.envelopes) == 6, outputs
    assert len(events(rows, "reminder.sent")) == 2
