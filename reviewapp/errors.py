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
            return render_template("error.html", status=code,
                                   message=message or messages[code]), code
        return handler

    for code in messages:
        app.register_error_handler(code, make_handler(code))


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
