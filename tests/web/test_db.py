"""The migrations create exactly the models' schema, and a failed command leaves nothing behind."""

from __future__ import annotations

from datetime import date

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from prem.db import Base, current_revision, db, transaction
from prem.fieldwork.models import SurveyRound
from prem.fieldwork.operations import import_round

from .conftest import ACCESS_CODE_KEY


def test_migrations_match_the_models(app):
    assert current_revision(app) == "0001"
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_a_failing_command_rolls_everything_back(app, make_sample):
    sample = make_sample(2)
    with pytest.raises(RuntimeError), transaction(app, upgrade=False) as session:
        import_round(session, "r", sample.frame, sample.mailing, date.today(), date.today(),
                     ACCESS_CODE_KEY.encode())
        raise RuntimeError("the disk is full")
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SurveyRound)).scalar_one() == 0
