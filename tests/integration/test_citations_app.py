"""Citation checks in the app: reports stored per revision on every save and submit,
shown while editing, reviewing and editing; the approval gate and editors' waivers."""

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article, Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.citations.models import CitationReport, CitationWaiver, Retraction
from reviewapp.db import utcnow
from reviewapp.reviews.models import APPROVE, Assignment, Review, Signature
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_workflow import Desk as WorkflowDesk
from tests.review_steps import sign_data

TITLE = "Ibuprofen for back pain"
GOOD_REF = "1. Doe J. Ibuprofen for low back pain. BMJ. 2024. doi:10.1136/bmj.m1"
SECOND_REF = "2. Roe R. Naproxen for low back pain. Lancet. 2023. doi:10.1016/s0140-6736(23)0001-1"
RETRACTED_DOI = "10.5555/example.2019.0042"


def _section(page: str, label: str) -> str:
    """The HTML of the <section aria-label=label> on the page."""
    start = page.index(f'aria-label="{label}"')
    return page[start:page.index("</section>", start)]


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"', page)
    assert match, f"no hidden field {name} on the page"
    return html.unescape(match.group(1))


class Desk(WorkflowDesk):
    """The workflow test's people, on an article with the given body and references;
    forms here carry the version of the page they came from."""

    def __init__(self, app, make_user, make_article, body, references):
        super().__init__(app, make_user, make_article, title=TITLE, body=body,
                         references=references)

    def page(self, user, suffix=""):
        response = self.client(user).get(f"/desk/articles/{self.article_id}{suffix}")
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def version(self, user, suffix=""):
        return _hidden(self.page(user, suffix), "version")

    def post(self, user, path, data=None, version_from=""):
        data = dict(data or {})
        if version_from is not None:
            data["version"] = self.version(user, version_from)
        return self.client(user).post(path.format(a=self.article_id), data=data)

    def edit(self, body, references, preview=False):
        data = {"title": TITLE, "body": body, "references": references, "tags": ""}
        data["preview" if preview else "save"] = "Preview" if preview else "Save draft"
        return self.post(self.author, "/desk/articles/{a}/edit", data, version_from="/edit")

    def submit(self):
        return self.post(self.author, "/desk/articles/{a}/submit")

    def assign_and_accept(self):
        due = (utcnow() + timedelta(days=7)).date().isoformat()
        for reviewer in self.reviewers:
            response = self.post(self.editor, "/desk/articles/{a}/assign",
                                 {"reviewer": str(reviewer.id), "due_date": due})
            assert response.status_code == 302
            with self.app.app_context():
                from reviewapp.extensions import db

                n = db.session.scalar(select(Assignment.id).where(
                    Assignment.article_id == self.article_id,
                    Assignment.reviewer_id == reviewer.id))
            response = self.post(reviewer, f"/desk/assignments/{n}/accept",
                                 {f"a{n}-declaration": "none"}, version_from=None)
            assert response.status_code == 302

    def approve(self, reviewer):
        """Every claim "Supported" and every open warning ticked, as a reviewer signs."""
        return self.post(reviewer, "/desk/articles/{a}/approve",
                         sign_data(self.client(reviewer), self.article_id, PASSWORD),
                         version_from=None)

    def waive_forms(self, user=None):
        """{finding_key: (n, version)} of the Waive forms on the editor's article page."""
        page = self.page(user or self.editor)
        forms = {}
        for n in re.findall(rf'action="/desk/articles/{self.article_id}/waive/(\d+)"', page):
            forms[_hidden(page, f"w{n}-finding_key")] = (n, _hidden(page, f"w{n}-version"))
        return forms

    def waive(self, user, n, key, version, reason):
        return self.client(user).post(
            f"/desk/articles/{self.article_id}/waive/{n}",
            data={f"w{n}-version": version, f"w{n}-finding_key": key, f"w{n}-reason": reason})


def _report(session, article_id, number=None) -> CitationReport:
    article = session.get(Article, article_id)
    revision_id = article.current_revision_id if number is None else session.scalar(
        select(Revision.id).where(Revision.article_id == article_id, Revision.number == number))
    return session.scalars(select(CitationReport).where(
        CitationReport.revision_id == revision_id)).one()


def _codes(report: CitationReport) -> list[str]:
    return [f.code for f in report.findings]


UNRESOLVED_BODY = "Ibuprofen helps with acute low back pain [1]. Naproxen may help too [3]."
TWO_REFS = f"{GOOD_REF}\n{SECOND_REF}"


# -- saving, preview and the pages ------------------------------------------------------------

def test_new_draft_stores_a_report_shown_on_the_article_and_edit_pages(app, client, make_user,
                                                                       login_as, rows):
    author = make_user(roles=["author"])
    login_as(author)
    response = client.post("/desk/articles/new", data={
        "title": TITLE, "body": UNRESOLVED_BODY, "references": TWO_REFS, "tags": "",
        "save": "Save draft"})
    assert response.status_code == 302
    with rows() as session:
        article = session.scalars(select(Article)).one()
        article_id = article.id
        report = _report(session, article_id)
        unresolved = [f for f in report.findings if f.code == "marker-unresolved"]
        assert len(unresolved) == 1
        assert unresolved[0].marker == "[3]" and unresolved[0].severity == "error"
        assert "Naproxen may help too [3]." in unresolved[0].sentence
        assert report.error_count == 1
        # reference 2 is never cited
        assert [f.reference for f in report.findings
                if f.code == "reference-uncited"] == [2]

    for path in (f"/desk/articles/{article_id}", f"/desk/articles/{article_id}/edit"):
        page = client.get(path).get_data(as_text=True)
        section = _text(_section(page, "Citation check"))
        assert "marker-unresolved" in section, path
        assert "Marker [3] points at no reference (the list has 2)." in section, path
        assert "1 error" in section and "reference-uncited" in section, path


def test_saving_a_draft_replaces_the_report_of_that_revision(app, make_user, make_article,
                                                             rows):
    desk = Desk(app, make_user, make_article, UNRESOLVED_BODY, TWO_REFS)
    with rows() as session:
        assert "marker-unresolved" in _codes(_report(session, desk.article_id))
    fixed = "Ibuprofen helps with acute low back pain [1]. Naproxen may help too [2]."
    assert desk.edit(fixed, TWO_REFS).status_code == 302
    with rows() as session:
        revision_id = session.get(Article, desk.article_id).current_revision_id
        reports = session.scalars(select(CitationReport).where(
            CitationReport.revision_id == revision_id)).all()
        assert len(reports) == 1
        assert reports[0].error_count == 0
        assert not {"marker-unresolved", "reference-uncited"} & set(_codes(reports[0]))
    page = desk.page(desk.author)
    assert "marker-unresolved" not in page
    assert "0 errors" in _text(_section(page, "Citation check"))


def test_preview_shows_findings_of_the_typed_text_and_saves_nothing(app, make_user,
                                                                    make_article, rows):
    desk = Desk(app, make_user, make_article, "Ibuprofen helps [1].", GOOD_REF)
    with rows() as session:
        before_report = list(_report(session, desk.article_id).findings)
        version = session.get(Article, desk.article_id).version
    desk.client(desk.author)  # logged in before counting events
    before_events = audit_actions(app)
    response = desk.edit("Ibuprofen helps [1]. Paracetamol helps [4].", GOOD_REF, preview=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "marker-unresolved" in _text(_section(page, "Citation check"))
    assert "Marker [4] points at no reference (the list has 1)." in _text(page)
    assert "Paracetamol helps [4]." in page  # what was typed is kept in the form
    with rows() as session:
        article = session.get(Article, desk.article_id)
        assert article.version == version
        assert article.current_revision.body == "Ibuprofen helps [1]."
        assert _report(session, desk.article_id).findings == before_report
        assert session.scalar(select(func.count()).select_from(CitationReport)) == 1
    assert audit_actions(app) == before_events


def test_submit_rechecks_against_the_retraction_list(app, make_user, make_article, rows):
    references = f"1. Sample A. Perioperative pregabalin. J Ex Anesth. 2019. doi:{RETRACTED_DOI}"
    desk = Desk(app, make_user, make_article, "Pregabalin was studied [1].", references)
    with rows() as session:
        assert "reference-retracted" not in _codes(_report(session, desk.article_id))
        session.add(Retraction(record_id="900001", doi=RETRACTED_DOI, pmid="31000001",
                               nature="Retraction", title="Perioperative pregabalin",
                               reason="+Concerns/Issues About Data;",
                               retraction_date="2024-03-14"))
        session.commit()
    assert desk.submit().status_code == 302
    assert desk.state() == "submitted"
    with rows() as session:
        report = _report(session, desk.article_id)
        retracted = [f for f in report.findings if f.code == "reference-retracted"]
        assert len(retracted) == 1
        assert retracted[0].severity == "error" and retracted[0].reference == 1
        assert report.error_count == 1
        assert session.scalar(select(func.count()).select_from(CitationReport)) == 1
    page = desk.page(desk.editor)
    assert "reference-retracted" in _text(_section(page, "Citation check"))
    assert "Reference 1 has been retracted" in _text(page)


# -- the approval gate and waivers ------------------------------------------------------------

@pytest.fixture
def blocked(app, make_user, make_article):
    """Under review with two accepted reviewers, the current revision carrying one error
    (marker [3] with two references)."""
    body = ("Ibuprofen helps with acute low back pain [1]. Naproxen helps too [2]. "
            "Diclofenac gel may also help [3].")
    desk = Desk(app, make_user, make_article, body, TWO_REFS)
    assert desk.submit().status_code == 302
    desk.assign_and_accept()
    assert desk.state() == "under_review"
    return desk


def _error_key(desk) -> tuple[str, str, str]:
    forms = desk.waive_forms()
    assert len(forms) == 1, forms
    key, (n, version) = next(iter(forms.items()))
    assert key.startswith("marker-unresolved:")
    return key, n, version


def test_two_approvals_do_not_approve_while_an_error_is_unwaived(blocked, app, rows):
    desk = blocked
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "under_review"
    with rows() as session:
        article = session.get(Article, desk.article_id)
        assert article.approved_revision_id is None
        reviews = session.scalars(select(Review).where(Review.decision == APPROVE)).all()
        assert {r.reviewer_id for r in reviews} == {r.id for r in desk.reviewers}
        assert {r.revision_id for r in reviews} == {article.current_revision_id}
        assert session.scalar(select(func.count()).select_from(Signature)) == 2
    assert "article.approved" not in audit_actions(app)

    page = desk.page(desk.editor)
    assert "Approvals on this revision: 2 of 2" in _text(page)
    assert "1 error blocks approval" in _text(_section(page, "Citation check"))
    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    blocked_section = _text(_section(dashboard, "Blocked by citation findings"))
    assert TITLE in blocked_section and "1 unwaived error" in blocked_section


def test_waiver_needs_a_reason_and_then_completes_the_approval_once(blocked, app, rows):
    desk = blocked
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    key, n, version = _error_key(desk)
    before = audit_actions(app)

    for reason in ("", "   "):
        response = desk.waive(desk.editor, n, key, version, reason)
        assert response.status_code == 400
        assert "reason" in _text(response.get_data(as_text=True)).lower()
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(CitationWaiver)) == 0
    assert audit_actions(app) == before
    assert desk.state() == "under_review"

    reason = "Reference 3 is the manufacturer's label, added in the next revision."
    response = desk.waive(desk.editor, n, key, version, reason)
    assert response.status_code == 302
    assert desk.state() == "approved"
    with rows() as session:
        article = session.get(Article, desk.article_id)
        assert article.approved_revision_id == article.current_revision_id
        waiver = session.scalars(select(CitationWaiver)).one()
        assert (waiver.finding_key, waiver.reason, waiver.waived_by_id) == (
            key, reason, desk.editor.id)
        assert waiver.code == "marker-unresolved"
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "citation.waived")).one()
        assert event.reason == reason and event.actor_id == desk.editor.id
        assert event.article_id == desk.article_id
        assert event.details["finding_key"] == key
        assert event.details["code"] == "marker-unresolved"
        approved = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.approved")).one()
        assert sorted(approved.details["approved_by"]) == sorted(r.id for r in desk.reviewers)
    actions = audit_actions(app)
    # The approval publishes the chain head that includes it (the transparency log).
    assert actions[len(before):] == ["citation.waived", "article.approved",
                                     "audit.head_published"]

    # The waiver is shown to reviewers and to the editor; the article is no longer blocked.
    for user, suffix in ((desk.reviewers[0], "/review"), (desk.editor, "")):
        section = _text(_section(desk.page(user, suffix), "Citation check"))
        assert "waived" in section and reason in section and "Eddie Editor" in section
    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    assert TITLE not in _text(_section(dashboard, "Blocked by citation findings"))

    # Waiving it again changes nothing.
    with rows() as session:
        current_version = str(session.get(Article, desk.article_id).version)
    again = desk.waive(desk.editor, n, key, current_version, reason)
    assert again.status_code in (400, 409)
    assert audit_actions(app).count("article.approved") == 1
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(CitationWaiver)) == 1


def test_waiver_before_the_approvals_is_shown_to_reviewers_and_lets_them_approve(blocked, app,
                                                                                rows):
    desk = blocked
    key, n, version = _error_key(desk)
    reason = "The label is cited in the text by name; accepted by the editor."
    assert desk.waive(desk.editor, n, key, version, reason).status_code == 302
    assert desk.state() == "under_review"  # no approvals yet
    review_page = desk.page(desk.reviewers[1], "/review")
    section = _text(_section(review_page, "Citation check"))
    assert "marker-unresolved" in section and "waived" in section and reason in section
    assert "block approval" not in section

    assert desk.approve(desk.reviewers[0]).status_code == 302
    assert desk.state() == "under_review"
    assert desk.approve(desk.reviewers[1]).status_code == 302
    assert desk.state() == "approved"
    assert audit_actions(app).count("article.approved") == 1
    assert audit_actions(app).count("citation.waived") == 1


@pytest.mark.parametrize("who", ["author", "reviewer"])
def test_only_editors_can_waive(blocked, app, rows, who):
    desk = blocked
    key, n, version = _error_key(desk)
    user = desk.author if who == "author" else desk.reviewers[0]
    desk.client(user)  # logged in before counting events
    before = audit_actions(app)
    response = desk.waive(user, n, key, version, "I think this is fine.")
    assert response.status_code == 403
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(CitationWaiver)) == 0
    assert "citation.waived" not in audit_actions(app)
    assert set(audit_actions(app)[len(before):]) <= {"access.denied"}
    # The author and reviewers see the report but no Waive form.
    assert desk.waive_forms(user) == {}
    assert desk.state() == "under_review"


def test_a_waiver_of_a_finding_not_in_the_current_report_is_refused(blocked, app, rows):
    desk = blocked
    old_key, n, _ = _error_key(desk)
    # Revision 2 fixes the marker: the old finding is no longer in the current report.
    response = desk.post(desk.reviewers[0], "/desk/articles/{a}/request-changes",
                         {"comments": "Reference 3 is missing."}, version_from="/review")
    assert response.status_code == 302
    assert desk.decide_changes().status_code == 302  # the editor sends it back (issue 14)
    fixed = "Ibuprofen helps with acute low back pain [1]. Naproxen helps too [2]."
    assert desk.edit(fixed, TWO_REFS).status_code == 302
    assert desk.post(desk.author, "/desk/articles/{a}/resubmit").status_code == 302
    assert desk.state() == "under_review"
    with rows() as session:
        assert _report(session, desk.article_id).error_count == 0
        assert "marker-unresolved" in _codes(_report(session, desk.article_id, number=1))

    before = audit_actions(app)
    cases = [old_key, "marker-unresolved::[9]:000000000000", "not-a-finding"]
    for key in cases:
        response = desk.waive(desk.editor, n, key, desk.version(desk.editor), "Old finding.")
        assert response.status_code in (400, 409), key
        assert "not in the current revision" in _text(response.get_data(as_text=True)), key
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(CitationWaiver)) == 0
    assert audit_actions(app) == before


def test_a_warning_needs_no_waiver_and_cannot_be_waived(app, make_user, make_article, rows):
    # Reference 2 is never cited: a warning, which takes no waiver; each reviewer ticks
    # "I have checked this" for it and signs.
    desk = Desk(app, make_user, make_article, "Ibuprofen helps with low back pain [1].",
                TWO_REFS)
    assert desk.submit().status_code == 302
    desk.assign_and_accept()
    assert desk.waive_forms() == {}
    with rows() as session:
        report = _report(session, desk.article_id)
        warning = next(f for f in report.findings if f.code == "reference-uncited")
    response = desk.waive(desk.editor, 0, warning.key, desk.version(desk.editor), "Fine.")
    assert response.status_code in (400, 409)
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(CitationWaiver)) == 0
    for reviewer in desk.reviewers:
        assert desk.approve(reviewer).status_code == 302
    assert desk.state() == "approved"
    with rows() as session:
        acknowledged = session.scalars(select(Signature.acknowledged_warnings)).all()
    assert acknowledged == [[{"key": warning.key, "code": "reference-uncited",
                              "message": warning.message}]] * 2


def test_stored_error_count_follows_the_report_and_the_waivers(blocked, app, rows,
                                                              make_article, monkeypatch):
    """article.citation_errors (what the Blocked list reads) equals the unwaived
    errors of the current revision: after saving, submitting, waiving and revising."""
    from reviewapp.citations.services import report_of, unwaived_errors, waivers_of

    desk = blocked

    def stored_and_computed():
        with rows() as session:
            article = session.get(Article, desk.article_id)
            computed = len(unwaived_errors(report_of(article.current_revision_id),
                                           waivers_of(article.id)))
            return article.citation_errors, computed

    assert stored_and_computed() == (1, 1)
    key, n, version = _error_key(desk)
    assert desk.waive(desk.editor, n, key, version, "Label cited by name.").status_code == 302
    assert stored_and_computed() == (0, 0)
    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    assert TITLE not in _text(_section(dashboard, "Blocked by citation findings"))
    # More than a page of fully waived articles no longer hides a blocked one.
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    other = make_article(desk.author, title="Second blocked article", references=TWO_REFS,
                         body="Aspirin helps [1]. Paracetamol helps [2]. Codeine helps [4].")
    author = desk.client(desk.author)
    page = author.get(f"/desk/articles/{other}").get_data(as_text=True)
    assert author.post(f"/desk/articles/{other}/submit",
                       data={"version": _hidden(page, "version")}).status_code == 302
    dashboard = desk.client(desk.editor).get("/desk/editor").get_data(as_text=True)
    section = _text(_section(dashboard, "Blocked by citation findings"))
    assert "Second blocked article" in section and "1 unwaived error" in section
