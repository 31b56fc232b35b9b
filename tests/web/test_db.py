"""The migrations create exactly the models' schema, and a failed command leaves nothing behind."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from prem.db import Base, current_revision, db, transaction
from prem.fieldwork.models import SurveyRound
from prem.fieldwork.operations import import_round
from prem.security import code_keys

from .conftest import TODAY


def test_migrations_match_the_models(app):
    assert current_revision(app) == "0006_jobreason"
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_a_failing_command_rolls_everything_back(app, make_sample):
    sample = make_sample(2)
    with pytest.raises(RuntimeError), transaction(app, upgrade=False) as session:
        import_round(session, "r", sample.frame, sample.mailing, TODAY, TODAY, code_keys(app))
        raise RuntimeError("the disk is full")
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SurveyRound)).scalar_one() == 0


def test_database_url_uses_psycopg_for_postgresql():
    from prem.settings import database_uri

    assert database_uri("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("postgresql://u@h:5432/db") == "postgresql+psycopg://u@h:5432/db"
    assert database_uri("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert database_uri("sqlite:////tmp/x.sqlite") == "sqlite:////tmp/x.sqlite" and database_uri(None) is None


def test_a_request_that_fails_half_way_commits_nothing(app, client, make_round, start, post_page, monkeypatch):
    from prem.fieldwork.models import Respondent
    from prem.survey import operations

    from .conftest import csrf_token

    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    post_page("overall", {"overall_rating": "1"})
    submit = operations.submit

    def submit_then_fail(*args, **kwargs):
        submit(*args, **kwargs)
        raise RuntimeError("the database connection broke")

    monkeypatch.setattr(operations, "submit", submit_then_fail)
    review = client.get("/review")
    with pytest.raises(RuntimeError):
        client.post(
            "/review", data={"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
        )
    with app.app_context():
        statuses = set(db.session.execute(select(Respondent.status)).scalars())
    assert statuses == {"started", "not_started"}  # the submission was rolled back with the request
