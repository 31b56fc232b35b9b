"""Double submit, reload, back after submit and two browsers on one code never duplicate or lose answers."""

from __future__ import annotations

from sqlalchemy import func, select

from prem.db import db
from prem.fieldwork.models import Respondent
from prem.survey.models import Answer, Response

from .conftest import csrf_token


def _counts(app, respondent_id) -> tuple[int, int, object]:
    with app.app_context():
        responses = (
            db.session.execute(
                select(Response)
                .join(Respondent, Respondent.id == Response.respondent_pk)
                .where(Respondent.respondent_id == respondent_id)
            )
            .scalars()
            .all()
        )
        answers = db.session.execute(select(func.count()).select_from(Answer)).scalar_one()
        return len(responses), answers, responses[0].submitted_at if responses else None


def test_double_submit_and_reload_keep_one_response(app, client, make_round, start, post_page):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    post_page("overall", {"overall_rating": "1"})
    review = client.get("/review")
    token = csrf_token(review.text)
    first = client.post("/review", data={"csrf_token": token, "action": "submit", "unanswered_confirmed": "yes"})
    _, _, submitted_at = _counts(app, respondent_id)
    second = client.post("/review", data={"csrf_token": token, "action": "submit", "unanswered_confirmed": "yes"})
    assert first.location == second.location == "/done"
    assert _counts(app, respondent_id) == (1, 1, submitted_at)
    assert client.get("/done").status_code == 200 and client.get("/done").status_code == 200
    assert _counts(app, respondent_id) == (1, 1, submitted_at)


def test_back_after_submit_cannot_change_answers(app, client, make_round, start, post_page):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    page = start(client, code)
    token = csrf_token(page.text)
    post_page("overall", {"overall_rating": "1"})
    review = client.get("/review")
    client.post(
        "/review", data={"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
    )
    # The browser's back button shows the old page; posting it again changes nothing.
    assert client.get("/page/overall").location == "/done"
    again = client.post("/page/overall", data={"csrf_token": token, "action": "next", "overall_rating": "4"})
    assert again.location == "/done"
    assert client.get("/review").location == "/done"
    with app.app_context():
        assert db.session.execute(select(Answer.code)).scalars().all() == [1]
    assert _counts(app, respondent_id)[:2] == (1, 1)


def test_two_browsers_on_one_code_share_one_response(app, make_round, start, post_page):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    phone, laptop = app.test_client(), app.test_client()
    start(phone, code)
    start(laptop, code)
    post_page("overall", {"overall_rating": "2"}, http=phone)
    post_page("overall", {"overall_rating": "3", "needs_met": "1"}, http=laptop)
    post_page("information", {"info_condition": "1"}, http=phone)
    assert _counts(app, respondent_id)[:2] == (1, 3)
    open_on_phone = phone.get("/page/information")
    review = laptop.get("/review")
    assert (
        laptop.post(
            "/review", data={"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
        ).location
        == "/done"
    )
    late = phone.post(
        "/page/information",
        data={"csrf_token": csrf_token(open_on_phone.text), "action": "next", "info_condition": "2"},
    )
    assert late.location == "/done"
    assert phone.get("/done").status_code == 200
    with app.app_context():
        stored = dict(db.session.execute(select(Answer.item_id, Answer.code)).all())
    assert stored == {"overall_rating": 3, "needs_met": 1, "info_condition": 1}


def test_starting_twice_does_not_reset_the_resume_point(app, client, make_round, start, post_page):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    start(client, code)
    post_page("overall", {"overall_rating": "1"})
    assert start(client, code).request.path == "/page/information"
