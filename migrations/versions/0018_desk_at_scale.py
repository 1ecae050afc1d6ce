"""desk pages at scale: user.open_reviews, declared competing interests indexed

A reviewer's open reviews (assignments invited or accepted) stored on the user
and filled here from the assignment rows; reviewer suggestions rank the board by
it instead of counting every member's assignments (reviews/models.py keeps it).
The editor dashboard's declared competing interests walk a partial index of the
declarations, newest first, instead of every assignment.

Revision ID: 0018_desk_at_scale
Revises: 0017_publication_versions
Create Date: 2026-11-30 12:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018_desk_at_scale"
down_revision = "0017_publication_versions"
branch_labels = None
depends_on = None

DECLARED = sa.text("competing_interests IS NOT NULL AND competing_interests <> 'none'"
                   " AND state IN ('accepted', 'completed')")


def upgrade():
    with op.batch_alter_table("user") as batch:
        batch.add_column(sa.Column("open_reviews", sa.Integer(), nullable=False,
                                   server_default="0"))
    op.execute(sa.text(
        'UPDATE "user" SET open_reviews = (SELECT count(*) FROM assignment'
        ' WHERE assignment.reviewer_id = "user".id'
        " AND assignment.state IN ('invited', 'accepted'))"))
    op.create_index("ix_assignment_declared_responded_at", "assignment",
                    ["responded_at", "id"],
                    sqlite_where=DECLARED, postgresql_where=DECLARED)


def downgrade():
    op.drop_index("ix_assignment_declared_responded_at", table_name="assignment")
    with op.batch_alter_table("user") as batch:
        batch.drop_column("open_reviews")
