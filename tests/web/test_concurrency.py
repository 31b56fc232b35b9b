"""Two browsers saving at the same moment: one response, no lost or duplicated answers."""

from __future__ import annotations

import threading
import time

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


def test_a_save_waiting_for_anothers_lock_routes_on_what_that_one_stored(app, make_round):
    """Two tabs of one patient: tab 1 answers the filter question (municipal care: yes) and is committing
    while tab 2 saves the follow-up question that the filter shows. Tab 2 waits for tab 1's row lock and
    must then decide what routing shows on tab 1's stored answers, not on those it would have read before
    the wait: otherwise the follow-up answer is dropped as routed past, yet acknowledged."""
    make_round(size=1)
    with transaction(app, upgrade=False) as session:  # the patient has started: the response row exists
        respondent = session.execute(select(Respondent)).scalar_one()
        operations.save_answers(session, respondent, {"overall_rating": 1}, Q)
    first_saved = threading.Event()
    second_started = threading.Event()
    release_first = threading.Event()
    failures: list[BaseException] = []

    def first() -> None:
        try:
            with transaction(app, upgrade=False) as session:
                respondent = session.execute(select(Respondent)).scalar_one()
                operations.save_answers(session, respondent, {"municipality_contact": 1}, Q)
                session.flush()
                first_saved.set()
                assert release_first.wait(timeout=30)
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)
            first_saved.set()

    def second() -> None:
        try:
            assert first_saved.wait(timeout=30)
            with transaction(app, upgrade=False) as session:
                respondent = session.execute(select(Respondent)).scalar_one()
                second_started.set()
                operations.save_answers(session, respondent, {"municipality_coordination": 2}, Q)
        except BaseException as error:
            failures.append(error)
            second_started.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert second_started.wait(timeout=30)
    time.sleep(1.0)  # tab 2 is now waiting for tab 1's lock
    release_first.set()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    with app.app_context():
        stored = dict(db.session.execute(select(Answer.item_id, Answer.code)).all())
    assert stored == {"overall_rating": 1, "municipality_contact": 1, "municipality_coordination": 2}


def _race(app, first_action, second_action) -> list[BaseException | None]:
    """Run ``first_action`` in a transaction held open until ``second_action`` (in another transaction,
    on the same respondent as read before the first one's write) has been waiting for a second; returns
    what each raised (``None``: nothing)."""
    first_done = threading.Event()
    second_started = threading.Event()
    release_first = threading.Event()
    outcome: list[BaseException | None] = [None, None]

    def first() -> None:
        try:
            with transaction(app, upgrade=False) as session:
                first_action(session, session.execute(select(Respondent)).scalar_one())
                session.flush()
                first_done.set()
                assert release_first.wait(timeout=30)
        except BaseException as error:  # reported to the test
            outcome[0] = error
            first_done.set()

    def second() -> None:
        try:
            with transaction(app, upgrade=False) as session:
                respondent = session.execute(select(Respondent)).scalar_one()  # read before the first writes
                respondent.status  # noqa: B018 (loaded now)
                assert first_done.wait(timeout=30)
                second_started.set()
                second_action(session, respondent)
        except BaseException as error:
            outcome[1] = error
            second_started.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert second_started.wait(timeout=30)
    time.sleep(1.0)  # the second is now waiting for the first's lock
    release_first.set()
    for thread in threads:
        thread.join(timeout=60)
    return outcome


def test_a_save_racing_a_refusal_in_another_tab_stores_nothing(app, make_round):
    """Refused in one tab while a page is being saved in another: the refusal's deletion holds, the save
    is refused as after any refusal, and the export never shows a refused person with answers."""
    make_round(size=1)
    with transaction(app, upgrade=False) as session:
        operations.save_answers(session, session.execute(select(Respondent)).scalar_one(), {"overall_rating": 1}, Q)
    outcome = _race(
        app,
        lambda session, respondent: operations.refuse(session, respondent),
        lambda session, respondent: operations.save_answers(session, respondent, {"needs_met": 2}, Q),
    )
    assert outcome[0] is None and isinstance(outcome[1], operations.ResponseFrozen)
    with app.app_context():
        assert db.session.execute(select(Respondent.status)).scalar_one() == "refused"
        assert db.session.execute(select(func.count()).select_from(Response)).scalar_one() == 0
        assert db.session.execute(select(func.count()).select_from(Answer)).scalar_one() == 0


def test_a_refusal_racing_a_submission_in_another_tab_leaves_the_submission(app, make_round):
    """Submitted in one tab while "I do not want to take part" is confirmed in another: the submission was
    acknowledged, so it stands and the refusal is refused, as after any submission."""
    make_round(size=1)
    with transaction(app, upgrade=False) as session:
        operations.save_answers(session, session.execute(select(Respondent)).scalar_one(), {"overall_rating": 1}, Q)
    outcome = _race(
        app,
        lambda session, respondent: operations.submit(session, respondent, Q),
        lambda session, respondent: operations.refuse(session, respondent),
    )
    assert outcome[0] is None and isinstance(outcome[1], operations.ResponseFrozen)
    with app.app_context():
        assert db.session.execute(select(Respondent.status)).scalar_one() == "submitted"
        assert db.session.execute(select(Answer.item_id, Answer.code)).all() == [("overall_rating", 1)]


def test_a_paper_import_racing_a_web_submission_keeps_the_submission(app, make_round, tmp_path):
    """The region imports a keyed paper batch while the same patient is submitting on the web: the web
    submission was acknowledged, so it counts and the paper questionnaire is recorded as the conflict,
    not stored over it (the import decides on the response as it is after the submission's commit)."""
    from prem.fieldwork.models import ModeConflict
    from prem.fieldwork.paper import import_paper_answers

    from .test_paper import answers_row, keyed_file

    sample = make_round(size=1)
    respondent_id = next(iter(sample.codes))
    with transaction(app, upgrade=False) as session:
        operations.save_answers(session, session.execute(select(Respondent)).scalar_one(), {"overall_rating": 1}, Q)
    batch = keyed_file(tmp_path / "keyed.csv", [answers_row(respondent_id)])
    outcome = _race(
        app,
        lambda session, respondent: operations.submit(session, respondent, Q),
        lambda session, respondent: import_paper_answers(session, "vår-2026", batch),
    )
    assert outcome == [None, None]
    with app.app_context():
        assert db.session.execute(select(Response.mode, Response.submitted_at.is_not(None))).all() == [("web", True)]
        assert db.session.execute(select(Answer.item_id, Answer.code)).all() == [("overall_rating", 1)]
        assert db.session.execute(select(ModeConflict.counted, ModeConflict.other)).all() == [("web", "paper")]
