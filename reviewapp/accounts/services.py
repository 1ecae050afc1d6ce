"""Account rules: logging in and out, creating users, roles, deactivation.

Services check permissions, change rows, record the audit event and flush;
the caller commits.
"""

from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from reviewapp import publication_versions
from reviewapp.accounts import passwords, profiles
from reviewapp.accounts.models import User, UserRole, UserSpecialty, new_session_token
from reviewapp.accounts.permissions import ROLES, can_manage_users
from reviewapp.audit.models import AuditEvent
from reviewapp.audit.services import record
from reviewapp.db import transaction_lock, utcnow
from reviewapp.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from reviewapp.extensions import db
from reviewapp.normalize import (
    lookalike_email_problem,
    lookalike_name_problem,
    normalize_email,
    normalize_name,
)

LOGIN_FAILED = "Invalid email or password."


class LoginThrottled(DomainError):
    status_code = 429


def find_user_by_email(email: str, *, lock: bool = False) -> User | None:
    query = select(User).where(User.email == normalize_email(email))
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def lock_user(user: User) -> None:
    """Lock the user's row until the transaction ends and reload it, so that
    password checks running at once on one account are counted one after the
    other, never from the same stale count."""
    db.session.scalar(select(User).where(User.id == user.id).with_for_update()
                      .execution_options(populate_existing=True))


def log_in(email: str, password: str, ip: str | None) -> User | None:
    """The user when email and password match an active, unlocked account;
    otherwise None, with the same answer whatever the reason. Every failure
    is recorded, and it is what the per-account lockout and the per-IP limit
    count. Tries from one address, and tries on one account, queue on a lock
    for the whole check, so concurrent requests cannot outrun either count."""
    config = current_app.config
    if ip:
        transaction_lock(db.session, f"login-ip:{ip}")
    now = utcnow()
    window_start = now - timedelta(minutes=config["LOGIN_IP_WINDOW_MINUTES"])
    recent_failures = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(
            AuditEvent.ip == ip, AuditEvent.action == "user.login_failed",
            AuditEvent.occurred_at >= window_start))
    if ip and recent_failures >= config["LOGIN_IP_LIMIT"]:
        record("user.login_failed", reason="too many failed logins from this address",
               details={"email": email[:320]})
        raise LoginThrottled("Too many failed logins from your network. "
                             "Please wait a few minutes and try again.")

    user = find_user_by_email(email, lock=True)
    if user is None:
        passwords.verify_password(None, password)  # same time as a real check
        record("user.login_failed", reason="unknown email", details={"email": email[:320]})
        return None
    if user.locked_until and user.locked_until <= now:
        user.locked_until, user.failed_login_count = None, 0
    if user.locked_until:
        passwords.verify_password(None, password)  # a locked account answers no faster
        record("user.login_failed", actor=user, object_type="user", object_id=user.id,
               reason="account locked")
        return None
    if not passwords.verify_password(user.password_hash, password):
        note_failed_password(user)
        return None
    if not user.active:
        record("user.login_failed", actor=user, object_type="user", object_id=user.id,
               reason="account deactivated")
        return None
    user.failed_login_count = 0
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    record("user.login", actor=user, object_type="user", object_id=user.id)
    return user


class AccountLocked(DomainError):
    status_code = 403


def confirm_password(user: User, password: str) -> bool:
    """A password asked again (to sign, to change it): the lockout applies as at
    login, so a session cannot be used to guess it. A wrong one is recorded and
    counts towards the lock."""
    lock_user(user)
    now = utcnow()
    if user.locked_until and user.locked_until > now:
        raise AccountLocked(
            "Your account is locked after too many wrong passwords, until "
            f"{user.locked_until:%Y-%m-%d %H:%M} UTC. Nothing was saved.")
    if user.locked_until:
        user.locked_until, user.failed_login_count = None, 0
    if not passwords.verify_password(user.password_hash, password):
        note_failed_password(user)
        return False
    user.failed_login_count = 0
    return True


def note_failed_password(user: User, reason: str = "wrong password") -> None:
    """A wrong password (or two-factor code: `reason` says which) counts towards
    the lockout, for logins and signatures."""
    config = current_app.config
    user.failed_login_count += 1
    record("user.login_failed", actor=user, object_type="user", object_id=user.id,
           reason=reason, details={"failed_count": user.failed_login_count})
    if user.failed_login_count >= config["LOGIN_LOCKOUT_THRESHOLD"]:
        user.locked_until = utcnow() + timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
        record("user.locked", actor=user, object_type="user", object_id=user.id,
               reason=f"{user.failed_login_count} failed logins",
               details={"locked_until": user.locked_until.isoformat()})


def lock_countdown(user: User) -> str:
    """How far a person is from the lock after a wrong password (note_failed_password),
    for the message that tells them: "after 4 more, it is locked for 15 minutes"."""
    config = current_app.config
    left = config["LOGIN_LOCKOUT_THRESHOLD"] - user.failed_login_count
    minutes = config["LOGIN_LOCKOUT_MINUTES"]
    if left <= 0:
        return f"it is now locked for {minutes} minutes"
    return f"after {left} more, it is locked for {minutes} minutes"


def log_out(user: User) -> None:
    """Ends every session of the user, not only this one."""
    user.session_token = new_session_token()
    record("user.logout", actor=user, object_type="user", object_id=user.id)
    db.session.flush()


def check_password_rules(password: str) -> None:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise InvalidInput(f"The password must be at least {minimum} characters long.")


def create_user(*, email: str, display_name: str, password: str, roles: list[str],
                specialties: list[str] = (), actor: User | None = None) -> User:
    """Create an account. `actor` is the admin creating it, or None from the CLI."""
    if actor is not None and not can_manage_users(actor):
        raise PermissionDenied("Only admins can create users.")
    email = normalize_email(email)
    display_name = normalize_name(display_name)
    if not email or "@" not in email:
        raise InvalidInput("Enter a valid email address.")
    if not display_name:
        raise InvalidInput("Enter a name.")
    if problem := lookalike_email_problem(email) or lookalike_name_problem(display_name):
        raise InvalidInput(problem)
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise InvalidInput(f"Unknown role: {', '.join(unknown)}. Roles: {', '.join(ROLES)}.")
    if not roles:
        raise InvalidInput("Give the user at least one role.")
    check_password_rules(password)
    if find_user_by_email(email):
        raise InvalidInput("A user with this email address already exists.")
    user = User(email=email, display_name=display_name,
                password_hash=passwords.hash_password(password),
                roles=[UserRole(role=r) for r in sorted(set(roles))],
                specialties=[UserSpecialty(name=s) for s in dict.fromkeys(specialties)])
    db.session.add(user)
    db.session.flush()
    record("user.created", actor=actor, object_type="user", object_id=user.id,
           details={"email": email, "display_name": display_name,
                    "roles": user.role_names, "specialties": user.specialty_names})
    publication_versions.bump(publication_versions.SITE)  # a reviewer joins the board page
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such user.")
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).options(selectinload(User.specialties))
                                   .order_by(User.display_name, User.id)))


def update_user(user: User, *, roles: list[str], specialties: list[str], actor: User,
                profile: profiles.PublicProfile | None = None) -> None:
    """Set roles, specialties and (when given) the public profile; one audit
    event for each that changed."""
    if not can_manage_users(actor):
        raise PermissionDenied("Only admins can change users.")
    roles = sorted(set(roles))
    if not roles:
        raise InvalidInput("Give the user at least one role.")
    if set(roles) - set(ROLES):
        raise InvalidInput("Unknown role.")
    if user.id == actor.id and "admin" not in roles:
        raise InvalidInput("You cannot remove your own admin role.")
    before = user.role_names
    if before != roles:
        kept = [r for r in user.roles if r.role in roles]
        user.roles = kept + [UserRole(role=r) for r in roles if r not in before]
        record("user.roles_changed", actor=actor, object_type="user", object_id=user.id,
               details={"before": before, "after": roles})
    specialties = list(dict.fromkeys(specialties))
    before_specialties = user.specialty_names
    if sorted(specialties) != before_specialties:
        user.specialties = [UserSpecialty(name=s) for s in specialties]
        record("user.specialties_changed", actor=actor, object_type="user", object_id=user.id,
               details={"before": before_specialties, "after": sorted(specialties)})
    if before != roles or sorted(specialties) != before_specialties:
        # The board lists active reviewers; pages name people with their specialties.
        publication_versions.bump(publication_versions.SITE)
    if profile is not None:
        profiles.update_public_profile(user, profile, actor=actor)
    db.session.flush()


def set_user_active(user: User, active: bool, *, actor: User, reason: str | None = None) -> None:
    if not can_manage_users(actor):
        raise PermissionDenied("Only admins can deactivate users.")
    if user.id == actor.id and not active:
        raise InvalidInput("You cannot deactivate your own account.")
    if user.active == active:
        return
    user.active = active
    if not active:
        user.session_token = new_session_token()
    record("user.reactivated" if active else "user.deactivated", actor=actor,
           object_type="user", object_id=user.id, reason=reason,
           details={"before": {"active": not active}, "after": {"active": active}})
    publication_versions.bump(publication_versions.SITE)  # the board lists active reviewers
    db.session.flush()


def change_password(user: User, current_password: str, new_password: str) -> bool:
    """False (the failure recorded, nothing else changed) when the current
    password is wrong. Success ends the user's other sessions: the caller logs
    the current one in again."""
    check_password_rules(new_password)
    if not confirm_password(user, current_password):
        return False
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_token = new_session_token()
    record("user.password_changed", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return True


def load_user_by_session_token(token: str) -> User | None:
    """Flask-Login's loader: the session holds the user's session token."""
    return db.session.scalar(select(User).where(User.session_token == token,
                                                User.active.is_(True)))
