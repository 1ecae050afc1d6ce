"""indexes that keep pages flat as the archive grows

Dashboards read one state oldest-change first; the public list walks
approvals newest first; reviewer suggestions count each reviewer's open
assignments; related articles look up a tag's articles; re-review lists the
flagged articles. Single-column indexes that the new ones begin with go.

Revision ID: 0005_scale_indexes
Revises: 0004_audit_public
Create Date: 2026-11-21 14:05:00

"""

import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_scale_indexes"
down_revision = "0004_audit_public"
branch_labels = None
depends_on = None

FLAGGED = sa.text("rereview_reason IS NOT NULL")
APPROVED = sa.text("approved_at IS NOT NULL")
AWAITING = sa.text("state IN ('invited', 'accepted')")
BLOCKED = sa.text("citation_errors > 0 AND state IN ('submitted', 'under_review')")


def upgrade():
    op.add_column("article", sa.Column("citation_errors", sa.Integer(), nullable=False,
                                       server_default="0"))
    _count_citation_errors()
    op.create_index("ix_article_blocked_updated_at", "article", ["updated_at", "id"],
                    sqlite_where=BLOCKED, postgresql_where=BLOCKED)
    op.drop_index("ix_article_state", table_name="article")
    op.create_index("ix_article_state_updated_at", "article", ["state", "updated_at", "id"])
    op.create_index("ix_article_approved_revision_id", "article", ["approved_revision_id"])
    op.create_index("ix_article_rereview_flagged_at", "article", ["rereview_flagged_at"],
                    sqlite_where=FLAGGED, postgresql_where=FLAGGED)
    op.drop_index("ix_article_tag_name", table_name="article_tag")
    op.create_index("ix_article_tag_name_article_id", "article_tag", ["name", "article_id"])
    op.create_index("ix_revision_approved_at", "revision", ["approved_at", "id"],
                    sqlite_where=APPROVED, postgresql_where=APPROVED)
    op.drop_index("ix_assignment_reviewer_id", table_name="assignment")
    op.create_index("ix_assignment_reviewer_id_state", "assignment", ["reviewer_id", "state"])
    op.create_index("ix_assignment_awaiting_due_at", "assignment", ["due_at", "id"],
                    sqlite_where=AWAITING, postgresql_where=AWAITING)
    op.drop_index("ix_reader_report_status", table_name="reader_report")
    op.create_index("ix_reader_report_status_created_at", "reader_report",
                    ["status", "created_at", "id"])


def _count_citation_errors():
    """Each article's unwaived error findings in its current revision's report."""
    conn = op.get_bind()
    conn.execute(sa.text(
        "UPDATE article SET citation_errors = COALESCE((SELECT error_count FROM citation_report"
        " WHERE citation_report.revision_id = article.current_revision_id), 0)"))
    waived = {}
    for article_id, key in conn.execute(sa.text(
            "SELECT article_id, finding_key FROM citation_waiver")):
        waived.setdefault(article_id, set()).add(key)
    for article_id, keys in waived.items():
        findings = conn.execute(sa.text(
            "SELECT citation_report.findings FROM citation_report JOIN article"
            " ON article.current_revision_id = citation_report.revision_id"
            " WHERE article.id = :id"), {"id": article_id}).scalar()
        if isinstance(findings, str):
            findings = json.loads(findings)
        errors = [f for f in findings or () if f.get("severity") == "error"
                  and f.get("key") not in keys]
        conn.execute(sa.text("UPDATE article SET citation_errors = :n WHERE id = :id"),
                     {"n": len(errors), "id": article_id})


def downgrade():
    op.drop_index("ix_reader_report_status_created_at", table_name="reader_report")
    op.create_index("ix_reader_report_status", "reader_report", ["status"])
    op.drop_index("ix_article_blocked_updated_at", table_name="article")
    op.drop_index("ix_assignment_awaiting_due_at", table_name="assignment")
    op.drop_index("ix_assignment_reviewer_id_state", table_name="assignment")
    op.create_index("ix_assignment_reviewer_id", "assignment", ["reviewer_id"])
    op.drop_index("ix_revision_approved_at", table_name="revision")
    op.drop_index("ix_article_tag_name_article_id", table_name="article_tag")
    op.create_index("ix_article_tag_name", "article_tag", ["name"])
    op.drop_index("ix_article_rereview_flagged_at", table_name="article")
    op.drop_index("ix_article_approved_revision_id", table_name="article")
    op.drop_index("ix_article_state_updated_at", table_name="article")
    op.drop_column("article", "citation_errors")
    op.create_index("ix_article_state", "article", ["state"])
