"""comments anchored to passages, their threads, and responses to reviewers

Three new tables: review_comment (a reviewer's comment on a passage of a
revision, with where it was found again in the latest revision), its thread
(comment_message: replies, "Addressed", "Resolve"), and the author's general
response to reviewers stored with a resubmitted revision. No existing data
moves: comments written with "Request changes" stay on their reviews.

Revision ID: 0009_review_comments
Revises: 0008_review_rounds
Create Date: 2026-11-29 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_review_comments"
down_revision = "0008_review_rounds"
branch_labels = None
depends_on = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade():
    op.create_table(
        "review_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("passage_start", sa.Integer(), nullable=False),
        sa.Column("passage_end", sa.Integer(), nullable=False),
        sa.Column("anchor_revision_id", sa.Integer(), nullable=False),
        sa.Column("anchor_start", sa.Integer(), nullable=True),
        sa.Column("anchor_end", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("state IN ('open', 'addressed', 'resolved')",
                           name=op.f("ck_review_comment_state")),
        sa.CheckConstraint("passage_start >= 0 AND passage_end > passage_start",
                           name=op.f("ck_review_comment_passage")),
        _fk("review_comment", "article_id", "article"),
        _fk("review_comment", "revision_id", "revision"),
        _fk("review_comment", "author_id", "user"),
        _fk("review_comment", "anchor_revision_id", "revision"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_comment")),
    )
    op.create_index(op.f("ix_review_comment_article_id"), "review_comment", ["article_id"])
    op.create_table(
        "comment_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("comment_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("kind IN ('reply', 'addressed', 'resolved')",
                           name=op.f("ck_comment_message_kind")),
        _fk("comment_message", "comment_id", "review_comment"),
        _fk("comment_message", "author_id", "user"),
        _fk("comment_message", "revision_id", "revision"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comment_message")),
    )
    op.create_index(op.f("ix_comment_message_comment_id"), "comment_message", ["comment_id"])
    op.create_table(
        "response_to_reviewers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        _fk("response_to_reviewers", "article_id", "article"),
        _fk("response_to_reviewers", "revision_id", "revision"),
        _fk("response_to_reviewers", "author_id", "user"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_to_reviewers")),
        sa.UniqueConstraint("revision_id", name=op.f("uq_response_to_reviewers_revision_id")),
    )
    op.create_index(op.f("ix_response_to_reviewers_article_id"), "response_to_reviewers",
                    ["article_id"])


def downgrade():
    op.drop_table("response_to_reviewers")
    op.drop_table("comment_message")
    op.drop_table("review_comment")
