"""Migration 0012 (credentials) on a database holding data written before it, on
SQLite and PostgreSQL: users get a specialty from their specialty tags and empty
profiles; approved revisions get "Last updated" from the first approval of
their content (a re-review copy approved later keeps its original's date); the
migration goes down again."""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.integration.test_migration_rounds import Before
from tests.integration.test_migrations import (  # noqa: F401  (a fixture)
    app_on,
    empty_database_url,
    schema_differences,
)

BEFORE = "0011_audience_versions"
CREDENTIALS = "0012_credentials"
T0 = datetime(2026, 1, 1, 9, 0)


def _db():
    from reviewapp.extensions import db

    return db


def write_old_data(conn) -> dict:
    old = Before(conn)
    author = old.user("Alice Author", "author")
    reviewer = old.user("Dr One", "reviewer")
    for tag in ("pain medicine", "cardiology"):
        old.insert("user_specialty", with_id=False, user_id=reviewer, name=tag)
    # Approved (r1), re-reviewed unchanged (r2, same hash), then changed (r3), then
    # changed back to r1's text (r4): readers saw the text change at r3 and r4.
    article, revisions = old.article(author, "approved", [(True, True)] * 4, T0)
    hashes = ["a" * 64, "a" * 64, "b" * 64, "a" * 64]
    for revision_id, content_hash in zip(revisions, hashes, strict=True):
        conn.execute(sa.text("UPDATE revision SET content_hash = :h WHERE id = :r"),
                     {"h": content_hash, "r": revision_id})
    conn.execute(sa.text("UPDATE article SET approved_revision_id = :r WHERE id = :a"),
                 {"r": revisions[-1], "a": article})
    # Another article: approved once, then a draft after it (never approved).
    other, (approved, draft) = old.article(author, "draft", [(True, True), (False, False)], T0)
    return {"author": author, "reviewer": reviewer, "revisions": revisions,
            "other": (approved, draft)}


def test_profiles_and_last_updated_are_filled_in_from_data_written_before(
        empty_database_url):  # noqa: F811
    with app_on(empty_database_url):
        upgrade(revision=BEFORE)
        with _db().engine.begin() as conn:
            world = write_old_data(conn)
        upgrade(revision=CREDENTIALS)
        upgrade()
        assert schema_differences() == []
        with _db().engine.connect() as conn:
            users = {row.id: row for row in conn.execute(sa.text(
                'SELECT id, credentials, specialty, orcid, biography, profile_updated_at '
                'FROM "user"'))}
            dates = dict(conn.execute(sa.text(
                "SELECT id, content_updated_at FROM revision").columns(
                    content_updated_at=sa.DateTime)).all())
        reviewer, author = users[world["reviewer"]], users[world["author"]]
        assert reviewer.specialty == "Cardiology, pain medicine"
        assert (reviewer.credentials, reviewer.orcid, reviewer.biography) == ("", None, "")
        assert author.specialty == "" and author.profile_updated_at is None
        # Revision n was approved at T0 + 10n + 5 days (the Before helper).
        approved_at = [T0 + timedelta(days=10 * n + 5) for n in (1, 2, 3, 4)]
        r1, r2, r3, r4 = world["revisions"]
        assert [dates[r] for r in (r1, r2, r3, r4)] == [
            approved_at[0], approved_at[0], approved_at[2], approved_at[3]]
        approved, draft = world["other"]
        assert dates[approved] == T0 + timedelta(days=15) and dates[draft] is None

        downgrade(revision=BEFORE)
        with _db().engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("user")}
            assert not {"credentials", "specialty", "orcid", "biography"} & columns
