"""Staff jobs: reports, tables and codebooks requested in the browser and made in the background.

Revision ID: 0004_staffreports
Revises: 0003_codekey
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_staffreports"
down_revision = "0003_codekey"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_job",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=20), nullable=False),
        sa.Column("round_name", sa.String(length=100), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("regions", sa.JSON(), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("step", sa.String(length=20), nullable=True),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("result_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["staff_user.id"], name=op.f("fk_staff_job_owner_id_staff_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_job")),
    )
    with op.batch_alter_table("staff_job", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_job_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staff_job_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_job_state"))
        batch_op.drop_index(batch_op.f("ix_staff_job_owner_id"))
    op.drop_table("staff_job")
