""""Have a follow-up question?" under a public article (issue 17): the reader's
form (CSRF, required question, optional validated email, the consent rule, the
honeypot, per-address rate limit), what is stored and audited, and that nothing
a reader typed is ever shown on a public page or the API."""

import re

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.questions.models import ReaderQuestion
from tests.conftest import audit_actions
from tests.integration.test_public_pages import Publisher, text_of

QUESTION = "Can I take ibuprofen while breastfeeding my six-week-old?"
THANKS = "Thank you for your question."


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


def ask(client, slug, question=QUESTION, email="", consent=False, website="", **kwargs):
    data = {"question": question, "email": email, "website": website}
    if consent:
        data["consent"] = "y"
    return client.post(f"/articles/{slug}/ask", data=data, **kwargs)


def questions(rows) -> list[ReaderQuestion]:
    with rows() as session:
        found = session.scalars(select(ReaderQuestion).order_by(ReaderQuestion.id)).all()
        for row in found:
            session.expunge(row)
        return found


def ask_section(page: str) -> str:
    start = page.index('<section class="ask-question"')
    return page[start:page.index("</section>", start)]


def test_the_form_under_each_article(client, publisher):
    slug = publisher.approved()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    form = ask_section(page)
    assert "Have a follow-up question?" in form
    assert page.index("Have a follow-up question?") > page.index("Medical disclaimer")
    assert "Questions are never published." in text_of(form)
    assert "You may email me a reply to this question." in text_of(form)
    # The honeypot: hidden from people and from assistive technology, out of the
    # Tab order, never filled in by the browser.
    honeypot = re.search(r'<div class="visually-hidden" aria-hidden="true">(.*?)</div>', form,
                         re.S).group(1)
    field = re.search(r'<input[^>]*name="website"[^>]*>', honeypot).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field


def test_a_reader_asks_with_an_email_without_logging_in(app, client, publisher, rows):
    slug = publisher.approved()
    response = ask(client, slug, f"  {QUESTION}  ", " Reader@Example.org ", consent=True)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/articles/{slug}"
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    assert THANKS in page
    assert "breastfeeding" not in page  # never shown back publicly
    (stored,) = questions(rows)
    assert stored.question == QUESTION
    assert stored.email == "Reader@Example.org" and stored.consent_given
    assert stored.status == "open" and stored.handled_at is None
    # The address is kept only as a keyed hash (for the rate limit).
    assert stored.client_hash and len(stored.client_hash) == 64
    assert "127.0.0.1" not in stored.client_hash
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        assert stored.article_id == article.id
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "reader_question.asked")).one()
        assert event.actor_id is None and event.article_id == article.id
        assert event.object_type == "reader_question" and event.object_id == str(stored.id)
        assert event.details == {"question_chars": len(QUESTION), "email_given": True}
        assert "breastfeeding" not in event.canonical
        assert "Reader@Example.org" not in event.canonical


def test_a_question_without_an_email_needs_no_consent(client, publisher, rows):
    slug = publisher.approved()
    assert ask(client, slug).status_code == 302
    (stored,) = questions(rows)
    assert stored.email is None and not stored.consent_given


def test_an_email_without_consent_is_refused_with_the_text_kept(app, client, publisher, rows):
    slug = publisher.approved()
    response = ask(client, slug, QUESTION, "reader@example.org", consent=False)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Tick the box to let us email you a reply, or leave the email empty." in page
    assert QUESTION in ask_section(page) and "reader@example.org" in ask_section(page)
    assert questions(rows) == []
    assert "reader_question.asked" not in audit_actions(app)


@pytest.mark.parametrize(("question", "email", "error"), [
    ("", "", "Write your question."),
    ("  \n ", "", "Write your question."),
    ("Fine question?", "not-an-email", "Enter a valid email address, or leave it empty."),
    ("x" * 2001, "", "Please keep the question under 2,000 characters (it has 2,001)."),
    ("Bad \x00 byte", "", "contains a NUL byte"),
])
def test_invalid_questions_are_refused_and_store_nothing(app, client, publisher, rows,
                                                         question, email, error):
    slug = publisher.approved()
    response = ask(client, slug, question, email, consent=True)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error in text_of(page)
    if question.strip() and "\x00" not in question:
        assert question[:50] in ask_section(page)
    assert questions(rows) == []
    assert "reader_question.asked" not in audit_actions(app)


def test_a_question_another_site_sent_is_refused(client, publisher, rows):
    """No session token (the page is shared by every reader): a post the browser
    says came from another site is refused, and nothing is stored."""
    slug = publisher.approved()
    refused = ask(client, slug, csrf=False, headers={"Sec-Fetch-Site": "cross-site"})
    assert refused.status_code == 403
    assert ask(client, slug, csrf=False, headers={"Origin": "https://elsewhere.example"}
               ).status_code == 403
    assert questions(rows) == []
    assert ask(client, slug, csrf=False, headers={"Sec-Fetch-Site": "same-origin"}
               ).status_code == 302
    assert len(questions(rows)) == 1


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(app, client, publisher, rows):
    slug = publisher.approved()
    response = ask(client, slug, "Buy cheap pills", "bot@example.org", consent=True,
                   website="https://spam.example")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/articles/{slug}"
    assert THANKS in client.get(f"/articles/{slug}").get_data(as_text=True)
    assert questions(rows) == []
    assert "reader_question.asked" not in audit_actions(app)


def test_questions_are_rate_limited_per_address(app, client, publisher, rows):
    app.config["QUESTION_RATE_LIMIT"] = 2
    slug = publisher.approved()
    for n in range(2):
        assert ask(client, slug, f"Question {n}?").status_code == 302
    refused = ask(client, slug, "One too many?", "reader@example.org", consent=True)
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Too many questions from your network in the last hour." in page
    assert "One too many?" in ask_section(page)  # kept in the form
    assert [q.question for q in questions(rows)] == ["Question 0?", "Question 1?"]
    # Another address may still ask; an hour later this one may again.
    assert ask(client, slug, "From elsewhere?",
               environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302
    with rows() as session:
        for row in session.scalars(select(ReaderQuestion)):
            row.asked_at = row.asked_at.replace(year=row.asked_at.year - 1)
        session.commit()
    assert ask(client, slug, "Next day?").status_code == 302
    assert len(questions(rows)) == 4


def test_the_rate_limit_follows_the_trusted_proxy(app_config, publisher, rows):
    """Behind a trusted proxy the reader's address is the forwarded one."""
    from reviewapp import create_app
    from tests.conftest import CSRFClient

    proxied = create_app({**app_config, "TRUSTED_PROXIES": 1, "QUESTION_RATE_LIMIT": 1})
    proxied.test_client_class = CSRFClient
    publisher.app = proxied
    client = proxied.test_client()
    slug = publisher.approved()

    def from_reader(address, text):
        return ask(client, slug, text, headers={"X-Forwarded-For": address})

    try:
        assert from_reader("203.0.113.5", "First?").status_code == 302
        assert from_reader("203.0.113.5", "Second?").status_code == 429
        assert from_reader("198.51.100.7", "Other reader?").status_code == 302
    finally:
        from reviewapp.extensions import db

        with proxied.app_context():
            db.session.remove()
            db.engine.dispose()


def test_only_public_articles_take_questions(client, publisher, rows):
    article_id = publisher.submitted()
    with rows() as session:
        slug = session.get(Article, article_id).slug
    assert ask(client, slug).status_code == 404
    assert ask(client, "no-such-article").status_code == 404
    assert ask(client, slug, website="https://spam.example").status_code == 404
    with rows() as session:
        assert session.scalar(select(func.count()).select_from(ReaderQuestion)) == 0


def test_nothing_a_reader_typed_is_on_public_pages_or_the_api(client, publisher, rows):
    slug = publisher.approved()
    ask(client, slug, "Secret words about my liver?", "xyzzy@example.org", consent=True)
    ask(client, slug, "Plugh plugh?")
    assert len(questions(rows)) == 2
    for url in (f"/articles/{slug}", "/articles", f"/api/v1/articles/{slug}",
                "/api/v1/articles", "/editorial-policy"):
        body = client.get(url).get_data(as_text=True)
        for typed in ("Secret words", "my liver", "xyzzy@example.org", "Plugh"):
            assert typed not in body, (url, typed)
