"""Server-side survey sessions (revocable; the cookie carries only a random token).

Revision ID: 0002_prodsurvey
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_prodsurvey"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "survey_session",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("respondent_pk", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["respondent_pk"],
            ["respondent.id"],
            name=op.f("fk_survey_session_respondent_pk_respondent"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_survey_session")),
    )
    with op.batch_alter_table("survey_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_survey_session_respondent_pk"), ["respondent_pk"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("survey_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_survey_session_respondent_pk"))
    op.drop_table("survey_session")
