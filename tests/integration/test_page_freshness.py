"""Issue 19: no reader sees outdated medical content because of a cache.

Every public view of an article is cached first (each asked twice; the second
answer comes from the cache: one query, the same ETag). Then one event that
changes what readers see is driven through the service or command that makes it
happen; the next request of each view shows the change, with a new ETag. On both
cache backends: in each process (the default) and Redis (CACHE_REDIS_URL), and on
SQLite and PostgreSQL."""

import io
import json
import uuid
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from reviewapp import create_app
from reviewapp.accounts import profiles
from reviewapp.accounts.models import User
from reviewapp.accounts.services import set_user_active
from reviewapp.articles.models import Article
from reviewapp.articles.services import DraftContent, save_draft
from reviewapp.config import AUDIENCES
from reviewapp.db import utcnow
from reviewapp.public import site_pages
from reviewapp.questions import services as questions
from reviewapp.site_keys import new_private_key_text
from reviewapp.workflow import scheduling
from reviewapp.workflow.rereview import import_retractions
from tests.integration.test_public_pages import REFERENCES, Publisher, text_of
from tests.integration.test_query_counts import statements_during
from tests.reader_audiences import PATIENT, approved_with_versions

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["in-process", "redis"])
def app_config(app_config, request):
    # One site key for every instance a test starts, as SIGNING_KEY gives in production.
    app_config = {**app_config, "SIGNING_KEY": new_private_key_text()}
    if request.param == "redis":  # a prefix of the test's own: nothing seen by another
        return {**app_config, "CACHE_REDIS_URL": REDIS_URL,
                "CACHE_KEY_PREFIX": f"test-{uuid.uuid4().hex}:"}
    return app_config


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


@pytest.fixture
def instance(app_config):
    """instance(**settings): another app on the same database (and cache), its
    connections closed when the test ends."""
    started = []

    def start(**settings):
        started.append(create_app({**app_config, **settings}))
        return started[-1]

    yield start
    from reviewapp.extensions import db

    for other in started:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def views(slug: str) -> dict[str, str]:
    return {"page": f"/articles/{slug}", "api": f"/api/v1/articles/{slug}",
            "provenance": f"/articles/{slug}/provenance.json", "index": "/articles",
            "list": "/api/v1/articles", "board": "/board", "policy": "/editorial-policy"}


def cache_every_view(app, slug: str) -> dict[str, str]:
    """Ask each view twice as a reader without a session: the second answer is the
    kept one (the version's one query, the same ETag). Returns the ETags."""
    reader = app.test_client()
    etags = {}
    for name, url in views(slug).items():
        first = reader.get(url)
        assert first.status_code == 200, url
        statements, _ = statements_during(app, reader, url, cached=True)
        assert len(statements) == 1, (url, statements)
        etags[name] = first.headers["ETag"]
    return etags


def read(app, url: str):
    response = app.test_client().get(url)
    assert response.status_code == 200, url
    return response


def shows(app, url: str, text: str) -> bool:
    return text in text_of(read(app, url).get_data(as_text=True))


def assert_changed(app, slug, etags, changed: dict[str, str]):
    """Each named view shows its text now, with a new ETag."""
    for name, text in changed.items():
        url = views(slug)[name]
        response = read(app, url)
        assert text in text_of(response.get_data(as_text=True)), (name, text)
        assert response.headers["ETag"] != etags[name], name


# -- the events ---------------------------------------------------------------------------------

def test_an_approved_update(app, publisher):
    slug = publisher.approved()
    etags = cache_every_view(app, slug)
    article_id = publisher.new_version_in_review(slug, body="Take 400 mg at most [1].")
    assert_changed(app, slug, etags, {"page": "An update to this article is being reviewed"})
    etags = cache_every_view(app, slug)
    publisher.review(article_id, ("Dr. Una Update", "Dr. Vic Verify"))
    assert_changed(app, slug, etags, {
        "page": "Take 400 mg at most", "api": "Take 400 mg at most",
        "provenance": "Dr. Una Update", "index": "Ibuprofen, updated",
        "list": "Ibuprofen, updated"})


def test_a_scheduled_publication_when_its_time_comes(app, publisher, rows):
    slug = publisher.approved()
    article_id = publisher.new_version_in_review(slug, body="Take 200 mg at most [1].")
    with rows() as session:
        scheduling.set_publish_at(article_id, publisher.user("editor"), None,
                                  utcnow() + timedelta(hours=2))
        session.commit()
    publisher.review(article_id, ("Dr. Una Update", "Dr. Vic Verify"))  # approved: scheduled
    etags = cache_every_view(app, slug)
    assert not shows(app, f"/articles/{slug}", "Take 200 mg at most")
    with rows() as session:  # time passes: the schedule is due
        session.get(Article, article_id).publish_at = utcnow() - timedelta(seconds=1)
        session.commit()
    assert_changed(app, slug, etags, {"api": "Take 200 mg at most",
                                      "page": "Take 200 mg at most",
                                      "list": "Ibuprofen, updated"})


def test_a_retraction_import(app, publisher, rows):
    slug = publisher.approved()
    etags = cache_every_view(app, slug)
    csv = ("Record ID,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,"
           "RetractionDate\n1,10.5555/retracted.1,,Retraction,3/14/2024 0:00\n")
    with rows() as session:
        import_retractions(io.BytesIO(csv.encode()))
        session.commit()
    assert_changed(app, slug, etags, {"page": "1 cited work has been retracted since"})
    assert read(app, views(slug)["api"]).get_json()["references"][2]["retracted"] is True
    with rows() as session:  # the re-review flag was raised with it
        assert session.scalar(select(Article.rereview_flagged_at)
                              .where(Article.slug == slug)) is not None


def test_a_reviewers_credentials(app, publisher, rows):
    slug = publisher.approved()
    etags = cache_every_view(app, slug)
    with rows() as session:
        rita = session.scalar(select(User).where(User.display_name == "Dr. Rita Reviewer"))
        profiles.update_public_profile(rita, profiles.PublicProfile(
            credentials="MD, FRCP", specialty="Rheumatology"), actor=rita)
        session.commit()
    assert_changed(app, slug, etags, {"page": "MD, FRCP", "api": "MD, FRCP",
                                      "provenance": "MD, FRCP", "board": "MD, FRCP"})


def test_a_reviewer_leaves_the_board(app, publisher, rows):
    slug = publisher.approved()
    etags = cache_every_view(app, slug)
    with rows() as session:
        admin = publisher.user("admin")
        sam = session.scalar(select(User).where(User.display_name == "Dr. Sam Second"))
        set_user_active(sam, False, actor=admin, reason="Retired")
        session.commit()
    response = read(app, "/board")
    assert "Dr. Sam Second" not in text_of(response.get_data(as_text=True))
    assert response.headers["ETag"] != etags["board"]


def test_a_policy_edit(app, publisher, rows):
    slug = publisher.approved()
    etags = cache_every_view(app, slug)
    with rows() as session:
        admin = publisher.user("admin")
        site_pages.update_site_page(site_pages.POLICY_SLUG, admin,
                                    "Our pharmacists check every dose.", site_pages.page_token(""))
        session.commit()
    assert_changed(app, slug, etags, {"policy": "Our pharmacists check every dose."})


def test_a_related_article_approved(app, publisher):
    slug = publisher.approved(tags=("pain medicine",))
    etags = cache_every_view(app, slug)
    publisher.approved(title="Heat packs for back pain", tags=("pain medicine",))
    assert_changed(app, slug, etags, {"page": "Heat packs for back pain",
                                      "api": "Heat packs for back pain"})


def test_a_tag_edit_on_a_public_article(app, publisher, rows):
    slug = publisher.approved(tags=("pain medicine",))
    other = publisher.approved(title="Sleep and pain", tags=("sleep",))
    etags = cache_every_view(app, slug)
    article_id = publisher.article_id(slug)
    with rows() as session:  # the author's draft of an update: its tags show at once
        article = session.get(Article, article_id)
        from reviewapp.workflow import services as workflow
        workflow.revise_article(article_id, article.author, None)
        save_draft(article_id, article.author, session.get(Article, article_id).version,
                   DraftContent(title="Ibuprofen for back pain", body="Draft [1].",
                                references_text=REFERENCES, tags=["pain medicine", "sleep"]))
        session.commit()
    assert_changed(app, slug, etags, {"page": "Sleep and pain", "api": "sleep"})
    assert shows(app, f"/articles/{other}", "Ibuprofen for back pain")


def test_readers_also_asked(app, publisher, rows):
    slug = publisher.approved()
    with rows() as session:
        questions.ask_question(slug, "Can I take it with a cold remedy?", None, False, None)
        session.commit()
    etags = cache_every_view(app, slug)
    with rows() as session:
        editor, author = publisher.user("editor"), publisher.user("author", "Ann Answer")
        question_id = session.scalar(select(questions.ReaderQuestion.id))
        commissioned = questions.commission_article(question_id, editor, author.id)
        save_draft(commissioned.id, author, commissioned.version, DraftContent(
            title="Ibuprofen with cold remedies", body="Check the label [1].",
            references_text=REFERENCES, tags=[]))
        from reviewapp.workflow import services as workflow
        workflow.submit_article(commissioned.id, author, None)
        session.commit()
        commissioned_id = commissioned.id
    assert not shows(app, f"/articles/{slug}", "Ibuprofen with cold remedies")
    publisher.review(commissioned_id, ("Dr. Una Update", "Dr. Vic Verify"))
    assert_changed(app, slug, etags, {"page": "Ibuprofen with cold remedies"})


def test_changed_audiences_after_a_restart(app, instance, publisher):
    """Settings are read at start: a new instance with a changed disclaimer (on the
    same database and, with Redis, the same cache) shows it at once."""
    slug = approved_with_versions(publisher, {"patient": PATIENT})
    cache_every_view(app, slug)
    patient_page = f"/articles/{slug}?for=patient"
    before = read(app, patient_page)
    restarted = instance(AUDIENCES=[
        {**AUDIENCES[0], "disclaimer": "Ask your pharmacist first."}, AUDIENCES[1]])
    after = read(restarted, patient_page)
    assert "Ask your pharmacist first." in text_of(after.get_data(as_text=True))
    assert after.headers["ETag"] != before.headers["ETag"]
    versions = read(restarted, f"/api/v1/articles/{slug}").get_json()["versions"]
    assert versions[0]["disclaimer"] == "Ask your pharmacist first."


# -- one cache for every instance ------------------------------------------------------------

def test_a_second_instance_serves_what_the_first_kept(app, app_config, instance, publisher):
    """With Redis, a page rendered by one instance is served by another from the
    cache (its version's one query); in each process, each instance renders its own."""
    slug = publisher.approved()
    url = f"/articles/{slug}"
    first = read(app, url)
    other = instance()
    statements, page = statements_during(other, other.test_client(), url, cached=True)
    shared = bool(app_config.get("CACHE_REDIS_URL"))
    assert (len(statements) == 1) is shared, statements
    assert page == first.get_data(as_text=True)


def test_the_provenance_of_a_cached_page_still_verifies(app, publisher):
    from reviewapp.provenance_check import check_provenance

    slug = publisher.approved()
    cache_every_view(app, slug)
    document = json.loads(read(app, f"/articles/{slug}/provenance.json").get_data())
    jwks = read(app, "/.well-known/reviewapp-keys.json").get_json()
    api_item = read(app, f"/api/v1/articles/{slug}").get_json()
    assert check_provenance(document, jwks, api_item) == []


# -- what a CDN or a reverse proxy is told -------------------------------------------------------

def cache_answers(answer: str) -> float:
    return REGISTRY.get_sample_value("reviewapp_page_cache_answers_total",
                                     {"answer": answer}) or 0


def test_a_matching_etag_is_answered_304_from_the_version_alone(app, publisher):
    slug = publisher.approved(tags=("pain medicine", "back care"))
    reader = app.test_client()
    answers = {a: cache_answers(a) for a in ("miss", "hit", "not_modified")}
    for url in views(slug).values():
        first = reader.get(url)
        statements, body = statements_during(app, reader, url, cached=True, status=304,
                                             headers={"If-None-Match": first.headers["ETag"]})
        assert len(statements) == 1 and body == "", url
    # /metrics counts how the cache answered: each view rendered once, then a 304.
    for answer, count in (("miss", 7), ("hit", 0), ("not_modified", 7)):
        assert cache_answers(answer) - answers[answer] == count, answer
    page = reader.get(f"/articles/{slug}", headers={"If-None-Match": first.headers["ETag"]})
    response = reader.get(f"/articles/{slug}")
    # Browsers ask again at every visit; shared caches keep it a minute.
    assert response.headers["Cache-Control"] == "public, max-age=0, must-revalidate, s-maxage=60"
    assert response.headers["CDN-Cache-Control"] == "max-age=60, stale-while-revalidate=60"
    assert response.headers["Surrogate-Control"] == "max-age=60, stale-while-revalidate=60"
    article_id = publisher.article_id(slug)
    assert response.headers["Surrogate-Key"] == (
        f"article-{article_id} tag-back%20care tag-pain%20medicine site")
    assert "Cookie" in response.headers["Vary"] and "Set-Cookie" not in response.headers
    assert page.status_code == 200  # another view's ETag is not this page's
    assert reader.get("/articles").headers["Surrogate-Key"] == "site list"


def test_signed_in_users_and_desk_pages_are_never_shared(app, client, rows, publisher,
                                                          login_as):
    slug = publisher.approved()
    with rows() as session:
        editor = publisher.user("editor")
        session.commit()
        login_as(editor)
    page = client.get(f"/articles/{slug}")
    assert page.headers["Cache-Control"] == "no-store"  # their menu is on it
    assert "Surrogate-Key" not in page.headers
    assert client.get("/desk/articles").headers["Cache-Control"] == "no-store"
    # A choice of audience in the URL sets the reader's cookie: kept by them alone.
    chosen = app.test_client().get(f"/articles/{slug}?for=patient")
    assert chosen.headers["Cache-Control"] == "private, no-cache"
    assert "reader_audience=patient" in chosen.headers["Set-Cookie"]
