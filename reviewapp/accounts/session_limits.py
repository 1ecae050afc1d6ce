"""Sessions end after SESSION_IDLE_MINUTES without a request and, at the latest,
SESSION_MAX_HOURS after login (the signed cookie alone would be good forever).
The times travel in the signed session; an ended session is recorded."""

import time

from flask import current_app, flash, session
from flask_login import current_user, logout_user

IDLE_REFRESH_SECONDS = 60  # the cookie is rewritten at most once a minute


def now() -> int:
    return int(time.time())


def start() -> None:
    """Called right after login_user()."""
    session["login_at"] = session["seen_at"] = now()


def _expired(moment: int) -> str | None:
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    longest = current_app.config["SESSION_MAX_HOURS"] * 3600
    login_at, seen_at = session.get("login_at"), session.get("seen_at")
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return "session without a login time"
    if moment - seen_at > idle:
        return f"no activity for {current_app.config['SESSION_IDLE_MINUTES']} minutes"
    if moment - login_at > longest:
        return f"{current_app.config['SESSION_MAX_HOURS']} hours since login"
    return None


def register(app) -> None:
    @app.before_request
    def end_old_sessions():
        if not current_user.is_authenticated:
            return
        moment = now()
        reason = _expired(moment)
        if reason is None:
            if moment - session["seen_at"] >= IDLE_REFRESH_SECONDS:
                session["seen_at"] = moment
            return
        from reviewapp.audit.services import record
        from reviewapp.extensions import db

        user = current_user._get_current_object()
        record("user.session_expired", actor=user, object_type="user", object_id=user.id,
               reason=reason)
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your session has ended (" + reason + "). Please log in again.", "warning")
