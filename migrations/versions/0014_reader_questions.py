"""reader questions: reader_question

"Have a follow-up question?" under each public article: the reader's question,
an optional email (kept only with consent to be mailed a reply), a keyed hash of
the client address for the rate limit, and what an editor did with it (answered
by mail, dismissed with a reason, or an article commissioned from it). A new
table: existing rows are untouched.

Revision ID: 0014_reader_questions
Revises: 0013_change_notes
Create Date: 2026-11-30 09:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0014_reader_questions"
down_revision = "0013_change_notes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "reader_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("consent_given", sa.Boolean(), nullable=False),
        sa.Column("asked_at", sa.DateTime(), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.Column("commissioned_article_id", sa.Integer(), nullable=True),
        sa.Column("asker_notified_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'answered', 'dismissed', 'commissioned')",
                           name=op.f("ck_reader_question_status")),
        sa.CheckConstraint("email IS NULL OR consent_given",
                           name=op.f("ck_reader_question_email_consent")),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"],
                                name=op.f("fk_reader_question_article_id_article")),
        sa.ForeignKeyConstraint(["commissioned_article_id"], ["article.id"],
                                name=op.f("fk_reader_question_commissioned_article_id_article")),
        sa.ForeignKeyConstraint(["handled_by_id"], ["user.id"],
                                name=op.f("fk_reader_question_handled_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reader_question")),
    )
    op.create_index(op.f("ix_reader_question_article_id"), "reader_question", ["article_id"])
    op.create_index(op.f("ix_reader_question_client_hash"), "reader_question", ["client_hash"])
    op.create_index(op.f("ix_reader_question_commissioned_article_id"), "reader_question",
                    ["commissioned_article_id"])
    op.create_index("ix_reader_question_status_asked_at", "reader_question",
                    ["status", "asked_at", "id"])


def downgrade():
    op.drop_index("ix_reader_question_status_asked_at", table_name="reader_question")
    op.drop_index(op.f("ix_reader_question_commissioned_article_id"),
                  table_name="reader_question")
    op.drop_index(op.f("ix_reader_question_client_hash"), table_name="reader_question")
    op.drop_index(op.f("ix_reader_question_article_id"), table_name="reader_question")
    op.drop_table("reader_question")
