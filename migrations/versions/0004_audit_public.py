"""audit filter indexes, reader reports, site pages

Indexes for browsing the audit log newest-first by article, actor, object
and date; readers' problem reports; editable site pages.

Revision ID: 0004_audit_public
Revises: 0003_citations
Create Date: 2026-11-21 11:35:44.369979

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004_audit_public"
down_revision = "0003_citations"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "site_page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["user.id"], name=op.f("fk_site_page_updated_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_page")),
        sa.UniqueConstraint("slug", name=op.f("uq_site_page_slug")),
    )
    op.create_table(
        "reader_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("revision_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_reader_report_status")),
        sa.ForeignKeyConstraint(
            ["article_id"], ["article.id"], name=op.f("fk_reader_report_article_id_article")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["user.id"], name=op.f("fk_reader_report_resolved_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["revision_id"], ["revision.id"], name=op.f("fk_reader_report_revision_id_revision")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reader_report")),
    )
    with op.batch_alter_table("reader_report", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reader_report_article_id"), ["article_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reader_report_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reader_report_status"), ["status"], unique=False)

    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_event_article_id"))
        batch_op.create_index("ix_audit_event_actor_id_seq", ["actor_id", "seq"], unique=False)
        batch_op.create_index("ix_audit_event_article_id_seq", ["article_id", "seq"], unique=False)
        batch_op.create_index(
            "ix_audit_event_object_seq", ["object_type", "object_id", "seq"], unique=False
        )
        batch_op.create_index("ix_audit_event_occurred_at", ["occurred_at"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_occurred_at")
        batch_op.drop_index("ix_audit_event_object_seq")
        batch_op.drop_index("ix_audit_event_article_id_seq")
        batch_op.drop_index("ix_audit_event_actor_id_seq")
        batch_op.create_index(batch_op.f("ix_audit_event_article_id"), ["article_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_actor_id"), ["actor_id"], unique=False)

    with op.batch_alter_table("reader_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reader_report_status"))
        batch_op.drop_index(batch_op.f("ix_reader_report_created_at"))
        batch_op.drop_index(batch_op.f("ix_reader_report_article_id"))

    op.drop_table("reader_report")
    op.drop_table("site_page")
