"""Migration 0008 (review rounds) on a database holding data written before it,
on SQLite and PostgreSQL: rounds are reconstructed from the frozen revisions,
decisions derived from reviews, approvals and the audit log, and every
existing review becomes a report of the round of its revision. The app then
works on the migrated rows, and the migration goes down again."""

import itertools
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests.conftest import FAST_ARGON2
from tests.integration.test_migrations import (  # noqa: F401  (a fixture)
    app_on,
    empty_database_url,
    schema_differences,
)

BEFORE = "0006_two_factor"
ROUNDS = "0008_review_rounds"
T0 = datetime(2026, 1, 1, 9, 0)


def _db():
    from reviewapp.extensions import db

    return db


class Before:
    """Rows as the app wrote them before review rounds, inserted as SQL."""

    def __init__(self, conn):
        self.conn = conn
        self.ids = itertools.count(1)
        self.seq = itertools.count(1)

    def insert(self, table, with_id=True, **values):
        if with_id:
            values.setdefault("id", next(self.ids))
        columns = ", ".join(f'"{c}"' for c in values)
        self.conn.execute(sa.text(f'INSERT INTO "{table}" ({columns}) VALUES '
                                  f'({", ".join(":" + c for c in values)})'), values)
        return values.get("id")

    def user(self, name, role):
        user_id = self.insert("user", email=f"{name.lower().replace(' ', '.')}@example.org",
                              display_name=name, password_hash="x", active=True,
                              session_token=f"t{next(self.ids)}", failed_login_count=0,
                              created_at=T0, password_changed_at=T0, two_factor_failures=0)
        self.insert("user_role", with_id=False, user_id=user_id, role=role)
        return user_id

    def article(self, author, state, revisions, at):
        """revisions: [(frozen?, approved?)]; returns (article id, [revision ids])."""
        article_id = self.insert("article", slug=f"article-{next(self.ids)}",
                                 author_id=author, state=state, version=5, created_at=at,
                                 updated_at=at + timedelta(days=30), citation_errors=0)
        ids = []
        for number, (frozen, approved) in enumerate(revisions, start=1):
            moment = at + timedelta(days=10 * number)
            ids.append(self.insert(
                "revision", article_id=article_id, number=number, title=f"Title {number}",
                body="Body [1].", content_hash=f"{number:064d}" if frozen else None,
                frozen_at=moment if frozen else None,
                approved_at=moment + timedelta(days=5) if approved else None,
                created_at=moment - timedelta(days=1), updated_at=moment, created_by_id=author))
        self.conn.execute(sa.text("UPDATE article SET current_revision_id = :r WHERE id = :a"),
                          {"r": ids[-1], "a": article_id})
        return article_id, ids

    def review(self, article_id, revision_id, reviewer, editor, decision, at, comment=""):
        assignment = self.conn.execute(sa.text(
            "SELECT id FROM assignment WHERE article_id = :a AND reviewer_id = :r"),
            {"a": article_id, "r": reviewer}).scalar()
        if assignment is None:
            assignment = self.insert("assignment", article_id=article_id, reviewer_id=reviewer,
                                     assigned_by_id=editor, state="completed", due_at=at,
                                     invited_at=at - timedelta(days=3))
        review_id = self.insert("review", assignment_id=assignment, article_id=article_id,
                                revision_id=revision_id, reviewer_id=reviewer,
                                decision=decision, comment=comment, created_at=at)
        if decision == "approve":
            self.insert("signature", review_id=review_id, user_id=reviewer,
                        printed_name="Dr", signed_at=at, meaning="I approve.",
                        content_hash="0" * 64)
        return review_id

    def event(self, action, actor, article_id, revision_number, at, reason=None):
        seq = next(self.seq)
        self.conn.execute(sa.text(
            "INSERT INTO audit_event (seq, occurred_at, actor_id, action, object_type, "
            "object_id, article_id, reason, details, canonical, prev_hash, hash) VALUES "
            "(:seq, :at, :actor, :action, 'article', :oid, :article, :reason, :details, "
            "'{}', :prev, :hash)"),
            {"seq": seq, "at": at, "actor": actor, "action": action, "oid": str(article_id),
             "article": article_id, "reason": reason,
             "details": f'{{"revision": {revision_number}}}', "prev": f"{seq - 1:064d}",
             "hash": f"{seq:064d}"})


def write_old_data(conn) -> dict:
    old = Before(conn)
    author, editor = old.user("Alice Author", "author"), old.user("Eddie Editor", "editor")
    r1, r2 = old.user("Dr One", "reviewer"), old.user("Dr Two", "reviewer")
    day = timedelta(days=1)
    a = {}
    a["draft"], _ = old.article(author, "draft", [(False, False)], T0)
    a["submitted"], _ = old.article(author, "submitted", [(True, False)], T0)
    a["under_review"], (rev,) = old.article(author, "under_review", [(True, False)], T0)
    old.review(a["under_review"], rev, r1, editor, "approve", T0 + 12 * day)
    a["changes"], (rev,) = old.article(author, "changes_requested", [(True, False)], T0)
    old.review(a["changes"], rev, r2, editor, "approve", T0 + 11 * day)
    old.review(a["changes"], rev, r1, editor, "request_changes", T0 + 12 * day,
               "Give the dose.")
    # Approved after a resubmission, the approval on record in the audit log.
    a["approved"], (first, second) = old.article(author, "approved",
                                                 [(True, False), (True, True)], T0)
    old.review(a["approved"], first, r1, editor, "request_changes", T0 + 12 * day, "Cite it.")
    old.review(a["approved"], second, r1, editor, "approve", T0 + 22 * day)
    old.review(a["approved"], second, r2, editor, "approve", T0 + 23 * day)
    old.event("article.approved", r2, a["approved"], 2, T0 + 25 * day)
    a["rejected"], (rev,) = old.article(author, "rejected", [(True, False)], T0)
    old.event("article.rejected", editor, a["rejected"], 1, T0 + 14 * day, "Out of scope.")
    a["withdrawn"], _ = old.article(author, "withdrawn", [(True, False)], T0)
    old.event("article.withdrawn", author, a["withdrawn"], 1, T0 + 15 * day)
    # Approved, then revised: a new draft; no audit event for the approval.
    a["revised"], (rev, _) = old.article(author, "draft", [(True, True), (False, False)], T0)
    old.review(a["revised"], rev, r1, editor, "approve", T0 + 12 * day)
    old.review(a["revised"], rev, r2, editor, "approve", T0 + 13 * day)
    # Rejected long ago with no event left to tell it: closed, decision unknown.
    a["legacy"], _ = old.article(author, "rejected", [(True, False)], T0)
    last = next(old.seq) - 1  # the chain head follows the events written here
    conn.execute(sa.text("UPDATE audit_head SET seq = :seq, hash = :hash"),
                 {"seq": last, "hash": f"{last:064d}"})
    return {"articles": a, "author": author, "editor": editor, "r1": r1, "r2": r2}


def rounds_by_article(conn) -> dict:
    found: dict = {}
    for row in conn.execute(sa.text(
            "SELECT review_round.article_id, review_round.number, revision.number AS revision, "
            "review_round.opened_at, review_round.closed_at, review_round.decision, "
            "review_round.decided_by_id, review_round.decision_letter, "
            "review_round.decision_needed_at FROM review_round JOIN revision ON "
            "revision.id = review_round.revision_id ORDER BY review_round.id").columns(
                opened_at=sa.DateTime, closed_at=sa.DateTime,
                decision_needed_at=sa.DateTime)):
        found.setdefault(row.article_id, []).append(row)
    return found


def test_rounds_are_reconstructed_from_data_written_before(empty_database_url):  # noqa: F811
    with app_on(empty_database_url) as app:
        upgrade(revision=BEFORE)
        with _db().engine.begin() as conn:
            world = write_old_data(conn)
        upgrade(revision=ROUNDS)
        upgrade()  # and the migrations after it, which leave rounds alone: the models are head's
        assert schema_differences() == []
        a, day = world["articles"], timedelta(days=1)
        with _db().engine.connect() as conn:
            rounds = rounds_by_article(conn)
            reviews = conn.execute(sa.text(
                "SELECT review.article_id, review.decision, revision.number, "
                "review_round.number AS round, review_round.revision_id = review.revision_id "
                "FROM review JOIN review_round ON review_round.id = review.round_id "
                "JOIN revision ON revision.id = review.revision_id ORDER BY review.id")).all()

        def summary(key):
            return [(r.number, r.revision, r.decision, r.decided_by_id, r.decision_letter,
                     r.closed_at) for r in rounds.get(a[key], [])]

        assert a["draft"] not in rounds  # never submitted
        assert summary("submitted") == [(1, 1, None, None, None, None)]
        assert summary("under_review") == [(1, 1, None, None, None, None)]
        assert summary("changes") == [(1, 1, "changes_requested", world["r1"],
                                       "Give the dose.", T0 + 12 * day)]
        assert summary("approved") == [
            (1, 1, "changes_requested", world["r1"], "Cite it.", T0 + 12 * day),
            (2, 2, "approved", world["r2"], None, T0 + 25 * day)]
        assert summary("rejected") == [(1, 1, "rejected", world["editor"], "Out of scope.",
                                        T0 + 14 * day)]
        assert summary("withdrawn") == [(1, 1, "withdrawn", world["author"], None,
                                         T0 + 15 * day)]
        assert summary("revised") == [(1, 1, "approved", world["r2"], None, T0 + 15 * day)]
        assert summary("legacy") == [(1, 1, None, None, None, T0 + 30 * day)]
        # Opened when the revision was frozen; nothing waits on the editor.
        assert {r.opened_at for r in rounds[a["approved"]]} == {T0 + 10 * day, T0 + 20 * day}
        assert all(r.decision_needed_at is None for rs in rounds.values() for r in rs)
        # Every review is a report of the round of its revision.
        assert len(reviews) == 8 and all(row[4] for row in reviews)
        assert [(r.article_id, r.number, r.round) for r in reviews if r.article_id == a[
            "approved"]] == [(a["approved"], 1, 1), (a["approved"], 2, 2), (a["approved"], 2, 2)]

        # The app works on the migrated rows: the open round takes the next report,
        # and a resubmission after the old request for changes opens round 2.
        _continue_the_review(app, world)
        downgrade(revision=BEFORE)
        with _db().engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("review")}
            assert "round_id" not in columns
            assert "review_round" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM review")).scalar() == 9
            assert conn.execute(sa.text("SELECT count(*) FROM signature")).scalar() == 7
        upgrade()


def _continue_the_review(app, world):
    from reviewapp.accounts.models import User
    from reviewapp.articles.models import Article
    from reviewapp.reviews.models import Review, ReviewRound
    from reviewapp.workflow import review_commands
    from reviewapp.workflow import services as workflow

    session = _db().session
    a = world["articles"]
    app.config.update(REQUIRED_APPROVALS=2, **FAST_ARGON2)
    reviewer = session.get(User, world["r2"])
    reviewer.password_hash = _hash("a password for the test")
    assignment = review_commands.assign_reviewer(
        a["under_review"], session.get(User, world["editor"]), None, reviewer.id,
        datetime.now().astimezone() + timedelta(days=7))
    review_commands.accept_assignment(assignment.id, reviewer, "none")
    review_commands.approve_revision(a["under_review"], reviewer, None,
                                     "a password for the test")
    assert session.get(Article, a["under_review"]).state == "approved"
    closed = session.scalars(select_rounds(ReviewRound, a["under_review"])).one()
    assert (closed.decision, closed.decided_by_id) == ("approved", reviewer.id)
    assert session.scalars(sa.select(Review.round_id).where(
        Review.article_id == a["under_review"])).all() == [closed.id, closed.id]

    author = session.get(User, world["author"])
    article = session.get(Article, a["changes"])
    from reviewapp.articles.services import DraftContent, save_draft

    save_draft(article.id, author, article.version, DraftContent(
        title="Title 2", body="Body 400 mg [1].", references_text="", tags=[]))
    workflow.resubmit_article(article.id, author, None)
    numbers = [r.number for r in session.scalars(select_rounds(ReviewRound, article.id))]
    assert numbers == [1, 2]
    session.commit()


def select_rounds(model, article_id):
    return sa.select(model).where(model.article_id == article_id).order_by(model.number)


def _hash(password):
    from reviewapp.accounts.passwords import hash_password

    return hash_password(password)
