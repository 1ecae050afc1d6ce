"""The read API /api/v1: lists and articles as the pages show them, JSON
errors, ETag/Last-Modified with 304, and the OpenAPI document (every API
route is in it; every response in these tests is validated against it)."""

import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

import jsonschema
import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import select

from reviewapp.articles.models import Article
from reviewapp.db import utcnow
from reviewapp.public.page_cache import settings_changed
from tests.integration.test_public_pages import Publisher, text_of

PLAIN = {"body": "Text [1].", "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1"}
SEEN: set[tuple[str, str, str]] = set()  # (path template, method, status) validated


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


@pytest.fixture
def api(client):
    """GET an API path; the response is checked against the OpenAPI document."""
    document = client.get("/api/v1/openapi.json").get_json()

    def get(url, template=None, **kwargs):
        response = client.get(url, **kwargs)
        check_response(document, template or url.split("?")[0], "get", response)
        return response

    get.document = document
    return get


def check_response(document, template, method, response):
    operation = document["paths"][template][method]
    status = str(response.status_code)
    assert status in operation["responses"], (template, status, response.get_data(as_text=True))
    spec = operation["responses"][status]
    content = spec.get("content")
    if content is None:
        assert response.get_data() == b""
    else:
        assert response.mimetype == "application/json"
        schema = {**content["application/json"]["schema"], "components": document["components"]}
        jsonschema.validate(response.get_json(), schema,
                            cls=jsonschema.Draft202012Validator,
                            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for header, header_spec in spec.get("headers", {}).items():
        if header_spec.get("required"):
            assert header in response.headers, (template, status, header)
    SEEN.add((template, method, status))


# -- the OpenAPI document ---------------------------------------------------------------------

def test_openapi_document_is_valid_and_names_every_api_route(app, api):
    document = api.document
    validate_openapi(document)
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes[path] = {m.lower() for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes, "no API routes registered"
    assert set(routes) == set(document["paths"])
    for path, methods in routes.items():
        assert methods == set(document["paths"][path]), path
    assert document["openapi"].startswith("3.")


@contextmanager
def database_down(app):
    """Every statement fails as a dropped connection would."""
    from reviewapp.extensions import db

    def refuse(conn, cursor, statement, *args):
        raise sa.exc.OperationalError(statement, {}, Exception("server closed the connection"))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", refuse)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse)


def test_every_documented_response_occurs_and_validates(app, client, publisher, api):
    """Each documented (path, status) is produced once here and validated."""
    slug = publisher.approved(tags=("pain medicine",))
    item = "/api/v1/articles/{slug}"
    first = api(f"/api/v1/articles/{slug}", item)
    api(f"/api/v1/articles/{slug}", item, headers={"If-None-Match": first.headers["ETag"]})
    api("/api/v1/articles/nope", item)
    api("/api/v1/articles/nope%00", item)  # NUL: 400
    listing = api("/api/v1/articles")
    api("/api/v1/articles", headers={"If-None-Match": listing.headers["ETag"]})
    api("/api/v1/articles?limit=0")
    api("/api/v1/openapi.json")
    api("/api/v1/openapi.json?x=%00", "/api/v1/openapi.json")
    with database_down(app):
        unavailable = [api("/api/v1/articles"), api(f"/api/v1/articles/{slug}", item)]
    assert {r.status_code for r in unavailable} == {503}
    assert all("nothing was saved" in r.get_json()["error"]["message"] for r in unavailable)
    for path, operations in api.document["paths"].items():
        for method, operation in operations.items():
            for status in operation["responses"]:
                assert (path, method, status) in SEEN, (path, method, status)


# -- lists ------------------------------------------------------------------------------------

def test_list_has_approved_articles_only_with_links(app, api, publisher):
    slug = publisher.approved(title="Approved one", tags=("cardiology",), **PLAIN)
    publisher.submitted(title="Pending one", **PLAIN)
    body = api("/api/v1/articles").get_json()
    assert [i["title"] for i in body["items"]] == ["Approved one"]
    (entry,) = body["items"]
    assert entry["slug"] == slug and entry["tags"] == ["cardiology"]
    assert entry["url"] == f"http://127.0.0.1:5000/articles/{slug}"
    assert entry["api_url"] == f"http://127.0.0.1:5000/api/v1/articles/{slug}"
    assert entry["review_status"] == "approved"
    assert body["next_cursor"] is None and body["next"] is None


def test_list_filters_by_tag_query_and_updated_since(api, publisher, rows):
    old = publisher.approved(title="Old cardiology", tags=("cardiology",), **PLAIN)
    publisher.age(old, 30)
    publisher.approved(title="New cardiology", tags=("cardiology",), **PLAIN)
    publisher.approved(title="New pain", tags=("pain",), **PLAIN)

    def listed(query):
        return [i["title"] for i in api(f"/api/v1/articles?{query}").get_json()["items"]]

    assert listed("tag=cardiology") == ["New cardiology", "Old cardiology"]
    assert listed("q=pain") == ["New pain"]
    since = (utcnow() - timedelta(days=1)).date().isoformat()
    assert listed(f"updated_since={since}") == ["New pain", "New cardiology"]
    assert listed(f"updated_since={since}&tag=cardiology") == ["New cardiology"]
    moment = (utcnow() - timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(listed(f"updated_since={moment}")) == 3
    assert listed("updated_since=2999-01-01T00:00:00%2B02:00") == []


@pytest.mark.parametrize(("query", "message"), [
    ("updated_since=yesterday", "updated_since must be an ISO 8601 date or date-time"),
    ("limit=0", "limit must be a whole number from 1 to 100."),
    ("limit=101", "limit must be a whole number from 1 to 100."),
    ("limit=abc", "limit must be a whole number from 1 to 100."),
    ("cursor=%%%", "The cursor is not valid"),
    ("cursor=bm9wZQ", "The cursor is not valid"),
])
def test_bad_parameters_are_json_400s(api, query, message):
    response = api(f"/api/v1/articles?{query}")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["message"].startswith(message)


def test_list_pages_by_cursor(app, api, publisher):
    for n in range(5):
        publisher.approved(title=f"Article {n}", tags=(), **PLAIN)
    titles, url = [], "/api/v1/articles?limit=2"
    while url:
        body = api(url, "/api/v1/articles").get_json()
        titles += [i["title"] for i in body["items"]]
        url = body["next"] and body["next"].replace("http://127.0.0.1:5000", "")
    assert titles == [f"Article {n}" for n in (4, 3, 2, 1, 0)]


# -- one article, exactly as the page shows it ------------------------------------------------

def test_article_serves_what_the_page_shows(client, api, publisher, rows):
    slug = publisher.approved(tags=("pain medicine",))
    publisher.approved(title="Naproxen", tags=("pain medicine",), **PLAIN)
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")
    body = api(f"/api/v1/articles/{slug}", "/api/v1/articles/{slug}").get_json()
    page = client.get(f"/articles/{slug}").get_data(as_text=True)
    readable = text_of(page)

    assert body["title"] == "Ibuprofen for back pain" and body["tags"] == ["pain medicine"]
    assert body["html"] in page  # the very same sanitised HTML, markers linked
    assert '<a class="citation" href="#ref-1"' in body["html"]
    assert body["markdown"].startswith("Ibuprofen reduces acute low back pain [1].")
    review = body["review"]
    assert review["status"] == "approved" and review["status_label"] == "Approved"
    assert [s["current"] for s in review["steps"]] == [False, False, True]
    assert review["statement"] in readable
    assert review["pending"] is False and review["caution"] is None
    assert review["update_under_review"] is False
    with rows() as session:
        article = session.scalar(select(Article).where(Article.slug == slug))
        approved_at = article.approved_revision.approved_at
        assert body["content_hash"] == article.approved_revision.content_hash
    assert review["last_updated"] == approved_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert review["last_reviewed"] == review["last_updated"]  # approved once
    assert review["written_by"] == {"name": "Alice Author", "credentials": "",
                                    "specialty": "", "orcid": None, "board_url": None}
    due = (approved_at + timedelta(days=365)).date()
    assert review["next_review_due"] == due.isoformat()
    assert f'<time datetime="{due.isoformat()}">' in page
    assert [r["name"] for r in review["reviewed_by"]] == ["Dr. Rita Reviewer", "Dr. Sam Second"]
    for reviewer in review["reviewed_by"]:
        assert f'<time datetime="{reviewer["signed_at"][:10]}">' in page
        assert reviewer["name"] in readable
    assert review["editorial_policy_url"] == "http://127.0.0.1:5000/editorial-policy"

    references = body["references"]
    assert [r["number"] for r in references] == [1, 2, 3, 4, 5, 6]
    for ref in references:
        assert text_of(ref["text"]) in readable
        for link in filter(None, ref["links"].values()):
            assert f'href="{link}"' in page
    assert references[0]["doi"] == "10.1136/bmj.m1"
    assert references[0]["links"]["doi"] == "https://doi.org/10.1136/bmj.m1"
    assert references[1]["pmid"] == "25064594"
    assert references[1]["links"]["pubmed"] == "https://pubmed.ncbi.nlm.nih.gov/25064594/"
    assert references[2]["retracted"] is True
    assert references[2]["notice"]["label"] == "Retracted" and "Retracted" in readable
    assert [r["retracted"] for r in references].count(True) == 1

    summary = body["citation_summary"]
    assert summary["references"] == 6 and summary["retracted_now"] == 1
    # The page gives readers the trust facts, not the finding counts the API keeps.
    checked = datetime.fromisoformat(summary["checked_at"].replace("Z", "+00:00"))
    assert f"6 sources, checked {checked.day} {checked:%B %Y}." in readable
    assert "1 cited work has been retracted since (marked above)." in readable
    assert f"{summary['errors']} errors" not in readable
    assert [r["title"] for r in body["related"]] == ["Naproxen"]
    assert body["disclaimer"] in readable


def test_update_under_review_and_publish_before_approval_as_on_the_page(app, api, publisher,
                                                                        rows):
    slug = publisher.approved()
    publisher.new_version_in_review(slug)
    body = api(f"/api/v1/articles/{slug}", "/api/v1/articles/{slug}").get_json()
    assert body["review"]["update_under_review"] is True
    assert body["review"]["update_notice"].startswith("An update to this article")
    assert body["title"] == "Ibuprofen for back pain" and body["revision"] == 1

    pending_id = publisher.submitted(title="Pending article", **PLAIN)
    with rows() as session:
        pending = session.get(Article, pending_id).slug
    assert api(f"/api/v1/articles/{pending}", "/api/v1/articles/{slug}").status_code == 404
    app.config["PUBLISH_BEFORE_APPROVAL"] = True
    body = api(f"/api/v1/articles/{pending}", "/api/v1/articles/{slug}").get_json()
    assert body["review"]["pending"] is True and body["review"]["status"] == "submitted"
    assert body["review"]["caution"] == ("Educational purpose only • Exercise caution as "
                                         "content is pending human review")
    assert body["review"]["reviewed_by"] == [] and body["review"]["next_review_due"] is None
    assert body["review"]["last_updated"] is None


# -- errors -----------------------------------------------------------------------------------

def test_errors_are_json_with_proper_codes(client, api, publisher):
    missing = api("/api/v1/articles/no-such-article", "/api/v1/articles/{slug}")
    assert missing.status_code == 404
    assert missing.get_json() == {"error": {"status": 404,
                                            "message": "There is no such article."}}
    unknown = client.get("/api/v1/nothing/here")
    assert unknown.status_code == 404 and unknown.mimetype == "application/json"
    assert unknown.get_json()["error"]["status"] == 404
    posted = client.post("/api/v1/articles", data={})
    assert posted.status_code == 405 and posted.mimetype == "application/json"
    assert posted.headers["Allow"].replace(" ", "").split(",").__contains__("GET")
    assert posted.get_json()["error"]["status"] == 405
    # The HTML site keeps its own error pages.
    assert client.get("/nothing/here").mimetype == "text/html"


# -- conditional GET --------------------------------------------------------------------------

def test_etag_and_last_modified_give_304_without_rendering(app, client, api, publisher,
                                                           monkeypatch):
    slug = publisher.approved()
    url, template = f"/api/v1/articles/{slug}", "/api/v1/articles/{slug}"
    first = api(url, template)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    # The publication version, the build, the variant (public/page_cache.py).
    assert re.fullmatch(r'"[0-9a-f]+-[0-9a-f]{12}-[0-9a-f]{12}"', etag)
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate, s-maxage=60"
    assert api(url, template).headers["ETag"] == etag  # stable

    def no_rendering(*args, **kwargs):
        raise AssertionError("rendered for a 304")

    monkeypatch.setattr("reviewapp.public.article_page.render_markdown", no_rendering)
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", W/{etag}'},
                    {"If-Modified-Since": last_modified}):
        response = api(url, template, headers=headers)
        assert response.status_code == 304, headers
        assert response.get_data() == b""
        assert response.headers["ETag"] == etag
    # If-None-Match wins over If-Modified-Since (RFC 9110): the kept copy, whole.
    other = client.get(url, headers={"If-None-Match": '"other"',
                                     "If-Modified-Since": last_modified})
    assert other.status_code == 200 and other.get_json()["slug"] == slug
    monkeypatch.undo()
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(seconds=1),
                              usegmt=True)
    assert api(url, template, headers={"If-Modified-Since": earlier}).status_code == 200


def test_the_etag_changes_with_what_is_shown(app, api, publisher):
    slug = publisher.approved(tags=("pain medicine",))
    url, template = f"/api/v1/articles/{slug}", "/api/v1/articles/{slug}"
    etags = [api(url, template).headers["ETag"]]
    publisher.retraction("1", "Retraction", doi="10.5555/retracted.1")  # a reference marked
    etags.append(api(url, template).headers["ETag"])
    publisher.approved(title="Related now", tags=("pain medicine",), **PLAIN)  # related list
    etags.append(api(url, template).headers["ETag"])
    publisher.new_version_in_review(slug)  # the update notice
    etags.append(api(url, template).headers["ETag"])
    app.config["REVIEW_INTERVAL_DAYS"] = 30  # next review due (a setting: a restart)
    settings_changed(app)
    etags.append(api(url, template).headers["ETag"])
    assert len(set(etags)) == len(etags)
    # An old copy is not "not modified".
    assert api(url, template, headers={"If-None-Match": etags[0]}).status_code == 200


def test_the_list_answers_conditional_gets(api, publisher):
    publisher.approved(**PLAIN)
    first = api("/api/v1/articles")
    etag = first.headers["ETag"]
    assert api("/api/v1/articles", headers={"If-None-Match": etag}).status_code == 304
    publisher.approved(title="Another", **PLAIN)
    assert api("/api/v1/articles", headers={"If-None-Match": etag}).status_code == 200


# -- audience versions (issue 17) -------------------------------------------------------------

def test_article_serves_every_audience_version_in_the_sites_order(app, client, api, publisher):
    from reviewapp.config import AUDIENCES
    from tests.reader_audiences import PATIENT, PROFESSIONAL, approved_with_versions

    # Written professional first: served in AUDIENCES' order all the same.
    slug = approved_with_versions(publisher, {"professional": PROFESSIONAL,
                                              "patient": PATIENT})
    client.set_cookie("reader_audience", "patient")  # the API ignores the reader's cookie
    body = api(f"/api/v1/articles/{slug}", "/api/v1/articles/{slug}").get_json()
    assert body["title"] == "Ibuprofen for back pain"  # the main text, as before
    assert body["markdown"].startswith("Ibuprofen reduces acute low back pain [1].")
    assert body["disclaimer"] == app.config["MEDICAL_DISCLAIMER"]
    assert [v["audience"] for v in body["versions"]] == ["patient", "professional"]
    patient, professional = body["versions"]
    assert patient == {
        "audience": "patient", "label": "Patient or carer", "title": PATIENT[0],
        "key_points": PATIENT[1], "body": PATIENT[2],
        "key_points_html": patient["key_points_html"], "html": patient["html"],
        "disclaimer": AUDIENCES[0]["disclaimer"]}
    assert professional["label"] == "Healthcare professional"
    assert professional["disclaimer"] == AUDIENCES[1]["disclaimer"]
    assert professional["title"] == PROFESSIONAL[0]
    # The same HTML as the page shows for that audience, markers linked.
    page = client.get(f"/articles/{slug}?for=professional").get_data(as_text=True)
    assert professional["html"] in page and professional["key_points_html"] in page
    assert '<a class="citation" href="#ref-2"' in professional["html"]


def test_an_article_without_versions_serves_an_empty_list(api, publisher):
    slug = publisher.approved(**PLAIN)
    body = api(f"/api/v1/articles/{slug}", "/api/v1/articles/{slug}").get_json()
    assert body["versions"] == []


def test_versions_follow_the_sites_audiences_and_change_the_etag(app, api, publisher):
    from reviewapp.config import AUDIENCES
    from tests.reader_audiences import PATIENT, PROFESSIONAL, approved_with_versions

    slug = approved_with_versions(publisher, {"patient": PATIENT,
                                              "professional": PROFESSIONAL})
    url, template = f"/api/v1/articles/{slug}", "/api/v1/articles/{slug}"
    first = api(url, template)
    app.config["AUDIENCES"] = [{**AUDIENCES[1], "label": "Clinician"}]
    settings_changed(app)  # settings are read at start: as after a restart
    second = api(url, template)
    # A version for an audience the site no longer has is not served.
    assert [(v["audience"], v["label"]) for v in second.get_json()["versions"]] == [
        ("professional", "Clinician")]
    assert second.headers["ETag"] != first.headers["ETag"]
    assert api(url, template, headers={"If-None-Match": first.headers["ETag"]}
               ).status_code == 200
