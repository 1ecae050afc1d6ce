"""edit forms kept through a login: kept_draft

An author's edit form sent after their session ended is kept (its texts, the
version it was checked against, a hash of the token that finds it) until they
log in again; it is shown to them in the form, never saved without them.

Revision ID: 0010_kept_drafts
Revises: 0009_review_comments
Create Date: 2026-11-30 06:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_kept_drafts"
down_revision = "0009_review_comments"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "kept_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("texts", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_kept_draft_user_id_user")),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"],
                                name=op.f("fk_kept_draft_article_id_article")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kept_draft")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kept_draft_token_hash")),
    )
    op.create_index(op.f("ix_kept_draft_user_id"), "kept_draft", ["user_id"])
    op.create_index(op.f("ix_kept_draft_created_at"), "kept_draft", ["created_at"])


def downgrade():
    op.drop_table("kept_draft")
