"""The audit browser at /admin/audit, on SQLite and PostgreSQL: admins only,
newest first, each filter narrowing to exactly its events, keyset pages that
neither overlap nor skip and cost the same on page 1 and deep down, escaped
output, the page per event, the article timeline and the user history."""

import html
import json
import re
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import event as sa_event
from sqlalchemy import select

from reviewapp.audit.models import AuditEvent
from tests.conftest import PASSWORD

# --- helpers ---------------------------------------------------------------------


def _db():
    from reviewapp.extensions import db

    return db


def add_events(app, specs, monkeypatch=None):
    """record() each spec (keyword arguments, plus `actor_id` and `at`) in one
    transaction; returns the seqs written."""
    from reviewapp.accounts.models import User
    from reviewapp.audit import services

    seqs = []
    with app.app_context():
        for spec in specs:
            spec = dict(spec)
            actor_id, at = spec.pop("actor_id", None), spec.pop("at", None)
            if at is not None and monkeypatch is not None:
                monkeypatch.setattr(services, "utcnow", lambda at=at: at)
            actor = _db().session.get(User, actor_id) if actor_id else None
            seqs.append(services.record(spec.pop("action"), actor=actor, **spec).seq)
        _db().session.commit()
    if monkeypatch is not None:
        monkeypatch.undo()
    return seqs


def all_seqs(app) -> list[int]:
    with app.app_context():
        return list(_db().session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)))


def shown(page: str) -> list[int]:
    """The seqs of the events table on a page, in the order shown."""
    return [int(n) for n in re.findall(r'<tr class="audit-event" data-seq="(\d+)"', page)]


def older_link(page: str) -> str | None:
    match = re.search(r'<a id="older" rel="next" href="([^"]+)"', page)
    return html.unescape(match.group(1)) if match else None


def get_page(client, url, status=200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[-3000:]
    return response.get_data(as_text=True)


def actions_after(app, seq: int) -> list[str]:
    with app.app_context():
        return list(_db().session.scalars(select(AuditEvent.action).where(
            AuditEvent.seq > seq).order_by(AuditEvent.seq)))


@pytest.fixture
def admin(make_user):
    return make_user(roles=["admin"], name="Ada Admin", email="ada@example.org")


@pytest.fixture
def admin_client(app, admin, client, login_as):
    login_as(admin)
    return client


# --- who may see it ----------------------------------------------------------------

@pytest.mark.parametrize("role", ["author", "reviewer", "editor"])
@pytest.mark.parametrize("path", ["/admin/audit", "/admin/audit/1",
                                  "/admin/audit/export.csv", "/admin/audit/export.jsonl"])
def test_non_admins_get_403_and_an_access_denied_event(app, client, make_user, login_as,
                                                       role, path):
    user = make_user(roles=[role])
    login_as(user)
    before = all_seqs(app)[-1]
    response = client.get(path)
    assert response.status_code == 403
    assert "admin role" in response.get_data(as_text=True)
    assert actions_after(app, before) == ["access.denied"]
    with app.app_context():
        denied = _db().session.get(AuditEvent, before + 1)
        assert denied.actor_id == user.id
        assert denied.details == {"method": "GET", "path": path}


def test_anonymous_visitors_are_sent_to_log_in_and_nothing_is_recorded(app, client, admin):
    before = all_seqs(app)
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert all_seqs(app) == before


def test_admins_see_the_audit_log_link_in_the_navigation(app, admin_client, make_user,
                                                          login_as):
    assert 'href="/admin/audit">Audit log</a>' in get_page(admin_client, "/admin/users")


# --- the list ------------------------------------------------------------------------

def test_events_are_newest_first_with_utc_and_local_time(app, admin_client, admin,
                                                          monkeypatch):
    at = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    add_events(app, [{"action": "article.submitted", "actor_id": admin.id, "at": at,
                      "object_type": "article", "object_id": 7}], monkeypatch)
    page = get_page(admin_client, "/admin/audit")
    assert shown(page) == sorted(all_seqs(app), reverse=True)
    assert ('<time datetime="2026-03-01T09:30:15Z" data-local-time>'
            '2026-03-01 09:30:15 UTC</time>') in page
    # Local time comes from a static script (the CSP forbids inline script).
    assert '<script src="/static/localtime.js" defer></script>' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)
    script = admin_client.get("/static/localtime.js")
    assert script.status_code == 200 and b"data-local-time" in script.data
    script.close()


def test_each_event_shows_actor_action_object_reason_and_before_after(
        app, admin_client, admin, make_user):
    author = make_user(roles=["author"], name="Alice Author", email="alice@example.org")
    admin_client.post(f"/admin/users/{author.id}",
                      data={"roles": ["author", "reviewer"], "specialties": ""})
    page = get_page(admin_client, "/admin/audit?action=user.roles_changed")
    (seq,) = shown(page)
    row = page[page.index(f'data-seq="{seq}"'):]
    row = row[:row.index("</tbody>\n  </table>\n  </div>")]
    assert f'href="/admin/users/{admin.id}">Ada Admin</a>' in row
    assert "ada@example.org" in row and "127.0.0.1" in row
    assert "<code>user.roles_changed</code>" in row and "Roles changed" in row
    assert f'href="/admin/users/{author.id}">user {author.id}: Alice Author</a>' in row
    assert ('<span class="audit-field text-body-secondary">Roles:</span> '
            '<span class="audit-before">author</span> <span aria-label="changed to">→</span> '
            '<span class="audit-after">author, reviewer</span>') in row
    assert f'href="/admin/audit/{seq}"' in row


def test_article_events_link_to_the_article(app, admin_client, admin, make_user,
                                            make_article):
    author = make_user(roles=["author"])
    article_id = make_article(author, title="Naproxen and sleep")
    page = get_page(admin_client, "/admin/audit?action=article.created")
    assert f'href="/desk/articles/{article_id}">article {article_id}</a>' in page
    assert "Naproxen and sleep" in page


def test_script_in_a_reason_or_details_is_shown_as_text(app, admin_client, admin):
    (seq,) = add_events(app, [{
        "action": "article.rejected", "actor_id": admin.id, "object_type": "article",
        "object_id": "1", "reason": "<script>alert('reason')</script>",
        "details": {"before": {"state": "<img src=x onerror=alert(1)>"},
                    "after": {"state": "rejected"}}}])
    for url in ("/admin/audit", f"/admin/audit/{seq}"):
        page = get_page(admin_client, url)
        assert "<script>alert(" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&#39;reason&#39;)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


# --- filters -------------------------------------------------------------------------

@pytest.fixture
def log(app, admin, admin_client, make_user, monkeypatch):
    """A small log of known events, named; dates in 2001 (the fixtures' own
    user.created events are dated today, and the date filters bound both ends)."""
    from reviewapp.audit import services

    alice = make_user(roles=["author"], name="Alice Author", email="alice@example.org")
    bob = make_user(roles=["editor"], name="Bob Editor", email="bob@example.org")
    march = datetime(2001, 3, 10, 12, 0, tzinfo=UTC)
    april = datetime(2001, 4, 2, 23, 59, 59, 999999, tzinfo=UTC)
    may = datetime(2001, 5, 1, 0, 0, tzinfo=UTC)
    with app.app_context():
        from reviewapp.accounts.models import User
        from reviewapp.articles.services import DraftContent, create_article

        monkeypatch.setattr(services, "utcnow", lambda: march)
        for title in ("First", "Second"):
            create_article(_db().session.get(User, alice.id), DraftContent(
                title=title, body="", references_text="", tags=[]))
        _db().session.commit()
        monkeypatch.undo()
    specs = {
        "a_saved": {"action": "article.draft_saved", "actor_id": alice.id, "at": march,
                    "object_type": "revision", "object_id": 1, "article_id": 1,
                    "details": {"changes": {"title": {"before": "Aspirin",
                                                      "after": "Aspirin 100% safe_ish"}}}},
        "a_submitted": {"action": "article.submitted", "actor_id": alice.id, "at": march,
                        "object_type": "article", "object_id": 1, "article_id": 1},
        "a_rejected": {"action": "article.rejected", "actor_id": bob.id, "at": april,
                       "object_type": "article", "object_id": 1, "article_id": 1,
                       "reason": "Dose of 50% too high"},
        "b_saved": {"action": "article.draft_saved", "actor_id": bob.id, "at": april,
                    "object_type": "revision", "object_id": 2, "article_id": 2,
                    "details": {"changes": {"title": {"before": "Ibuprofen",
                                                      "after": "Ibuprofen — Åsa's review"}}}},
        "bob_login": {"action": "user.login", "actor_id": bob.id, "at": may,
                      "object_type": "user", "object_id": bob.id},
        "alice_roles": {"action": "user.roles_changed", "actor_id": bob.id, "at": may,
                        "object_type": "user", "object_id": alice.id,
                        "details": {"before": ["author"], "after": ["author", "editor"]}},
        "login_failed": {"action": "user.login_failed", "at": may,
                         "reason": "unknown email", "details": {"email": "x_y@example.org"}},
    }
    names = dict(zip(specs, add_events(app, list(specs.values()), monkeypatch), strict=True))
    with app.app_context():
        for event in _db().session.scalars(select(AuditEvent)):
            if event.action == "user.created":
                names[event.details["display_name"].split()[0].lower() + "_created"] = event.seq
            elif event.action == "article.created":
                names[f"article{event.article_id}_created"] = event.seq
            elif event.action == "user.login":
                names[event.actor_name.split()[0].lower() + "_login"] = event.seq
    return {"seqs": names, "alice": alice, "bob": bob}


FILTERS = [
    ("actor by email", lambda lg: {"actor": "BOB@example.org"},
     ["a_rejected", "b_saved", "bob_login", "alice_roles"]),
    ("actor by id", lambda lg: {"actor": str(lg["alice"].id)},
     ["article1_created", "article2_created", "a_saved", "a_submitted"]),
    ("exact action", lambda lg: {"action": "article.created"},
     ["article1_created", "article2_created"]),
    ("action prefix", lambda lg: {"action": "article."},
     ["article1_created", "article2_created", "a_saved", "a_submitted", "a_rejected",
      "b_saved"]),
    ("an action that is also a prefix is exact", lambda lg: {"action": "user.login"},
     ["ada_login", "bob_login"]),
    ("prefix without the dot", lambda lg: {"action": "user.log"},
     ["ada_login", "bob_login", "login_failed"]),
    ("article", lambda lg: {"article": "1"},
     ["article1_created", "a_saved", "a_submitted", "a_rejected"]),
    ("object", lambda lg: {"object_type": "user", "object_id": str(lg["alice"].id)},
     ["alice_created", "alice_roles"]),
    ("from a date", lambda lg: {"since": "2001-04-02", "until": "2001-12-31"},
     ["a_rejected", "b_saved", "bob_login", "alice_roles", "login_failed"]),
    ("to a date, inclusive", lambda lg: {"since": "2001-01-01", "until": "2001-04-02"},
     ["article1_created", "article2_created", "a_saved", "a_submitted", "a_rejected",
      "b_saved"]),
    ("one day", lambda lg: {"since": "2001-05-01", "until": "2001-05-01"},
     ["bob_login", "alice_roles", "login_failed"]),
    ("text in a reason, any case", lambda lg: {"q": "DOSE"}, ["a_rejected"]),
    ("text: % taken literally", lambda lg: {"q": "50%"}, ["a_rejected"]),
    ("text: % and _ in details", lambda lg: {"q": "100% safe_"}, ["a_saved"]),
    ("text: _ taken literally", lambda lg: {"q": "x_y"}, ["login_failed"]),
    ("text: non-ASCII and a quote in details", lambda lg: {"q": "Åsa's"}, ["b_saved"]),
    ("text in the actor's name", lambda lg: {"q": "alice auth", "action": "article."},
     ["article1_created", "article2_created", "a_saved", "a_submitted"]),
    ("text in the actor's email", lambda lg: {"q": "bob@", "action": "user."},
     ["bob_created", "bob_login", "alice_roles"]),
    ("combined", lambda lg: {"actor": "bob@example.org", "action": "article.",
                             "article": "1"}, ["a_rejected"]),
    ("an unknown prefix", lambda lg: {"action": "nosuch."}, []),
]


@pytest.mark.parametrize(("args", "expected"), [f[1:] for f in FILTERS],
                         ids=[f[0] for f in FILTERS])
def test_each_filter_narrows_to_exactly_its_events(app, admin_client, log, args, expected):
    page = get_page(admin_client, "/admin/audit?" + urlencode(args(log)))
    assert shown(page) == sorted((log["seqs"][name] for name in expected), reverse=True)


@pytest.mark.parametrize("needle", ["%", "_", "50%", "% t"])
def test_wildcards_in_the_text_are_matched_literally(app, admin_client, log, needle):
    with app.app_context():
        expected = sorted((e.seq for e in _db().session.scalars(select(AuditEvent))
                           if needle in " ".join([e.reason or "", e.actor_name or "",
                                                  e.actor_email or "",
                                                  json.dumps(e.details, ensure_ascii=False)])),
                          reverse=True)
    assert expected, "the log has no event with the needle"
    assert shown(get_page(admin_client, "/admin/audit?" + urlencode({"q": needle}))) == expected
    assert len(expected) < len(all_seqs(app))


@pytest.mark.parametrize(("query", "message"), [
    ("actor=nobody@example.org", "There is no user with this email address."),
    ("actor=99999", "There is no user with this id."),
    ("since=2001-05-02&until=2001-05-01", "The end date is before the start date."),
    ("since=yesterday", "Not a valid date value."),
    ("article=abc", "Not a valid integer value."),
])
def test_invalid_filters_are_refused_with_a_message(app, admin_client, log, query, message):
    page = get_page(admin_client, f"/admin/audit?{query}", status=400)
    assert message in html.unescape(page)
    assert shown(page) == []


# --- keyset pages ---------------------------------------------------------------------

@pytest.fixture
def sixty(app, admin, make_user, make_article):
    """60 events over two articles, two actors and two actions; PAGE_SIZE 7."""
    app.config["PAGE_SIZE"] = 7
    other = make_user(roles=["editor"])
    author = make_user(roles=["author"])
    articles = [make_article(author), make_article(author, title="Second")]
    specs = [{"action": "article.submitted" if n % 3 else "article.rejected",
              "actor_id": admin.id if n % 2 else other.id, "object_type": "article",
              "object_id": articles[n % 2], "article_id": articles[n % 2],
              "reason": f"event {n}"} for n in range(60)]
    return add_events(app, specs)


def walk(client, url) -> tuple[list[int], int]:
    seen, pages = [], 0
    while url:
        page = get_page(client, url)
        seen += shown(page)
        pages += 1
        url = older_link(page)
    return seen, pages


@pytest.mark.parametrize("query", ["", "action=article.", "action=article.submitted",
                                   "object_type=article&object_id=2", "q=event"])
def test_keyset_pages_neither_overlap_nor_skip(app, admin_client, sixty, query):
    from urllib.parse import parse_qsl

    with app.app_context():
        statement = select(AuditEvent.seq).order_by(AuditEvent.seq.desc())
        filters = dict(parse_qsl(query))
        if filters.get("action") == "article.":
            statement = statement.where(AuditEvent.action.like("article.%"))
        elif "action" in filters:
            statement = statement.where(AuditEvent.action == filters["action"])
        if "object_id" in filters:
            statement = statement.where(AuditEvent.object_type == "article",
                                        AuditEvent.object_id == "2")
        if "q" in filters:
            statement = statement.where(AuditEvent.reason.like("event%"))
        expected = list(_db().session.scalars(statement))
    seen, pages = walk(admin_client, f"/admin/audit?{query}")
    assert seen == expected
    assert pages == -(-len(expected) // 7)


def test_the_older_link_keeps_the_filters(app, admin_client, sixty):
    page = get_page(admin_client, "/admin/audit?action=article.rejected&actor=ada%40example.org")
    link = older_link(page)
    query = parse_qs(urlsplit(link).query)
    assert query["action"] == ["article.rejected"] and query["actor"] == ["ada@example.org"]
    assert query["before"][0].isdigit()
    newest = get_page(admin_client, link)
    assert ('id="newest" href="/admin/audit?actor=ada@example.org&amp;'
            'action=article.rejected"') in newest


def statements_during(app, client, url) -> list[tuple[str, object]]:
    with app.app_context():
        engine = _db().engine
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    sa_event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        sa_event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return [(s, p) for s, p in seen if not s.lstrip().upper().startswith("BEGIN")]


@pytest.mark.parametrize("query", ["", "article=2", "action=article.", "actor=ada%40example.org"])
def test_page_one_and_a_deep_page_cost_the_same_queries_without_offset(
        app, admin_client, sixty, query):
    first = get_page(admin_client, f"/admin/audit?{query}")
    deep_before = shown(first)[-1] - 30
    get_page(admin_client, f"/admin/audit?{query}")  # warm-up
    page_one = statements_during(app, admin_client, f"/admin/audit?{query}")
    deep = statements_during(app, admin_client, f"/admin/audit?{query}&before={deep_before}")
    assert len(page_one) == len(deep), "\n---\n".join(s for s, _ in deep)
    # SQLite's dialect writes LIMIT ? OFFSET ? with an offset of 0; never another.
    assert [p for s, p in page_one + deep if "OFFSET" in s.upper() and p[-1] != 0] == []


def test_with_and_without_the_article_filter_the_page_costs_the_same(
        app, admin_client, sixty):
    plain = statements_during(app, admin_client, "/admin/audit")
    by_article = statements_during(app, admin_client, "/admin/audit?article=1&before=40")
    assert len(plain) == len(by_article)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("query", "index"), [
    ("", None),
    ("before=30", None),
    ("article=2&before=30", "ix_audit_event_article_id_seq"),
    ("actor=ada%40example.org&before=30", "ix_audit_event_actor_id_seq"),
    ("object_type=article&object_id=2&before=30", "ix_audit_event_object_seq"),
    ("action=article.rejected&before=30", "ix_audit_event_action_seq"),
    ("action=article.&before=30", "ix_audit_event_action_seq"),
])
def test_sqlite_walks_an_index_and_never_sorts_the_log(app, admin_client, sixty, query, index):
    """The query plan of the page's event query (SQLite's EXPLAIN QUERY PLAN)."""
    statements = statements_during(app, admin_client, f"/admin/audit?{query}")
    statement, parameters = next((s, p) for s, p in statements if "FROM audit_event" in s
                                 and "ORDER BY" in s)
    with app.app_context():
        plan = " | ".join(row[-1] for row in _db().session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters))
    assert "SCAN audit_event" not in plan.replace("SCAN audit_event USING", ""), plan
    if index:
        assert index in plan, plan
    if query.startswith("action=article.&"):
        # One branch per action, each read from its index in seq order; only the
        # few rows the branches return are merged.
        assert plan.count("ix_audit_event_action_seq") >= 2, plan
    else:
        assert "TEMP B-TREE" not in plan, plan


# --- one event -------------------------------------------------------------------------

def test_the_event_page_shows_every_field_and_the_chain_check(app, admin_client, admin):
    (seq,) = add_events(app, [{"action": "user.deactivated", "actor_id": admin.id,
                               "object_type": "user", "object_id": admin.id,
                               "reason": "Left.", "details": {"before": {"active": True},
                                                              "after": {"active": False}}}])
    page = get_page(admin_client, f"/admin/audit/{seq}")
    with app.app_context():
        stored = _db().session.get(AuditEvent, seq)
        assert str(escape(stored.canonical)) in page
        assert stored.hash in page and stored.prev_hash in page
    assert 'id="link-ok"' in page and 'id="link-problems"' not in page
    assert ('<span class="audit-field text-body-secondary">Active:</span> '
            '<span class="audit-before">yes</span> <span aria-label="changed to">→</span> '
            '<span class="audit-after">no</span>') in page
    assert get_page(admin_client, f"/admin/audit/{seq + 100}", status=404)


def test_the_event_page_names_a_broken_link(app, admin_client, admin):
    from tests.integration.test_audit_log import tampering

    (seq,) = add_events(app, [{"action": "user.login", "actor_id": admin.id,
                               "reason": "as recorded"}])
    with tampering(app) as conn:
        conn.exec_driver_sql(f"UPDATE audit_event SET reason = 'forged' WHERE seq = {seq}")
    page = get_page(admin_client, f"/admin/audit/{seq}")
    assert 'id="link-problems"' in page
    assert "its columns differ from what was recorded: reason" in page


# --- timeline and history ----------------------------------------------------------------

def test_the_article_page_shows_its_timeline_to_editors_and_admins_only(
        app, make_user, make_article):
    author = make_user(roles=["author"])
    editor = make_user(roles=["editor"])
    admin = make_user(roles=["admin"])
    article_id = make_article(author)
    other_id = make_article(author, title="Another article")
    pages = {}
    for user in (author, editor, admin):
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": PASSWORD})
        client.post(f"/desk/articles/{article_id}/submit", data={"version": "1"})
        pages[user.id] = get_page(client, f"/desk/articles/{article_id}")
    assert 'id="article-history"' not in pages[author.id]
    with app.app_context():
        expected = list(_db().session.scalars(
            select(AuditEvent.seq).where(AuditEvent.article_id == article_id)
            .order_by(AuditEvent.seq.desc())))
        other = _db().session.scalar(select(AuditEvent.seq).where(
            AuditEvent.article_id == other_id))
    assert len(expected) == 2  # created, submitted
    for user in (editor, admin):
        page = pages[user.id]
        assert 'id="article-history"' in page
        assert shown(page) == expected and other not in shown(page)
        assert "Submitted for review" in page and "State: Draft → Submitted" in " ".join(
            re.sub(r"<[^>]+>", " ", page).split())
    # Only admins may follow links into the audit log.
    assert f'href="/admin/audit/{expected[0]}"' in pages[admin.id]
    assert "/admin/audit" not in pages[editor.id]


def test_the_admin_user_page_shows_what_the_user_did_and_what_was_done_to_them(
        app, admin_client, admin, make_user, login_as):
    alice = make_user(roles=["author"], name="Alice Author")
    bystander = make_user(roles=["author"])
    admin_client.post(f"/admin/users/{alice.id}",
                      data={"roles": ["author", "reviewer"], "specialties": ""})
    alice_client = app.test_client()
    alice_client.post("/login", data={"email": alice.email, "password": PASSWORD})
    page = get_page(admin_client, f"/admin/users/{alice.id}")
    history = page[page.index('id="user-history"'):]
    with app.app_context():
        rows = {e.seq: e for e in _db().session.scalars(select(AuditEvent))}
    expected = sorted((s for s, e in rows.items()
                       if e.actor_id == alice.id
                       or (e.object_type, e.object_id) == ("user", str(alice.id))),
                      reverse=True)
    assert [rows[s].action for s in expected] == ["user.login", "user.roles_changed",
                                                  "user.created"]
    assert shown(history) == expected
    assert str(bystander.id) not in [rows[s].object_id for s in shown(history)]
    assert f'href="/admin/audit?actor={alice.id}"' in history
