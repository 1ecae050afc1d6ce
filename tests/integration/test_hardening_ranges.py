"""Hardening 2, found from outside: ids and dates beyond what the database holds
are 404 / 400 rather than 500 (item 2); pathologically nested reference and JATS
files are a clear 400 (item 6); every 405 says which methods are allowed (item 7).

The route tests walk `app.url_map`, so a route added later is covered too."""

import base64
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.routing import IntegerConverter
from werkzeug.test import encode_multipart

from reviewapp.accounts.permissions import ROLES
from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.reviews.models import Assignment
from reviewapp.routing import MAX_BIGINT, MAX_ID

# Past PostgreSQL's INTEGER, past BIGINT, past 64 bits, and more digits than int() takes.
OUT_OF_RANGE = [str(2**31), str(2**63), "99999999999999999999", "9" * 5000]
NEGATIVE = ["-1", "-99999999999999999999"]
PLACEHOLDER = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
OTHER_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def _count(rows, model) -> int:
    with rows() as session:
        return session.scalar(select(func.count()).select_from(model))


def _int_arguments(app, rule) -> list[str]:
    converters = app.url_map.converters
    return [m["name"] for m in PLACEHOLDER.finditer(rule.rule)
            if issubclass(converters[m["converter"] or "default"], IntegerConverter)]


def _url(rule, values: dict[str, str]) -> str:
    """The rule's path with each placeholder replaced (1 or "x" unless given)."""
    def part(match):
        if match["name"] in values:
            return values[match["name"]]
        return "1" if match["converter"] == "int" else "x"
    return PLACEHOLDER.sub(part, rule.rule)


def _upload(client, url: str, fields: dict, file_field: str, filename: str, content: bytes):
    """A multipart POST encoded in memory (the test client would spool a large
    body to a temporary file that it never closes)."""
    boundary, body = encode_multipart({
        **fields, "csrf_token": client.csrf_token(),
        file_field: FileStorage(io.BytesIO(content), filename=filename)})
    return client.post(url, data=body, csrf=False,
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def everyone(make_user, login_as):
    user = make_user(roles=ROLES)
    login_as(user)
    return user


# -- item 2: ids and dates out of range ----------------------------------------------------

def test_out_of_range_and_negative_ids_are_404_on_every_route(app, client, everyone,
                                                                make_article, rows):
    make_article(everyone)  # article 1 exists: only the refused id is missing
    token = client.csrf_token()
    events_before = _count(rows, AuditEvent)
    walked = set()
    for rule in app.url_map.iter_rules():
        for name in _int_arguments(app, rule):
            for value in OUT_OF_RANGE + NEGATIVE:
                url = _url(rule, {name: value})
                for method in sorted(rule.methods & {"GET", "POST"}):
                    response = client.open(url, method=method,
                                           data={"csrf_token": token, "version": "1"}
                                           if method == "POST" else None)
                    assert response.status_code == 404, (method, url[:80],
                                                         response.status_code)
                    assert "There is no such page." in response.get_data(as_text=True)
                    walked.add(rule.endpoint)
    assert {"articles.show", "articles.edit", "reviews.review", "workflow.submit_article",
            "reviews.accept", "admin.user", "audit.event"} <= walked
    assert len(walked) >= 20
    assert _count(rows, AuditEvent) == events_before  # nothing recorded for a refused id
    assert _count(rows, Article) == 1


def test_the_largest_id_the_database_holds_is_an_ordinary_missing_page(app, client,
                                                                        everyone):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and _int_arguments(app, rule):
            url = _url(rule, dict.fromkeys(_int_arguments(app, rule), str(MAX_ID)))
            assert client.get(url).status_code == 404, url


# What the audit browser says about each refused number.
AUDIT_NUMBER_MESSAGES = {
    "actor": ("There is no user with this id.", "There is no user with this email address."),
    "article": ("Article id must be a whole number from 1 to", "Not a valid integer value."),
    "before": ("before must be a whole number from 1 to",),
}


@pytest.mark.parametrize("value", OUT_OF_RANGE + NEGATIVE)
@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit/export.csv"])
def test_audit_number_filters_out_of_range_are_refused_with_a_message(client, everyone, rows,
                                                                      path, value):
    exports = 0
    events_before = _count(rows, AuditEvent)
    for name, messages in AUDIT_NUMBER_MESSAGES.items():
        response = client.get(f"{path}?{name}={value}")
        page = response.get_data(as_text=True)  # an export streams: read it to its end
        if name == "before" and path.endswith(".csv"):
            assert response.status_code == 200  # an export has no pages: before is unused
            exports += 1
            continue
        if name == "before" and 0 < int(value[:30]) <= MAX_BIGINT:
            assert response.status_code == 200  # an audit seq is a BIGINT: just no events
            continue
        assert response.status_code == 400, (name, value[:30], response.status_code)
        assert any(message in page for message in messages), (name, value[:30])
    # Object ids are text ("12", "article-3"): any text that fits the column is a filter.
    response = client.get(f"{path}?object_id={value}")
    response.get_data()
    assert response.status_code == (200 if len(value) <= 64 else 400)
    exports += path.endswith(".csv") and response.status_code == 200
    # Only the exports that ran were recorded (one audit.exported each).
    assert _count(rows, AuditEvent) - events_before == exports


@pytest.mark.parametrize("since, until, finds_events", [
    ("9999-12-31", "9999-12-31", False), ("0001-01-01", "0001-01-01", False),
    ("0001-01-01", "9999-12-31", True), ("", "9999-12-31", True)])
def test_audit_dates_at_the_ends_of_the_calendar_are_ordinary_filters(client, everyone,
                                                                     since, until,
                                                                     finds_events):
    response = client.get(f"/admin/audit?since={since}&until={until}")
    assert response.status_code == 200
    shown = re.search(r'href="/admin/audit/\d', response.get_data(as_text=True))
    assert bool(shown) == finds_events
    response = client.get(f"/admin/audit/export.csv?since={since}&until={until}")
    assert response.status_code == 200
    assert ("user.login" in response.get_data(as_text=True)) == finds_events


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_article_list_paging_beyond_the_ids_is_refused(client, everyone, value):
    response = client.get(f"/desk/articles/all?before={value}")
    assert response.status_code == 400
    assert "before must be" in response.get_data(as_text=True)


@pytest.mark.parametrize("reviewer_id", OUT_OF_RANGE[:3] + ["0", "-1"])
def test_assigning_a_reviewer_id_beyond_the_ids_is_refused(client, everyone, make_article,
                                                           rows, reviewer_id):
    article_id = make_article(everyone)
    assert client.post(f"/desk/articles/{article_id}/submit",
                       data={"version": "1"}).status_code == 302
    events_before = _count(rows, AuditEvent)
    response = client.post(f"/desk/articles/{article_id}/assign", data={
        "version": "2", "reviewer": reviewer_id, "due_date": "2099-01-01"})
    assert response.status_code == 400
    assert "There is no such user." in response.get_data(as_text=True)
    assert _count(rows, Assignment) == 0
    assert _count(rows, AuditEvent) == events_before


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", [
    "2026-01-01T00:00:00+00:00|2147483648", "2026-01-01T00:00:00+00:00|99999999999999999999",
    "2026-01-01T00:00:00+00:00|-1", "9999-12-31T23:59:59-05:00|1",
    "0001-01-01T00:00:00+05:00|1"])
def test_public_page_cursors_beyond_the_ids_or_the_calendar_are_refused(client, raw):
    """The index's `after` and the API's `cursor` are made by the site; one
    edited to a value no page holds is a 400, not a failed query."""
    response = client.get(f"/articles?after={_cursor(raw)}")
    assert response.status_code == 400
    assert "The cursor is not valid" in response.get_data(as_text=True)
    response = client.get(f"/api/v1/articles?cursor={_cursor(raw)}")
    assert response.status_code == 400
    assert "The cursor is not valid" in response.json["error"]["message"]


# -- item 6: pathologically nested imports -------------------------------------------------

DEEP = 200_000
NESTED_REFERENCE_FILES = {
    "deep.json": "[" * DEEP + "]" * DEEP,                            # CSL-JSON, lists
    "deep-object.csl": '{"items":' * DEEP + "[]" + "}" * DEEP,       # CSL-JSON, objects
    "deep.bib": "@article{k, title={" + "{" * DEEP + "x" + "}" * DEEP + "}}\n",  # BibTeX
}


@pytest.mark.parametrize("filename", NESTED_REFERENCE_FILES)
def test_nested_reference_file_is_refused_with_a_message_and_nothing_saved(
        client, everyone, make_article, rows, filename):
    content = NESTED_REFERENCE_FILES[filename]
    article_id = make_article(everyone)
    events_before = _count(rows, AuditEvent)
    for url, version in (("/desk/articles/new", None),
                         (f"/desk/articles/{article_id}/edit", "1")):
        fields = {"title": "Changed title", "body": "x [1].", "references": "",
                  "save": "Save draft", **({"version": version} if version else {})}
        response = _upload(client, url, fields, "reference_file", filename, content.encode())
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (url, response.status_code)
        assert "is nested too deeply to read" in page and "invalid-feedback" in page
        assert "Traceback" not in page and "RecursionError" not in page
    assert _count(rows, Article) == 1
    with rows() as session:
        assert session.get(Article, article_id).current_revision.title == \
            "Ibuprofen for back pain"
    assert _count(rows, AuditEvent) == events_before


def test_ris_file_with_a_deeply_bracketed_title_is_read_as_text(client, everyone, rows):
    # RIS is line-based: brackets do not nest, so the title is just long text.
    ris = "TY  - JOUR\nAU  - Doe, Jane\nTI  - " + "(" * DEEP + "\nPY  - 2020\nER  - \n"
    response = _upload(client, "/desk/articles/new", {
        "title": "T", "body": "x [1].", "references": "", "save": "Save draft"},
        "reference_file", "deep.ris", ris.encode())
    assert response.status_code == 200
    assert "Imported 1 references from deep.ris" in response.get_data(as_text=True)
    assert _count(rows, Article) == 0


# 100,000 levels of <sec></sec> is 1.1 MB, within the 2 MB request limit.
@pytest.mark.parametrize("depth", [DEEP // 2, 300, 200])
def test_nested_jats_is_refused_with_a_message_and_nothing_saved(client, everyone, rows,
                                                                 depth):
    events_before = _count(rows, AuditEvent)
    xml = (b"<article><body>" + b"<sec>" * depth + b"<p>x</p>" + b"</sec>" * depth
           + b"</body></article>")
    response = _upload(client, "/desk/articles/import", {}, "jats_file", "deep.xml", xml)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "The XML is nested more than 160 levels deep." in page
    assert "XML_PARSE_HUGE" not in page
    assert _count(rows, Article) == 0
    assert _count(rows, AuditEvent) == events_before


# -- item 7: 405 with Allow --------------------------------------------------------------

def test_every_405_lists_exactly_the_methods_the_route_allows(app, client, everyone, rows):
    events_before = _count(rows, AuditEvent)
    checked = 0
    for rule in app.url_map.iter_rules():
        url = _url(rule, {})
        for method in OTHER_METHODS:
            if method in rule.methods:
                continue
            response = client.open(url, method=method)
            assert response.status_code == 405, (method, rule.rule)
            allowed = {m.strip() for m in response.headers.get("Allow", "").split(",")
                       if m.strip()}
            assert allowed == rule.methods, (method, rule.rule, allowed)
            page = response.get_data(as_text=True)
            if rule.endpoint.startswith("api."):
                assert response.json["error"]["status"] == 405
            else:
                assert "This action is not allowed here." in page
            checked += 1
    assert checked >= 3 * len(list(app.url_map.iter_rules()))
    assert _count(rows, AuditEvent) == events_before
