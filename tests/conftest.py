"""Fixtures: an app on a fresh database per test (SQLite, and PostgreSQL when
TEST_DATABASE_URL is set), a CSRF-aware client, user factories and login."""

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings

from reviewapp import create_app


def _own_database(url: str | None) -> str | None:
    """With pytest-xdist (`make test` runs one worker per core) each worker empties and
    migrates a database of its own: TEST_DATABASE_URL's name + "_gw0", "_gw1", …"""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    parsed = sa.make_url(url)
    return parsed.set(database=f"{parsed.database}_{worker}").render_as_string(
        hide_password=False)


TEST_DATABASE_URL = _own_database(os.environ.get("TEST_DATABASE_URL"))
REQUIRE_POSTGRES = os.environ.get("REQUIRE_POSTGRES") == "1"
PASSWORD = "correct horse battery"
CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# Cheap argon2 parameters keep the suite fast; one test raises them to prove
# that hashes are upgraded at login.
FAST_ARGON2 = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1}
RESET_TABLES_EXCLUDE = {"alembic_version", "audit_head"}

# Tests never assert speed: Hypothesis' wall-clock checks (a slow example, slow
# data generation) would fail on a busy machine without saying anything about
# the code, so they are off for every property test.
settings.register_profile("reviewapp", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("reviewapp")


def _backends():
    postgres = pytest.param("postgresql", marks=pytest.mark.postgres)
    if not TEST_DATABASE_URL and not REQUIRE_POSTGRES:
        postgres = pytest.param("postgresql", marks=pytest.mark.skip(
            reason="TEST_DATABASE_URL is not set (PostgreSQL tests run in CI)"))
    return ["sqlite", postgres]


def pytest_configure(config):
    if REQUIRE_POSTGRES and not TEST_DATABASE_URL:
        raise pytest.UsageError("REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    if TEST_DATABASE_URL and TEST_DATABASE_URL != os.environ.get("TEST_DATABASE_URL"):
        _create_database(TEST_DATABASE_URL)


def _create_database(url: str) -> None:
    """Create a worker's database (on the server TEST_DATABASE_URL names) if it is missing."""
    parsed = sa.make_url(url)
    server = sa.create_engine(
        parsed.set(drivername="postgresql+psycopg", database="postgres"),
        isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                              {"name": parsed.database}).first()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    server.dispose()


def _migrate(url: str, instance: Path) -> None:
    from flask_migrate import upgrade

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "migrate", "TESTING": True})
    with app.app_context():
        upgrade()
        from reviewapp.extensions import db

        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}", path.parent)
    return path


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory) -> str:
    """The test database, emptied and migrated once per session."""
    url = TEST_DATABASE_URL
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(url, tmp_path_factory.mktemp("pg"))
    return url


def _reset_postgres(url: str) -> None:
    """Empty every table (audit triggers bypassed as replica) and reset the chain head."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        tables = [t for t in sa.inspect(conn).get_table_names()
                  if t not in RESET_TABLES_EXCLUDE]
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                             + " RESTART IDENTITY CASCADE"))
        conn.execute(sa.text("UPDATE audit_head SET seq = 0, hash = :h"), {"h": "0" * 64})
    engine.dispose()


@pytest.fixture(params=_backends())
def database_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_url")
    _reset_postgres(url)
    return url


@pytest.fixture
def app_config(database_url, tmp_path) -> dict:
    # Nobody is forced into two-factor enrolment here, so tests log admins in
    # with a password; tests/integration/test_two_factor.py sets it explicitly.
    return {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
            "REQUIRE_TWO_FACTOR_FOR": [], **FAST_ARGON2}


@pytest.fixture
def app(app_config):
    from reviewapp.db import sqlite_begin_mode

    token = sqlite_begin_mode.set("DEFERRED")  # the test's own reads take no write lock
    app = create_app(app_config)
    app.test_client_class = CSRFClient
    yield app
    from reviewapp.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    sqlite_begin_mode.reset(token)


@pytest.fixture
def rows(app):
    """`with rows() as session:` arranges or reads rows in an app context of its
    own, so that requests made between two such blocks run as they would live
    (a request inside a pushed app context would share its `g` and session)."""
    from reviewapp.extensions import db

    @contextmanager
    def session():
        with app.app_context():
            try:
                yield db.session
            finally:
                db.session.rollback()

    return session


@pytest.fixture
def db(app):
    """The session inside an app context, for tests that make no requests."""
    from reviewapp.extensions import db

    with app.app_context():
        yield db
        db.session.rollback()


class CSRFClient(FlaskClient):
    """Posts forms the way a browser does: with the CSRF token of the page.
    Pass csrf=False to leave it out."""

    _TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"'
                        r'|name="csrf_token" value="([^"]+)"')

    def csrf_token(self) -> str:
        page = self.get("/account/password", follow_redirects=True).get_data(as_text=True)
        match = self._TOKEN.search(page)
        assert match, "no CSRF token on the page"
        return match.group(1) or match.group(2)

    def post(self, *args, csrf: bool = True, **kwargs):
        data = kwargs.get("data")
        if csrf and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def make_user(app):
    """make_user(roles=("author",), email=None, name=None, password=PASSWORD)."""
    from reviewapp.accounts.services import create_user
    from reviewapp.extensions import db

    counter = iter(range(1, 10_000))

    def make(roles=("author",), email=None, name=None, password=PASSWORD,
             specialties=()):
        n = next(counter)
        with app.app_context():
            user = create_user(email=email or f"user{n}@example.org",
                               display_name=name or f"User {n}", password=password,
                               roles=list(roles), specialties=list(specialties))
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def login_as(client):
    def login(user, password=PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response

    return login


@pytest.fixture
def make_article(app):
    """make_article(author, title=..., body=..., references=...) -> article id."""
    from reviewapp.articles.services import DraftContent, create_article
    from reviewapp.extensions import db

    def make(author, title="Ibuprofen for back pain", body="Ibuprofen helps [1].",
             references="1. Doe J. Ibuprofen. BMJ. 2020. doi:10.1136/bmj.m1", tags=()):
        with app.app_context():
            article = create_article(db.session.merge(author), DraftContent(
                title=title, body=body, references_text=references, tags=list(tags)))
            db.session.commit()
            return article.id

    return make


def audit_actions(app) -> list[str]:
    """Every action in the audit log, in order."""
    from reviewapp.audit.models import AuditEvent
    from reviewapp.extensions import db

    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.seq)))
