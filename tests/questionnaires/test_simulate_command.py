"""``prem simulate``: a demo round filled through the web's models, exported exactly as simulated."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from click.testing import CliRunner
from pandas.testing import assert_frame_equal

from prem import create_app
from prem.cli import main
from prem.db import transaction, upgrade_database
from prem.fieldwork.export import freetext_dataframe, responses_dataframe
from prem.fieldwork.operations import import_round
from prem.security import code_keys
from questionnaires.simulate import simulate_responses
from sampling.access_codes import new_access_code

ROUND, OPENS, CLOSES = "demo-2026", date(2026, 3, 2), date(2026, 4, 12)
KEY = "simulate-test-key"


@pytest.fixture
def demo_round(tmp_path, monkeypatch, sample_frame, database_url):
    """An imported round of 600 synthetic respondents in a temporary database, as the CLI sees it."""
    frame = sample_frame.head(600)
    frame.to_csv(tmp_path / "frame.csv", index=False)
    codes = [new_access_code() for _ in range(len(frame))]
    mailing = pd.DataFrame({"respondent_id": frame.respondent_id, "access_code": codes})
    for column in ("personnummer", "name", "street", "postal_code", "city"):
        mailing[column] = "x"
    mailing.to_csv(tmp_path / "mailing.csv", index=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PREM_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("PREM_SECRET_KEY", "test-secret")
    monkeypatch.setenv("PREM_ACCESS_CODE_KEY", KEY)
    app = create_app()
    upgrade_database(app)
    with transaction(app, upgrade=False) as session:
        import_round(session, ROUND, tmp_path / "frame.csv", tmp_path / "mailing.csv", OPENS, CLOSES, code_keys(app))
    yield app, frame
    from prem.db import db

    with app.app_context():
        db.engine.dispose()


def export(app) -> pd.DataFrame:
    with transaction(app, upgrade=False) as session:
        return responses_dataframe(session, ROUND)


def test_simulate_fills_the_round_and_the_export_matches_the_simulation(demo_round, prem):
    app, frame = demo_round
    result = CliRunner().invoke(main, ["simulate", "--round", ROUND, "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "simulated 600 respondents" in result.output
    exported = export(app)
    expected = simulate_responses(frame.sort_values("respondent_id"), prem, seed=11, opens=OPENS, closes=CLOSES)
    columns = ["respondent_id", "status", "questionnaire_id", "questionnaire_version", "submitted_at"]
    columns += [item.id for item in prem.closed_items]
    assert_frame_equal(
        exported[columns].reset_index(drop=True), expected[columns].reset_index(drop=True), check_dtype=False
    )
    with transaction(app, upgrade=False) as session:
        comments = freetext_dataframe(session, ROUND)
    assert len(comments) > 0 and set(comments.status) == {"submitted"}


def test_a_round_with_answers_is_not_simulated_again(demo_round):
    app, _ = demo_round
    CliRunner().invoke(main, ["simulate", "--round", ROUND])
    first = export(app)
    result = CliRunner().invoke(main, ["simulate", "--round", ROUND])
    assert result.exit_code == 1 and "only fills a fresh round" in result.output
    assert_frame_equal(export(app), first)


def test_unknown_round_is_a_clear_error(demo_round):
    result = CliRunner().invoke(main, ["simulate", "--round", "no-such-round"])
    assert result.exit_code == 1
    assert "no survey round called 'no-such-round'" in result.output and "Traceback" not in result.output
