"""Public profiles: the credentials, specialty, ORCID iD and biography shown
with what a person wrote or approved, and on the Medical Advisory Board page.
Each person edits their own; admins edit anyone's. Audited before and after;
services flush, the caller commits."""

from dataclasses import asdict, dataclass

from reviewapp import publication_versions
from reviewapp.accounts.models import User
from reviewapp.accounts.orcid import InvalidOrcid, normalize_orcid
from reviewapp.accounts.permissions import can_manage_users
from reviewapp.audit.services import record
from reviewapp.db import utcnow
from reviewapp.errors import InvalidInput, PermissionDenied
from reviewapp.extensions import db
from reviewapp.normalize import one_line, strip_invisible

# The columns' sizes (accounts/models.py); the forms say the same.
MAX_CREDENTIALS = 100
MAX_SPECIALTY = 120
MAX_BIOGRAPHY = 1500


@dataclass(frozen=True)
class PublicProfile:
    credentials: str = ""
    specialty: str = ""
    orcid: str | None = None
    biography: str = ""


def profile_of(user: User) -> PublicProfile:
    return PublicProfile(credentials=user.credentials or "", specialty=user.specialty or "",
                         orcid=user.orcid, biography=user.biography or "")


def checked_profile(*, credentials: str, specialty: str, orcid: str,
                    biography: str) -> PublicProfile:
    """The profile as it is stored: one-line fields tidied, the ORCID iD in its
    bare form; InvalidInput (naming the field) for anything that cannot be."""
    credentials, specialty = one_line(credentials or ""), one_line(specialty or "")
    biography = strip_invisible((biography or "").replace("\r\n", "\n")).strip()
    for label, value, limit in (("Credentials", credentials, MAX_CREDENTIALS),
                                ("Specialty", specialty, MAX_SPECIALTY),
                                ("Biography", biography, MAX_BIOGRAPHY)):
        if len(value) > limit:
            raise InvalidInput(f"{label} can be at most {limit:,} characters "
                               f"(this has {len(value):,}).")
    try:
        bare = normalize_orcid(orcid or "")
    except InvalidOrcid as error:
        raise InvalidInput(f"ORCID iD: {error.message}") from None
    return PublicProfile(credentials=credentials, specialty=specialty, orcid=bare,
                         biography=biography)


def can_edit_profile(actor: User, user: User) -> bool:
    return actor.id == user.id or can_manage_users(actor)


def update_public_profile(user: User, profile: PublicProfile, *, actor: User) -> bool:
    """Store the profile (checked again); one user.profile_updated event with the
    fields that changed, before and after. False when nothing changed."""
    if not can_edit_profile(actor, user):
        raise PermissionDenied("You can only change your own public profile.")
    profile = checked_profile(**asdict(profile))
    before, after = asdict(profile_of(user)), asdict(profile)
    changed = [name for name in after if before[name] != after[name]]
    if not changed:
        return False
    for name in changed:
        setattr(user, name, after[name])
    user.profile_updated_at = utcnow()
    db.session.flush()
    # Shown wherever the user is named: the board, the articles they wrote or checked.
    publication_versions.bump(publication_versions.SITE)
    record("user.profile_updated", actor=actor, object_type="user", object_id=user.id,
           details={"before": {n: before[n] for n in changed},
                    "after": {n: after[n] for n in changed}})
    return True
