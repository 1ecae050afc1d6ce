"""No action escapes the log: every registered audit action is emitted by the
action that should emit it (driven through the web, the CLI or a service, as
people and cron would), exactly the expected events and no others; and an
action that fails (refused, stale, invalid) writes no change event and leaves
the chain valid. On SQLite and PostgreSQL."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.audit.actions import ACTIONS, UnregisteredAction
from reviewapp.audit.models import AuditEvent
from reviewapp.db import utcnow
from reviewapp.reviews.models import Assignment
from tests.conftest import PASSWORD
from tests.review_steps import review_page, sign_data, verdicts_data
from tests.two_factor_steps import code, enrol, password_step, secret_on

NEW_PASSWORD = "a new and longer passphrase"
UNRESOLVED_BODY = "Ibuprofen helps with acute low back pain [1]. Naproxen may help too [3]."
RETRACTED_DOI = "10.5555/retracted.2024.7"
CLAIM_BODY = "Take ibuprofen 400 mg three times a day [1]."


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', page)
    assert match, f"no hidden field {name} on the page"
    return html.unescape(match.group(1))


class World:
    """An admin, an author, an editor and two reviewers, each with a browser
    session, and one article; `mark()` then `since_mark()` give the events an
    action wrote."""

    def __init__(self, app, make_user, make_article):
        self.app = app
        self.make_user = make_user
        self.admin = make_user(roles=["admin"], name="Ada Admin")
        self.author = make_user(roles=["author"], name="Alice Author")
        self.editor = make_user(roles=["editor"], name="Eddie Editor")
        self.reviewers = [make_user(roles=["reviewer"], name=f"Dr. Reviewer {n}")
                          for n in (1, 2)]
        self.article_id = make_article(
            self.author, references=f"1. Doe J. Ibuprofen. BMJ. 2020. doi:{RETRACTED_DOI}")
        self.clients = {}
        self.mark_seq = None

    # --- reading the log ----------------------------------------------------------

    def db(self):
        from reviewapp.extensions import db

        return db

    def head(self) -> int:
        with self.app.app_context():
            return self.db().session.scalar(select(AuditEvent.seq).order_by(
                AuditEvent.seq.desc()).limit(1)) or 0

    def mark(self) -> None:
        self.mark_seq = self.head()

    def since_mark(self) -> list[AuditEvent]:
        with self.app.app_context():
            events = list(self.db().session.scalars(
                select(AuditEvent).where(AuditEvent.seq > self.mark_seq)
                .order_by(AuditEvent.seq)))
            self.db().session.expunge_all()
            return events

    # --- people -------------------------------------------------------------------

    def client(self, user):
        if user.id not in self.clients:
            client = self.app.test_client()
            response = client.post("/login", data={"email": user.email, "password": PASSWORD})
            assert response.status_code == 302, response.get_data(as_text=True)
            self.clients[user.id] = client
        return self.clients[user.id]

    def page(self, user, path) -> str:
        response = self.client(user).get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    def version(self, user, suffix="") -> str:
        return _hidden(self.page(user, f"/desk/articles/{self.article_id}{suffix}"), "version")

    def post(self, user, path, data=None, version_from="", expect=302):
        data = dict(data or {})
        if version_from is not None:
            data["version"] = self.version(user, version_from)
        response = self.client(user).post(path.format(a=self.article_id), data=data)
        if expect is not None:
            assert response.status_code == expect, response.get_data(as_text=True)[-3000:]
        return response

    # --- article life cycle -------------------------------------------------------

    def edit(self, body="Ibuprofen helps [1]. Edited.", references=None):
        references = references or f"1. Doe J. Ibuprofen. BMJ. 2020. doi:{RETRACTED_DOI}"
        return self.post(self.author, "/desk/articles/{a}/edit",
                         {"title": "Ibuprofen for back pain", "body": body,
                          "references": references, "tags": "", "save": "Save draft"},
                         version_from="/edit")

    def submit(self):
        return self.post(self.author, "/desk/articles/{a}/submit")

    def assign(self, reviewer, days=7):
        due = (utcnow() + timedelta(days=days)).date().isoformat()
        return self.post(self.editor, "/desk/articles/{a}/assign",
                         {"reviewer": str(reviewer.id), "due_date": due})

    def assignment_id(self, reviewer) -> int:
        with self.app.app_context():
            return self.db().session.scalar(select(Assignment.id).where(
                Assignment.article_id == self.article_id,
                Assignment.reviewer_id == reviewer.id))

    def accept(self, reviewer):
        n = self.assignment_id(reviewer)
        return self.post(reviewer, f"/desk/assignments/{n}/accept",
                         {f"a{n}-declaration": "declare",
                          f"a{n}-competing_interests": "Consulting fees from a maker of "
                                                       "naproxen."}, version_from=None)

    def approve(self, reviewer, password=PASSWORD, expect=302):
        """With every claim "Supported" and every open warning ticked, as a reviewer signs."""
        return self.post(reviewer, "/desk/articles/{a}/approve",
                         sign_data(self.client(reviewer), self.article_id, password),
                         version_from=None, expect=expect)

    def request_changes(self, reviewer):
        return self.post(reviewer, "/desk/articles/{a}/request-changes",
                         {"comments": "Please give the dose."}, version_from="/review")

    def decide_changes(self):
        """The editor's decision on the round (issue 14), with a letter."""
        return self.post(self.editor, "/desk/articles/{a}/decision/request-changes",
                         {"letter": "Dear author, please give the dose."},
                         version_from="/decision")

    def under_review(self):
        self.submit()
        for reviewer in self.reviewers:
            self.assign(reviewer)
            self.accept(reviewer)

    def approved(self):
        self.under_review()
        for reviewer in self.reviewers:
            self.approve(reviewer)

    def reject(self):
        return self.post(self.editor, "/desk/articles/{a}/reject",
                         {"reason": "Out of scope for this site."})


@pytest.fixture
def world(app, make_user, make_article):
    return World(app, make_user, make_article)


# --- one driver per registered action ----------------------------------------------
# Each sets up what the action needs, calls w.mark(), then does the one thing that
# should emit the action, and returns the actions that thing must write, in order.

def drive_login(w):
    w.mark()
    w.client(w.author)
    return ["user.login"]


def drive_login_failed(w):
    w.mark()
    response = w.app.test_client().post("/login", data={"email": w.author.email,
                                                        "password": "wrong"})
    assert response.status_code == 200
    return ["user.login_failed"]


def drive_locked(w):
    threshold = w.app.config["LOGIN_LOCKOUT_THRESHOLD"]
    client = w.app.test_client()
    for _ in range(threshold - 1):
        client.post("/login", data={"email": w.author.email, "password": "wrong"})
    w.mark()
    client.post("/login", data={"email": w.author.email, "password": "wrong"})
    return ["user.login_failed", "user.locked"]


def drive_logout(w):
    client = w.client(w.author)
    w.mark()
    assert client.post("/logout", data={}).status_code == 302
    return ["user.logout"]


def drive_session_expired(w):
    from reviewapp.accounts import session_limits

    client = w.client(w.author)
    idle = w.app.config["SESSION_IDLE_MINUTES"] * 60
    w.mark()
    real_now = session_limits.now
    session_limits.now = lambda: real_now() + idle + 1
    try:
        assert client.get("/desk/articles/").status_code == 302
    finally:
        session_limits.now = real_now
    return ["user.session_expired"]


def drive_user_created(w):
    client = w.client(w.admin)
    w.mark()
    response = client.post("/admin/users/new", data={
        "email": "new.reviewer@example.org", "display_name": "New Reviewer",
        "roles": ["reviewer"], "specialties": "cardiology"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["user.created", "user.password_reset_requested"]  # the set-password link


def _edit_user(w, roles, specialties):
    response = w.client(w.admin).post(f"/admin/users/{w.author.id}",
                                      data={"roles": roles, "specialties": specialties})
    assert response.status_code == 302, response.get_data(as_text=True)


def drive_roles_changed(w):
    w.client(w.admin)
    w.mark()
    _edit_user(w, ["author", "reviewer"], "")
    return ["user.roles_changed"]


def drive_specialties_changed(w):
    w.client(w.admin)
    w.mark()
    _edit_user(w, ["author"], "oncology")
    return ["user.specialties_changed"]


def drive_profile_updated(w):
    w.client(w.author)
    w.mark()
    response = w.client(w.author).post("/account/profile", data={
        "credentials": "MD", "specialty": "Hepatology", "orcid": "", "biography": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["user.profile_updated"]


def _set_active(w, active: bool):
    response = w.client(w.admin).post(f"/admin/users/{w.author.id}/active", data={
        "active-make_active": "1" if active else "0", "active-reason": "Left the team."})
    assert response.status_code == 302


def drive_deactivated(w):
    w.client(w.admin)
    w.mark()
    _set_active(w, False)
    return ["user.deactivated"]


def drive_reactivated(w):
    _set_active(w, False)
    w.mark()
    _set_active(w, True)
    return ["user.reactivated"]


def drive_password_changed(w):
    client = w.client(w.author)
    w.mark()
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["user.password_changed"]


def drive_password_reset_requested(w):
    w.mark()
    response = w.app.test_client().post("/password/forgot", data={"email": w.author.email})
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["user.password_reset_requested"]


def drive_password_reset(w):
    from reviewapp.mail.models import OutboxMessage

    client = w.app.test_client()
    assert client.post("/password/forgot", data={"email": w.author.email}).status_code == 302
    with w.app.app_context():
        body = w.db().session.scalars(select(OutboxMessage.body)).all()[-1]
    link = re.search(r"/password/reset/\S+", body)[0]
    w.mark()
    response = client.post(link, data={"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["user.password_reset"]


def drive_article_created(w):
    client = w.client(w.author)
    w.mark()
    response = client.post("/desk/articles/new", data={
        "title": "Paracetamol in fever", "body": "Paracetamol lowers fever [1].",
        "references": "1. Roe R. Paracetamol. Lancet. 2021. doi:10.1016/x.1",
        "tags": "", "save": "Save draft"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["article.created"]


def drive_draft_saved(w):
    w.version(w.author, "/edit")
    w.mark()
    w.edit()
    return ["article.draft_saved"]


def drive_submitted(w):
    w.version(w.author)
    w.mark()
    w.submit()
    return ["article.submitted"]


def drive_resubmitted(w):
    w.under_review()
    w.request_changes(w.reviewers[0])
    w.decide_changes()
    w.edit()
    w.version(w.author)
    w.mark()
    w.post(w.author, "/desk/articles/{a}/resubmit")
    return ["article.resubmitted"]


def drive_withdrawn(w):
    w.version(w.author)
    w.mark()
    w.post(w.author, "/desk/articles/{a}/withdraw")
    return ["article.withdrawn"]


def drive_rejected(w):
    w.submit()
    w.version(w.editor)
    w.mark()
    w.reject()
    return ["article.rejected"]


def drive_reopened(w):
    w.submit()
    w.reject()
    w.version(w.editor)
    w.mark()
    w.post(w.editor, "/desk/articles/{a}/reopen")
    return ["article.reopened"]


def drive_revision_started(w):
    w.approved()
    w.version(w.author)
    w.mark()
    w.post(w.author, "/desk/articles/{a}/revise")
    return ["article.revision_started"]


def drive_approved(w):
    w.under_review()
    w.approve(w.reviewers[0])
    w.page(w.reviewers[1], f"/desk/articles/{w.article_id}/review")
    w.mark()
    w.approve(w.reviewers[1])
    # Every approval publishes the chain head that includes it (the transparency log).
    return ["review.approved", "article.approved", "audit.head_published"]


def _import_retractions(w, doi):
    from reviewapp.citations.retractions import REQUIRED_COLUMNS
    from reviewapp.workflow.rereview import import_retractions

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*REQUIRED_COLUMNS, "Title"])
    writer.writeheader()
    writer.writerow({"Record ID": "9001", "OriginalPaperDOI": doi,
                     "OriginalPaperPubMedID": "0", "RetractionNature": "Retraction",
                     "Title": "Ibuprofen"})
    with w.app.app_context():
        import_retractions(io.BytesIO(buffer.getvalue().encode()))
        w.db().session.commit()


def drive_rereview_flagged(w):
    w.approved()
    w.mark()
    _import_retractions(w, RETRACTED_DOI)
    return ["article.rereview_flagged", "retractions.imported"]


def drive_retractions_imported(w):
    w.mark()
    _import_retractions(w, "10.5555/cited.by.nobody")
    return ["retractions.imported"]


def drive_assignment_created(w):
    w.submit()
    w.version(w.editor)
    w.mark()
    w.assign(w.reviewers[0])
    return ["assignment.created"]


def drive_assignment_accepted(w):
    w.submit()
    w.assign(w.reviewers[0])
    w.client(w.reviewers[0])
    w.mark()
    w.accept(w.reviewers[0])
    return ["assignment.accepted"]


def drive_assignment_declined(w):
    w.submit()
    w.assign(w.reviewers[0])
    n = w.assignment_id(w.reviewers[0])
    client = w.client(w.reviewers[0])
    w.mark()
    response = client.post(f"/desk/assignments/{n}/decline",
                           data={f"a{n}-reason": "Away until June."})
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["assignment.declined"]


def drive_assignment_withdrawn(w):
    w.submit()
    w.assign(w.reviewers[0])
    n = w.assignment_id(w.reviewers[0])
    w.version(w.editor)
    w.mark()
    w.post(w.editor, f"/desk/assignments/{n}/unassign")
    return ["assignment.withdrawn"]


def drive_review_approved(w):
    w.under_review()
    w.page(w.reviewers[0], f"/desk/articles/{w.article_id}/review")
    w.mark()
    w.approve(w.reviewers[0])
    return ["review.approved"]


def drive_changes_requested(w):
    w.under_review()
    w.version(w.reviewers[0], "/review")
    w.mark()
    w.request_changes(w.reviewers[0])
    return ["review.changes_requested"]


def drive_verdicts_saved(w):
    w.edit(body=CLAIM_BODY)
    w.under_review()
    client = w.client(w.reviewers[0])
    data = verdicts_data(review_page(client, w.article_id), notes=["Dose as in the trial."])
    w.mark()
    response = client.post(f"/desk/articles/{w.article_id}/verdicts", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return ["review.verdicts_saved"]


def drive_support_saved(w):
    w.edit(body=CLAIM_BODY)
    page = w.page(w.author, f"/desk/articles/{w.article_id}")
    (action, key), = re.findall(
        rf'action="(/desk/articles/{w.article_id}/claims/([^/"]+)/support)"', page)
    data = {f"s{key}-version": _hidden(page, f"s{key}-version"),
            f"s{key}-quote": "400 mg three times daily relieved pain.",
            f"s{key}-location": "p. 4, Results"}
    w.mark()
    response = w.client(w.author).post(action, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return ["claim.support_saved"]


def drive_editor_changes_requested(w):
    w.under_review()
    w.request_changes(w.reviewers[0])
    w.version(w.editor, "/decision")
    w.mark()
    w.decide_changes()
    return ["article.changes_requested"]


def drive_citation_waived(w):
    w.edit(body=UNRESOLVED_BODY)
    w.submit()
    page = w.page(w.editor, f"/desk/articles/{w.article_id}")
    n = re.findall(rf'action="/desk/articles/{w.article_id}/waive/(\d+)"', page)[0]
    data = {f"w{n}-version": _hidden(page, f"w{n}-version"),
            f"w{n}-finding_key": _hidden(page, f"w{n}-finding_key"),
            f"w{n}-reason": "Reference 3 is in the printed edition."}
    w.mark()
    response = w.client(w.editor).post(f"/desk/articles/{w.article_id}/waive/{n}", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return ["citation.waived"]


def drive_reminder_sent(w):
    w.submit()
    w.assign(w.reviewers[0], days=1)
    w.mark()
    result = w.app.test_cli_runner().invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    return ["reminder.sent"]


def drive_access_denied(w):
    client = w.client(w.author)
    w.mark()
    assert client.get("/admin/audit").status_code == 403
    return ["access.denied"]


def drive_exported(w):
    client = w.client(w.admin)
    w.mark()
    response = client.get("/admin/audit/export.csv?action=article.")
    assert response.status_code == 200
    return ["audit.exported"]


def drive_evidence_exported(w):
    w.approved()
    client = w.client(w.editor)
    w.mark()
    response = client.get(f"/desk/articles/{w.article_id}/evidence")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    return ["evidence.exported"]


def drive_head_published(w):
    w.mark()
    result = w.app.test_cli_runner().invoke(args=["audit", "publish-head"])
    assert result.exit_code == 0, result.output
    return ["audit.head_published"]


def drive_verified(w):
    w.mark()
    result = w.app.test_cli_runner().invoke(args=["audit", "verify", "--record"])
    assert result.exit_code == 0, result.output
    return ["audit.verified"]


# The public site's actions, driven through its pages.

def _needs_endpoint(w, endpoint):
    assert endpoint in w.app.view_functions, f"{endpoint} is not registered"


def _slug(w) -> str:
    from reviewapp.articles.models import Article

    with w.app.app_context():
        return w.db().session.get(Article, w.article_id).slug


def _report_problem(w):
    response = w.app.test_client().post(f"/articles/{_slug(w)}/report", data={
        "message": "The dose in paragraph 2 looks wrong.", "email": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def drive_reader_report_created(w):
    _needs_endpoint(w, "public.report")
    w.approved()
    w.mark()
    _report_problem(w)
    return ["reader_report.created"]


def drive_reader_report_resolved(w):
    _needs_endpoint(w, "public.report")
    from reviewapp.reports.models import ReaderReport

    w.approved()
    _report_problem(w)
    with w.app.app_context():
        report_id = w.db().session.scalar(select(ReaderReport.id))
    client = w.client(w.editor)
    w.mark()
    response = client.post(f"/desk/reader-reports/{report_id}/resolve",
                           data={"resolution": "Dose corrected in the next revision."})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return ["reader_report.resolved"]


def _ask_question(w, slug=None, email="reader@example.org"):
    response = w.app.test_client().post(f"/articles/{slug or _slug(w)}/ask", data={
        "question": "Is it safe while breastfeeding?", "email": email, "consent": "y",
        "website": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    from reviewapp.questions.models import ReaderQuestion

    with w.app.app_context():
        return w.db().session.scalar(select(func.max(ReaderQuestion.id)))


def drive_reader_question_asked(w):
    _needs_endpoint(w, "questions.ask")
    w.approved()
    w.mark()
    _ask_question(w)
    return ["reader_question.asked"]


def _handle_question(w, action, field, value):
    w.approved()
    question_id = _ask_question(w)
    client = w.client(w.editor)
    w.mark()
    response = client.post(f"/desk/questions/{question_id}/{action}",
                           data={f"q{question_id}-{field}": value})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]


def drive_reader_question_answered(w):
    _needs_endpoint(w, "questions.answer")
    _handle_question(w, "answer", "answer", "Yes, it is.")
    return ["reader_question.answered"]


def drive_reader_question_dismissed(w):
    _needs_endpoint(w, "questions.dismiss")
    _handle_question(w, "dismiss", "reason", "Individual medical advice.")
    return ["reader_question.dismissed"]


def drive_reader_question_commissioned(w):
    _needs_endpoint(w, "questions.commission")
    _handle_question(w, "commission", "author", str(w.author.id))
    return ["article.created", "reader_question.commissioned"]


def drive_reader_question_asker_notified(w):
    """The world's article, commissioned from a question asked under another public
    article, is approved: its last approval mails the asker."""
    _needs_endpoint(w, "questions.ask")
    from contextlib import contextmanager

    from reviewapp.questions.models import ReaderQuestion
    from tests.integration.test_public_pages import Publisher

    @contextmanager
    def rows():
        with w.app.app_context():
            try:
                yield w.db().session
            finally:
                w.db().session.rollback()

    prompting = Publisher(w.app, rows).approved(title="Prompting article")
    question_id = _ask_question(w, prompting)
    with rows() as session:  # arranged as "Commission an article" leaves it
        question = session.get(ReaderQuestion, question_id)
        question.status, question.commissioned_article_id = "commissioned", w.article_id
        session.commit()
    w.under_review()
    w.approve(w.reviewers[0])
    w.page(w.reviewers[1], f"/desk/articles/{w.article_id}/review")
    w.mark()
    w.approve(w.reviewers[1])
    return ["review.approved", "article.approved", "reader_question.asker_notified",
            "audit.head_published"]


def drive_rereview_started(w):
    _needs_endpoint(w, "workflow.start_rereview")
    from reviewapp.articles.models import Article

    w.approved()
    with w.app.app_context():  # the form is on the editor dashboard when one is due
        version = w.db().session.get(Article, w.article_id).version
    w.client(w.editor)
    w.mark()
    w.post(w.editor, "/desk/articles/{a}/rereview",
           {"reason": "Two years have passed.", "version": str(version)}, version_from=None)
    return ["article.rereview_started"]


def drive_site_page_updated(w):
    _needs_endpoint(w, "public.edit_policy")
    page = w.page(w.admin, "/editorial-policy/edit")
    w.mark()
    response = w.client(w.admin).post("/editorial-policy/edit", data={
        "body": "Reviewers declare competing interests.", "token": _hidden(page, "token")})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return ["site_page.updated"]


# Two-factor sign-in, with real codes (tests/two_factor_steps.py).

def _second_step(w, user):
    """A browser past the password of `user`, asked for the code."""
    client = w.app.test_client()
    assert password_step(client, user).headers["Location"] == "/login/code"
    return client


def drive_two_factor_enabled(w):
    client = w.client(w.author)
    secret = secret_on(client.get("/account/two-factor").get_data(as_text=True))
    w.mark()
    assert client.post("/account/two-factor", data={"code": code(secret)}).status_code == 200
    return ["user.two_factor_enabled"]


def drive_two_factor_verified(w):
    secret, _ = enrol(w.client(w.author))
    client = _second_step(w, w.author)
    w.mark()
    assert client.post("/login/code", data={"code": code(secret)}).status_code == 302
    return ["user.two_factor_verified"]


def drive_two_factor_failed(w):
    enrol(w.client(w.author))
    client = _second_step(w, w.author)
    w.mark()
    assert client.post("/login/code", data={"code": "000000"}).status_code == 400
    return ["user.two_factor_failed", "user.login_failed"]  # counts towards the lockout


def drive_recovery_code_used(w):
    _, recovery_codes = enrol(w.client(w.author))
    client = _second_step(w, w.author)
    w.mark()
    response = client.post("/login/recovery-code", data={"code": recovery_codes[0]})
    assert response.status_code == 302
    return ["user.recovery_code_used"]


def drive_recovery_codes_regenerated(w):
    secret, _ = enrol(w.client(w.author))
    w.mark()
    response = w.client(w.author).post("/account/two-factor/recovery-codes",
                                       data={"codes-code": code(secret)})
    assert response.status_code == 200
    return ["user.recovery_codes_regenerated"]


def drive_two_factor_disabled(w):
    secret, _ = enrol(w.client(w.author))
    w.mark()
    response = w.client(w.author).post("/account/two-factor/disable", data={
        "off-password": PASSWORD, "off-code": code(secret)})
    assert response.status_code == 302
    return ["user.two_factor_disabled"]


def _comment(w) -> int:
    """Reviewer 1 comments on the first paragraph of the revision under review."""
    page = w.page(w.reviewers[0], f"/desk/articles/{w.article_id}/review")
    w.post(w.reviewers[0], "/desk/articles/{a}/comments", {
        "revision_id": _hidden(page, "revision_id"), "paragraph": "0",
        "body": "Which dose?", "page": "review"}, version_from=None)
    with w.app.app_context():
        from reviewapp.reviews.models import ReviewComment

        return w.db().session.scalar(select(ReviewComment.id).order_by(
            ReviewComment.id.desc()).limit(1))


def _thread(w, user, comment_id, action, reply=""):
    """A thread form as the page would send it (bound to the thread's version:
    the author's page shows a waiting comment inside the resubmit form instead)."""
    with w.app.app_context():
        from reviewapp.reviews.models import ReviewComment

        version = w.db().session.get(ReviewComment, comment_id).version
    prefix = f"c{comment_id}-"
    w.post(user, f"/desk/comments/{comment_id}/{action}", {
        prefix + "reply": reply, prefix + "page": "article",
        prefix + "thread_version": str(version)}, version_from=None)


def drive_comment_created(w):
    w.under_review()
    w.mark()
    _comment(w)
    return ["comment.created"]


def drive_comment_replied(w):
    w.under_review()
    comment_id = _comment(w)
    w.request_changes(w.reviewers[0])  # the author answers once the round sends it back
    w.decide_changes()
    w.mark()
    _thread(w, w.author, comment_id, "reply", "The dose is 400 mg.")
    return ["comment.replied"]


def drive_comment_addressed(w):
    w.under_review()
    comment_id = _comment(w)
    w.request_changes(w.reviewers[0])  # the author answers once the round sends it back
    w.decide_changes()
    w.mark()
    _thread(w, w.author, comment_id, "addressed")
    return ["comment.addressed"]


def drive_comment_resolved(w):
    w.under_review()
    comment_id = _comment(w)
    w.mark()
    _thread(w, w.reviewers[0], comment_id, "resolve", "Fine now.")
    return ["comment.resolved"]


def _resubmit_answering(w, answer: dict, general=""):
    w.under_review()
    comment_id = _comment(w)
    w.request_changes(w.reviewers[0])
    w.decide_changes()
    w.edit("Ibuprofen 400 mg helps [1].")
    w.version(w.author)
    w.mark()
    w.post(w.author, "/desk/articles/{a}/resubmit-with-answers", {
        "answers-0-comment_id": str(comment_id), **answer, "general_response": general})


def drive_comment_reanchored(w):
    _resubmit_answering(w, {"answers-0-reply": "I gave the dose."})
    return ["comment.replied", "comment.reanchored", "article.resubmitted"]


def drive_comment_general_response(w):
    _resubmit_answering(w, {"answers-0-addressed": "y"}, general="Thank you both.")
    return ["comment.addressed", "comment.general_response", "comment.reanchored",
            "article.resubmitted"]


# Scheduled publishing (issue 17): an editor's "Publish at", and cron publishing.
def _schedule(w, hours=2):
    moment = (utcnow() + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")
    return w.post(w.editor, "/desk/articles/{a}/publish-at", {"publish_at": moment})


def drive_publish_at_set(w):
    w.under_review()
    w.version(w.editor)
    w.mark()
    _schedule(w)
    return ["article.publish_at_set"]


def drive_publish_at_cleared(w):
    w.under_review()
    _schedule(w)
    w.version(w.editor)
    w.mark()
    w.post(w.editor, "/desk/articles/{a}/publish-at/clear")
    return ["article.publish_at_cleared"]


def drive_published(w):
    from reviewapp.articles.models import Article

    w.under_review()
    _schedule(w)
    for reviewer in w.reviewers:
        w.approve(reviewer)
    with w.app.app_context():  # the time comes
        w.db().session.get(Article, w.article_id).publish_at = utcnow() - timedelta(seconds=1)
        w.db().session.commit()
    w.mark()
    result = w.app.test_cli_runner().invoke(args=["publish", "due"])
    assert result.exit_code == 0 and "Published 1 article." in result.output, result.output
    return ["article.published"]


DRIVERS = {
    "user.login": drive_login,
    "user.login_failed": drive_login_failed,
    "user.locked": drive_locked,
    "user.logout": drive_logout,
    "user.session_expired": drive_session_expired,
    "user.created": drive_user_created,
    "user.roles_changed": drive_roles_changed,
    "user.specialties_changed": drive_specialties_changed,
    "user.profile_updated": drive_profile_updated,
    "user.deactivated": drive_deactivated,
    "user.reactivated": drive_reactivated,
    "user.password_changed": drive_password_changed,
    "user.two_factor_enabled": drive_two_factor_enabled,
    "user.two_factor_verified": drive_two_factor_verified,
    "user.two_factor_failed": drive_two_factor_failed,
    "user.recovery_code_used": drive_recovery_code_used,
    "user.recovery_codes_regenerated": drive_recovery_codes_regenerated,
    "user.two_factor_disabled": drive_two_factor_disabled,
    "user.password_reset_requested": drive_password_reset_requested,
    "user.password_reset": drive_password_reset,
    "article.created": drive_article_created,
    "article.draft_saved": drive_draft_saved,
    "article.submitted": drive_submitted,
    "article.resubmitted": drive_resubmitted,
    "article.withdrawn": drive_withdrawn,
    "article.rejected": drive_rejected,
    "article.reopened": drive_reopened,
    "article.revision_started": drive_revision_started,
    "article.approved": drive_approved,
    "article.rereview_flagged": drive_rereview_flagged,
    "assignment.created": drive_assignment_created,
    "assignment.accepted": drive_assignment_accepted,
    "assignment.declined": drive_assignment_declined,
    "assignment.withdrawn": drive_assignment_withdrawn,
    "review.approved": drive_review_approved,
    "review.changes_requested": drive_changes_requested,
    "review.verdicts_saved": drive_verdicts_saved,
    "claim.support_saved": drive_support_saved,
    "article.changes_requested": drive_editor_changes_requested,
    "comment.created": drive_comment_created,
    "comment.replied": drive_comment_replied,
    "comment.addressed": drive_comment_addressed,
    "comment.resolved": drive_comment_resolved,
    "comment.reanchored": drive_comment_reanchored,
    "comment.general_response": drive_comment_general_response,
    "citation.waived": drive_citation_waived,
    "retractions.imported": drive_retractions_imported,
    "reminder.sent": drive_reminder_sent,
    "access.denied": drive_access_denied,
    "audit.exported": drive_exported,
    "evidence.exported": drive_evidence_exported,
    "audit.verified": drive_verified,
    "audit.head_published": drive_head_published,
    "reader_report.created": drive_reader_report_created,
    "reader_report.resolved": drive_reader_report_resolved,
    "reader_question.asked": drive_reader_question_asked,
    "reader_question.answered": drive_reader_question_answered,
    "reader_question.dismissed": drive_reader_question_dismissed,
    "reader_question.commissioned": drive_reader_question_commissioned,
    "reader_question.asker_notified": drive_reader_question_asker_notified,
    "article.rereview_started": drive_rereview_started,
    "site_page.updated": drive_site_page_updated,
    "article.publish_at_set": drive_publish_at_set,
    "article.publish_at_cleared": drive_publish_at_cleared,
    "article.published": drive_published,
}


def test_every_registered_action_has_a_driver_and_no_driver_is_unregistered():
    assert sorted(set(ACTIONS) - set(DRIVERS)) == [], "registered but never driven"
    assert sorted(set(DRIVERS) - set(ACTIONS)) == [], "driven but not registered"


@pytest.mark.parametrize("action", sorted(DRIVERS))
def test_each_action_is_emitted_by_what_should_emit_it(app, world, action):
    expected = DRIVERS[action](world)
    events = world.since_mark()
    assert action in expected
    assert [e.action for e in events] == expected
    emitted = next(e for e in events if e.action == action)
    assert emitted.occurred_at is not None and emitted.hash and emitted.canonical
    with app.app_context():
        from reviewapp.audit.services import verify_chain

        assert verify_chain().ok


# --- what the main events carry ------------------------------------------------------

def test_change_events_carry_actor_before_after_and_reason(app, world):
    world.submit()
    world.version(world.editor)
    world.mark()
    world.reject()
    (event,) = world.since_mark()
    assert (event.action, event.actor_id, event.actor_email) == (
        "article.rejected", world.editor.id, world.editor.email)
    assert (event.object_type, event.object_id, event.article_id) == (
        "article", str(world.article_id), world.article_id)
    assert event.reason == "Out of scope for this site."
    assert event.details["before"] == {"state": "submitted"}
    assert event.details["after"] == {"state": "rejected"}
    assert event.ip == "127.0.0.1"


def test_accept_records_the_declaration_and_approve_the_signature(app, world):
    world.submit()
    world.assign(world.reviewers[0])
    world.client(world.reviewers[0])
    world.mark()
    world.accept(world.reviewers[0])
    world.approve(world.reviewers[0])
    accepted, approved = world.since_mark()
    assert accepted.details["competing_interests"].startswith("Consulting fees")
    assert isinstance(approved.details["signature_id"], int)
    assert len(approved.details["content_hash"]) == 64


def test_history_stays_readable_after_the_user_is_deactivated(app, world):
    world.submit()
    world.client(world.admin)
    _set_active_of(world, world.author, False)
    page = world.page(world.admin, f"/admin/audit?actor={world.author.id}")
    assert "article.submitted" in page and "Alice Author" in page


def _set_active_of(w, user, active):
    response = w.client(w.admin).post(f"/admin/users/{user.id}/active", data={
        "active-make_active": "1" if active else "0", "active-reason": ""})
    assert response.status_code == 302


def test_no_delete_is_offered_for_users_or_articles(app):
    rules = {(rule.rule, method) for rule in app.url_map.iter_rules()
             for method in rule.methods}
    assert not [r for r, m in rules if m == "DELETE"]
    assert not [r for r, _ in rules if "delete" in r.lower()]


# --- failed actions write no change event ------------------------------------------------

def _assert_chain_valid(app):
    with app.app_context():
        from reviewapp.audit.services import verify_chain

        result = verify_chain()
        assert result.ok, result.message


def test_refused_transition_writes_nothing(app, world):
    world.submit()
    world.mark()
    world.post(world.author, "/desk/articles/{a}/submit", expect=409)
    assert world.since_mark() == []
    _assert_chain_valid(app)


def test_stale_form_writes_nothing(app, world):
    world.submit()
    stale = world.version(world.editor)
    world.assign(world.reviewers[0])  # the article's version moves on
    world.mark()
    response = world.post(world.editor, "/desk/articles/{a}/reject",
                          {"reason": "Too late.", "version": stale}, version_from=None,
                          expect=409)
    assert "changed since you opened it" in response.get_data(as_text=True)
    assert world.since_mark() == []
    _assert_chain_valid(app)


@pytest.mark.parametrize("case", ["reject without reason", "short password",
                                  "decline without reason", "due date in the past"])
def test_invalid_input_writes_nothing(app, world, case):
    world.submit()
    if case == "decline without reason":
        world.assign(world.reviewers[0])
        n = world.assignment_id(world.reviewers[0])
        client = world.client(world.reviewers[0])
        world.mark()
        response = client.post(f"/desk/assignments/{n}/decline", data={f"a{n}-reason": ""})
    elif case == "reject without reason":
        world.version(world.editor)
        world.mark()
        response = world.post(world.editor, "/desk/articles/{a}/reject", {"reason": ""},
                              expect=None)
    elif case == "short password":
        client = world.client(world.author)
        world.mark()
        response = client.post("/account/password", data={
            "current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    else:
        world.version(world.editor)
        world.mark()
        response = world.post(world.editor, "/desk/articles/{a}/assign",
                              {"reviewer": str(world.reviewers[0].id),
                               "due_date": (utcnow() - timedelta(days=2)).date().isoformat()},
                              expect=None)
    assert response.status_code == 400, response.status_code
    assert world.since_mark() == []
    _assert_chain_valid(app)


def test_wrong_password_on_approve_writes_only_the_failed_login(app, world):
    world.under_review()
    world.page(world.reviewers[0], f"/desk/articles/{world.article_id}/review")
    world.mark()
    world.approve(world.reviewers[0], password="not my password", expect=400)
    events = world.since_mark()
    assert [e.action for e in events] == ["user.login_failed"]
    assert events[0].reason == "wrong password"
    _assert_chain_valid(app)


def test_permission_refusal_writes_only_access_denied(app, world):
    world.submit()
    client = world.client(world.author)
    world.mark()
    response = client.post(f"/desk/articles/{world.article_id}/reject",
                           data={"reason": "mine", "version": "1"})
    assert response.status_code == 403
    events = world.since_mark()
    assert [e.action for e in events] == ["access.denied"]
    assert events[0].details == {"method": "POST",
                                 "path": f"/desk/articles/{world.article_id}/reject"}
    _assert_chain_valid(app)


# --- the registry is enforced -----------------------------------------------------------

def test_record_refuses_an_unregistered_action_and_writes_nothing(app, world):
    from reviewapp.audit.services import record

    world.mark()
    with app.app_context():
        with pytest.raises(UnregisteredAction, match="'article.teleported' is not registered"):
            record("article.teleported", object_type="article", object_id=1)
        world.db().session.rollback()
    assert world.since_mark() == []
