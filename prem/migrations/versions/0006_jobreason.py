"""A failed staff job's reason as data, so that the job page can show it in the staff member's language.

staff_job.error keeps the English text; staff_job.reason holds the same error
as contracts.errors.UserError.to_data() gives it (template and values).

Revision ID: 0006_jobreason
Revises: 0005_keyedweb
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_jobreason"
down_revision = "0005_keyedweb"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff_job", sa.Column("reason", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_job") as batch:
        batch.drop_column("reason")
