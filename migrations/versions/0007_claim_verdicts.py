"""claim verdicts, supporting passages, and what a signature covers besides the content

A reviewer's verdict on each claim of a revision (claim_verdict), the source passage an
author attaches to a claim (claim_support, per article and claim key), and on each
signature the verdicts signed with their sha-256 and the warnings acknowledged.
Signatures made before this migration keep NULL there: they were given without verdicts
or acknowledgements, and the pages say nothing about claims for them.

Revision ID: 0007
Revises: 0006_two_factor
Create Date: 2026-11-29 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_claim_verdicts"
down_revision = "0006_two_factor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "claim_verdict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("claim_key", sa.String(length=40), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("verdict IN ('supported', 'needs_change', 'not_supported')",
                           name=op.f("ck_claim_verdict_verdict")),
        sa.ForeignKeyConstraint(["revision_id"], ["revision.id"],
                                name=op.f("fk_claim_verdict_revision_id_revision")),
        sa.ForeignKeyConstraint(["reviewer_id"], ["user.id"],
                                name=op.f("fk_claim_verdict_reviewer_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_verdict")),
        sa.UniqueConstraint("revision_id", "reviewer_id", "claim_key",
                            name=op.f("uq_claim_verdict_revision_id_reviewer_id_claim_key")),
    )
    op.create_table(
        "claim_support",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("claim_key", sa.String(length=40), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["article.id"],
                                name=op.f("fk_claim_support_article_id_article")),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user.id"],
                                name=op.f("fk_claim_support_updated_by_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_support")),
        sa.UniqueConstraint("article_id", "claim_key",
                            name=op.f("uq_claim_support_article_id_claim_key")),
    )
    with op.batch_alter_table("signature") as batch_op:
        batch_op.add_column(sa.Column("claim_verdicts", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("verdicts_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_warnings", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("signature") as batch_op:
        batch_op.drop_column("acknowledged_warnings")
        batch_op.drop_column("verdicts_hash")
        batch_op.drop_column("claim_verdicts")
    op.drop_table("claim_support")
    op.drop_table("claim_verdict")
