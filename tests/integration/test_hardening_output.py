"""Hardening 1-6 and 16: script in titles escaped everywhere (pages, API, audit
view, exports), raw HTML and dangerous link schemes never rendered, attribute
break-out in Markdown links, field and request limits, look-alike and
invisible characters in names, and huge inputs refused fast."""

import csv
import io
import json
import re
import time
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article, ArticleTag, Revision
from reviewapp.audit.models import AuditEvent
from tests.conftest import PASSWORD
from tests.integration.test_public_pages import REFERENCES, Publisher

TITLE = '<script>alert(1)</script>"><svg onload=alert(2)>'
ESCAPED_PART = "&lt;script&gt;alert(1)&lt;/script&gt;"
RAW_HTML_BODY = ("Intro [1].\n\n<img src=x onerror=alert(3)>\n\n"
                 '<iframe src="https://evil.example/"></iframe>\n\n'
                 "<style>body{display:none}</style>\n\n"
                 'Inline <img src="y" onerror="alert(4)"> too.\n')
BAD_LINKS_BODY = """Links [1]:
[a](javascript:alert(1)) [b](JaVaScRiPt:alert(1)) [c](java&#x09;script:alert(1))
[d](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) [e](vbscript:msgbox(1))
<javascript:alert(5)> <data:text/html,x> [f](  javascript:alert(6) "t")
[x](https://a.com" onmouseover="alert(1))
[y](<https://a.com" onmouseover="alert(7)>) [z](https://a.com 'x" onclick="alert(8)')
"""
BAD_LINK_REFERENCES = "\n".join([
    "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1 javascript:alert(1)",
    "2. Roe R. Paracetamol. JaVaScRiPt:alert(2) vbscript:msgbox(3)",
    "3. Kay K. Data. data:text/html;base64,PHNjcmlwdD4= java&#x09;script:alert(4)",
])
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Elements(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.texts: dict[str, list[str]] = {"script": [], "style": []}
        self._open: str | None = None

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, attrs))
        if tag in self.texts:
            self._open = tag

    def handle_endtag(self, tag):
        self._open = None

    def handle_data(self, data):
        if self._open:
            self.texts[self._open].append(data)


def assert_harmless(html: str, where: str = "") -> None:
    """No injected element, no event attribute, no dangerous URL in an attribute."""
    parser = _Elements()
    parser.feed(html)
    for tag, attrs in parser.elements:
        assert tag not in ("svg", "iframe", "img", "object", "embed"), (where, tag, attrs)
        for name, value in attrs:
            assert not name.startswith("on"), (where, tag, attrs)
            if name in ("href", "src", "action", "formaction", "xlink:href") and value:
                squashed = re.sub(r"[\x00-\x20]", "", unescape(value)).lower()
                assert not squashed.startswith(BAD_SCHEMES), (where, tag, attrs)
    for text in parser.texts["script"]:
        assert "alert" not in text, where
    for text in parser.texts["style"]:
        assert "display:none" not in text, where


def _count(app, model):
    from reviewapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _client(app, email, password=PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302
    return client


def _page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _emails(app, role):
    from reviewapp.extensions import db

    with app.app_context():
        users = db.session.scalars(select(User).order_by(User.id)).all()
        return [u.email for u in users if role in u.role_names]


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


# -- 1. Script in a title ----------------------------------------------------------------

def test_script_title_is_stored_as_typed_and_escaped_everywhere(app, publisher, rows,
                                                                make_user):
    article_id = publisher.submitted(title=TITLE)
    publisher.review(article_id, approve=False)       # in review: dashboards, review page
    slug = publisher.approved(title=TITLE, reviewer_names=("Dr. P", "Dr. Q"))
    with rows() as session:
        assert set(session.scalars(select(Revision.title))) == {TITLE}

    author = _client(app, _emails(app, "author")[0])
    editor = _client(app, _emails(app, "editor")[0])
    reviewer = _client(app, _emails(app, "reviewer")[0])
    admin_user = make_user(roles=["admin"])
    admin = _client(app, admin_user.email)
    anonymous = app.test_client()
    pages = {
        "desk article": _page(author, f"/desk/articles/{article_id}"),
        "my articles": _page(author, "/desk/articles/"),
        "all articles": _page(editor, "/desk/articles/all"),
        "editor dashboard": _page(editor, "/desk/editor"),
        "review page": _page(reviewer, f"/desk/articles/{article_id}/review"),
        "public article": _page(anonymous, f"/articles/{slug}"),
        "public index": _page(anonymous, "/articles"),
        "audit log": _page(admin, "/admin/audit"),
    }
    with rows() as session:
        created = session.scalars(select(AuditEvent.seq).where(
            AuditEvent.action == "article.created")).first()
    pages["audit event"] = _page(admin, f"/admin/audit/{created}")
    for where, html in pages.items():
        assert ESCAPED_PART in html, where
        assert "<script>alert" not in html and "<svg" not in html, where
        assert_harmless(html, where)

    api = anonymous.get(f"/api/v1/articles/{slug}").get_json()
    assert api["title"] == TITLE
    assert_harmless(api["html"], "api html")
    listing = anonymous.get("/api/v1/articles").get_json()
    assert TITLE in [item["title"] for item in listing["items"]]

    exported = admin.get("/admin/audit/export.csv")
    assert exported.status_code == 200
    table = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    assert len({len(row) for row in table}) == 1          # the title broke no row
    details = [json.loads(row[table[0].index("details")] or "{}") for row in table[1:]]
    assert TITLE in [d.get("title") for d in details]
    lines = admin.get("/admin/audit/export.jsonl").get_data(as_text=True).splitlines()
    events = [json.loads(line) for line in lines if line.strip()]
    assert any((e.get("details") or {}).get("title") == TITLE for e in events)


# -- 2-4. Raw HTML, link schemes, attribute break-out -------------------------------------

@pytest.mark.parametrize("body, references", [
    (RAW_HTML_BODY, REFERENCES),
    (BAD_LINKS_BODY, REFERENCES),
], ids=["raw-html", "bad-links"])
def test_dangerous_markup_is_kept_as_source_but_never_rendered(app, publisher, rows,
                                                              body, references):
    slug = publisher.approved(body=body, references=references)
    article_id = publisher.article_id(slug)
    with rows() as session:
        revision = session.get(Article, article_id).current_revision
        assert revision.body == body
    author = _client(app, _emails(app, "author")[0])
    anonymous = app.test_client()
    pages = {
        "desk article": _page(author, f"/desk/articles/{article_id}"),
        "public article": _page(anonymous, f"/articles/{slug}"),
        "api html": anonymous.get(f"/api/v1/articles/{slug}").get_json()["html"],
        "api json": anonymous.get(f"/api/v1/articles/{slug}").get_data(as_text=True),
    }
    for where, html in pages.items():
        if where != "api json":
            assert_harmless(html, where)
    api = anonymous.get(f"/api/v1/articles/{slug}").get_json()
    assert_harmless(api["html"], "api html")
    for ref in api.get("references", []):
        for value in (ref.values() if isinstance(ref, dict) else ()):
            if isinstance(value, str) and value.lower().startswith(("http", "java", "data",
                                                                    "vb")):
                assert not re.sub(r"\s", "", value).lower().startswith(BAD_SCHEMES), ref


def test_bad_reference_links_are_flagged_on_the_draft(app, client, make_user, login_as,
                                                      make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, references=BAD_LINK_REFERENCES)
    login_as(author)
    page = _page(client, f"/desk/articles/{article_id}")
    assert "is not a web address" in page
    assert_harmless(page, "desk article")
    assert_harmless(_page(client, f"/desk/articles/{article_id}/edit"), "edit page")
    # The draft keeps what was typed; such a reference blocks approval, so it never
    # reaches the public site.
    with app.app_context():
        from reviewapp.extensions import db

        article = db.session.get(Article, article_id)
        assert "javascript:alert(1)" in " ".join(article.current_revision.reference_texts)


@pytest.mark.parametrize("line", BAD_LINK_REFERENCES.splitlines(), ids=["js", "mixed-case", "data"])
def test_script_link_in_a_reference_is_a_field_error(app, client, make_user, login_as,
                                                     make_article, line):
    author = make_user(roles=["author"])
    article_id = make_article(author)
    login_as(author)
    before = _writes(app)
    references = ("1. Doe J. Aspirin. BMJ. 2019;1:1. doi:10.1136/bmj.l1\n"
                  + line.replace("1. ", "2. ", 1))
    data = {"title": "Links", "body": "Aspirin [1] and more [2].", "references": references,
            "tags": "", "save": "Save draft"}
    for url, extra in (("/desk/articles/new", {}),
                       (f"/desk/articles/{article_id}/edit", {"version": "1"})):
        response = client.post(url, data={**data, **extra})
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert "Reference 2 contains the link" in page, url
        assert "may link only to http:// or https://" in page
        assert_harmless(page, url)                  # shown back as text, never as a link
        assert unescape("Doe J. Aspirin") in unescape(page)
    assert _writes(app) == before
    harmless = {**data, "references": references.splitlines()[0]}
    assert client.post("/desk/articles/new", data=harmless).status_code == 302


def test_markdown_attribute_breakout_has_no_event_attribute(app):
    from reviewapp.rendering import render_markdown

    for source in ('[x](https://a.com" onmouseover="alert(1))',
                   "[x](https://a.com' onmouseover='alert(1))",
                   '[x](<https://a.com" onmouseover="alert(1)>)',
                   '[x](https://a.com "t\\" onmouseover=\\"alert(1)")',
                   '![i](https://a.com" onerror="alert(1))'):
        html = str(render_markdown(source))
        assert_harmless(html, source)
        parser = _Elements()
        parser.feed(html)
        assert all(set(dict(attrs)) <= {"href", "title", "rel"} for _, attrs in parser.elements
                   if _ == "a"), html


# -- 5. Field and request limits -----------------------------------------------------------

def _writes(app):
    from reviewapp.extensions import db

    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action)).all()
    return (_count(app, Article), _count(app, Revision), _count(app, ArticleTag),
            [a for a in actions if "login" not in a])


@pytest.mark.parametrize("field, value, named", [
    ("title", "t" * 301, "300"),
    ("body", "b" * 200_001, "200,000"),
    ("references", "r" * 200_001, "200,000"),
    ("tags", ("g" * 79 + ",") * 6 + "g" * 21, "500"),
    ("tags", "g" * 81, "80"),                      # one tag longer than its column
], ids=["title", "body", "references", "tags", "one-tag"])
def test_each_draft_field_over_its_limit_is_a_form_error(app, client, make_user, login_as,
                                                         make_article, field, value, named):
    author = make_user(roles=["author"])
    article_id = make_article(author)
    login_as(author)
    before = _writes(app)
    data = {"title": "T", "body": "B", "references": "", "tags": "", "save": "Save draft",
            field: value}
    for url, extra in (("/desk/articles/new", {}),
                       (f"/desk/articles/{article_id}/edit", {"version": "1"})):
        response = client.post(url, data={**data, **extra})
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 400), (url, response.status_code)
        assert named in page, (url, field)
        assert value[:50] in page                   # what the user typed is shown back
    assert _writes(app) == before
    at_limit = {**data, field: value[:-1]}
    assert client.post("/desk/articles/new", data=at_limit).status_code == 302


def test_reader_report_over_its_limit_is_a_form_error(app, client, publisher):
    from reviewapp.reports.models import ReaderReport

    slug = publisher.approved()
    limit = app.config["REPORT_MAX_LENGTH"]
    response = client.post(f"/articles/{slug}/report", data={"message": "m" * (limit + 1)})
    assert response.status_code == 400
    assert f"{limit:,}" in response.get_data(as_text=True)
    assert _count(app, ReaderReport) == 0
    response = client.post(f"/articles/{slug}/report", data={"message": "m" * limit})
    assert response.status_code == 302
    assert _count(app, ReaderReport) == 1


def test_request_over_max_content_length_is_413_naming_the_limit(app, client, make_user,
                                                                 login_as):
    author = make_user(roles=["author"])
    login_as(author)
    before = _writes(app)
    response = client.post("/desk/articles/new", data={
        "title": "Big", "body": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
        "save": "Save draft"})
    assert response.status_code == 413
    assert "2 MB" in response.get_data(as_text=True)
    assert _writes(app) == before


# -- 6. Look-alike and invisible characters in names --------------------------------------

def test_names_and_emails_are_normalised_and_rendered_harmlessly(app, client, make_user,
                                                                 login_as, rows):
    admin = make_user(roles=["admin"])
    login_as(admin)
    typed_name = "Ｍａｌ\u200blory \u202eevil\u202c  Ｅｖｅ\ufeff"
    typed_email = "ＭＡＬ\u200bLORY@ｅｘａｍｐｌｅ.org"
    response = client.post("/admin/users/new", data={
        "email": typed_email, "display_name": typed_name,
        "roles": "author", "specialties": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    with rows() as session:
        user = session.scalars(select(User).where(User.id != admin.id)).one()
        assert user.display_name == "Mallory evil Eve"
        assert user.email == "mallory@example.org"
        user_id = user.id
    for url in ("/admin/users", f"/admin/users/{user_id}", "/admin/audit"):
        page = _page(client, url)
        assert "Mallory evil Eve" in page, url
        for ch in ("\u202e", "\u202c", "\u200b", "\ufeff"):
            assert ch not in page, (url, hex(ord(ch)))
    users = _count(app, User)
    response = client.post("/admin/users/new", data={
        "email": "mallory@ｅｘａｍｐｌｅ.org\u200d", "display_name": "Another",
        "roles": "author", "specialties": ""})
    assert response.status_code in (200, 400, 409)
    assert "mallory@" in response.get_data(as_text=True)
    assert _count(app, User) == users


@pytest.mark.parametrize("email, name, named", [
    ("\u0440\u0430ul@example.org", "Paul Roe", "mixes letters"),       # Cyrillic р, а
    ("\u0440\u0430\u0443@example.org", "Pay Roe", "look like Latin"),  # all-Cyrillic "рау"
    ("alice@example.org", "\u0410lice Smith", "mixes letters"),        # Cyrillic А in a name
], ids=["mixed-email", "whole-script-email", "mixed-name"])
def test_cyrillic_lookalikes_are_refused(app, client, make_user, login_as, email, name,
                                         named):
    admin = make_user(roles=["admin"])
    make_user(roles=["reviewer"], email="paul@example.org", name="Alice Smith")
    login_as(admin)
    users = _count(app, User)
    response = client.post("/admin/users/new", data={
        "email": email, "display_name": name,
        "roles": "reviewer", "specialties": ""})
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400), response.status_code
    assert named in page
    assert email in unescape(page) and name in unescape(page)      # what was typed, shown back
    assert _count(app, User) == users
    # The same names written wholly in one alphabet are real people and welcome.
    response = client.post("/admin/users/new", data={
        "email": "\u0438\u0432\u0430\u043d@example.org",
        "display_name": "\u0418\u0432\u0430\u043d Petrov",
        "roles": "reviewer", "specialties": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert _count(app, User) == users + 1


def test_service_created_name_drops_bidi_override(app, client,
                                                                     make_user, login_as,
                                                                     make_article):
    author = make_user(roles=["author"], name="Plain \u202eName")
    login_as(author)
    with app.app_context():
        from reviewapp.extensions import db

        assert "\u202e" not in db.session.get(User, author.id).display_name
    article_id = make_article(author)
    page = _page(client, f"/desk/articles/{article_id}")
    assert "\u202e" not in page


# -- 16. Huge inputs -----------------------------------------------------------------------

def test_fifty_thousand_references_are_refused_fast(app, client, make_user, login_as):
    author = make_user(roles=["author"])
    login_as(author)
    before = _writes(app)
    references = "\n".join(f"R{n}" for n in range(50_000))
    assert len(references) < app.config["MAX_REFERENCES_LENGTH"] * 2
    started = time.monotonic()
    response = client.post("/desk/articles/new", data={
        "title": "Many", "body": "B", "references": references, "save": "Save draft"})
    elapsed = time.monotonic() - started
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert "1,000 references" in page or "200,000" in page
    assert elapsed < 10, elapsed
    assert _writes(app) == before
    short = "\n".join("R" for _ in range(50_000))       # under the length limit: count refused
    response = client.post("/desk/articles/new", data={
        "title": "Many", "body": "B", "references": short, "save": "Save draft"})
    assert "at most 1,000 references" in response.get_data(as_text=True)
    assert _writes(app) == before


def test_oversized_import_upload_is_413(app, client, make_user, login_as):
    author = make_user(roles=["author"])
    login_as(author)
    before = _writes(app)
    token = client.csrf_token().encode()
    for size in (2 * 1024 * 1024 + 1, 10 * 1024 * 1024):
        # Encoded by hand: the test client's own encoder spools big bodies to a
        # temporary file that it leaves open when the server refuses the request.
        boundary = b"----hardening"
        body = (b"--" + boundary + b'\r\nContent-Disposition: form-data; name="csrf_token"'
                b"\r\n\r\n" + token + b"\r\n--" + boundary
                + b'\r\nContent-Disposition: form-data; name="jats_file"; filename="big.xml"'
                b"\r\nContent-Type: application/xml\r\n\r\n<article>" + b" " * size
                + b"</article>\r\n--" + boundary + b"--\r\n")
        response = client.post("/desk/articles/import", data=body, csrf=False,
                               content_type="multipart/form-data; boundary="
                               + boundary.decode())
        assert response.status_code == 413
        assert "2 MB" in response.get_data(as_text=True)
    assert _writes(app) == before


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE article [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<article><front><article-meta><title-group><article-title>&i;</article-title>
</title-group></article-meta></front><body><p>&i;</p></body></article>"""


def test_jats_entity_bomb_is_refused_fast(app, client, make_user, login_as):
    author = make_user(roles=["author"])
    login_as(author)
    before = _writes(app)
    started = time.monotonic()
    response = client.post("/desk/articles/import", data={
        "jats_file": (io.BytesIO(BOMB), "bomb.xml")}, content_type="multipart/form-data")
    elapsed = time.monotonic() - started
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 400)
    assert "entit" in page.lower() and "refused" in page
    assert elapsed < 5, elapsed
    assert _writes(app) == before
