"""Settings layering, the secret key, SQLite connection settings, two writers."""

import threading

import pytest
import sqlalchemy as sa

from reviewapp import create_app


def test_settings_come_from_defaults_then_instance_file_then_environment(
        tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text("REQUIRED_APPROVALS = 3\nPAGE_SIZE = 10\n")
    monkeypatch.setenv("REVIEWAPP_PAGE_SIZE", "40")
    monkeypatch.setenv("REVIEWAPP_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(instance))
    app = create_app()
    assert app.config["REQUIRED_APPROVALS"] == 3          # instance file
    assert app.config["PAGE_SIZE"] == 40                   # environment wins, as an int
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["LOGIN_LOCKOUT_THRESHOLD"] == 5      # default
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance}/reviewapp.sqlite3"


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    first, second = create_app(), create_app()
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) == 64


def test_database_url_from_the_environment_selects_postgresql(tmp_path, monkeypatch):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/example")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://postgres@127.0.0.1:5432/example")


def test_sqlite_connections_use_wal_foreign_keys_and_a_busy_timeout(tmp_path):
    from reviewapp.extensions import db

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/pragmas.sqlite3",
                      "SECRET_KEY": "x"})
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    with app.app_context():
        db.engine.dispose()


def test_foreign_keys_are_enforced(app, db):
    from reviewapp.articles.models import Article

    db.session.add(Article(slug="orphan", author_id=999, state="draft"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_two_concurrent_writers_both_succeed(app, make_user):
    """Each thread reads, then writes, in one transaction: with BEGIN IMMEDIATE
    on SQLite (and row locks on PostgreSQL) neither hits 'database is locked'."""
    from reviewapp.accounts.models import User
    from reviewapp.audit.services import record
    from reviewapp.extensions import db

    users = [make_user(), make_user()]
    barrier = threading.Barrier(2)
    errors = []

    def writer(user_id):
        try:
            with app.app_context():
                barrier.wait(timeout=10)                  # start together
                user = db.session.get(User, user_id)      # read first
                for _ in range(10):
                    user.failed_login_count += 1          # then write
                    record("user.login_failed", actor=user, reason="concurrency test")
                    db.session.commit()
                    user = db.session.get(User, user_id)
        except Exception as error:  # collected and asserted below
            errors.append(repr(error))

    threads = [threading.Thread(target=writer, args=(u.id,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with app.app_context():
        counts = [db.session.get(User, u.id).failed_login_count for u in users]
        from reviewapp.audit.services import verify_chain

        result = verify_chain()
    assert counts == [10, 10]
    assert result.ok and result.checked == 2 + 20
