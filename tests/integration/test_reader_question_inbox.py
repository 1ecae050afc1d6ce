"""The editors' "Reader questions" inbox (issue 17): who may see it, answering
by mail, dismissing with a reason, commissioning an article from a question;
each step one transaction with its audit event, refusals changing nothing; the
asker mailed exactly once when the commissioned article is first approved; and
"Readers also asked" under the article that prompted it."""

import pytest
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.articles.services import DraftContent, save_draft
from reviewapp.audit.models import AuditEvent
from reviewapp.mail.models import OutboxMessage
from reviewapp.workflow import services as workflow
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_public_pages import Publisher, section, text_of
from tests.integration.test_reader_questions import QUESTION, ask, questions

ASKER = "asker@example.org"


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


@pytest.fixture
def signed_in(app, make_user):
    def sign_in(*roles, name=None):
        user = make_user(roles=list(roles), name=name)
        client = app.test_client()
        assert client.post("/login", data={"email": user.email,
                                           "password": PASSWORD}).status_code == 302
        return user, client
    return sign_in


@pytest.fixture
def asked(client, publisher, rows):
    """An approved article with a question under it (with an email); (slug, question id)."""
    slug = publisher.approved()
    assert ask(client, slug, QUESTION, ASKER, consent=True).status_code == 302
    (question,) = questions(rows)
    return slug, question.id


def mails(rows, recipient=None) -> list[OutboxMessage]:
    with rows() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if recipient:
            query = query.where(OutboxMessage.recipient == recipient)
        found = session.scalars(query).all()
        for row in found:
            session.expunge(row)
        return found


def events(rows, action) -> list[AuditEvent]:
    with rows() as session:
        found = session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.seq)).all()
        for row in found:
            session.expunge(row)
        return found


def test_editors_and_admins_have_the_inbox_with_the_open_count(asked, signed_in):
    for role in ("editor", "admin"):
        _, desk = signed_in(role)
        page = desk.get("/desk/questions")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert QUESTION in html and ASKER in html
        menu = text_of(html[html.index('aria-label="Main"'):html.index("</nav>")])
        assert "Reader questions 1 open" in menu


def test_authors_and_reviewers_are_refused_the_inbox_and_its_actions(app, asked, signed_in,
                                                                    client, rows):
    _, question_id = asked
    for role in ("author", "reviewer"):
        _, desk = signed_in(role)
        assert desk.get("/desk/questions").status_code == 403
        assert "Reader questions" not in desk.get("/desk/articles/").get_data(as_text=True)
        for action, data in (("answer", {f"q{question_id}-answer": "Yes."}),
                             ("dismiss", {f"q{question_id}-reason": "Spam."}),
                             ("commission", {f"q{question_id}-author": "1"})):
            response = desk.post(f"/desk/questions/{question_id}/{action}", data=data)
            assert response.status_code == 403
    assert client.get("/desk/questions").status_code == 302  # to the login page
    (question,) = questions(rows)
    assert question.status == "open"
    assert [a for a in audit_actions(app) if a.startswith("reader_question.")] == [
        "reader_question.asked"]


def test_an_editor_answers_by_mail(app, asked, signed_in, rows):
    slug, question_id = asked
    editor, desk = signed_in("editor", name="Eddie Editor")
    field = f"q{question_id}-answer"
    refused = desk.post(f"/desk/questions/{question_id}/answer", data={field: "  "})
    assert refused.status_code == 400
    assert "Write the answer to mail to the reader." in refused.get_data(as_text=True)
    assert questions(rows)[0].status == "open" and mails(rows, ASKER) == []

    answer = "Yes: ibuprofen is considered compatible with breastfeeding."
    done = desk.post(f"/desk/questions/{question_id}/answer", data={field: answer})
    assert done.status_code == 302 and done.headers["Location"] == "/desk/questions"
    assert f"Your answer was queued for {ASKER}." in desk.get("/desk/questions").get_data(
        as_text=True)
    (question,) = questions(rows)
    assert (question.status, question.answer, question.handled_by_id) == (
        "answered", answer, editor.id)
    (mail,) = mails(rows, ASKER)
    assert mail.subject == "Your question about Ibuprofen for back pain"
    assert QUESTION in mail.body and answer in mail.body
    assert f"/articles/{slug}" in mail.body
    (event,) = events(rows, "reader_question.answered")
    assert event.actor_id == editor.id and event.object_id == str(question_id)
    assert event.details == {"outbox_message_id": mail.id, "answer_chars": len(answer)}
    # Handled: a second answer is refused and mails nothing.
    again = desk.post(f"/desk/questions/{question_id}/answer", data={field: "Again"})
    assert again.status_code == 409
    assert "This question was handled already" in again.get_data(as_text=True)
    assert len(mails(rows, ASKER)) == 1


def test_a_question_without_an_email_cannot_be_answered_by_mail(app, client, publisher,
                                                                 signed_in, rows):
    slug = publisher.approved()
    ask(client, slug, "No email here?")
    (question,) = questions(rows)
    _, desk = signed_in("editor")
    inbox = desk.get("/desk/questions").get_data(as_text=True)
    assert "No email address left: it cannot be answered by mail." in inbox
    assert f"/desk/questions/{question.id}/answer" not in inbox
    refused = desk.post(f"/desk/questions/{question.id}/answer",
                        data={f"q{question.id}-answer": "Typed answer kept"})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "This reader left no email address" in page
    assert questions(rows)[0].status == "open"
    assert not [m for m in mails(rows) if m.subject.startswith("Your question about")]
    assert "reader_question.answered" not in audit_actions(app)


def test_an_editor_dismisses_with_a_reason(app, asked, signed_in, rows):
    _, question_id = asked
    editor, desk = signed_in("editor")
    field = f"q{question_id}-reason"
    refused = desk.post(f"/desk/questions/{question_id}/dismiss", data={field: ""})
    assert refused.status_code == 400
    assert "Give the reason for dismissing the question." in refused.get_data(as_text=True)
    assert questions(rows)[0].status == "open"

    done = desk.post(f"/desk/questions/{question_id}/dismiss",
                     data={field: "Individual medical advice; we cannot answer it."})
    assert done.status_code == 302
    (question,) = questions(rows)
    assert question.status == "dismissed"
    assert question.dismiss_reason == "Individual medical advice; we cannot answer it."
    (event,) = events(rows, "reader_question.dismissed")
    assert event.reason == "Individual medical advice; we cannot answer it."
    assert event.actor_id == editor.id
    inbox = desk.get("/desk/questions").get_data(as_text=True)
    assert "No open questions." in inbox
    assert "Dismissed" in section(inbox, "Handled")
    assert mails(rows, ASKER) == []


def commission(desk, question_id, author_id):
    return desk.post(f"/desk/questions/{question_id}/commission",
                     data={f"q{question_id}-author": str(author_id)})


def test_an_editor_commissions_an_article_for_an_author(app, asked, signed_in, make_user,
                                                        rows):
    _, question_id = asked
    editor, desk = signed_in("editor", name="Eddie Editor")
    author, author_desk = signed_in("author", name="Carla Author")
    reviewer = make_user(roles=["reviewer"], name="Not An Author")
    inbox = desk.get("/desk/questions").get_data(as_text=True)
    assert "Carla Author" in inbox and "Not An Author" not in inbox

    for refused_id, message in ((0, "Choose an author."),
                                (reviewer.id, "Choose an author (an active user with the "
                                              "author role).")):
        refused = commission(desk, question_id, refused_id)
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 1
    assert questions(rows)[0].status == "open"

    done = commission(desk, question_id, author.id)
    assert done.status_code == 302
    (question,) = questions(rows)
    assert question.status == "commissioned" and question.handled_by_id == editor.id
    with rows() as session:
        article = session.get(Article, question.commissioned_article_id)
        assert article.state == "draft" and article.author_id == author.id
        assert article.title == QUESTION
        # Its address names no words of the reader's (the title is the author's to change).
        assert article.slug == f"reader-question-{question_id}"
        created = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "article.created",
            AuditEvent.article_id == article.id)).one()
        assert created.actor_id == editor.id and created.details["author"] == author.id
        article_id = article.id
    (event,) = events(rows, "reader_question.commissioned")
    (mail,) = mails(rows, author.email)
    assert event.details == {"commissioned_article": article_id, "author": author.id,
                             "outbox_message_id": mail.id}
    assert mail.subject == f"An article to write: {QUESTION}"
    assert f"/desk/articles/{article_id}" in mail.body and QUESTION in mail.body
    # The author finds the draft in their articles.
    assert QUESTION in author_desk.get("/desk/articles/").get_data(as_text=True)
    again = commission(desk, question_id, author.id)
    assert again.status_code == 409
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == 2


def test_a_long_question_is_trimmed_to_the_title_limit(app, client, publisher, signed_in,
                                                       rows):
    app.config["MAX_TITLE_LENGTH"] = 40
    slug = publisher.approved()
    ask(client, slug, "Is it safe to take ibuprofen\nwith warfarin after a hip replacement?")
    (question,) = questions(rows)
    _, desk = signed_in("editor")
    author, _ = signed_in("author")
    assert commission(desk, question.id, author.id).status_code == 302
    with rows() as session:
        title = session.get(Article, questions(rows)[0].commissioned_article_id).title
    assert title == "Is it safe to take ibuprofen with…"
    assert len(title) <= 40


def write_and_approve(publisher, rows, article_id, title, body="Ibuprofen is fine [1].",
                      approve=True):
    """The author writes the commissioned draft and submits it; two reviewers approve."""
    from tests.integration.test_public_pages import REFERENCES

    with rows() as session:
        article = session.get(Article, article_id)
        author = session.get(User, article.author_id)
        # An update of an approved article needs its "What changed" note.
        save_draft(article_id, author, article.version, DraftContent(
            title=title, body=body, references_text=REFERENCES, tags=["pain medicine"],
            change_note="Updated for readers."))
        workflow.submit_article(article_id, author, None)
        session.commit()
    if approve:
        publisher.review(article_id)


def test_the_asker_is_mailed_once_when_the_commissioned_article_is_approved(
        app, client, asked, publisher, signed_in, rows):
    slug, question_id = asked
    ask(client, slug, "Same question, no email?")
    other_id = questions(rows)[1].id
    _, desk = signed_in("editor")
    author, _ = signed_in("author")
    assert commission(desk, question_id, author.id).status_code == 302
    assert commission(desk, other_id, author.id).status_code == 302
    first, second = (q.commissioned_article_id for q in questions(rows))

    prompting = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert "Readers also asked" not in prompting  # nothing approved yet
    write_and_approve(publisher, rows, first, "Ibuprofen while breastfeeding")
    (mail,) = mails(rows, ASKER)
    with rows() as session:
        new_slug = session.get(Article, first).slug
    assert mail.subject == "Your question has been answered: Ibuprofen while breastfeeding"
    link = f"{app.config['SITE_URL']}/articles/{new_slug}"
    assert f"Your question has been answered: {link}" in mail.body
    (notified,) = events(rows, "reader_question.asker_notified")
    assert notified.object_id == str(question_id)
    assert notified.details == {"commissioned_article": first, "outbox_message_id": mail.id}
    # In the approval's transaction: right after article.approved.
    actions = audit_actions(app)
    assert actions[actions.index("reader_question.asker_notified") - 1] == "article.approved"
    assert questions(rows)[0].asker_notified_at is not None

    # "Readers also asked" under the prompting article; the question itself is not shown.
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    also = section(page, "Readers also asked")
    assert f'href="/articles/{new_slug}"' in also and "Ibuprofen while breastfeeding" in also
    assert "breastfeeding my six-week-old" not in page

    # A later approval of an update mails nobody again; the question without an
    # email is never mailed.
    with rows() as session:
        author_row = session.get(User, author.id)
        workflow.revise_article(first, author_row, None)
        session.commit()
    write_and_approve(publisher, rows, first, "Ibuprofen while breastfeeding, updated",
                      "Ibuprofen is still fine [1].")
    write_and_approve(publisher, rows, second, "The same, without an email")
    assert len(mails(rows, ASKER)) == 1
    assert len(events(rows, "reader_question.asker_notified")) == 1
    also = section(client.get(f"/articles/{slug}").get_data(as_text=True), "Readers also asked")
    assert "Ibuprofen while breastfeeding, updated" in also
    assert "The same, without an email" in also


def test_readers_also_asked_lists_only_approved_commissioned_articles(
        app, client, asked, publisher, signed_in, rows):
    slug, question_id = asked
    _, desk = signed_in("editor")
    author, _ = signed_in("author")
    commission(desk, question_id, author.id)
    (question,) = questions(rows)
    write_and_approve(publisher, rows, question.commissioned_article_id, "Not yet approved",
                      approve=False)
    # Submitted, not approved: not listed (and not public).
    assert "Readers also asked" not in client.get(f"/articles/{slug}").get_data(as_text=True)
    other = publisher.approved(title="Another article")
    assert "Readers also asked" not in client.get(f"/articles/{other}").get_data(as_text=True)
