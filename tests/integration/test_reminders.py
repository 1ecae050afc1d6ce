"""`reminders send` against a real SMTP server on 127.0.0.1 (aiosmtpd): reminders
before and after the due date, the editors' digest, once per day, invitations
delivered by the same run, and nothing lost or sent twice when mail is down."""

import logging
import re
import socket
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from sqlalchemy import select

from reviewapp.audit.models import AuditEvent
from reviewapp.mail.models import OutboxMessage
from reviewapp.reviews.models import Assignment
from tests.conftest import TEST_DATABASE_URL, audit_actions
from tests.integration.test_workflow import Desk

TITLE = "Ibuprofen for back pain"  # make_article's default
NOTHING_TO_DO = "Queued 0 reminders and 0 digests; sent 0, failed 0.\n"


class Mailbox:
    """aiosmtpd handler: keeps every message the server accepts."""

    def __init__(self):
        self.envelopes = []
        self.port = None

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self, to=None):
        return [message_from_bytes(e.content, policy=policy.default) for e in self.envelopes
                if to is None or e.rcpt_tos == [to]]

    def subjects(self, to):
        return [m["Subject"] for m in self.messages(to)]


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mailbox(app, request):
    """A real SMTP server for this test; the app mails through it."""
    box = Mailbox()
    # aiosmtpd 1.4 cannot start on port 0 (it connects to the port to check it is up).
    controller = Controller(box, hostname="127.0.0.1", port=unused_port())
    controller.start()
    request.addfinalizer(controller.stop)
    box.port = controller.port
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=box.port)
    return box


def send(app, now=None, *args):
    extra = ["--now", now.isoformat()] if now else []
    return app.test_cli_runner().invoke(args=["reminders", "send", *extra, *args])


class Team(Desk):
    """One article under review by three reviewers, invited through the web:
    `overdue` (due tomorrow, accepted), `soon` (due in three days, still invited)
    and `later` (due in ten days). At `now`, one hour after the first falls due,
    `overdue` is overdue, `soon` is due within 48 hours and `later` is not."""

    def __init__(self, app, make_user, make_article):
        super().__init__(app, make_user, make_article)
        self.reviewers.append(make_user(roles=["reviewer"], name="Dr. Reviewer 3"))
        self.overdue, self.soon, self.later = self.reviewers
        assert self.submit().status_code == 302
        for reviewer, days in ((self.overdue, 1), (self.soon, 3), (self.later, 10)):
            assert self.assign(reviewer, days=days).status_code == 302
        assert self.accept(self.overdue).status_code == 302
        self.now = self.due_at(self.overdue) + timedelta(hours=1)

    def due_at(self, reviewer):
        return due_at(self, reviewer)


def due_at(desk, reviewer):
    with desk.app.app_context():
        from reviewapp.extensions import db

        return db.session.get(Assignment, desk.assignment_id(reviewer)).due_at


@pytest.fixture
def desk(app, make_user, make_article):
    return Desk(app, make_user, make_article)


@pytest.fixture
def team(app, make_user, make_article):
    return Team(app, make_user, make_article)


def reminder_events(app):
    with app.app_context():
        from reviewapp.extensions import db

        return list(db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "reminder.sent").order_by(AuditEvent.seq)))


def test_reviewers_due_within_48_hours_or_overdue_get_one_reminder_each(app, team, mailbox,
                                                                         rows):
    result = send(app, team.now)
    assert result.exit_code == 0, result.output
    # Three invitations, two reminders, one digest.
    assert result.stdout == "Queued 2 reminders and 1 digest; sent 6, failed 0.\n"

    overdue_due, soon_due = team.due_at(team.overdue), team.due_at(team.soon)
    assert mailbox.subjects(team.overdue.email) == [f"Invitation to review: {TITLE}",
                                                    f"Review overdue: {TITLE}"]
    assert mailbox.subjects(team.soon.email) == [
        f"Invitation to review: {TITLE}", f"Review due {soon_due:%Y-%m-%d}: {TITLE}"]
    assert mailbox.subjects(team.later.email) == [f"Invitation to review: {TITLE}"]
    for reviewer, due in ((team.overdue, overdue_due), (team.soon, soon_due)):
        body = mailbox.messages(reviewer.email)[-1].get_content()
        assert f'"{TITLE}"' in body and f"{due:%Y-%m-%d}" in body
        assert reviewer.display_name in body
    assert "is overdue" in mailbox.messages(team.overdue.email)[-1].get_content()
    reminder = [e for e in mailbox.envelopes if e.rcpt_tos == [team.overdue.email]][-1]
    assert reminder.mail_from == app.config["MAIL_SENDER"]

    with rows() as session:
        reminded = {a.reviewer_id: a.last_reminded_on for a in session.scalars(
            select(Assignment))}
        assert reminded == {team.overdue.id: team.now.date(), team.soon.id: team.now.date(),
                            team.later.id: None}
        assert session.scalar(select(sa.func.count()).select_from(OutboxMessage).where(
            OutboxMessage.sent_at.is_(None))) == 0
    events = reminder_events(app)
    assert [(e.object_type, e.object_id, e.article_id, e.actor_id) for e in events] == [
        ("assignment", str(team.assignment_id(r)), team.article_id, None)
        for r in (team.overdue, team.soon)]
    assert [(e.details["due_at"], e.details["overdue"]) for e in events] == [
        (overdue_due.isoformat(), True), (soon_due.isoformat(), False)]


def test_editor_digest_lists_the_overdue_reviews_they_assigned(app, team, mailbox):
    assert send(app, team.now).exit_code == 0
    [digest] = mailbox.messages(team.editor.email)
    assert digest["Subject"] == f"Overdue reviews: 1 review ({team.now:%Y-%m-%d})"
    body = digest.get_content()
    assert f'"{TITLE}": Dr. Reviewer 1 <{team.overdue.email}>, ' in body
    assert f"due {team.due_at(team.overdue):%Y-%m-%d}" in body
    assert f"/desk/articles/{team.article_id}" in body
    # Reviews not yet due are the reviewers' business, not the digest's.
    assert "Dr. Reviewer 2" not in body and "Dr. Reviewer 3" not in body


def test_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(app, team,
                                                                          mailbox):
    assert send(app, team.now).exit_code == 0
    mails, actions = len(mailbox.envelopes), audit_actions(app)

    again = send(app, team.now + timedelta(hours=2))
    assert again.exit_code == 0, again.output
    assert again.stdout == NOTHING_TO_DO
    assert len(mailbox.envelopes) == mails
    assert audit_actions(app) == actions

    next_day = send(app, team.now + timedelta(days=1))
    assert next_day.stdout == "Queued 2 reminders and 1 digest; sent 3, failed 0.\n"
    assert mailbox.subjects(team.overdue.email).count(f"Review overdue: {TITLE}") == 2
    assert len(mailbox.subjects(team.soon.email)) == 3
    assert len(mailbox.messages(team.editor.email)) == 2
    assert mailbox.subjects(team.later.email) == [f"Invitation to review: {TITLE}"]
    assert len(reminder_events(app)) == 4


def test_mail_server_down_keeps_mail_queued_and_a_later_run_delivers_it_once(app, team,
                                                                            mailbox, rows):
    app.config["MAIL_PORT"] = unused_port()
    down = send(app, team.now)
    assert down.exit_code == 1
    assert down.stdout == "Queued 2 reminders and 1 digest; sent 0, failed 6.\n"
    assert "6 messages could not be sent and stay queued for the next run." in down.stderr
    assert mailbox.envelopes == []
    with rows() as session:
        queued = session.scalars(select(OutboxMessage)).all()
        assert len(queued) == 6
        assert all(m.sent_at is None and m.attempts == 1 for m in queued)
        assert all(m.last_error.startswith("ConnectionRefusedError") for m in queued)
    assert len(reminder_events(app)) == 2  # queued, so recorded; not queued again below

    app.config["MAIL_PORT"] = mailbox.port
    up = send(app, team.now + timedelta(hours=1))
    assert up.exit_code == 0, up.output
    assert up.stdout == "Queued 0 reminders and 0 digests; sent 6, failed 0.\n"
    assert send(app, team.now + timedelta(hours=2)).stdout == NOTHING_TO_DO
    delivered = [(e.rcpt_tos[0], m["Subject"])
                 for e, m in zip(mailbox.envelopes, mailbox.messages(), strict=True)]
    assert len(delivered) == len(set(delivered)) == 6
    with rows() as session:
        sent = session.scalars(select(OutboxMessage)).all()
        assert all(m.sent_at is not None and m.attempts == 2 and m.last_error is None
                   for m in sent)
    assert len(reminder_events(app)) == 2


def test_without_mail_server_mail_is_written_to_the_log_and_marked_sent(app, desk, rows,
                                                                       caplog):
    assert app.config["MAIL_SERVER"] == ""
    desk.submit()
    desk.assign(desk.reviewers[0], days=10)
    caplog.set_level(logging.INFO, logger="reviewapp.mail.services")
    result = send(app)
    assert result.exit_code == 0, result.output
    assert result.stdout == "Queued 0 reminders and 0 digests; sent 1, failed 0.\n"
    assert f"mail to {desk.reviewers[0].email}: Invitation to review: {TITLE}" in caplog.text
    with rows() as session:
        [message] = session.scalars(select(OutboxMessage)).all()
        assert message.sent_at is not None and message.attempts == 1
    assert send(app).stdout == NOTHING_TO_DO


def test_invitations_queued_by_assigning_are_delivered_by_the_same_command(app, desk,
                                                                          mailbox):
    desk.submit()
    for reviewer in desk.reviewers:
        assert desk.assign(reviewer, days=10).status_code == 302
    result = send(app)
    assert result.stdout == "Queued 0 reminders and 0 digests; sent 2, failed 0.\n"
    for reviewer in desk.reviewers:
        [invitation] = mailbox.messages(reviewer.email)
        assert invitation["Subject"] == f"Invitation to review: {TITLE}"
        assert invitation["From"] == app.config["MAIL_SENDER"]
        # the link opens the invitation page, to read the article before answering
        n = desk.assignment_id(reviewer)
        assert re.search(rf"/desk/assignments/{n}\s*$", invitation.get_content())
    assert send(app).stdout == NOTHING_TO_DO
    assert len(mailbox.envelopes) == 2


def test_declined_reviews_and_rejected_articles_get_no_reminders(app, desk, mailbox):
    desk.submit()
    for reviewer in desk.reviewers:
        desk.assign(reviewer, days=1)
    n = desk.assignment_id(desk.reviewers[1])
    assert desk.post(desk.reviewers[1], f"/desk/assignments/{n}/decline",
                     {f"a{n}-reason": "On leave"}, version=False).status_code == 302
    now = due_at(desk, desk.reviewers[0]) - timedelta(hours=1)
    result = send(app, now)
    assert result.stdout.startswith("Queued 1 reminder and 0 digests;")
    assert mailbox.subjects(desk.reviewers[1].email) == [f"Invitation to review: {TITLE}"]

    assert desk.post(desk.editor, "/desk/articles/{a}/reject",
                     {"reason": "Out of scope."}).status_code == 302
    later = send(app, now + timedelta(days=1))
    assert later.stdout.startswith("Queued 0 reminders and 0 digests;")
    assert len(reminder_events(app)) == 1


def test_a_deactivated_reviewer_gets_no_reminder_but_the_digest_lists_the_review(
        app, team, mailbox, make_user, rows):
    from reviewapp.accounts.models import User
    from reviewapp.accounts.services import set_user_active

    admin = make_user(roles=["admin"])
    with rows() as session:
        set_user_active(session.get(User, team.overdue.id), False,
                        actor=session.get(User, admin.id))
        session.commit()
    result = send(app, team.now)
    assert result.stdout == "Queued 1 reminder and 1 digest; sent 5, failed 0.\n"
    assert mailbox.subjects(team.overdue.email) == [f"Invitation to review: {TITLE}"]
    [digest] = mailbox.messages(team.editor.email)
    assert "Dr. Reviewer 1" in digest.get_content()


def test_queue_reminders_loads_rows_in_a_fixed_number_of_queries(app, team, rows):
    """Loading does not grow with the rows: count the SELECTs that are not the
    outbox's dedupe check or the audit chain's head."""
    from reviewapp.extensions import db
    from reviewapp.workflow.reminders import queue_reminders

    def loading_queries(now):
        statements = []

        def note(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with rows():
            sa.event.listen(db.engine, "before_cursor_execute", note)
            try:
                counts = queue_reminders(now)
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", note)
        loads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
                 and "outbox_message" not in s and "audit_head" not in s]
        return counts, len(loads)

    two, all_three = team.now, team.due_at(team.later) + timedelta(hours=1)
    (counts_two, queries_two), (counts_three, queries_three) = map(loading_queries,
                                                                  (two, all_three))
    assert (counts_two, counts_three) == ((2, 1), (3, 1))
    assert queries_two == queries_three


def test_now_must_be_an_iso_8601_time(app):
    result = send(app, None, "--now", "tomorrow")
    assert result.exit_code == 2
    assert "expected an ISO-8601 time" in result.output


@pytest.mark.parametrize("database_url", [pytest.param("postgresql", marks=[
    pytest.mark.postgres_only,
    pytest.mark.skipif(not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set")])],
    indirect=True)
def test_a_run_overlapping_another_does_nothing_on_postgresql(app, desk, mailbox, rows,
                                                              database_url):
    """Two runs at once could both deliver the same queued message."""
    from reviewapp.workflow.reminders import RUN_LOCK_KEY

    desk.submit()
    desk.assign(desk.reviewers[0], days=10)
    other = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with other.connect() as connection:  # the other run
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": RUN_LOCK_KEY})
            result = send(app)
            connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"),
                               {"key": RUN_LOCK_KEY})
            connection.rollback()
    finally:
        other.dispose()
    assert result.exit_code == 0, result.output
    assert result.stdout == "Another `reminders send` is running; this one did nothing.\n"
    assert mailbox.envelopes == []
    with rows() as session:
        assert session.scalar(select(OutboxMessage.sent_at)) is None
    assert send(app).stdout == "Queued 0 reminders and 0 digests; sent 1, failed 0.\n"
    assert len(mailbox.envelopes) == 1
