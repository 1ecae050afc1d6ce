"""credentials: public profiles of people, and "Last updated" apart from "Last reviewed"

The user row gains a public profile: credentials ("MD, FRCA"), a specialty, an
ORCID iD (bare form) and a short biography, and when it last changed. Existing
users get their specialty from their specialty tags ("Cardiology, pain medicine").

A revision gains content_updated_at, the first approval of its content: a
re-review that approves unchanged text moves "Last reviewed" (approved_at) but
not this. Existing approved revisions get it by walking each article's approved
revisions in order: the same content hash as the one before carries its date over.

Revision ID: 0012_credentials
Revises: 0011_audience_versions
Create Date: 2026-11-30 09:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012_credentials"
down_revision = "0011_audience_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("credentials", sa.String(length=100), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("specialty", sa.String(length=120), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("orcid", sa.String(length=19), nullable=True))
        batch_op.add_column(sa.Column("biography", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("profile_updated_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("revision") as batch_op:
        batch_op.add_column(sa.Column("content_updated_at", sa.DateTime(), nullable=True))

    bind = op.get_bind()
    user = sa.table("user", sa.column("id", sa.Integer), sa.column("specialty", sa.String))
    user_specialty = sa.table("user_specialty", sa.column("user_id", sa.Integer),
                              sa.column("name", sa.String))
    tags: dict[int, list[str]] = {}
    for user_id, name in bind.execute(sa.select(user_specialty.c.user_id, user_specialty.c.name)
                                      .order_by(user_specialty.c.user_id,
                                                user_specialty.c.name)):
        tags.setdefault(user_id, []).append(name)
    for user_id, names in tags.items():
        joined = ", ".join(names)
        specialty = (joined[:1].upper() + joined[1:])[:120]
        bind.execute(user.update().where(user.c.id == user_id).values(specialty=specialty))

    rev = sa.table("revision", sa.column("id", sa.Integer), sa.column("article_id", sa.Integer),
                   sa.column("number", sa.Integer), sa.column("content_hash", sa.String),
                   sa.column("approved_at", sa.DateTime),
                   sa.column("content_updated_at", sa.DateTime))
    previous: dict[int, tuple[str, object]] = {}  # article -> (hash, content updated at)
    for revision_id, article_id, content_hash, approved_at in bind.execute(
            sa.select(rev.c.id, rev.c.article_id, rev.c.content_hash, rev.c.approved_at)
            .where(rev.c.approved_at.is_not(None))
            .order_by(rev.c.article_id, rev.c.number)):
        before = previous.get(article_id)
        updated_at = before[1] if before and before[0] == content_hash else approved_at
        previous[article_id] = (content_hash, updated_at)
        bind.execute(rev.update().where(rev.c.id == revision_id)
                     .values(content_updated_at=updated_at))


def downgrade():
    with op.batch_alter_table("revision") as batch_op:
        batch_op.drop_column("content_updated_at")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("profile_updated_at")
        batch_op.drop_column("biography")
        batch_op.drop_column("orcid")
        batch_op.drop_column("specialty")
        batch_op.drop_column("credentials")
