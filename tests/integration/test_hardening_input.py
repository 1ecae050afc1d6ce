"""Hardening 7-9: SQL metacharacters in search fields, NUL bytes and lone
surrogates in form fields, and CSRF refusals (missing, foreign, expired)."""

from urllib.parse import quote

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select

from reviewapp.accounts.models import User
from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from tests.conftest import PASSWORD, audit_actions
from tests.integration.test_public_pages import Publisher

META = ["%", "_", "'", '"', "\\", "' OR '1'='1", "'; DROP TABLE article;--", "%%", "a_b",
        "100%", "[", "*", "$1", "\\%", "--"]


def _count(app, model):
    from reviewapp.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def publisher(app, rows):
    return Publisher(app, rows)


def test_public_search_matches_metacharacters_literally(app, client, publisher):
    publisher.approved(title="Paracetamol 100% safe?", reviewer_names=("Dr. A", "Dr. B"))
    publisher.approved(title="The a_b trial", reviewer_names=("Dr. C", "Dr. D"))
    publisher.approved(title="O'Brien; DROP TABLE article;--", reviewer_names=("Dr. E", "Dr. F"))
    for q in META:
        for url in (f"/articles?q={quote(q)}", f"/articles?tag={quote(q)}",
                    f"/api/v1/articles?q={quote(q)}", f"/api/v1/articles?tag={quote(q)}"):
            assert client.get(url).status_code == 200, url
    page = client.get("/articles?q=%25").get_data(as_text=True)
    assert "100% safe" in page and "a_b trial" not in page and "Brien" not in page
    page = client.get("/articles?q=_").get_data(as_text=True)
    assert "a_b trial" in page and "100% safe" not in page
    page = client.get("/articles?q=O%27Brien").get_data(as_text=True)
    assert "DROP TABLE" in page and "a_b trial" not in page
    assert _count(app, Article) == 3


def test_audit_filters_take_metacharacters_literally(app, client, make_user, login_as):
    admin = make_user(roles=["admin"], name="Ada 100% Admin")
    make_user(roles=["author"], name="Plain Person")
    login_as(admin)
    for value in META:
        for field in ("actor", "action", "object_type", "object_id", "q"):
            response = client.get(f"/admin/audit?{field}={quote(value)}")
            assert response.status_code in (200, 400), (field, value)
    page = client.get("/admin/audit?action=user.created&q=%25").get_data(as_text=True)
    assert "Plain Person" not in page and "100% Admin" in page


BAD = {"NUL": "a%00b", "raw surrogate": "a\udc80b"}


def _raw_post(client, url, fields: dict, bad_field: str, bad: str):
    """A form body written by hand, so a NUL or a surrogate reaches the server
    exactly as an attacker would send it."""
    token = client.csrf_token()
    parts = [f"csrf_token={quote(token)}"]
    for name, value in fields.items():
        encoded = bad if name == bad_field else quote(value)
        parts.append(f"{quote(name)}={encoded}")
    body = "&".join(parts).encode("utf-8", "surrogateescape")
    return client.post(url, data=body, csrf=False,
                       content_type="application/x-www-form-urlencoded")


def _login(client, user):
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302


@pytest.mark.parametrize("kind", sorted(BAD))
def test_nul_and_surrogates_in_every_form_field_are_a_400_form_error(
        app, client, make_user, make_article, kind):
    author = make_user(roles=["author"])
    admin = make_user(roles=["admin"])
    article_id = make_article(author)
    forms = [
        (None, "/login", {"email": author.email, "password": PASSWORD}),
        (author, "/desk/articles/new", {"title": "T", "body": "B", "references": "",
                                        "tags": "x", "save": "Save draft"}),
        (author, f"/desk/articles/{article_id}/edit",
         {"title": "T", "body": "B", "references": "", "tags": "x", "save": "Save draft",
          "version": "1"}),
        (author, "/account/password", {"current_password": PASSWORD,
                                       "new_password": "another long password",
                                       "confirm": "another long password"}),
        (admin, "/admin/users/new", {"email": "new@example.org", "display_name": "New",
                                     "roles": "author", "specialties": "x"}),
        (None, "/password/forgot", {"email": author.email}),
        (admin, "/editorial-policy/edit", {"body": "Policy", "token": "x"}),
    ]
    bad = BAD[kind].replace("\udc80", "\udced\udca0\udc80") if kind == "raw surrogate" \
        else BAD[kind]
    before = (_count(app, Article), _count(app, User), audit_actions(app))
    for user, url, fields in forms:
        for field in fields:
            if field in ("save", "version", "roles", "token"):
                continue
            with client.session_transaction() as session:
                session.clear()
            if user is not None:
                _login(client, user)
            response = _raw_post(client, url, fields, field, bad)
            assert response.status_code == 400, (kind, url, field, response.status_code)
    assert (_count(app, Article), _count(app, User)) == before[:2]
    assert _changes(audit_actions(app)) == _changes(before[2])


def _changes(actions):
    return [a for a in actions if "login" not in a and "logout" not in a
            and not a.startswith("access.")]


def test_percent_encoded_surrogates_are_kept_as_literal_text(app, client, make_user,
                                                            login_as, rows):
    """Werkzeug leaves an undecodable %-sequence as it was typed, so no surrogate
    reaches the database: the title is stored literally, on both databases."""
    author = make_user(roles=["author"])
    login_as(author)
    response = _raw_post(client, "/desk/articles/new",
                         {"title": "T", "body": "B", "references": "", "tags": "",
                          "save": "Save draft"}, "title", "a%ED%A0%80b")
    assert response.status_code == 302
    with rows() as session:
        assert session.scalars(select(Article)).one().current_revision.title == "a%ED%A0%80b"


@pytest.mark.parametrize("bad", ["a\x00b", "a\ud800b", "\udfff"])
def test_base_form_refuses_nul_and_lone_surrogates_in_every_text_field(app, bad):
    from werkzeug.datastructures import MultiDict

    from reviewapp.articles.forms import DraftForm

    with app.test_request_context(method="POST"):
        app.config["WTF_CSRF_ENABLED"] = False
        try:
            for field in ("title", "body", "references", "tags"):
                data = {"title": "T", "body": "B", "references": "", "tags": ""}
                form = DraftForm(formdata=MultiDict({**data, field: bad}))
                assert not form.validate()
                assert "not allowed" in " ".join(form.errors[field])
        finally:
            app.config["WTF_CSRF_ENABLED"] = True


@pytest.mark.parametrize("value", ["%00", "%ED%A0%80", "a%00", "%C0%80"])
def test_nul_and_surrogates_in_query_strings_never_500(app, client, make_user, login_as,
                                                       value):
    admin = make_user(roles=["admin"])
    for url in (f"/articles?q={value}", f"/articles?tag={value}",
                f"/api/v1/articles?q={value}", f"/articles/x{value}"):
        assert client.get(url).status_code in (200, 400, 404), url
    login_as(admin)
    for field in ("actor", "action", "object_type", "object_id", "q"):
        assert client.get(f"/admin/audit?{field}={value}").status_code in (200, 400), field


# -- 9. CSRF ---------------------------------------------------------------

def _events(app):
    return _count(app, AuditEvent)


def test_post_without_csrf_token_is_400_and_changes_nothing(app, client, make_user,
                                                            make_article, login_as, rows):
    author = make_user(roles=["author"])
    article_id = make_article(author)
    login_as(author)
    before = _events(app)
    response = client.post(f"/desk/articles/{article_id}/submit", data={"version": "1"},
                           csrf=False)
    assert response.status_code == 400
    response = client.post("/desk/articles/new", data={"title": "X", "save": "Save draft"},
                           csrf=False)
    assert response.status_code == 400
    assert _events(app) == before
    with rows() as session:
        assert session.get(Article, article_id).state == "draft"
        assert session.scalar(select(func.count()).select_from(Article)) == 1


def test_post_with_another_sessions_token_is_400(app, make_user, make_article, rows):
    author = make_user(roles=["author"])
    other = make_user(roles=["author"])
    article_id = make_article(author)
    victim, attacker = app.test_client(), app.test_client()
    _login(victim, author)
    _login(attacker, other)
    foreign = attacker.csrf_token()
    before = _events(app)
    response = victim.post(f"/desk/articles/{article_id}/submit",
                           data={"version": "1", "csrf_token": foreign})
    assert response.status_code == 400
    assert _events(app) == before
    with rows() as session:
        assert session.get(Article, article_id).state == "draft"


def test_post_with_an_expired_token_is_400(app, client, make_user, make_article, rows,
                                           monkeypatch):
    author = make_user(roles=["author"])
    article_id = make_article(author)
    _login(client, author)
    limit = app.config.get("WTF_CSRF_TIME_LIMIT") or 3600
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: real(self) - limit - 60)
    old_token = client.csrf_token()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    before = _events(app)
    response = client.post(f"/desk/articles/{article_id}/submit",
                           data={"version": "1", "csrf_token": old_token})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True).lower()
    assert _events(app) == before
    with rows() as session:
        assert session.get(Article, article_id).state == "draft"
