"""audience versions of a revision: audience_version

A revision may carry a version of its text for each of the site's audiences
(AUDIENCES: "Patient or carer", "Healthcare professional"): its own title, key
points and body, citing the revision's reference list. Existing revisions have
none and keep their content hashes (the canonical content adds versions only
when there are some).

Revision ID: 0011_audience_versions
Revises: 0010_kept_drafts
Create Date: 2026-11-30 09:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_audience_versions"
down_revision = "0010_kept_drafts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "audience_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("key_points", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["revision_id"], ["revision.id"],
                                name=op.f("fk_audience_version_revision_id_revision")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audience_version")),
        sa.UniqueConstraint("revision_id", "audience",
                            name=op.f("uq_audience_version_revision_id_audience")),
    )
    op.create_index(op.f("ix_audience_version_revision_id"), "audience_version",
                    ["revision_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_audience_version_revision_id"), table_name="audience_version")
    op.drop_table("audience_version")
