"""Domain errors and HTTP errors rendered as pages (JSON for the API), in one
place; a lost database is a 503 that says whether anything may have been saved."""

from reviewapp.errors import (
    CONNECTION_LOST_MESSAGE,
    DATABASE_UNAVAILABLE_MESSAGE,
    LOST_WHILE_SAVING_MESSAGE,
    DomainError,
    PermissionDenied,
    RefusalOnRecord,
)


def roll_back(error: Exception | None = None) -> None:
    """End a refused request's transaction: nothing it changed is kept, except
    the record a RefusalOnRecord asks for, committed on its own."""
    from reviewapp.extensions import db

    db.session.rollback()
    if isinstance(error, RefusalOnRecord):
        error.keep()
        db.session.commit()


def register_error_handlers(app):
    from flask import render_template

    @app.errorhandler(DomainError)
    def handle_domain_error(error):
        roll_back(error)
        if isinstance(error, PermissionDenied):
            record_access_denied(error.message)
        return render_template("error.html", status=error.status_code,
                               message=error.message), error.status_code

    messages = {
        400: "The request could not be understood.",
        403: "You do not have permission to see this page.",
        404: "There is no such page.",
        405: "This action is not allowed here.",
        413: "The request is too large (limit: {limit}).",
        429: "Too many requests. Please wait a few minutes and try again.",
        500: "Something went wrong on our side. Nothing was saved.",
    }

    def make_handler(code):
        def handler(error):
            from reviewapp.extensions import db

            db.session.rollback()
            if code == 403:
                record_access_denied(messages[403])
            message = getattr(error, "description", None) if code in (400, 429) else None
            if code == 413:
                message = messages[413].format(limit=_human_size(app.config["MAX_CONTENT_LENGTH"]))
            headers = {}
            if code == 405 and getattr(error, "valid_methods", None):
                # RFC 9110: a 405 lists the methods the resource allows.
                headers["Allow"] = ", ".join(error.valid_methods)
            return render_template("error.html", status=code,
                                   message=message or messages[code]), code, headers
        return handler

    for code in messages:
        app.register_error_handler(code, make_handler(code))

    _register_database_error_handler(app)


def _register_database_error_handler(app):
    """A lost connection or an unavailable database (PostgreSQL restarted, a
    backend terminated, SQLite's lock held past the busy timeout) is a 503 with
    a message, not a traceback. The request's transaction is gone with it; a
    connection lost during COMMIT leaves the outcome unknown, and says so.
    SQLAlchemy invalidates the pool on a disconnect, so the next request gets a
    fresh connection. Other database errors are bugs and stay 500s."""
    from flask import g, has_request_context, render_template, request
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.exc import DBAPIError, OperationalError

    if not event.contains(Engine, "commit", _note_commit_started):
        event.listen(Engine, "commit", _note_commit_started)

    @app.errorhandler(DBAPIError)
    def handle_database_error(error):
        from reviewapp.extensions import db

        if not (error.connection_invalidated or isinstance(error, OperationalError)):
            raise error
        db.session.rollback()
        if "_login_user" not in g:
            # The user was not loaded yet: the page is shown without asking a
            # database that just failed (Flask-Login keeps the user in g).
            g._login_user = app.login_manager.anonymous_user()
        if not error.connection_invalidated:
            message = DATABASE_UNAVAILABLE_MESSAGE
        elif has_request_context() and g.get("db_commit_started"):
            message = LOST_WHILE_SAVING_MESSAGE
        else:
            message = CONNECTION_LOST_MESSAGE
        app.logger.error("Database error, answered 503: %s", error.orig)
        if request.blueprint == "api":
            from reviewapp.public.api import error_response

            return error_response(503, message)
        return render_template("error.html", status=503, message=message), 503


def _note_commit_started(connection):
    from flask import g, has_request_context

    if has_request_context():
        g.db_commit_started = True


def _human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    return f"{n / 1024:g} KB"


def record_access_denied(message: str) -> None:
    """A signed-in user refused a page or action: one event, its own transaction."""
    from flask import request
    from flask_login import current_user

    from reviewapp.audit.services import record
    from reviewapp.extensions import db

    if not current_user.is_authenticated:
        return
    record("access.denied", reason=message,
           details={"method": request.method, "path": request.path[:500]})
    db.session.commit()
