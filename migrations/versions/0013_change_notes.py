"""the author's "What changed" note on a revision: revision.change_note

An update (a revision replacing an approved one with other text) is approved
only with a short note for readers, listed in the public update history.
Existing revisions keep no note (NULL): the history says that none was recorded
rather than inventing one.

Revision ID: 0013_change_notes
Revises: 0012_credentials
Create Date: 2026-11-30 09:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_change_notes"
down_revision = "0012_credentials"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("revision") as batch:
        batch.add_column(sa.Column("change_note", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("revision") as batch:
        batch.drop_column("change_note")
