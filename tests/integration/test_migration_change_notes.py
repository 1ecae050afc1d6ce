"""Migration 0013 ("What changed") on a database holding data written before it,
on SQLite and PostgreSQL: every revision keeps no note (nothing is invented),
the public page and the API list an update approved before notes as "No note was
recorded for this update.", and the migration goes down again."""

from datetime import timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.integration.test_migration_rounds import T0, Before
from tests.integration.test_migrations import (  # noqa: F401  (a fixture)
    app_on,
    empty_database_url,
    schema_differences,
)

BEFORE = "0011_audience_versions"


def _db():
    from reviewapp.extensions import db

    return db


def test_updates_approved_before_notes_are_listed_without_one(empty_database_url):  # noqa: F811
    with app_on(empty_database_url) as app:
        upgrade(revision=BEFORE)
        with _db().engine.begin() as conn:
            old = Before(conn)
            author = old.user("Alice Author", "author")
            article_id, (first, second) = old.article(author, "approved",
                                                      [(True, True), (True, True)], T0)
            conn.execute(sa.text("UPDATE article SET approved_revision_id = :r WHERE id = :a"),
                         {"r": second, "a": article_id})
            slug = conn.execute(sa.text("SELECT slug FROM article WHERE id = :a"),
                                {"a": article_id}).scalar()
        upgrade()
        assert schema_differences() == []
        with _db().engine.connect() as conn:
            assert conn.execute(sa.text(
                "SELECT count(*) FROM revision WHERE change_note IS NOT NULL")).scalar() == 0

        client = app.test_client()
        page = client.get(f"/articles/{slug}").get_data(as_text=True)
        assert "Update history" in page
        assert page.index("No note was recorded for this update.") < page.index(
            "First published")
        history = client.get(f"/api/v1/articles/{slug}").get_json()["update_history"]
        approved = [T0 + timedelta(days=25), T0 + timedelta(days=15)]  # as Before writes them
        assert history == [
            {"revision": 2, "approved_at": approved[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
             "note": None},
            {"revision": 1, "approved_at": approved[1].strftime("%Y-%m-%dT%H:%M:%SZ"),
             "note": None}]
        _db().session.remove()

        downgrade(revision=BEFORE)
        with _db().engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("revision")}
            assert "change_note" not in columns
            assert conn.execute(sa.text("SELECT count(*) FROM revision")).scalar() == 2
        upgrade()
