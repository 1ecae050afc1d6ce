"""Settings layering, the secret key, SQLite connection settings, two writers."""

import multiprocessing
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from reviewapp import create_app
from reviewapp.app import ConfigurationError
from reviewapp.site_keys import new_private_key_text

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/example"  # never connected to here


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


@pytest.fixture
def no_secret_key(tmp_path, monkeypatch):
    """No SECRET_KEY from anywhere; the instance folder is tmp_path/instance."""
    for name in ("SECRET_KEY", "REVIEWAPP_SECRET_KEY", "DATABASE_URL",
                 "REVIEWAPP_DATABASE_URL", "REVIEWAPP_AUDIT_HMAC_KEY"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("REVIEWAPP_INSTANCE_PATH", str(instance))
    return instance


def test_postgresql_without_a_secret_key_refuses_to_start_naming_the_setting(no_secret_key):
    """Each server would sign with a key of its own: sessions and forms from one
    refused by the next. Even a key file left by an earlier SQLite run is not
    used, since the other servers do not have it."""
    no_secret_key.mkdir()
    (no_secret_key / "secret_key").write_text("f" * 64)
    with pytest.raises(ConfigurationError, match=r"^SECRET_KEY is not set\. With a "
                       r"PostgreSQL DATABASE_URL every server must .* same key"):
        create_app({"DATABASE_URL": POSTGRES_URL})


def test_the_production_entry_point_refuses_postgresql_without_a_secret_key(no_secret_key):
    """As gunicorn loads it (reviewapp.wsgi): exits, and the reason is in the log."""
    started = subprocess.run([sys.executable, "-c", "import reviewapp.wsgi"],
                             env={**os.environ, "DATABASE_URL": POSTGRES_URL},
                             capture_output=True, text=True, timeout=60, check=False)
    assert started.returncode != 0
    assert "ConfigurationError: SECRET_KEY is not set." in started.stderr


@pytest.mark.parametrize("source", ["SECRET_KEY", "REVIEWAPP_SECRET_KEY", "instance file",
                                    "test config"])
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_empty_secret_key_is_refused_wherever_it_is_set(no_secret_key, monkeypatch,
                                                            source, database):
    """Empty (or blank) is a mistake, not "generate one": never signed with."""
    no_secret_key.mkdir()
    test_config = {"DATABASE_URL": POSTGRES_URL} if database == "postgresql" else {}
    if source == "instance file":
        (no_secret_key / "config.py").write_text('SECRET_KEY = ""\n')
    elif source == "test config":
        test_config["SECRET_KEY"] = "   "
    else:
        monkeypatch.setenv(source, "")
    with pytest.raises(ConfigurationError, match=r"^SECRET_KEY is set but empty\."):
        create_app(test_config)
    assert not (no_secret_key / "secret_key").exists()


def test_an_empty_audit_hmac_key_is_refused(no_secret_key, monkeypatch):
    """Empty would quietly mean an unkeyed chain on this server only."""
    monkeypatch.setenv("REVIEWAPP_AUDIT_HMAC_KEY", "")
    with pytest.raises(ConfigurationError, match=r"^AUDIT_HMAC_KEY is set but empty\."):
        create_app({"SECRET_KEY": "x"})
    assert create_app({"SECRET_KEY": "x", "AUDIT_HMAC_KEY": "k"}).config["AUDIT_HMAC_KEY"]


def test_sqlite_without_a_secret_key_still_starts_with_a_generated_one(no_secret_key):
    """`make run` and the CLI on the SQLite default need no setting; the key is
    written whole under its name, leaving no temporary file behind."""
    key = create_app().config["SECRET_KEY"]
    assert len(key) == 64 and key == (no_secret_key / "secret_key").read_text()
    # (the site's signing key is generated beside it: test_signing_key_setting.py)
    assert sorted(p.name for p in no_secret_key.iterdir()) == ["secret_key", "signing_key"]


def test_an_empty_secret_key_file_is_refused_until_deleted(no_secret_key):
    """A file left empty (by an older version's crash, or a full disk) is not
    replaced behind the operator's back: two servers replacing it at once
    could each keep a key of their own. Deleting it is the fix the message gives."""
    no_secret_key.mkdir()
    key_file = no_secret_key / "secret_key"
    key_file.write_text("\n")
    with pytest.raises(ConfigurationError, match=r"key file .*secret_key is empty\. "
                       r"Delete it to have a new key generated"):
        create_app()
    assert key_file.read_text() == "\n"
    key_file.unlink()
    assert len(create_app().config["SECRET_KEY"]) == 64


def _start_together(instance_root: str, rounds: int, barrier, keys) -> None:
    """One server process: warmed up (imports done), then at each round starts
    at the same instant as the others on that round's empty instance folder."""
    os.environ.pop("SECRET_KEY", None)
    create_app({"SECRET_KEY": "warm-up", "DATABASE_URL": "sqlite://"})
    for n in range(rounds):
        os.environ["REVIEWAPP_INSTANCE_PATH"] = str(Path(instance_root) / f"round-{n}")
        barrier.wait(timeout=60)
        try:
            keys.put((n, create_app().config["SECRET_KEY"]))
        except Exception as error:  # reported to the test
            keys.put((n, repr(error)))


def test_processes_starting_at_once_on_an_empty_instance_folder_share_one_key(no_secret_key):
    """Eight processes released by a barrier, twenty times: every one gets the
    same non-empty key (before: some read the file between its creation and
    its write, and got an empty key)."""
    processes, rounds = 8, 20
    context = multiprocessing.get_context("forkserver")
    barrier, keys = context.Barrier(processes), context.Queue()
    starters = [context.Process(target=_start_together,
                                args=(str(no_secret_key), rounds, barrier, keys))
                for _ in range(processes)]
    for starter in starters:
        starter.start()
    try:
        got = [keys.get(timeout=120) for _ in range(processes * rounds)]
    finally:
        for starter in starters:
            starter.join(timeout=60)
            starter.kill()
    for n in range(rounds):
        in_round = {key for round_, key in got if round_ == n}
        written = (no_secret_key / f"round-{n}" / "secret_key").read_text()
        assert in_round == {written} and len(written) == 64, (n, in_round)


def test_database_url_from_the_environment_selects_postgresql(tmp_path, monkeypatch):
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/example")
    monkeypatch.setenv("SECRET_KEY", "shared by every server")
    monkeypatch.setenv("SIGNING_KEY", new_private_key_text())
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
