"""review rounds: each submission opens a round; reviews are its reports

A review_round row per round of an article's review (the revision it froze,
when it opened and closed, the decision that closed it, the decision letter
and who decided, and when a reviewer's request for changes began to wait on
the editor), and review.round_id: the round a review was given in.

Existing data moves: every article that was ever submitted gets one round per
submitted (frozen) revision, in revision order. Its decision is derived where
the data tells it: approved when the revision was approved (by the actor of
its article.approved event, else its last approving reviewer); changes
requested when a reviewer asked for changes on it (that reviewer, and their
comment, which the author was mailed, as the letter); rejected or withdrawn
from the audit log's article.rejected / article.withdrawn event for that
revision (its actor, and the rejection's reason as the letter). The last round
stays open while the article is Submitted or Under Review; any other round is
closed (with no decision when none can be derived). Each existing review
becomes a report of the round of its revision.

Revision ID: 0008_review_rounds
Revises: 0007_claim_verdicts
Create Date: 2026-11-30 10:00:00

"""

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_review_rounds"
down_revision = "0007_claim_verdicts"
branch_labels = None
depends_on = None

DECISION_NEEDED = "closed_at IS NULL AND decision_needed_at IS NOT NULL"
IN_ROUND = ("submitted", "under_review")
CLOSING_ACTIONS = {"article.approved": "approved", "article.rejected": "rejected",
                   "article.withdrawn": "withdrawn"}


def upgrade():
    op.create_table(
        "review_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("decision_letter", sa.Text(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_needed_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "decision IN ('approved', 'changes_requested', 'rejected', 'withdrawn')",
            name=op.f("ck_review_round_decision")),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"],
                                name=op.f("fk_review_round_article_id_article")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["user.id"],
                                name=op.f("fk_review_round_decided_by_id_user")),
        sa.ForeignKeyConstraint(["revision_id"], ["revision.id"],
                                name=op.f("fk_review_round_revision_id_revision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_round")),
        sa.UniqueConstraint("article_id", "number",
                            name=op.f("uq_review_round_article_id_number")),
    )
    with op.batch_alter_table("review_round") as batch_op:
        batch_op.create_index("ix_review_round_decision_needed_at", ["decision_needed_at", "id"],
                              unique=False, sqlite_where=sa.text(DECISION_NEEDED),
                              postgresql_where=sa.text(DECISION_NEEDED))
        batch_op.create_index(batch_op.f("ix_review_round_revision_id"), ["revision_id"],
                              unique=False)
        batch_op.create_index("uq_review_round_open_article_id", ["article_id"], unique=True,
                              sqlite_where=sa.text("closed_at IS NULL"),
                              postgresql_where=sa.text("closed_at IS NULL"))
    with op.batch_alter_table("review") as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))

    bind = op.get_bind()
    insert_rounds(bind)
    bind.execute(sa.text(
        "UPDATE review SET round_id = (SELECT max(review_round.id) FROM review_round "
        "WHERE review_round.revision_id = review.revision_id)"))

    # SQLite rebuilds the review table here (migrations/env.py turns its foreign
    # keys off meanwhile): the signatures pointing at its rows are checked after.
    with op.batch_alter_table("review") as batch_op:
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_review_round_id"), ["round_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_review_round_id_review_round"),
                                    "review_round", ["round_id"], ["id"])
    check_foreign_keys(bind)


def downgrade():
    with op.batch_alter_table("review") as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_review_round_id_review_round"),
                                 type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_review_round_id"))
        batch_op.drop_column("round_id")
    check_foreign_keys(op.get_bind())
    with op.batch_alter_table("review_round") as batch_op:
        batch_op.drop_index("uq_review_round_open_article_id")
        batch_op.drop_index(batch_op.f("ix_review_round_revision_id"))
        batch_op.drop_index("ix_review_round_decision_needed_at")
    op.drop_table("review_round")


def check_foreign_keys(bind) -> None:
    """SQLite, after rebuilding a referenced table: no row may point nowhere."""
    if bind.dialect.name == "sqlite":
        broken = bind.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"Foreign keys broken by the migration: {broken[:10]}")


# --- moving the data -------------------------------------------------------------------

article_t = sa.table("article", sa.column("id", sa.Integer), sa.column("state", sa.String),
                     sa.column("updated_at", sa.DateTime))
revision_t = sa.table("revision", sa.column("id", sa.Integer),
                      sa.column("article_id", sa.Integer), sa.column("number", sa.Integer),
                      sa.column("content_hash", sa.String), sa.column("frozen_at", sa.DateTime),
                      sa.column("approved_at", sa.DateTime),
                      sa.column("created_at", sa.DateTime))
review_t = sa.table("review", sa.column("id", sa.Integer), sa.column("revision_id", sa.Integer),
                    sa.column("reviewer_id", sa.Integer), sa.column("decision", sa.String),
                    sa.column("comment", sa.Text), sa.column("created_at", sa.DateTime))
audit_t = sa.table("audit_event", sa.column("seq", sa.BigInteger),
                   sa.column("article_id", sa.Integer), sa.column("action", sa.String),
                   sa.column("actor_id", sa.Integer), sa.column("reason", sa.Text),
                   sa.column("occurred_at", sa.DateTime), sa.column("details", sa.JSON))
round_t = sa.table("review_round", sa.column("article_id", sa.Integer),
                   sa.column("number", sa.Integer), sa.column("revision_id", sa.Integer),
                   sa.column("opened_at", sa.DateTime), sa.column("closed_at", sa.DateTime),
                   sa.column("decision", sa.String), sa.column("decision_letter", sa.Text),
                   sa.column("decided_by_id", sa.Integer))


def insert_rounds(bind) -> None:
    """One round per submitted revision of every article, decisions derived."""
    articles = {row.id: row for row in bind.execute(sa.select(article_t))}
    reviews = defaultdict(list)
    for row in bind.execute(sa.select(review_t).order_by(review_t.c.created_at,
                                                         review_t.c.id)):
        reviews[row.revision_id].append(row)
    reviewed = sa.select(review_t.c.revision_id)
    submitted = defaultdict(list)
    for row in bind.execute(
            sa.select(revision_t).where(sa.or_(revision_t.c.content_hash.is_not(None),
                                               revision_t.c.id.in_(reviewed)))
            .order_by(revision_t.c.article_id, revision_t.c.number)):
        submitted[row.article_id].append(row)
    closing = closing_events(bind)
    rows = []
    for article_id, revisions in submitted.items():
        article = articles[article_id]
        for n, rev in enumerate(revisions):
            opened_at = rev.frozen_at or rev.created_at
            later = revisions[n + 1] if n + 1 < len(revisions) else None
            round_row = {"article_id": article_id, "number": n + 1, "revision_id": rev.id,
                         "opened_at": opened_at, "closed_at": None, "decision": None,
                         "decision_letter": None, "decided_by_id": None}
            if later is None and article.state in IN_ROUND:
                rows.append(round_row)  # still in review: the open round
                continue
            round_row.update(decision_of(rev, reviews[rev.id],
                                         closing.get((article_id, rev.number), {})))
            if round_row["closed_at"] is None:
                round_row["closed_at"] = ((later.frozen_at or later.created_at) if later
                                          else article.updated_at) or opened_at
            rows.append(round_row)
    if rows:
        bind.execute(sa.insert(round_t), rows)


def closing_events(bind) -> dict:
    """(article id, revision number) -> {decision: (actor id, reason, time)}, the
    last such event of each kind, from the audit log."""
    found: dict = defaultdict(dict)
    for event in bind.execute(
            sa.select(audit_t.c.article_id, audit_t.c.action, audit_t.c.actor_id,
                      audit_t.c.reason, audit_t.c.occurred_at, audit_t.c.details)
            .where(audit_t.c.action.in_(list(CLOSING_ACTIONS)),
                   audit_t.c.article_id.is_not(None))
            .order_by(audit_t.c.seq)):
        number = (event.details or {}).get("revision")
        if isinstance(number, int):
            found[(event.article_id, number)][CLOSING_ACTIONS[event.action]] = (
                event.actor_id, event.reason, event.occurred_at)
    return found


def decision_of(rev, reviews, events: dict) -> dict:
    """The decision that closed the round of a revision, where it can be told."""
    if rev.approved_at is not None:
        approvers = [r.reviewer_id for r in reviews if r.decision == "approve"]
        actor = events.get("approved", (approvers[-1] if approvers else None,))[0]
        return {"decision": "approved", "closed_at": rev.approved_at, "decided_by_id": actor}
    asked = [r for r in reviews if r.decision == "request_changes"]
    if asked:  # before review rounds, the first request for changes sent it back
        first = asked[0]
        return {"decision": "changes_requested", "closed_at": first.created_at,
                "decided_by_id": first.reviewer_id, "decision_letter": first.comment}
    for decision in ("rejected", "withdrawn"):
        if decision in events:
            actor, reason, at = events[decision]
            return {"decision": decision, "closed_at": at, "decided_by_id": actor,
                    "decision_letter": reason if decision == "rejected" else None}
    return {}
