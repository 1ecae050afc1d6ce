"""Starting a session, and the step between the password and the two-factor code.

After the right password a user with two-factor sign-in (or one who must set it
up) gets only a pending marker in the session cookie, which Flask signs: the
user's session token, when, and where to go next. It is no login (Flask-Login
knows nothing of it), it lasts PENDING_MINUTES, and it dies with the session
token (logout elsewhere, password change, deactivation).
"""

from dataclasses import dataclass

from flask import session
from flask_login import login_user

from reviewapp.accounts import session_limits
from reviewapp.accounts.models import User

PENDING_KEY = "sign_in_pending"
# Long enough to find the phone, or to install an app when enrolment is forced.
PENDING_MINUTES = 10


@dataclass(frozen=True)
class Pending:
    user: User
    next_url: str


def log_in_user(user: User) -> None:
    """The full session: a fresh one (no fixation), with its time limits."""
    session.clear()
    login_user(user)
    session_limits.start()


def start_pending(user: User, next_url: str) -> None:
    session.clear()
    session[PENDING_KEY] = {"token": user.session_token, "at": session_limits.now(),
                            "next": next_url}


def pending() -> Pending | None:
    """The user between password and code, or None (no marker, or too old, or
    the account's sessions ended since)."""
    from reviewapp.accounts.services import load_user_by_session_token

    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict) or not isinstance(marker.get("at"), int) \
            or not isinstance(marker.get("token"), str):
        return None
    if not 0 <= session_limits.now() - marker["at"] <= PENDING_MINUTES * 60:
        return None
    user = load_user_by_session_token(marker["token"])
    if user is None:
        return None
    return Pending(user=user, next_url=str(marker.get("next") or "/"))


def end_pending() -> None:
    session.pop(PENDING_KEY, None)
