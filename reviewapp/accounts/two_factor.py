"""Two-factor sign-in with TOTP codes (RFC 6238, pyotp): turning it on and off,
checking a code or a one-time recovery code after the password.

Services lock the user's row first, so that two requests cannot both spend one
code, record the audit event and flush; the caller commits.
"""

import base64
import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, select

from reviewapp.accounts import services
from reviewapp.accounts.models import RecoveryCode, User
from reviewapp.accounts.permissions import has_role
from reviewapp.audit.services import record
from reviewapp.db import utcnow
from reviewapp.errors import InvalidInput
from reviewapp.extensions import db

ISSUER = "reviewapp"
STEP_SECONDS = 30
# A code of the step before or after the current one is accepted too: phone
# clocks drift and people type slowly (RFC 6238 section 5.2: at most one step).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
SECRET_PATTERN = re.compile(r"[A-Z2-7]{32}")

# Recovery codes are kept as SHA-256, not argon2. A password needs a slow hash
# because people choose guessable ones; a recovery code is 120 random bits from
# `secrets` (24 base32 characters), so even someone holding the table cannot
# search 2**120 candidates, slow hash or not (ASVS asks a slow, salted hash only
# below 112 bits). argon2 would only add its cost to every login that uses a
# code (checked against each stored one, as its salt prevents a lookup).
RECOVERY_CODE_BYTES = 15


def now() -> float:
    """The clock codes are checked against (tests move it)."""
    return time.time()


def required_for(user: User) -> bool:
    """The user holds a role listed in REQUIRE_TWO_FACTOR_FOR."""
    required = current_app.config["REQUIRE_TWO_FACTOR_FOR"]
    return any(has_role(user, role) for role in required)


def second_step_needed(user: User) -> bool:
    """After the right password: a code to ask, or an enrolment to force."""
    return user.two_factor_enabled or required_for(user)


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code_data_uri(uri: str) -> str:
    """The otpauth:// URI as an SVG QR code, made here (nothing sent elsewhere),
    for an <img> (the CSP allows data: images)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, light="#fff")


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))


# --- turning it on and off ----------------------------------------------------------

def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Turn two-factor sign-in on with `secret` once `code` shows the user's app
    holds it. Returns the recovery codes, to be shown once; None when the code
    is wrong, and then nothing is stored."""
    if not SECRET_PATTERN.fullmatch(secret or ""):
        raise InvalidInput("The setup has expired; start again.")
    services.lock_user(user)
    if user.two_factor_enabled:
        raise InvalidInput("Two-factor sign-in is already on.")
    step = _matching_step(secret, code)
    if step is None:
        return None
    user.two_factor_secret = secret
    user.two_factor_enabled_at = utcnow()
    user.two_factor_last_step = step  # the confirming code cannot then log in
    user.two_factor_failures = 0
    codes = _replace_recovery_codes(user)
    record("user.two_factor_enabled", actor=user, object_type="user", object_id=user.id,
           details={"recovery_codes": len(codes)})
    db.session.flush()
    return codes


def disable(user: User, password: str, code: str) -> str | None:
    """Turn it off. None when done; otherwise the field that was wrong
    ("password" or "code"), recorded and counted towards the lockout."""
    if required_for(user):
        raise InvalidInput("Your role requires two-factor sign-in, so it stays on.")
    if not user.two_factor_enabled:
        raise InvalidInput("Two-factor sign-in is already off.")
    if not services.confirm_password(user, password):  # locks the row; lockout applies
        return "password"
    carry_over_failures(user)  # a right password gives no fresh code guesses here either
    if refusal := _spend_code(user, code):
        _note_wrong_code(user, refusal)
        return "code"
    user.two_factor_secret = user.two_factor_enabled_at = user.two_factor_last_step = None
    user.two_factor_failures = 0
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record("user.two_factor_disabled", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return None


def regenerate_recovery_codes(user: User, code: str) -> list[str] | None:
    """New recovery codes (the old ones stop working) once `code` is right;
    None when it is wrong (recorded, counted towards the lockout)."""
    services.lock_user(user)
    _refuse_if_locked(user)
    if not user.two_factor_enabled:
        raise InvalidInput("Two-factor sign-in is off.")
    if refusal := _spend_code(user, code):
        _note_wrong_code(user, refusal)
        return None
    codes = _replace_recovery_codes(user)
    record("user.recovery_codes_regenerated", actor=user, object_type="user",
           object_id=user.id, details={"recovery_codes": len(codes)})
    db.session.flush()
    return codes


# --- at login ----------------------------------------------------------------------

def carry_over_failures(user: User) -> None:
    """Called at a right password, before the code is asked. log_in() starts the
    lockout count afresh at a right password; without this, whoever knows the
    password would get a fresh set of code guesses at every login."""
    if user.two_factor_failures > user.failed_login_count:
        user.failed_login_count = user.two_factor_failures
        db.session.flush()


def verify_login_code(user: User, code: str) -> bool:
    """The second step: True when `code` is the user's current code and of a
    later time step than the last one accepted. A wrong or replayed code is
    recorded and counts towards the lockout; a locked account raises
    AccountLocked, whatever the code."""
    services.lock_user(user)
    _refuse_if_locked(user)
    if refusal := _spend_code(user, code):
        _note_wrong_code(user, refusal)
        return False
    _passed(user)
    record("user.two_factor_verified", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return True


def use_recovery_code(user: User, code: str) -> bool:
    """A recovery code instead of the TOTP code: each works once."""
    services.lock_user(user)
    _refuse_if_locked(user)
    stored = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash_recovery_code(code),
        RecoveryCode.used_at.is_(None)))
    if stored is None or not user.two_factor_enabled:
        _note_wrong_code(user, "wrong or used recovery code")
        return False
    stored.used_at = utcnow()
    _passed(user)
    db.session.flush()
    record("user.recovery_code_used", actor=user, object_type="user", object_id=user.id,
           details={"recovery_codes_left": recovery_codes_left(user)})
    return True


# --- inside --------------------------------------------------------------------------

def _matching_step(secret: str, code: str) -> int | None:
    """The time step whose code `code` is, within the window; None if none."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now()) // STEP_SECONDS
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _spend_code(user: User, code: str) -> str | None:
    """Accept `code` once: None when accepted (its step is then the last used),
    otherwise why it was refused. The caller holds the row lock."""
    step = _matching_step(user.two_factor_secret, code)
    if step is None:
        return "wrong code"
    if user.two_factor_last_step is not None and step <= user.two_factor_last_step:
        return "code already used"
    user.two_factor_last_step = step
    return None


def _refuse_if_locked(user: User) -> None:
    moment = utcnow()
    if user.locked_until and user.locked_until > moment:
        raise services.AccountLocked(
            "Your account is locked after too many wrong passwords or codes, until "
            f"{user.locked_until:%Y-%m-%d %H:%M} UTC.")
    if user.locked_until:  # the lock has run out: a fresh count, as at login
        user.locked_until, user.failed_login_count = None, 0


def _note_wrong_code(user: User, reason: str) -> None:
    record("user.two_factor_failed", actor=user, object_type="user", object_id=user.id,
           reason=reason)
    user.two_factor_failures += 1
    services.note_failed_password(user, reason=f"two-factor: {reason}")
    if user.locked_until:  # locked now: after the lock, a fresh count as for passwords
        user.two_factor_failures = 0
    db.session.flush()


def _passed(user: User) -> None:
    user.two_factor_failures = 0
    user.failed_login_count = 0


def _new_recovery_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _hash_recovery_code(code: str) -> str:
    normalized = re.sub(r"[\s-]", "", code or "").lower()
    return hashlib.sha256(normalized.encode()).hexdigest()


def _replace_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_recovery_code(c))
                       for c in codes)
    return codes
