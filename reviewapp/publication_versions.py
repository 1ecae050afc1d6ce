"""Publication versions: one number per part of what readers see, raised in the
same transaction as every change of it, so that a cache keyed by it can never
serve outdated medical content (issue 19).

The parts ("scopes"): `article:<id>` (its page, API item and provenance: every
life-cycle event, approval, scheduled publication, tag edit), `tag:<name>` (the
"Related articles" of every article with that tag), `list` (the index and the
API list) and `site` (the editorial policy, the board page, the people named on
every page, the notices on every cited work). A page depends on several scopes;
its version is the greatest of theirs.

Every bump takes the next value of one counter row (`#counter`, locked until the
transaction ends, so bumps are ordered as they commit) and writes it to each
scope it raises, so a page's greatest version grows with any change of any of
its parts. The counter never goes below the clock in microseconds: a database
restored from a backup, or made anew, issues versions above any it issued
before, and a shared cache (Redis) never answers with a page of the old one.
"""

import time

from sqlalchemy import BigInteger, String, case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from reviewapp.db import Base
from reviewapp.extensions import db

COUNTER = "#counter"
SITE = "site"
LIST = "list"
SCOPE_LENGTH = 120  # "tag:" + a tag of up to 80 characters fits


class PublicationVersion(Base):
    __tablename__ = "publication_version"

    scope: Mapped[str] = mapped_column(String(SCOPE_LENGTH), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)


def article_scope(article_id: int) -> str:
    return f"article:{article_id}"


def tag_scope(name: str) -> str:
    return f"tag:{name}"


def article_scopes(article_id: int, tags=()) -> list[str]:
    """What an article's change raises: its own pages, the related lists of its
    tags (old and new ones, when they changed) and the lists."""
    return [article_scope(article_id), *(tag_scope(t) for t in tags), LIST]


def _insert():
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(PublicationVersion)


def bump(*scopes: str) -> int:
    """Raise each scope to the counter's next value, in the caller's transaction;
    returns that value."""
    now = time.time_ns() // 1000
    table = PublicationVersion.__table__
    following = table.c.version + 1
    counter = _insert().values(scope=COUNTER, version=now)
    version = db.session.scalar(
        counter.on_conflict_do_update(
            index_elements=[table.c.scope],
            set_={"version": case((following > now, following), else_=now)})
        .returning(table.c.version))
    wanted = sorted({scope[:SCOPE_LENGTH] for scope in scopes})
    if wanted:
        rows = _insert().values([{"scope": scope, "version": version} for scope in wanted])
        db.session.execute(rows.on_conflict_do_update(
            index_elements=[table.c.scope], set_={"version": rows.excluded.version}))
    return version
