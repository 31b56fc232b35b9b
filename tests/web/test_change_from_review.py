""" "Ändra" on the review page: change one answer and come straight back (GOV.UK check-answers pattern)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer, Response

from .conftest import csrf_token


def _stored(app) -> dict:
    with app.app_context():
        rows = db.session.execute(select(Answer.item_id, Answer.code).join(Response)).all()
    return dict(rows)


def _resume_page(app) -> str:
    with app.app_context():
        return db.session.execute(select(Response.resume_page)).scalar_one()


def test_change_links_on_the_review_page_say_where_to_return(client, make_round, start, post_page):
    start(client, next(iter(make_round().codes.values())))
    post_page("overall", {"overall_rating": "1"})
    review = client.get("/review").text
    assert 'href="/page/overall?return=review#overall_rating"' in review
    assert len(re.findall(r'href="/page/[a-z_]+\?return=review#', review)) == review.count(">Ändra<")
    page = client.get("/page/overall?return=review").text
    assert 'action="/page/overall?return=review"' in page  # "Fortsätt" posts the way back along


def test_continue_after_a_change_returns_to_the_review(app, client, make_round, start, post_page):
    start(client, next(iter(make_round().codes.values())))
    post_page("overall", {"overall_rating": "1"})
    client.get("/review")
    assert post_page("information?return=review", {"info_condition": "2"}).location == "/review"
    assert _stored(app) == {"overall_rating": 1, "info_condition": 2}
    assert _resume_page(app) == "review"


def test_back_after_a_change_behaves_as_before(client, make_round, start, post_page):
    start(client, next(iter(make_round().codes.values())))
    client.get("/review")
    assert post_page("information?return=review", {}, action="back").location == "/page/overall"
    assert post_page("overall?return=review", {}, action="back").location == "/introduction"


def test_a_change_that_opens_a_routed_page_visits_it_before_the_review(app, client, make_round, start, post_page):
    start(client, next(iter(make_round().codes.values())))
    post_page("continuity", {"municipality_contact": "2"})
    review = client.get("/review").text
    assert "/page/municipality" not in review
    opened = post_page("continuity?return=review", {"municipality_contact": "1"})
    assert opened.location == "/page/municipality?return=review"
    assert 'action="/page/municipality?return=review"' in client.get(opened.location).text
    assert post_page("municipality?return=review", {"municipality_coordination": "2"}).location == "/review"
    assert _stored(app) == {"municipality_contact": 1, "municipality_coordination": 2}
    # changing it back hides the page again: straight to the review, the routed answer discarded
    assert post_page("continuity?return=review", {"municipality_contact": "2"}).location == "/review"
    assert _stored(app) == {"municipality_contact": 2}


def test_a_page_with_errors_keeps_the_way_back(client, make_round, start):
    start(client, next(iter(make_round().codes.values())))
    page = client.get("/page/comments?return=review")
    too_long = client.post(
        "/page/comments?return=review",
        data={"csrf_token": csrf_token(page.text), "action": "next", "comments": "x" * 20000},
    )
    assert too_long.status_code == 200 and 'action="/page/comments?return=review"' in too_long.text


def test_only_the_literal_review_is_honoured(client, make_round, start, post_page):
    start(client, next(iter(make_round().codes.values())))
    for foreign in ("https://evil.example/", "//evil.example", "/review", "REVIEW", "review/"):
        assert post_page(f"overall?return={foreign}", {}).location == "/page/information"
        assert "return=" not in client.get(f"/page/overall?return={foreign}").text


@pytest.mark.parametrize(
    ("before", "change", "stored", "resumes_at"),
    [
        (
            ("overall", {"overall_rating": "1"}),
            ("information", {"info_condition": "2"}),
            {"overall_rating": 1, "info_condition": 2},
            "/review",
        ),
        (
            ("continuity", {"municipality_contact": "2"}),
            ("continuity", {"municipality_contact": "1"}),
            {"municipality_contact": 1},
            "/page/municipality",
        ),  # the change opened the municipal page
    ],
)
def test_save_and_leave_after_a_change_resumes_where_continue_leads(
    app, client, make_round, start, post_page, sign_in, before, change, stored, resumes_at
):
    code = next(iter(make_round().codes.values()))
    start(client, code)
    post_page(*before)
    client.get("/review")
    assert post_page(f"{change[0]}?return=review", change[1], action="save_exit").location == "/saved"
    assert _stored(app) == stored
    assert sign_in(app.test_client(), code).location == resumes_at
