"""Account recovery: "Forgot your password?" and the set-password link admins
send new users. A link is a signed token bound to the password it replaces, so
it dies once used or once the password changes another way.

Services record the audit event and flush; the caller commits.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select

from reviewapp.accounts import passwords
from reviewapp.accounts.models import User, new_session_token
from reviewapp.accounts.services import check_password_rules, create_user, find_user_by_email
from reviewapp.audit.models import AuditEvent
from reviewapp.audit.services import record
from reviewapp.db import utcnow
from reviewapp.errors import DomainError
from reviewapp.extensions import db
from reviewapp.mail.compose import enqueue_mail
from reviewapp.urls import site_url

RESET, WELCOME = "reset", "welcome"
REQUESTED = "user.password_reset_requested"
# Reasons on REQUESTED events; the per-account limit counts the mailed ones only,
# so someone asking on another's behalf cannot keep their links from coming.
MAILED = "link mailed"
WELCOMED = "set-password link mailed to a new user"
UNKNOWN = "unknown email"
DEACTIVATED = "account deactivated"
ADDRESS_LIMIT = "too many links mailed to this account"
IP_LIMIT = "too many requests from this address"
_SALT = "reviewapp.accounts.recovery"
_MAX_USER_ID = 2**31 - 1  # a larger id would be an out-of-range query on PostgreSQL


class LinkInvalid(DomainError):
    status_code = 404

    def __init__(self):
        super().__init__("This link is no longer valid: it was used already, it has "
                         "expired, or the password was changed since it was sent. "
                         "Nothing was changed.")


def now() -> datetime:
    """The clock links expire by (tests move it)."""
    return utcnow()


def lifetime(purpose: str) -> timedelta:
    config = current_app.config
    if purpose == WELCOME:
        return timedelta(days=config["SET_PASSWORD_DAYS"])
    return timedelta(hours=config["PASSWORD_RESET_HOURS"])


def describe(period: timedelta) -> str:
    """'1 hour', '7 days': how long a link works, for pages and mails."""
    hours = int(period.total_seconds() // 3600)
    if hours and hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' * (days != 1)}"
    return f"{hours} hour{'s' * (hours != 1)}"


def request_password_reset(email: str, ip: str | None) -> None:
    """Mail a reset link when `email` names an active account and neither limit
    is reached. Whatever happened, the caller shows the same page; the audit
    event says what it was."""
    config = current_app.config
    typed = {"email": email[:320]}
    since = now() - timedelta(minutes=config["PASSWORD_RESET_WINDOW_MINUTES"])
    from_ip = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.ip == ip, AuditEvent.action == REQUESTED, AuditEvent.reason != WELCOMED,
        AuditEvent.occurred_at >= since))
    if ip and from_ip >= config["PASSWORD_RESET_IP_LIMIT"]:
        record(REQUESTED, reason=IP_LIMIT, details=typed)
        return
    user = find_user_by_email(email)
    if user is None:
        record(REQUESTED, reason=UNKNOWN, details=typed)
        return
    about = {"object_type": "user", "object_id": user.id}
    if not user.active:
        record(REQUESTED, reason=DEACTIVATED, details=typed, **about)
        return
    mailed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.object_type == "user", AuditEvent.object_id == str(user.id),
        AuditEvent.action == REQUESTED, AuditEvent.reason == MAILED,
        AuditEvent.occurred_at >= since))
    if mailed >= config["PASSWORD_RESET_EMAIL_LIMIT"]:
        record(REQUESTED, reason=ADDRESS_LIMIT, details=typed, **about)
        return
    message = _mail_link(user, RESET)
    record(REQUESTED, reason=MAILED, details={**typed, "outbox_message_id": message.id},
           **about)


def invite_user(*, email: str, display_name: str, roles: list[str],
                specialties: list[str] = (), actor: User) -> User:
    """An admin creates an account and the new user is mailed a link to choose
    their first password. Until then the password is a random one nobody was
    told, so no password logs in (and a login takes as long as any other)."""
    user = create_user(email=email, display_name=display_name,
                       password=secrets.token_urlsafe(32), roles=roles,
                       specialties=specialties, actor=actor)
    message = _mail_link(user, WELCOME)
    record(REQUESTED, actor=actor, object_type="user", object_id=user.id, reason=WELCOMED,
           details={"email": user.email, "outbox_message_id": message.id})
    return user


def user_for_link(token: str, *, lock: bool = False) -> tuple[User, str]:
    """The user a link is for, and its purpose (RESET or WELCOME). LinkInvalid
    when it is garbled, expired, used, or the password changed since it was
    sent, or the account was deactivated. `lock` locks the user row, so one link
    sets one password even when sent twice at once."""
    try:
        payload, issued_at = _serializer().loads(token, return_timestamp=True)
    except BadData:
        raise LinkInvalid() from None
    if not isinstance(payload, dict) or payload.get("p") not in (RESET, WELCOME):
        raise LinkInvalid()
    user_id, purpose = payload.get("u"), payload["p"]
    if not isinstance(user_id, int) or not 0 < user_id <= _MAX_USER_ID:
        raise LinkInvalid()
    if now() - issued_at > lifetime(purpose):
        raise LinkInvalid()
    user = db.session.get(User, user_id, with_for_update=lock, populate_existing=lock)
    if user is None or not user.active or not isinstance(payload.get("f"), str) \
            or not hmac.compare_digest(payload["f"], _fingerprint(user)):
        raise LinkInvalid()
    return user, purpose


def reset_password(token: str, new_password: str) -> User:
    """Set the password from a mailed link: ends every session of the user and
    clears the lockout. LinkInvalid or InvalidInput change nothing."""
    user, purpose = user_for_link(token, lock=True)
    check_password_rules(new_password)
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = now()
    user.session_token = new_session_token()
    user.failed_login_count, user.locked_until = 0, None
    record("user.password_reset", actor=user, object_type="user", object_id=user.id,
           reason="first password set" if purpose == WELCOME else "reset from a mailed link")
    db.session.flush()
    return user


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _fingerprint(user: User) -> str:
    """Changes whenever the password does (argon2 salts every hash afresh)."""
    changed_at = user.password_changed_at.astimezone(UTC).isoformat()
    material = f"{user.id}|{user.password_hash}|{changed_at}".encode()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def _mail_link(user: User, purpose: str):
    token = _serializer().dumps({"u": user.id, "p": purpose, "f": _fingerprint(user)})
    template = "set_password.txt" if purpose == WELCOME else "password_reset.txt"
    return enqueue_mail(user.email, template, user=user,
                        link=site_url("recovery.reset_password", token=token),
                        forgot_link=site_url("recovery.forgot_password"),
                        valid_for=describe(lifetime(purpose)))
