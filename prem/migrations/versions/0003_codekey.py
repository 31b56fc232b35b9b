"""Per-round code keys: the key file's id and when closing destroyed it.

Rounds that exist already get no key id: their codes stay hashed under the
app-wide key until they are closed (README, "Code keys").

Revision ID: 0003_codekey
Revises: 0002_letters
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_codekey"
down_revision = "0003_patient2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("codes_destroyed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.drop_column("codes_destroyed_at")
        batch_op.drop_column("code_key_id")
