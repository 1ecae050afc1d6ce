"""citation reports, waivers, retractions, reference identifiers

Citation reports per revision, editors' waivers, the retraction list, the
identifiers parsed from each reference, and the re-review flag of articles.

Revision ID: 0003_citations
Revises: 0002_review_workflow
Create Date: 2026-11-21 11:20:45.475100

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0003_citations"
down_revision = "0002_review_workflow"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "retraction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("doi", sa.String(length=300), nullable=True),
        sa.Column("pmid", sa.String(length=20), nullable=True),
        sa.Column("nature", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("retraction_date", sa.String(length=10), nullable=True),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retraction")),
        sa.UniqueConstraint("record_id", name=op.f("uq_retraction_record_id")),
    )
    with op.batch_alter_table("retraction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_retraction_doi"), ["doi"], unique=False)
        batch_op.create_index(batch_op.f("ix_retraction_pmid"), ["pmid"], unique=False)

    op.create_table(
        "citation_waiver",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("finding_key", sa.String(length=200), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("waived_by_id", sa.Integer(), nullable=False),
        sa.Column("waived_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_citation_waiver_article_id_article")
        ),
        sa.ForeignKeyConstraint(
            ["waived_by_id"], ["user.id"], name=op.f("fk_citation_waiver_waived_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citation_waiver")),
        sa.UniqueConstraint(
            "article_id", "finding_key", name=op.f("uq_citation_waiver_article_id_finding_key")
        ),
    )
    with op.batch_alter_table("citation_waiver", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_citation_waiver_article_id"), ["article_id"], unique=False
        )

    op.create_table(
        "citation_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("warning_count", sa.Integer(), nullable=False),
        sa.Column("info_count", sa.Integer(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revision.id"], name=op.f("fk_citation_report_revision_id_revision")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citation_report")),
        sa.UniqueConstraint("revision_id", name=op.f("uq_citation_report_revision_id")),
    )
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rereview_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("rereview_flagged_at", sa.DateTime(), nullable=True))

    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.add_column(sa.Column("doi", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("pmid", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("pmcid", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("isbn", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("url", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("year", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_reference_doi"), ["doi"], unique=False)
        batch_op.create_index(batch_op.f("ix_reference_pmid"), ["pmid"], unique=False)


def downgrade():
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_pmid"))
        batch_op.drop_index(batch_op.f("ix_reference_doi"))
        batch_op.drop_column("year")
        batch_op.drop_column("url")
        batch_op.drop_column("isbn")
        batch_op.drop_column("pmcid")
        batch_op.drop_column("pmid")
        batch_op.drop_column("doi")

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_column("rereview_flagged_at")
        batch_op.drop_column("rereview_reason")

    op.drop_table("citation_report")
    with op.batch_alter_table("citation_waiver", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citation_waiver_article_id"))

    op.drop_table("citation_waiver")
    with op.batch_alter_table("retraction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retraction_pmid"))
        batch_op.drop_index(batch_op.f("ix_retraction_doi"))

    op.drop_table("retraction")
