"""Article drafts: create, edit, preview, lists, who may see what, bad input."""

import pytest
from sqlalchemy import func, select

from reviewapp.articles.models import Article, Reference, Revision
from reviewapp.audit.models import AuditEvent
from tests.conftest import audit_actions

DRAFT = {"title": "Ibuprofen for acute low back pain",
         "body": "Ibuprofen 400 mg reduces pain [1]. See **the trial** [2].",
         "references": "1. Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1\n\n"
                       "[2] Roe R. NSAIDs. Lancet. 2019. PMID: 31000001",
         "tags": "Pain medicine, NSAIDs"}


@pytest.fixture
def author(make_user, login_as):
    user = make_user(roles=["author"], name="Alice Author")
    login_as(user)
    return user


def counts(rows):
    with rows() as session:
        return tuple(session.scalar(select(func.count()).select_from(model))
                     for model in (Article, Revision, Reference, AuditEvent))


def test_author_creates_a_draft_with_numbered_references(client, author, rows, app):
    response = client.post("/desk/articles/new", data={**DRAFT, "save": "Save draft"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft saved." in page
    assert "Ibuprofen for acute low back pain" in page
    assert "<strong>the trial</strong>" in page
    assert ('<li id="ref-2">Roe R. NSAIDs. Lancet. 2019. PMID: 31000001 <a href="https://pubmed'
            '.ncbi.nlm.nih.gov/31000001/" rel="noopener noreferrer">PubMed</a></li>') in page
    with rows() as session:
        article = session.scalars(select(Article)).one()
        assert article.state == "draft" and article.slug == "ibuprofen-for-acute-low-back-pain"
        assert article.tag_names == ["nsaids", "pain medicine"]
        assert article.current_revision.number == 1
        assert article.current_revision.reference_texts == [
            "Doe J. Ibuprofen trial. BMJ. 2020. doi:10.1136/bmj.m1",
            "Roe R. NSAIDs. Lancet. 2019. PMID: 31000001"]
    assert audit_actions(app)[-1] == "article.created"
    mine = client.get("/desk/articles/").get_data(as_text=True)
    assert "Ibuprofen for acute low back pain" in mine
    assert "You: finish and submit it" in mine  # what the draft waits for


def test_preview_renders_without_saving(client, author, rows):
    before = counts(rows)
    response = client.post("/desk/articles/new", data={**DRAFT, "preview": "Preview"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview (not saved yet)" in page and "<strong>the trial</strong>" in page
    assert counts(rows) == before


def test_author_edits_the_draft_and_the_change_is_audited(client, author, make_article, rows):
    article_id = make_article(author)
    form = client.get(f"/desk/articles/{article_id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in form
    response = client.post(f"/desk/articles/{article_id}/edit", data={
        **DRAFT, "version": "1", "save": "Save draft"})
    assert response.status_code == 302
    with rows() as session:
        article = session.get(Article, article_id)
        assert article.version == 2
        assert article.current_revision.title == DRAFT["title"]
        assert len(article.current_revision.references) == 2
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert event.action == "article.draft_saved" and event.article_id == article_id
        assert event.details["changes"]["title"] == {
            "before": "Ibuprofen for back pain", "after": DRAFT["title"]}


def test_stale_form_is_refused_and_keeps_what_was_typed(client, author, make_article, rows):
    article_id = make_article(author)
    client.post(f"/desk/articles/{article_id}/edit", data={
        **DRAFT, "version": "1", "save": "Save draft"})
    before = counts(rows)
    response = client.post(f"/desk/articles/{article_id}/edit", data={
        **DRAFT, "title": "My other edit", "version": "1", "save": "Save draft"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "This article changed since you opened it — nothing was saved." in page
    assert 'value="My other edit"' in page
    assert counts(rows) == before


@pytest.mark.parametrize("path", ["", "/edit"])
def test_author_cannot_open_another_authors_draft(app, make_user, make_article, path, rows):
    owner = make_user(roles=["author"])
    article_id = make_article(owner)
    intruder = make_user(roles=["author", "reviewer"])
    client = app.test_client()
    client.post("/login", data={"email": intruder.email, "password": "correct horse battery"})
    response = client.get(f"/desk/articles/{article_id}{path}")
    assert response.status_code == 403
    assert "Ibuprofen for back pain" not in response.get_data(as_text=True)
    assert audit_actions(app)[-1] == "access.denied"


def test_author_cannot_save_over_another_authors_draft(app, make_user, make_article, rows):
    owner = make_user(roles=["author"])
    article_id = make_article(owner)
    intruder = make_user(roles=["author"])
    client = app.test_client()
    client.post("/login", data={"email": intruder.email, "password": "correct horse battery"})
    before = counts(rows)
    response = client.post(f"/desk/articles/{article_id}/edit", data={
        **DRAFT, "version": "1", "save": "Save draft"})
    assert response.status_code == 403
    after = counts(rows)
    assert after[:3] == before[:3] and after[3] == before[3] + 1  # only access.denied
    with rows() as session:
        assert session.get(Article, article_id).current_revision.title == "Ibuprofen for back pain"


def test_editor_sees_all_articles_and_filters_by_state(app, make_user, make_article, login_as,
                                                        client, rows):
    first, second = make_user(roles=["author"]), make_user(roles=["author"])
    make_article(first, title="First article")
    other = make_article(second, title="Second article")
    with rows() as session:
        session.get(Article, other).state = "submitted"
        session.commit()
    login_as(make_user(roles=["editor"]))
    page = client.get("/desk/articles/all").get_data(as_text=True)
    assert "First article" in page and "Second article" in page
    filtered = client.get("/desk/articles/all?state=submitted").get_data(as_text=True)
    assert "Second article" in filtered and "First article" not in filtered
    assert client.get(f"/desk/articles/{other}").status_code == 200


def test_all_articles_paginates_by_key(app, make_user, make_article, login_as, client):
    app.config["PAGE_SIZE"] = 2
    author = make_user(roles=["author"])
    for n in range(5):
        make_article(author, title=f"Article number {n}")
    login_as(make_user(roles=["editor"]))
    first = client.get("/desk/articles/all").get_data(as_text=True)
    assert "Article number 4" in first and "Article number 3" in first
    assert "Article number 2" not in first
    second = client.get("/desk/articles/all?before=4").get_data(as_text=True)
    assert "Article number 2" in second and "Article number 1" in second
    assert "Article number 3" not in second


def test_authors_cannot_see_the_all_articles_list(client, author, app):
    assert client.get("/desk/articles/all").status_code == 403
    assert audit_actions(app)[-1] == "access.denied"


@pytest.mark.parametrize("field,value,message", [
    ("title", "x" * 301, "The title can be at most 300 characters (this one has 301)."),
    ("title", "", "Enter a title."),
    ("body", "x" * 200_001, "The body can be at most 200,000 characters"),
    ("title", "Bad\x00title", "Title contains a NUL byte, which is not allowed."),
    ("body", "Bad\x00body", "Body contains a NUL byte, which is not allowed."),
    ("references", "\n".join(f"Ref {n}" for n in range(1_001)),
     "A reference list can hold at most 1,000 references (this one has 1,001)."),
])
def test_bad_input_gets_a_clear_message_and_changes_nothing(client, author, rows, field, value,
                                                           message):
    before = counts(rows)
    response = client.post("/desk/articles/new", data={**DRAFT, field: value,
                                                       "save": "Save draft"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts(rows) == before


def test_request_over_the_size_limit_gets_413(client, author, rows):
    before = counts(rows)
    response = client.post("/desk/articles/new", data={**DRAFT, "body": "x" * 5_000_000,
                                                       "save": "Save draft"})
    assert response.status_code == 413
    assert "The request is too large (limit: 2 MB)." in response.get_data(as_text=True)
    assert counts(rows) == before


def test_post_without_csrf_token_changes_nothing(client, author, rows):
    before = counts(rows)
    response = client.post("/desk/articles/new", data={**DRAFT, "save": "Save draft"},
                           csrf=False)
    assert response.status_code == 400
    assert counts(rows) == before


def test_script_in_title_and_body_is_stored_as_typed_and_shown_as_text(client, author, rows):
    title = '<script>alert(1)</script>"><svg onload=alert(2)>'
    body = ('Text <img src=x onerror=alert(3)> and [click](javascript:alert(4)) '
            'and [ok](https://example.org) [1].')
    response = client.post("/desk/articles/new", data={**DRAFT, "title": title, "body": body,
                                                       "save": "Save draft"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<svg" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(3)&gt;" in page
    assert 'href="javascript:' not in page.lower()
    assert 'href="https://example.org"' in page
    with rows() as session:
        revision = session.scalars(select(Revision)).one()
        assert revision.title == title and revision.body == body
    listing = client.get("/desk/articles/").get_data(as_text=True)
    assert "<script>alert(1)" not in listing


def test_reviewer_without_author_role_cannot_create_articles(make_user, login_as, client, app):
    login_as(make_user(roles=["reviewer"]))
    response = client.get("/desk/articles/new")
    assert response.status_code == 403
    assert audit_actions(app)[-1] == "access.denied"
