"""scheduled publishing: article.publish_at, article.scheduled_revision_id

Editors may give an article a "Publish at" time (UTC); a revision approved
before that time waits in scheduled_revision_id while readers keep seeing the
previous approved revision (or nothing), and becomes the approved one at the
time. Existing articles have no time set and nothing scheduled: every approved
revision was published when it was approved, as before.

Revision ID: 0015_scheduled_publishing
Revises: 0014_reader_questions
Create Date: 2026-11-30 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015_scheduled_publishing"
down_revision = "0014_reader_questions"
branch_labels = None
depends_on = None

SCHEDULED = "scheduled_revision_id IS NOT NULL"


def upgrade():
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("publish_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("scheduled_revision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_article_scheduled_revision_id_revision"),
            "revision", ["scheduled_revision_id"], ["id"], use_alter=True)
        batch_op.create_check_constraint(
            batch_op.f("ck_article_scheduled_has_time"),
            "scheduled_revision_id IS NULL OR publish_at IS NOT NULL")
        batch_op.create_index(
            batch_op.f("ix_article_publish_at"), ["publish_at", "id"], unique=False,
            sqlite_where=sa.text(SCHEDULED), postgresql_where=sa.text(SCHEDULED))


def downgrade():
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_article_publish_at"),
                            sqlite_where=sa.text(SCHEDULED),
                            postgresql_where=sa.text(SCHEDULED))
        batch_op.drop_constraint(batch_op.f("ck_article_scheduled_has_time"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_article_scheduled_revision_id_revision"),
                                 type_="foreignkey")
        batch_op.drop_column("scheduled_revision_id")
        batch_op.drop_column("publish_at")
