"""The people readers see: authors and reviewers with their public profiles, and
the Medical Advisory Board (active users with the reviewer role). Each list in
one query, whatever its length."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, select

from reviewapp.accounts.models import User, UserRole
from reviewapp.accounts.orcid import orcid_url
from reviewapp.extensions import db

BOARD_ROLE = "reviewer"


@dataclass(frozen=True)
class PublicPerson:
    id: int
    name: str
    credentials: str
    specialty: str
    orcid: str | None
    biography: str
    board_member: bool               # active, with the reviewer role: listed on /board
    profile_updated_at: datetime | None = None

    @property
    def orcid_url(self) -> str | None:
        return orcid_url(self.orcid)

    @property
    def anchor(self) -> str:
        """Where this person stands on the board page (/board#member-7)."""
        return f"member-{self.id}"

    @property
    def byline(self) -> str:
        """"Dr Rita Reviewer, MD, FRCA (Anaesthesia)": name, credentials, specialty."""
        text = f"{self.name}, {self.credentials}" if self.credentials else self.name
        return f"{text} ({self.specialty})" if self.specialty else text


def _is_board_member():
    return and_(User.active.is_(True),
                exists().where(UserRole.user_id == User.id, UserRole.role == BOARD_ROLE))


def _people_query():
    # Columns, not the User entity: its roles would load in a query of their own.
    return select(User.id, User.display_name, User.credentials, User.specialty, User.orcid,
                  User.biography, User.profile_updated_at,
                  _is_board_member().label("board_member"))


def _person(row) -> PublicPerson:
    return PublicPerson(id=row.id, name=row.display_name, credentials=row.credentials or "",
                        specialty=row.specialty or "", orcid=row.orcid,
                        biography=row.biography or "", board_member=bool(row.board_member),
                        profile_updated_at=row.profile_updated_at)


def people_by_id(user_ids) -> dict[int, PublicPerson]:
    """The public profiles of these users, in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    rows = db.session.execute(_people_query().where(User.id.in_(ids))).all()
    return {person.id: person for person in map(_person, rows)}


def board_members() -> list[PublicPerson]:
    """The Medical Advisory Board: active reviewers, by name, in one query."""
    rows = db.session.execute(_people_query().where(_is_board_member())
                              .order_by(User.display_name, User.id)).all()
    return [_person(row) for row in rows]
