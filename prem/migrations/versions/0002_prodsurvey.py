"""Server-side survey sessions; wrong-code counts in one row per bucket.

survey_session makes sessions revocable (the cookie carries only a random
token). code_attempt_bucket replaces code_attempt, whose check-then-insert
let an extra attempt through per worker.

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
    with op.batch_alter_table("code_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_code_attempt_client_hash"))
        batch_op.drop_index(batch_op.f("ix_code_attempt_attempted_at"))
    op.drop_table("code_attempt")
    op.create_table(
        "code_attempt_bucket",
        sa.Column("bucket", sa.String(length=80), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket", name=op.f("pk_code_attempt_bucket")),
    )
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
    op.drop_table("code_attempt_bucket")
    op.create_table(
        "code_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sa.String(length=64), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_attempt")),
    )
    with op.batch_alter_table("code_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_code_attempt_attempted_at"), ["attempted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_code_attempt_client_hash"), ["client_hash"], unique=False)
