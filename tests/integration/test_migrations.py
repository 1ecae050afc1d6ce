"""The schema comes only from migrations/: on SQLite and PostgreSQL an empty
database upgraded to head matches the models, and downgrading to base and
upgrading again works (append-only triggers and chain head included)."""

import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from reviewapp import create_app
from reviewapp.audit.chain import GENESIS_HASH
from tests.conftest import REQUIRE_POSTGRES, TEST_DATABASE_URL

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
HEAD_REVISION = ScriptDirectory(str(MIGRATIONS)).get_current_head()
AUDIT_TRIGGERS = {"sqlite": {"audit_event_no_update", "audit_event_no_delete"},
            "postgresql": {"audit_event_no_change", "audit_event_no_truncate"}}


# Same backends as the conftest's database_url fixture. (Its _backends() cannot
# be called from a test module: it marks with `postgres`, which is not among the
# registered markers, and --strict-markers rejects it once collection started.)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=[
    pytest.mark.postgres_only,
    pytest.mark.skipif(not TEST_DATABASE_URL and not REQUIRE_POSTGRES,
                       reason="TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)")])]


def _db():
    from reviewapp.extensions import db

    return db


def _psycopg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    """A database with no tables: a new SQLite file, or a PostgreSQL database
    created for this test on the test server and dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    server = sa.create_engine(_psycopg(TEST_DATABASE_URL), isolation_level="AUTOCOMMIT")
    name = f"reviewapp_migrations_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(TEST_DATABASE_URL).set(database=name).render_as_string(
            hide_password=False)
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


@contextmanager
def app_on(url: str):
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "migrations"})
    with app.app_context():
        try:
            yield app
        finally:
            _db().session.remove()
            _db().engine.dispose()


def schema_differences() -> list:
    """What autogenerate would put in a new migration (nothing, if they agree)."""
    db = _db()
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), db.metadata)


def table_names() -> set[str]:
    with _db().engine.connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def trigger_names() -> set[str]:
    with _db().engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        else:
            query = ("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                     "(SELECT oid FROM pg_class WHERE relname = 'audit_event')")
        return set(conn.exec_driver_sql(query).scalars())


def current_revision() -> str | None:
    with _db().engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def assert_at_head() -> None:
    assert schema_differences() == []
    assert table_names() == set(_db().metadata.tables) | {"alembic_version"}
    assert {"user", "article", "revision", "audit_event", "audit_head"} <= table_names()
    assert current_revision() == HEAD_REVISION
    assert AUDIT_TRIGGERS[_db().engine.dialect.name] <= trigger_names()
    with _db().engine.connect() as conn:
        assert conn.execute(sa.text("SELECT id, seq, hash FROM audit_head")).all() == [
            (1, 0, GENESIS_HASH)]


def test_migrated_test_database_matches_the_models(app):
    with app.app_context():
        assert schema_differences() == []
        assert current_revision() == HEAD_REVISION


def test_empty_database_upgraded_to_head_matches_the_models(empty_database_url):
    with app_on(empty_database_url):
        assert table_names() == set()
        upgrade()
        assert_at_head()


def test_downgrade_to_base_then_upgrade_again_works(empty_database_url):
    from reviewapp.audit.services import record

    with app_on(empty_database_url):
        upgrade()
        downgrade(revision="base")
        assert table_names() == {"alembic_version"}
        assert current_revision() is None
        assert trigger_names() == set()
        if _db().engine.dialect.name == "postgresql":
            with _db().engine.connect() as conn:
                assert conn.execute(sa.text(
                    "SELECT count(*) FROM pg_proc WHERE proname = 'audit_event_append_only'"
                )).scalar() == 0

        upgrade()
        assert_at_head()

        # The re-created log works and is append-only again.
        record("audit.verified", reason="round trip")
        _db().session.commit()
        with pytest.raises(sa.exc.DBAPIError, match="audit_event is append-only"):
            _db().session.execute(sa.text("UPDATE audit_event SET reason = 'changed'"))
        _db().session.rollback()
        assert _db().session.execute(sa.text("SELECT seq, reason FROM audit_event")).all() == [
            (1, "round trip")]
