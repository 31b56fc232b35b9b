"""The write side shared by the views and ``prem simulate``: validation, routing, freezing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from prem.db import transaction
from prem.fieldwork.models import Respondent
from prem.survey import operations
from prem.survey.operations import InvalidAnswer, ResponseFrozen
from questionnaires import load_questionnaire

Q = load_questionnaire("prem-vardforlopp")


def _first(session):
    return session.execute(select(Respondent).order_by(Respondent.respondent_id)).scalars().first()


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"no_such_item": 1}, "no item 'no_such_item'"),
        ({"overall_rating": 7}, "7 is not one of the options"),
        ({"overall_rating": "bra"}, "is not an option code"),
        ({"overall_rating": True}, "not one of the options"),
        ({"comments": "x" * 4001}, "longer than 4000"),
    ],
)
def test_invalid_answers_are_refused_and_nothing_is_stored(app, make_round, answers, message):
    make_round(size=1)
    with transaction(app, upgrade=False) as session, pytest.raises(InvalidAnswer, match=message):
        operations.save_answers(session, _first(session), answers, Q)
    with transaction(app, upgrade=False) as session:
        assert operations.get_response(session, _first(session)) is None


def test_save_upserts_clears_and_drops_routed_past_answers(app, make_round):
    make_round(size=1)
    with transaction(app, upgrade=False) as session:
        respondent = _first(session)
        operations.save_answers(
            session,
            respondent,
            {"municipality_contact": 1, "municipality_coordination": 2, "overall_rating": 1},
            Q,
            resume_page="accessibility",
        )
        operations.save_answers(session, respondent, {"overall_rating": 3, "needs_met": ""}, Q)
        response = operations.save_answers(session, respondent, {"municipality_contact": 9}, Q)
        assert response.answer_map() == {"overall_rating": 3, "municipality_contact": 9}
        assert response.resume_page == "accessibility" and respondent.status == "started"


def test_submit_is_idempotent_and_freezes(app, make_round):
    make_round(size=1)
    with transaction(app, upgrade=False) as session:
        respondent = _first(session)
        operations.save_answers(session, respondent, {"overall_rating": 1}, Q)
        first = operations.submit(session, respondent, Q)
        stamp = first.submitted_at
        assert operations.submit(session, respondent, Q).submitted_at == stamp
        with pytest.raises(ResponseFrozen):
            operations.save_answers(session, respondent, {"overall_rating": 4}, Q)
        with pytest.raises(ResponseFrozen):
            operations.refuse(session, respondent)


def test_refuse_and_screen_out_are_final_but_repeatable(app, make_round):
    make_round(size=2)
    with transaction(app, upgrade=False) as session:
        refused, screened = session.execute(select(Respondent).order_by(Respondent.respondent_id)).scalars().all()
        operations.refuse(session, refused)
        operations.refuse(session, refused)
        operations.screen_out(session, screened)
        assert (refused.status, screened.status) == ("refused", "screened_out")
        with pytest.raises(ResponseFrozen):
            operations.start_response(session, refused, Q)
        with pytest.raises(ResponseFrozen):
            operations.screen_out(session, refused)
