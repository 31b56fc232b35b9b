"""The patient's way: the language on the response, the round's information for patients, why screened out.

response.language keeps the patient's language choice with the response, so
that resuming in another browser shows it. survey_round.patient_info holds the
patient-facing parts of the round information file (period of care, sender,
contact, survey address). respondent.screen_out_reason is the optional short
reason a patient gave for "this does not describe my care".

Revision ID: 0003_patient2
Revises: 0002_letters
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_patient2"
down_revision = "0003_staff"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=10), nullable=True))
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patient_info", sa.JSON(), nullable=True))
    with op.batch_alter_table("respondent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("screen_out_reason", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("respondent", schema=None) as batch_op:
        batch_op.drop_column("screen_out_reason")
    with op.batch_alter_table("survey_round", schema=None) as batch_op:
        batch_op.drop_column("patient_info")
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("language")
