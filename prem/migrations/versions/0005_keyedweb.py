"""Paper questionnaires keyed in the staff web, and the recorded web/paper conflicts.

paper_keying holds a keying waiting for its second keying (staff data: the
respondent and the cells as keyed, never a name or address); mode_conflict
records every person who answered more than once and which response counts.

Revision ID: 0005_keyedweb
Revises: 0004_staffreports
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_keyedweb"
down_revision = "0004_staffreports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_keying",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("respondent_pk", sa.Integer(), nullable=False),
        sa.Column("keying", sa.Integer(), nullable=False),
        sa.Column("keyed_by", sa.String(length=80), nullable=False),
        sa.Column("keyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["respondent_pk"],
            ["respondent.id"],
            name=op.f("fk_paper_keying_respondent_pk_respondent"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["survey_round.id"], name=op.f("fk_paper_keying_round_id_survey_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_paper_keying")),
        sa.UniqueConstraint("respondent_pk", "keying", name=op.f("uq_paper_keying_respondent_pk_keying")),
    )
    with op.batch_alter_table("paper_keying", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_keying_round_id"), ["round_id"], unique=False)
    op.create_table(
        "mode_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("respondent_pk", sa.Integer(), nullable=False),
        sa.Column("counted", sa.String(length=10), nullable=False),
        sa.Column("other", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=30), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["respondent_pk"],
            ["respondent.id"],
            name=op.f("fk_mode_conflict_respondent_pk_respondent"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["survey_round.id"], name=op.f("fk_mode_conflict_round_id_survey_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mode_conflict")),
    )
    with op.batch_alter_table("mode_conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mode_conflict_respondent_pk"), ["respondent_pk"], unique=False)
        batch_op.create_index(batch_op.f("ix_mode_conflict_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mode_conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mode_conflict_round_id"))
        batch_op.drop_index(batch_op.f("ix_mode_conflict_respondent_pk"))
    op.drop_table("mode_conflict")
    with op.batch_alter_table("paper_keying", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_keying_round_id"))
    op.drop_table("paper_keying")
