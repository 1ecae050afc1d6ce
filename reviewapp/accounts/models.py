"""Users, their roles and specialties."""

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, lazyload, mapped_column, relationship

from reviewapp.accounts.permissions import ROLES
from reviewapp.db import Base, UTCDateTime, utcnow


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the session cookie holds instead of the id: replacing it ends
    # every session of the user (logout, password change, deactivation).
    session_token: Mapped[str] = mapped_column(String(64), unique=True,
                                               default=new_session_token)
    failed_login_count: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Two-factor sign-in (accounts/two_factor.py): on while a secret is set.
    # The secret is stored as it is (see SECURITY.md); the last time step whose
    # code was accepted stops a code from being used twice; wrong codes since
    # the last right one carry over to the lockout count at the next password.
    two_factor_secret: Mapped[str | None] = mapped_column(String(64))
    two_factor_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    two_factor_last_step: Mapped[int | None] = mapped_column(BigInteger)
    two_factor_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The public profile (accounts/profiles.py; limits there): shown with the
    # articles a person wrote or approved and, for board members, on /board.
    credentials: Mapped[str] = mapped_column(String(100), default="", server_default="")
    specialty: Mapped[str] = mapped_column(String(120), default="", server_default="")
    orcid: Mapped[str | None] = mapped_column(String(19))  # bare: 0000-0002-1825-0097
    biography: Mapped[str] = mapped_column(Text, default="", server_default="")
    profile_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Assignments of this user still awaiting them (invited or accepted), kept by
    # reviews/models.py whenever an assignment row changes, in the same flush:
    # reviewer suggestions rank the board by it without counting anyone's rows.
    open_reviews: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    roles: Mapped[list["UserRole"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin",
        order_by="UserRole.role")
    specialties: Mapped[list["UserSpecialty"]] = relationship(
        cascade="all, delete-orphan", order_by="UserSpecialty.name")

    def get_id(self) -> str:
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def two_factor_enabled(self) -> bool:
        return self.two_factor_secret is not None

    @property
    def role_names(self) -> list[str]:
        return [r.role for r in self.roles]

    @property
    def specialty_names(self) -> list[str]:
        return [s.name for s in self.specialties]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


def listed_user(path):
    """Load a joined user for a list or a page that shows who: the roles only if
    asked (User.roles is otherwise loaded with every user, one more query per list)."""
    return path.options(lazyload(User.roles))


class UserRole(Base):
    __tablename__ = "user_role"
    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    user: Mapped[User] = relationship(back_populates="roles")


class UserSpecialty(Base):
    __tablename__ = "user_specialty"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)


class RecoveryCode(Base):
    """A one-time code that stands in for a two-factor code; only its SHA-256
    is kept (why not argon2: accounts/two_factor.py)."""

    __tablename__ = "recovery_code"
    __table_args__ = (UniqueConstraint("user_id", "code_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
