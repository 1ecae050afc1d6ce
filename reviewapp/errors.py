"""Domain errors, and their mapping to HTTP responses in one place.

The error classes are plain exceptions (pure modules raise them); Flask is
imported only where the handlers are registered.
"""


class DomainError(Exception):
    """A refusal whose message is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class TransitionRefused(DomainError):
    status_code = 409


STALE_MESSAGE = "This article changed since you opened it — nothing was saved."


class StaleVersion(DomainError):
    status_code = 409

    def __init__(self, message: str = STALE_MESSAGE):
        super().__init__(message)


class InvalidInput(DomainError):
    status_code = 400


CONNECTION_LOST_MESSAGE = ("The database connection was lost; nothing was saved. "
                           "Please try again.")
LOST_WHILE_SAVING_MESSAGE = ("The database connection was lost while your change was being "
                             "saved, so it may or may not have been saved. Reload the page to "
                             "check before trying again.")
DATABASE_UNAVAILABLE_MESSAGE = ("The database could not complete this request; nothing was "
                                "saved. Please try again in a moment.")


def register_error_handlers(app):
    from flask import render_template

    @app.errorhandler(DomainError)
    def handle_domain_error(error):
        from reviewapp.extensions import db

        db.session.rollback()
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
