"""The responses export (ARCHITECTURE.md format), free text, and the sampling flow kept with the round."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest
from sqlalchemy import select

from prem.db import db, transaction
from prem.fieldwork.export import RESPONSE_COLUMNS, freetext_dataframe, responses_dataframe, round_sampling_flow
from prem.fieldwork.models import Respondent
from prem.survey import operations
from questionnaires import load_questionnaire

Q = load_questionnaire("prem-vardforlopp")


def _respondents(session):
    return session.execute(select(Respondent).order_by(Respondent.respondent_id)).scalars().all()


@pytest.fixture
def answered_round(app, make_round):
    """Four respondents: submitted (with routing and text), started, refused, not started."""
    make_round(size=4)
    with transaction(app, upgrade=False) as session:
        submitted, started, refused, _ = _respondents(session)
        operations.save_answers(
            session,
            submitted,
            {"overall_rating": 2, "municipality_contact": 1, "municipality_coordination": 3, "comments": "Bra vård"},
            Q,
        )
        operations.save_answers(session, submitted, {"municipality_contact": 2}, Q)
        operations.submit(session, submitted, Q)
        operations.save_answers(session, started, {"care_plan": 9}, Q)
        operations.refuse(session, refused)


def test_one_row_per_invited_respondent_in_the_architecture_column_order(app, answered_round):
    with app.app_context():
        export = responses_dataframe(db.session, "vår-2026")
    assert list(export.columns) == [*RESPONSE_COLUMNS, *(item.id for item in Q.closed_items)]
    assert list(RESPONSE_COLUMNS) == [
        "respondent_id",
        "pathway",
        "region",
        "sex",
        "age",
        "age_group",
        "stratum_population",
        "stratum_sample",
        "design_weight",
        "status",
        "questionnaire_id",
        "questionnaire_version",
        "submitted_at",
        "screen_out_reason",
        "mode",
        "mode_conflict",
    ]
    assert "comments" not in export.columns
    assert export["mode_conflict"].isna().all()  # nobody here answered more than once
    assert export["status"].tolist() == ["submitted", "started", "refused", "not_started"]
    submitted, started, _refused, never = (export.iloc[i] for i in range(4))
    assert submitted["overall_rating"] == 2 and submitted["municipality_contact"] == 2
    assert pd.isna(submitted["municipality_coordination"])  # routed past after the change
    assert datetime.fromisoformat(submitted["submitted_at"]).tzinfo is not None
    assert started["care_plan"] == 9 and pd.isna(started["submitted_at"])
    assert started["questionnaire_id"] == "prem-vardforlopp" and started["questionnaire_version"] == Q.version
    assert pd.isna(never["questionnaire_id"]) and pd.isna(never["overall_rating"])
    assert submitted["mode"] == "web" and started["mode"] == "web" and pd.isna(never["mode"])
    assert str(export["mode"].dtype) == "string"
    assert str(export["overall_rating"].dtype) == "Int64" and str(export["region"].dtype) == "string"
    assert export["design_weight"].dtype == "float64" and export["age"].dtype == "int64"


def test_freetext_is_separate(app, answered_round):
    with app.app_context():
        texts = freetext_dataframe(db.session, "vår-2026")
    assert texts[["item_id", "text", "status"]].values.tolist() == [["comments", "Bra vård", "submitted"]]


def test_sampling_flow_and_manifest_come_back_as_imported(app, make_round):
    make_round()
    with app.app_context():
        flow, manifest = round_sampling_flow(db.session, "vår-2026")
    assert list(flow.columns) == ["pathway", "region", "step", "remaining", "removed"]
    assert flow["remaining"].tolist() == [500, 480] and flow["region"].tolist() == ["01", "01"]
    assert manifest == {"seed": 20260101, "software": "prem 0.1.0"}


def test_round_without_flow_files_has_an_empty_flow(app, make_round):
    make_round(flow=False)
    with app.app_context():
        flow, manifest = round_sampling_flow(db.session, "vår-2026")
    assert flow.empty and list(flow.columns) == ["pathway", "region", "step", "remaining", "removed"]
    assert manifest == {}


def test_utc_iso_reads_a_naive_moment_as_utc_whatever_the_machine_zone(monkeypatch):
    import time
    from datetime import UTC, datetime

    from prem.fieldwork.export import utc_iso

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert utc_iso(datetime(2026, 3, 1, 12, 0)) == "2026-03-01T12:00:00+00:00"
        assert utc_iso(datetime(2026, 3, 1, 12, 0, tzinfo=UTC)) == "2026-03-01T12:00:00+00:00"
        assert utc_iso(None) is None
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
