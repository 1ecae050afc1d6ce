"""the transparency log: published_head

Chain heads (seq, hash) signed with the site's Ed25519 key and served at
/transparency/heads, so that anyone can later confirm the audit log still
contains them. Append-only like audit_event: triggers refuse UPDATE and DELETE
(and TRUNCATE on PostgreSQL), and the app's role may only insert.

Revision ID: 0016_published_heads
Revises: 0015_scheduled_publishing
Create Date: 2026-11-30 09:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016_published_heads"
down_revision = "0015_scheduled_publishing"
branch_labels = None
depends_on = None


APPEND_ONLY = {
    "sqlite": [
        """CREATE TRIGGER published_head_no_update BEFORE UPDATE ON published_head
           BEGIN SELECT RAISE(ABORT, 'published_head is append-only'); END""",
        """CREATE TRIGGER published_head_no_delete BEFORE DELETE ON published_head
           BEGIN SELECT RAISE(ABORT, 'published_head is append-only'); END""",
    ],
    "postgresql": [
        """CREATE FUNCTION published_head_append_only() RETURNS trigger
           LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION 'published_head is append-only'; END $$""",
        """CREATE TRIGGER published_head_no_change BEFORE UPDATE OR DELETE ON published_head
           FOR EACH ROW EXECUTE FUNCTION published_head_append_only()""",
        """CREATE TRIGGER published_head_no_truncate BEFORE TRUNCATE ON published_head
           FOR EACH STATEMENT EXECUTE FUNCTION published_head_append_only()""",
    ],
}
DROP_APPEND_ONLY = {
    "sqlite": ["DROP TRIGGER published_head_no_update", "DROP TRIGGER published_head_no_delete"],
    "postgresql": [
        "DROP TRIGGER published_head_no_truncate ON published_head",
        "DROP TRIGGER published_head_no_change ON published_head",
        "DROP FUNCTION published_head_append_only()",
    ],
}


def upgrade():
    op.create_table(
        "published_head",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_published_head")),
    )
    for statement in APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade():
    for statement in DROP_APPEND_ONLY[op.get_bind().dialect.name]:
        op.execute(statement)
    op.drop_table("published_head")
