"""Two browsers saving at the same moment: one response, no lost or duplicated answers."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from prem.db import db, transaction
from prem.fieldwork.models import Respondent
from prem.survey import operations
from prem.survey.models import Answer, Response
from questionnaires import load_questionnaire

Q = load_questionnaire("prem-vardforlopp")


def test_simultaneous_first_saves_share_one_response(app, make_round):
    make_round(size=1)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def save(answers: dict) -> None:
        try:
            with transaction(app, upgrade=False) as session:
                respondent = session.execute(select(Respondent)).scalar_one()
                barrier.wait(timeout=10)
                operations.save_answers(session, respondent, answers, Q)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [
        threading.Thread(target=save, args=(answers,))
        for answers in ({"overall_rating": 1, "needs_met": 1}, {"overall_rating": 2, "care_helped": 3})
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Response)).scalar_one() == 1
        stored = dict(db.session.execute(select(Answer.item_id, Answer.code)).all())
    assert set(stored) == {"overall_rating", "needs_met", "care_helped"} and stored["overall_rating"] in (1, 2)
