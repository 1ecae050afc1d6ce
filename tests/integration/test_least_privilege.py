"""The app on PostgreSQL as a least-privileged role: a fresh database owned by a
role of its own, migrated as that owner (MIGRATION_DATABASE_URL), the app's role
made by `flask db create-app-role`. As the app's role the audit log can be read
and appended to but not changed, emptied or unguarded, and the whole app works."""

import re
import uuid
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from reviewapp import create_app
from reviewapp.articles.models import Article
from reviewapp.audit.models import AuditEvent
from reviewapp.mail.models import OutboxMessage
from tests.conftest import PASSWORD, TEST_DATABASE_URL, audit_actions
from tests.integration.test_retractions import COLUMNS, counts, write_csv
from tests.integration.test_workflow import Desk

pytestmark = [pytest.mark.postgres_only, pytest.mark.skipif(
    not TEST_DATABASE_URL, reason="TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")]

INSUFFICIENT_PRIVILEGE = "42501"
# Written out here rather than taken from reviewapp.dbroles, which they check.
AUDIT_TABLES = {"audit_event": {"SELECT", "INSERT"}, "audit_head": {"SELECT", "UPDATE"},
                "published_head": {"SELECT", "INSERT"}}
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES",
                    "TRIGGER")
# What someone holding the app's connection might try on the audit log.
REFUSED = [
    "UPDATE audit_event SET reason = 'rewritten'",
    "UPDATE audit_event SET reason = 'rewritten' WHERE seq = 1",
    "DELETE FROM audit_event",
    "TRUNCATE audit_event",
    "TRUNCATE audit_event CASCADE",
    "ALTER TABLE audit_event DISABLE TRIGGER ALL",
    "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_change",
    "DROP TRIGGER audit_event_no_change ON audit_event",
    "DROP TRIGGER audit_event_no_truncate ON audit_event",
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql"
    " AS $$ BEGIN RETURN OLD; END $$",
    "DROP FUNCTION audit_event_append_only() CASCADE",
    "SET session_replication_role = replica",
    "ALTER TABLE audit_event RENAME TO audit_event_old",
    "DROP TABLE audit_event CASCADE",
    "CREATE TABLE audit_event_copy (seq bigint)",
    "DELETE FROM audit_head",
    "INSERT INTO audit_head (id, seq, hash) VALUES (2, 0, 'x')",
    # The transparency log's published heads are append-only the same way.
    "UPDATE published_head SET hash = 'x'",
    "DELETE FROM published_head",
    "TRUNCATE published_head",
    "ALTER TABLE published_head DISABLE TRIGGER ALL",
    "DROP TRIGGER published_head_no_change ON published_head",
]


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _url(**parts) -> str:
    return sa.make_url(TEST_DATABASE_URL).set(**parts).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def cluster():
    """A database owned by a new role, migrated as it; the app's role made by the
    command. Roles are cluster-wide: both are named uniquely and dropped after."""
    suffix = uuid.uuid4().hex[:10]
    owner, role = f"reviewapp_lp_owner_{suffix}", f"reviewapp_lp_app_{suffix}"
    name = f"{sa.make_url(TEST_DATABASE_URL).database}_lp_{suffix}"
    server = sa.create_engine(_psycopg(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        # Not a superuser: CREATEROLE to make the app's role, and the database's owner.
        conn.exec_driver_sql(f'CREATE ROLE "{owner}" LOGIN CREATEROLE')
        conn.exec_driver_sql(f'CREATE DATABASE "{name}" OWNER "{owner}"')
    try:
        found = SimpleNamespace(owner=owner, role=role, owner_url=_url(username=owner,
                                database=name), role_url=_url(username=role, database=name))
        # The app's own URL names a role that does not exist yet: the upgrade can only
        # have worked through MIGRATION_DATABASE_URL.
        app = owner_app(found)
        upgraded = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        found.created = app.test_cli_runner().invoke(
            args=["db", "create-app-role", role, "--no-password"])
        yield found
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{owner}"')
        server.dispose()


def owner_app(cluster):
    return create_app({"TESTING": True, "SECRET_KEY": "least-privilege",
                       "DATABASE_URL": cluster.role_url,
                       "MIGRATION_DATABASE_URL": cluster.owner_url})


@pytest.fixture
def database_url(cluster):
    return cluster.role_url


@pytest.fixture
def app_config(app_config, cluster):
    # Two-factor enrolment is not what this module proves.
    return {**app_config, "MIGRATION_DATABASE_URL": cluster.owner_url,
            "REQUIRE_TWO_FACTOR_FOR": []}


def connected_as(url: str) -> sa.Engine:
    return sa.create_engine(_psycopg(url), poolclass=sa.pool.NullPool)


def log_state(url: str) -> tuple:
    """The events, the chain head and the audit triggers' enabled flags."""
    engine = connected_as(url)
    with engine.connect() as conn:
        state = (conn.execute(sa.text("SELECT seq, reason, hash FROM audit_event ORDER BY seq")
                              ).all(),
                 conn.execute(sa.text("SELECT seq, hash FROM audit_head")).all(),
                 sorted(conn.execute(sa.text(
                     "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal "
                     "AND tgrelid = 'audit_event'::regclass")).all()))
    engine.dispose()
    return state


def test_create_app_role_grants_what_the_app_needs_and_no_more(cluster):
    from reviewapp.dbroles import privilege_problems

    assert cluster.created.exit_code == 0, cluster.created.output
    assert f"Created role {cluster.role}: SELECT, INSERT on audit_event; " \
           "SELECT, UPDATE on audit_head; SELECT, INSERT on published_head; " \
           "SELECT on alembic_version" in cluster.created.output
    owner = connected_as(cluster.owner_url)
    with owner.connect() as conn:
        assert privilege_problems(conn, cluster.role) == []
        for table, expected in AUDIT_TABLES.items():
            assert {privilege for privilege in TABLE_PRIVILEGES if conn.scalar(sa.text(
                "SELECT has_table_privilege(:r, :t, :p) OR (:p <> 'DELETE' AND :p <> "
                "'TRUNCATE' AND :p <> 'TRIGGER' AND has_any_column_privilege(:r, :t, :p))"),
                {"r": cluster.role, "t": table, "p": privilege})} == expected
        assert conn.execute(sa.text(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
            "FROM pg_roles WHERE rolname = :r"), {"r": cluster.role}).one() == (False,) * 5
        # A table a later migration creates is covered by the default privileges.
        conn.exec_driver_sql("CREATE TABLE later_feature (id serial PRIMARY KEY, note text)")
        conn.commit()
        granted = conn.execute(sa.text(
            "SELECT privilege_type FROM information_schema.role_table_grants "
            "WHERE grantee = :r AND table_name = 'later_feature' ORDER BY 1"),
            {"r": cluster.role}).scalars().all()
        assert granted == ["DELETE", "INSERT", "SELECT", "UPDATE"]
        conn.exec_driver_sql("DROP TABLE later_feature")
        conn.commit()
    owner.dispose()

    again = owner_app(cluster).test_cli_runner().invoke(
        args=["db", "create-app-role", cluster.role, "--no-password"])
    assert again.exit_code == 0, again.output
    assert again.output.startswith(f"Updated role {cluster.role}:")


def test_create_app_role_prints_sql_with_a_scram_verifier_and_refuses_the_owner(cluster):
    runner = owner_app(cluster).test_cli_runner()
    printed = runner.invoke(args=["db", "create-app-role", cluster.role, "--sql"],
                            input="a long passphrase\n")
    assert printed.exit_code == 0, printed.output
    assert f"ALTER ROLE \"{cluster.role}\" PASSWORD 'SCRAM-SHA-256$4096:" in printed.output
    assert "a long passphrase" not in printed.output
    assert f'REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "{cluster.role}";' \
        in printed.output
    server = connected_as(TEST_DATABASE_URL)  # a superuser: pg_authid is for its eyes
    with server.connect() as conn:
        assert conn.scalar(sa.text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"),
                           {"r": cluster.role}) is None  # printed, not run
    server.dispose()

    refused = runner.invoke(args=["db", "create-app-role", cluster.owner, "--no-password"])
    assert refused.exit_code == 1
    assert "the app's role must be another one" in refused.output


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_change_empty_or_unguard_the_audit_log(app, cluster, statement):
    from reviewapp.audit.services import record
    from reviewapp.extensions import db

    with app.app_context():  # an event to protect, appended as the app's role
        record("audit.verified", reason="before the attempt")
        db.session.commit()
    before = log_state(cluster.owner_url)

    engine = connected_as(cluster.role_url)
    with engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT current_user")) == cluster.role
        with pytest.raises(sa.exc.DBAPIError) as refused:
            conn.exec_driver_sql(statement)
        conn.rollback()
    engine.dispose()
    # Refused for want of the privilege, not by the trigger that the owner could drop.
    assert refused.value.orig.sqlstate == INSUFFICIENT_PRIVILEGE, str(refused.value.orig)
    assert log_state(cluster.owner_url) == before
    verified = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verified.exit_code == 0, verified.output


def web_article(app, author) -> int:
    """A draft written through the author's browser session; its id."""
    client = app.test_client()
    assert client.post("/login", data={"email": author.email, "password": PASSWORD}
                       ).status_code == 302
    response = client.post("/desk/articles/new", data={
        "title": "Ibuprofen for back pain", "body": "Ibuprofen helps [1].",
        "references": "1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1",
        "tags": "pain medicine", "save": "Save draft"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(re.search(r"/desk/articles/(\d+)", response.headers["Location"]).group(1))


def test_the_whole_app_works_as_the_app_role(app, cluster, make_user, rows, tmp_path):
    with app.app_context():
        from reviewapp.extensions import db

        assert db.session.scalar(sa.text("SELECT current_user")) == cluster.role
    desk = Desk(app, make_user, lambda author, **_: web_article(app, author))
    desk.under_review()
    for reviewer in desk.reviewers:
        response = desk.approve(reviewer)
        assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    assert desk.state() == "approved"

    admin = make_user(roles=["admin"], name="Ada Admin")
    admin_client = desk.client(admin)
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert 'data-seq="' in page and "signature" in page.lower()
    for fmt in ("csv", "jsonl"):
        export = admin_client.get(f"/admin/audit/export.{fmt}")
        assert export.status_code == 200
        assert "article.approved" in export.get_data(as_text=True)
    cli = app.test_cli_runner()
    exported = cli.invoke(args=["audit", "export", "--format", "jsonl"])
    assert exported.exit_code == 0 and '"article.approved"' in exported.output

    sent = cli.invoke(args=["reminders", "send"])
    assert sent.exit_code == 0, sent.output
    with rows() as session:
        assert session.scalars(select(OutboxMessage)).all()
        assert session.scalar(select(sa.func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.sent_at.is_(None))) == 0

    retractions = write_csv(tmp_path / "retractions.csv", [dict.fromkeys(COLUMNS, "") | {
        "Record ID": "1", "Title": "Ibuprofen", "RetractionDate": "3/1/2025 0:00",
        "OriginalPaperDOI": "10.1136/bmj.m1", "RetractionNature": "Retraction",
        "Reason": "+Concerns/Issues About Data;"}])
    imported = cli.invoke(args=["retractions", "import", str(retractions)])
    assert imported.exit_code == 0, imported.output
    assert counts(imported.output)["added"] == 1
    with rows() as session:
        assert session.get(Article, desk.article_id).rereview_reason
    actions = audit_actions(app)
    for action in ("article.created", "article.submitted", "article.approved",
                   "audit.exported", "retractions.imported", "article.rereview_flagged"):
        assert action in actions

    verified = cli.invoke(args=["audit", "verify", "--record"])
    assert verified.exit_code == 0, verified.output
    with rows() as session:
        assert session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq.desc())
                               .limit(1)).one() == "audit.verified"
