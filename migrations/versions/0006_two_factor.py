"""two-factor sign-in: a TOTP secret per user, and recovery codes

The user row gains the secret (on while set), when it was turned on, the last
time step whose code was accepted (so a code works once) and the wrong codes
since the last right one. Recovery codes are kept as SHA-256 hashes.

Revision ID: 0006_two_factor
Revises: 0005_scale_indexes
Create Date: 2026-11-22 10:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006_two_factor"
down_revision = "0005_scale_indexes"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("two_factor_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("two_factor_enabled_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("two_factor_last_step", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("two_factor_failures", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"],
                                name=op.f("fk_recovery_code_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
        sa.UniqueConstraint("user_id", "code_hash",
                            name=op.f("uq_recovery_code_user_id_code_hash")),
    )


def downgrade():
    op.drop_table("recovery_code")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("two_factor_failures")
        batch_op.drop_column("two_factor_last_step")
        batch_op.drop_column("two_factor_enabled_at")
        batch_op.drop_column("two_factor_secret")
