"""publication versions: publication_version

One number per part of what readers see (an article, a tag's related lists,
the lists, the site), raised with every change of it, to key the public-page
cache and the ETags (reviewapp/publication_versions.py). The counter row and
the site start at the clock in microseconds, above any version a cache may
hold from an earlier database.

Revision ID: 0017_publication_versions
Revises: 0016_published_heads
Create Date: 2026-11-30 12:45:00

"""

import time

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_publication_versions"
down_revision = "0016_published_heads"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "publication_version",
        sa.Column("scope", sa.String(length=120), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_publication_version")),
    )
    now = time.time_ns() // 1000
    op.bulk_insert(table, [{"scope": "#counter", "version": now},
                           {"scope": "site", "version": now}])


def downgrade():
    op.drop_table("publication_version")
