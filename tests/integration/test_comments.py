"""Comments anchored to passages and responses to reviewers, through the web:
who may comment, read, reply, mark "Addressed" and "Resolve"; confidential
comments never reach the author; stale forms are refused with the text kept;
resubmitting answers every open comment, stores the general response and
re-anchors every comment on the new revision. On SQLite and PostgreSQL."""

import html
import re

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Revision
from reviewapp.audit.models import AuditEvent
from reviewapp.mail.models import OutboxMessage
from reviewapp.reviews.models import CommentMessage, ResponseToReviewers, ReviewComment
from tests.conftest import audit_actions
from tests.integration.test_workflow import Desk

BODY = """Metformin is the **first-line** treatment for type 2 diabetes [1].

Start with 500 mg once daily with meals [1].

Lactic acidosis is rare but serious [1]."""
# The second paragraph slightly edited, the third deleted, a new one added.
REVISED = """Metformin is the **first-line** treatment for type 2 diabetes [1].

Begin with 500 mg once a day with meals [1].

Check kidney function before starting [1]."""
REFERENCES = "1. Doe J. Metformin. BMJ. 2020. doi:10.1136/bmj.m1"
SECRET = "Between us: I have doubts about the author's data."


class CommentDesk(Desk):
    """A Desk whose article has three paragraphs, with comment helpers."""

    def page(self, user, path=""):
        response = self.client(user).get(f"/desk/articles/{self.article_id}{path}")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True)

    def seen(self, user, path=""):
        """The page's text as the browser shows it (entities decoded)."""
        return html.unescape(self.page(user, path))

    def revision_id(self):
        with self.app.app_context():
            from reviewapp.articles.models import Article
            from reviewapp.extensions import db

            return db.session.get(Article, self.article_id).current_revision_id

    def comment(self, reviewer, body="Please cite a guideline.", paragraph=None, quote="",
                confidential=False, revision_id=None, **passage):
        data = {"revision_id": str(revision_id or self.revision_id()), "body": body,
                "quote": quote, "page": "review", **passage}
        if paragraph is not None:
            data["paragraph"] = str(paragraph)
        if confidential:
            data["confidential"] = "y"
        return self.client(reviewer).post(f"/desk/articles/{self.article_id}/comments",
                                          data=data)

    def comment_ids(self):
        with self.app.app_context():
            from reviewapp.extensions import db

            return list(db.session.scalars(select(ReviewComment.id).order_by(ReviewComment.id)))

    def thread_version(self, comment_id):
        with self.app.app_context():
            from reviewapp.extensions import db

            return db.session.get(ReviewComment, comment_id).version

    def thread(self, user, comment_id, action, reply="", version=None):
        prefix = f"c{comment_id}-"
        return self.client(user).post(f"/desk/comments/{comment_id}/{action}", data={
            prefix + "reply": reply, prefix + "page": "article",
            prefix + "thread_version": str(version or self.thread_version(comment_id))})

    def edit(self, body):
        response = self.post(self.author, "/desk/articles/{a}/edit", {
            "title": "Metformin", "body": body, "references": REFERENCES,
            "save": "Save draft"})
        assert response.status_code == 302, response.get_data(as_text=True)

    def resubmit(self, answers=(), general=""):
        """answers: (comment_id, reply, addressed) each."""
        data = {"general_response": general}
        for n, (comment_id, reply, addressed) in enumerate(answers):
            data[f"answers-{n}-comment_id"] = str(comment_id)
            data[f"answers-{n}-reply"] = reply
            if addressed:
                data[f"answers-{n}-addressed"] = "y"
        return self.post(self.author, "/desk/articles/{a}/resubmit-with-answers", data)


@pytest.fixture
def desk(app, make_user, make_article):
    desk = CommentDesk(app, make_user, make_article, title="Metformin", body=BODY,
                       references=REFERENCES)
    desk.under_review()
    return desk


def text_of(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_reviewer_comments_on_a_whole_paragraph_without_javascript(app, desk, rows):
    page = desk.page(desk.reviewers[0], "/review")
    assert '<option value="1">¶2: Start with 500 mg once daily with meals [1].</option>' in page
    assert 'src="/static/js/comments.js"' in page and "<script>" not in page
    response = desk.comment(desk.reviewers[0], "Which guideline says so?", paragraph=1)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/desk/articles/{desk.article_id}/review"
                                                 f"#comment-{desk.comment_ids()[0]}")
    with rows() as session:
        comment = session.scalars(select(ReviewComment)).one()
        assert comment.quote == "Start with 500 mg once daily with meals [1]."
        assert BODY[comment.passage_start:comment.passage_end] == comment.quote
        assert (comment.state, comment.confidential, comment.revision_id) == (
            "open", False, desk.revision_id())
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "comment.created")).one()
        assert event.details["paragraph"] == 2 and event.details["quote"] == comment.quote
        assert event.details["after"] == {"state": "open"}
    desk.send_back(desk.reviewers[0])  # the author reads the round's comments after it
    for user, path in ((desk.reviewers[1], "/review"), (desk.author, ""), (desk.editor, "")):
        seen = text_of(desk.page(user, path))
        assert "Which guideline says so?" in seen
        assert "Paragraph 2 of revision 1" in seen
        assert "Start with 500 mg once daily with meals [1]." in seen


def test_a_selected_passage_is_found_in_the_markdown(app, desk, rows):
    # What the browser selected: rendered text, emphasis marks gone, with its context.
    response = desk.comment(desk.reviewers[0], "Say which guideline.",
                            quote="the first-line treatment", prefix="Metformin is ",
                            suffix=" for type 2 diabetes", position="50")
    assert response.status_code == 302
    with rows() as session:
        comment = session.scalars(select(ReviewComment)).one()
        assert comment.quote == "the **first-line** treatment"
        assert BODY.index(comment.quote) == comment.passage_start


def test_a_passage_that_is_not_in_the_revision_is_refused_with_the_text_kept(app, desk):
    response = desk.comment(desk.reviewers[0], "My carefully typed comment.",
                            quote="insulin glargine at bedtime")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The selected passage was not found in revision 1" in page
    assert "My carefully typed comment." in page
    assert desk.comment_ids() == []


def test_a_comment_on_a_revision_no_longer_current_is_refused_with_the_text_kept(app, desk):
    first_revision = desk.revision_id()
    desk.send_back(desk.reviewers[0])
    desk.edit(REVISED)
    assert desk.resubmit().status_code == 302
    response = desk.comment(desk.reviewers[1], "Typed on the old revision.", paragraph=0,
                            revision_id=first_revision)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "no longer the current one (revision 2 is) — nothing was saved" in page
    assert "Typed on the old revision." in page
    assert f'name="revision_id" type="hidden" value="{desk.revision_id()}"' in page
    assert desk.comment_ids() == []


def test_passages_are_commented_only_while_under_review(app, desk):
    desk.send_back(desk.reviewers[0])
    response = desk.comment(desk.reviewers[1], "Too late?", paragraph=0)
    assert response.status_code == 409
    assert "it is Changes Requested" in response.get_data(as_text=True)
    assert desk.comment_ids() == []


def test_only_reviewers_who_accepted_comment(app, desk, make_user):
    invited = make_user(roles=["reviewer"], name="Dr. Invited")
    assert desk.assign(invited).status_code == 302
    outsider = make_user(roles=["reviewer"], name="Dr. Outsider")
    both = make_user(roles=["reviewer", "editor"], name="Dr. Editor")
    assert desk.comment(invited, "Not yet accepted.", paragraph=0).status_code == 403
    assert desk.comment(outsider, "Not assigned.", paragraph=0).status_code == 403
    assert desk.comment(both, "Editor, not assigned.", paragraph=0).status_code == 403
    assert desk.comment(desk.author, "My own article.", paragraph=0).status_code == 403
    assert desk.comment_ids() == []
    assert "comment.created" not in audit_actions(app)


def test_confidential_comments_reach_the_editor_and_never_the_author(app, desk, rows):
    assert desk.comment(desk.reviewers[0], SECRET, paragraph=2,
                        confidential=True).status_code == 302
    assert desk.comment(desk.reviewers[0], "Cite the dose source.", paragraph=1
                        ).status_code == 302
    secret_id, open_id = desk.comment_ids()
    assert desk.request_changes(desk.reviewers[0], "See my comments.").status_code == 302
    # The editor's decision letter starts with what was said to the author: the
    # open comment with its passage, never the confidential one.
    page = html.unescape(desk.decision_page())
    letter = re.search(r'<textarea[^>]*name="letter"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    assert "Their comments on passages of the text:" in letter
    assert "Cite the dose source." in letter
    assert SECRET not in letter
    # The editor weighs it on the decision page, outside the letter.
    assert SECRET in page and "Competing interests: none declared" in page
    assert desk.decide_changes().status_code == 302
    assert SECRET in desk.seen(desk.reviewers[0], "/review")
    assert "Confidential comments to the editor" in desk.page(desk.editor)
    assert SECRET in desk.seen(desk.editor)
    assert SECRET not in desk.seen(desk.reviewers[1], "/review")
    for path in ("", "/edit"):
        page = desk.seen(desk.author, path)
        assert "Cite the dose source." in page
        assert SECRET not in page and page.count('class="comment-thread') == 1
    # The author cannot reach it either: no reply, no "Addressed", no answer to it.
    assert desk.thread(desk.author, secret_id, "reply", "What doubts?").status_code == 404
    assert desk.thread(desk.author, secret_id, "addressed", version=1).status_code == 404
    desk.edit(REVISED)
    refused = desk.resubmit([(open_id, "Cited.", True), (secret_id, "Sneaky.", False)])
    assert refused.status_code == 400
    assert SECRET not in html.unescape(refused.get_data(as_text=True))
    # Resubmitting needs no answer to it, and no mail to the author carries it.
    assert desk.resubmit([(open_id, "Cited.", True)]).status_code == 302
    with rows() as session:
        author_mail = session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient == desk.author.email)).all()
        assert author_mail and all(SECRET not in m.body for m in author_mail)
        assert session.get(ReviewComment, secret_id).state == "open"


def test_a_thread_is_replied_to_addressed_and_resolved(app, desk, rows):
    reviewer = desk.reviewers[0]
    assert desk.comment(reviewer, "Which dose?", paragraph=1).status_code == 302
    (comment_id,) = desk.comment_ids()
    desk.send_back(reviewer)  # the author answers once the round sends it back
    reviewer_form_version = desk.thread_version(comment_id)
    assert desk.thread(desk.author, comment_id, "reply", "500 mg, as written.").status_code == 302
    assert desk.thread(desk.reviewers[1], comment_id, "reply", "Agreed.").status_code == 302
    assert desk.thread(desk.editor, comment_id, "reply", "Noted.").status_code == 302
    # Only the author marks it addressed; only its reviewer resolves it.
    assert desk.thread(reviewer, comment_id, "addressed").status_code == 403
    assert desk.thread(desk.reviewers[1], comment_id, "resolve").status_code == 403
    assert desk.thread(desk.author, comment_id, "addressed", "Dose cited now."
                       ).status_code == 302
    # The reviewer's form from before the answer is stale: the answer is read first.
    stale = desk.thread(reviewer, comment_id, "resolve", "Thanks.",
                        version=reviewer_form_version)
    assert stale.status_code == 409
    assert "has a new reply or changed since you opened it" in stale.get_data(as_text=True)
    assert "Thanks." in stale.get_data(as_text=True)
    # Shown again bound to the thread as it is now, so trying again works.
    assert (f'name="c{comment_id}-thread_version" type="hidden" '
            f'value="{desk.thread_version(comment_id)}"') in stale.get_data(as_text=True)
    page = text_of(desk.page(reviewer, "/review"))
    assert "Alice Author marked it addressed" in page and "Dose cited now." in page
    assert desk.thread(reviewer, comment_id, "resolve").status_code == 302
    assert desk.thread(reviewer, comment_id, "resolve").status_code == 409
    late = desk.thread(desk.author, comment_id, "reply", "One more thing.")
    assert late.status_code == 409 and "One more thing." in late.get_data(as_text=True)
    with rows() as session:
        comment = session.get(ReviewComment, comment_id)
        assert comment.state == "resolved"
        assert [(m.kind, m.body) for m in comment.messages] == [
            ("reply", "500 mg, as written."), ("reply", "Agreed."), ("reply", "Noted."),
            ("addressed", "Dose cited now."), ("resolved", "")]
    actions = audit_actions(app)
    assert actions.count("comment.replied") == 3
    assert actions.count("comment.addressed") == actions.count("comment.resolved") == 1


def test_comments_keep_line_breaks_and_lists_as_safe_markdown(app, desk):
    text = ("Two points:\n1. the dose\n2. the interval\n\nFirst line\nsecond line "
            "<script>alert(1)</script> [click](javascript:alert(1)) <b>bold</b>")
    assert desk.comment(desk.reviewers[0], text, paragraph=0).status_code == 302
    desk.send_back(desk.reviewers[0])
    page = desk.page(desk.author)
    assert "<li>the dose</li>" in page and "<li>the interval</li>" in page
    assert "First line<br>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert 'href="javascript:' not in page


def test_resubmitting_with_an_open_comment_unanswered_changes_nothing(app, desk, rows):
    for paragraph in (0, 1):
        assert desk.comment(desk.reviewers[0], f"Comment {paragraph}.", paragraph=paragraph
                            ).status_code == 302
    first, second = desk.comment_ids()
    desk.send_back(desk.reviewers[0], "See my comments.")
    desk.edit(REVISED)
    before = audit_actions(app)
    response = desk.resubmit([(first, "My typed answer to the first.", False)],
                             general="My typed general response.")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "1 open comment has no answer: reply to each, or mark it Addressed." in page
    assert "My typed answer to the first." in page and "My typed general response." in page
    none = desk.resubmit([])
    assert "2 open comments have no answer" in none.get_data(as_text=True)
    # The old plain Resubmit is refused the same way.
    plain = desk.post(desk.author, "/desk/articles/{a}/resubmit")
    assert plain.status_code == 400 and "2 open comments have no answer" in plain.get_data(
        as_text=True)
    assert desk.state() == "changes_requested"
    assert audit_actions(app) == before
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(CommentMessage)) == 0
        assert session.scalar(select(func.count()).select_from(ResponseToReviewers)) == 0
        assert session.scalars(select(Revision).order_by(Revision.number.desc())
                               ).first().content_hash is None


def test_resubmitting_answers_comments_and_reanchors_them(app, desk, rows):
    reviewer = desk.reviewers[0]
    for paragraph, text in ((0, "Which guideline?"), (1, "Give the dose source."),
                            (2, "How rare?")):
        assert desk.comment(reviewer, text, paragraph=paragraph).status_code == 302
    first, second, third = desk.comment_ids()
    desk.send_back(reviewer, "See my comments.")
    assert desk.thread(desk.author, first, "reply", "ADA 2024, see [1].").status_code == 302
    desk.edit(REVISED)
    # The first was answered already: only the other two wait.
    page = desk.page(desk.author)
    answer_form = page.split('aria-label="Answer the reviewers"')[1].split("</section>")[0]
    assert "Give the dose source." in answer_form and "How rare?" in answer_form
    assert "Which guideline?" not in answer_form
    response = desk.resubmit([(second, "", True), (third, "I removed that sentence.", False)],
                             general="Thank you both.\n\n- dose cited\n- sentence removed")
    assert response.status_code == 302
    assert desk.state() == "under_review"
    with rows() as session:
        revision = session.scalars(select(Revision).order_by(Revision.number.desc())).first()
        comments = {c.id: c for c in session.scalars(select(ReviewComment))}
        assert comments[second].state == "addressed" and comments[third].state == "open"
        assert [(m.kind, m.revision_id) for m in comments[third].messages] == [
            ("reply", revision.id)]
        # Re-anchored: the same, slightly edited, and no longer in the text.
        assert {c.anchor_revision_id for c in comments.values()} == {revision.id}
        spans = {i: (c.anchor_start, c.anchor_end) for i, c in comments.items()}
        assert REVISED[slice(*spans[first])] == BODY[slice(comments[first].passage_start,
                                                         comments[first].passage_end)]
        assert REVISED[slice(*spans[second])] == "Begin with 500 mg once a day with meals [1]."
        assert spans[third] == (None, None)
        response_row = session.scalars(select(ResponseToReviewers)).one()
        assert response_row.revision_id == revision.id
        reanchored = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "comment.reanchored")).one()
        assert reanchored.details == {"revision": 2, "found": [first, second], "lost": [third]}
    actions = audit_actions(app)
    # After the editor's decision that sent it back:
    tail = actions[actions.index("article.changes_requested") + 1:]
    assert tail == ["comment.replied", "article.draft_saved", "comment.addressed",
                    "comment.replied", "comment.general_response", "comment.reanchored",
                    "article.resubmitted"]
    review = desk.page(reviewer, "/review")
    seen = text_of(review)
    assert "The author’s response with revision 2" in seen
    assert "Thank you both." in seen and "<li>dose cited</li>" in review
    assert "Addressed" in seen and "I removed that sentence." in seen
    assert "This passage is no longer in the text of revision 2. It read:" in seen
    assert "Lactic acidosis is rare but serious [1]." in seen
    assert "Now reads:" in seen and "Begin with 500 mg once a day with meals [1]." in seen
    for user in (desk.author, desk.editor):
        assert "Alice Author with revision 2" in text_of(desk.page(user))


def test_the_edit_page_shows_where_comments_are_in_the_draft(app, desk):
    assert desk.comment(desk.reviewers[0], "How rare?", paragraph=2).status_code == 302
    desk.send_back(desk.reviewers[0], "See my comment.")
    assert "Paragraph 3 of revision 1" in text_of(desk.page(desk.author, "/edit"))
    desk.edit(REVISED)
    page = text_of(desk.page(desk.author, "/edit"))
    assert "This passage is no longer in the text of revision 2" in page
    assert "How rare?" in page


def test_an_editor_who_wrote_the_article_never_sees_its_confidential_comments(
        app, make_user, make_article):
    editor_author = make_user(roles=["author", "editor"], name="Edna Editor-Author")
    desk = CommentDesk(app, make_user, make_article, title="Metformin", body=BODY,
                       references=REFERENCES)
    desk.author = editor_author
    with app.app_context():
        from reviewapp.articles.models import Article
        from reviewapp.extensions import db

        db.session.get(Article, desk.article_id).author_id = editor_author.id
        db.session.commit()
    desk.under_review()
    assert desk.comment(desk.reviewers[0], SECRET, paragraph=0,
                        confidential=True).status_code == 302
    (secret_id,) = desk.comment_ids()
    assert SECRET in desk.seen(desk.editor)
    page = desk.seen(editor_author)  # an editor's page: with the article's history
    # The history names the event in words (the comment.created action described).
    assert 'id="article-history"' in page and "A reviewer commented on a passage" in page
    assert SECRET not in page
    assert desk.thread(editor_author, secret_id, "reply", "Hm?").status_code == 404


def test_the_comment_form_is_offered_only_to_reviewers_who_may_comment(app, desk, make_user):
    assert 'id="comment-form"' in desk.page(desk.reviewers[0], "/review")
    assert 'id="comment-form"' not in desk.page(desk.editor, "/review")
    invited = make_user(roles=["reviewer"], name="Dr. Invited")
    assert desk.assign(invited).status_code == 302
    assert 'id="comment-form"' not in desk.page(invited, "/review")
    desk.send_back(desk.reviewers[0])
    assert 'id="comment-form"' not in desk.page(desk.reviewers[1], "/review")


def test_the_author_reads_the_rounds_comments_once_the_decision_sends_it_back(app, desk):
    """While the board reviews, its comments wait for the decision (the editor's,
    by default): the author neither reads nor answers them mid-round."""
    assert desk.comment(desk.reviewers[0], "Cite the dose source.", paragraph=1
                        ).status_code == 302
    (comment_id,) = desk.comment_ids()
    assert desk.request_changes(desk.reviewers[0], "See my comment.").status_code == 302
    assert desk.state() == "under_review"  # a recommendation, waiting on the editor
    assert "Cite the dose source." not in desk.seen(desk.author)
    assert desk.thread(desk.author, comment_id, "reply", "Done.").status_code == 404
    assert desk.thread(desk.author, comment_id, "addressed").status_code == 404
    assert "Cite the dose source." in desk.seen(desk.editor)
    assert desk.decide_changes().status_code == 302
    assert "Cite the dose source." in desk.seen(desk.author)
    assert desk.thread(desk.author, comment_id, "reply", "Cited now.").status_code == 302
