"""Declarative base, UTC time helpers and SQLite connection settings."""

import sqlite3
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC, so SQLite and PostgreSQL agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC was expected")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# SQLite: the driver's own transaction handling is switched off so that we
# emit BEGIN ourselves. Writing requests take the write lock up front
# (BEGIN IMMEDIATE): a deferred transaction that read first and then writes
# fails with "database is locked" when another writer got in between, and the
# busy timeout cannot help it. Read-only requests (GET/HEAD) begin deferred.
@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Outside a request (CLI, workers) transactions begin IMMEDIATE unless this
# says otherwise: a test arranging and reading rows sets "DEFERRED" so that
# it does not hold the write lock while the app under test works.
sqlite_begin_mode: ContextVar[str] = ContextVar("sqlite_begin_mode", default="IMMEDIATE")


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    from flask import has_request_context, request

    if has_request_context():
        mode = "DEFERRED" if request.method in ("GET", "HEAD", "OPTIONS") else "IMMEDIATE"
    else:
        mode = sqlite_begin_mode.get()
    conn.exec_driver_sql(f"BEGIN {mode}")


def transaction_lock(session, key: str) -> None:
    """Queue on `key` until this transaction ends. PostgreSQL takes an advisory
    transaction lock; SQLite needs none, since its writers begin IMMEDIATE and
    so already run one at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def register_session_cleanup(app, db) -> None:
    """End each request's session without letting a lost connection replace the
    answer. Runs before Flask-SQLAlchemy's own teardown (teardowns run in the
    reverse order of registration). When the connection dies after the view
    committed, the rollback that closing the session does fails; what was
    committed stands, so the real response must go out, not a 500 that would
    make the user try again and save twice. SQLAlchemy has invalidated the
    connection, so the pool will not hand it out again."""
    from sqlalchemy.exc import DBAPIError

    @app.teardown_appcontext
    def end_session(_error):
        try:
            db.session.remove()
        except DBAPIError as failure:
            app.logger.warning("Database connection lost while ending the request's "
                               "session, after its response was decided: %s", failure.orig)
            db.session.registry.clear()
