"""Tampered posts: unknown option codes, extra fields, huge free text, XSS payloads shown back escaped."""

from __future__ import annotations

from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'&'


def _stored(app) -> dict:
    with app.app_context():
        return {
            item_id: code if code is not None else text
            for item_id, code, text in db.session.execute(select(Answer.item_id, Answer.code, Answer.text))
        }


def test_unknown_option_codes_are_refused_with_an_error_summary(app, client, make_round, start, post_page):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    for bad in ("7", "-1", "1.5", "ett", "1e3"):
        page = post_page("overall", {"overall_rating": bad, "needs_met": "1"})
        assert page.status_code == 200
        assert "<title>Fel: Vården som helhet – Sida 1 av 8 – Patientenkät</title>" in page.text
        assert '<a href="#overall_rating-0">Välj ett av svarsalternativen.</a>' in page.text
        assert "autofocus" in page.text
    assert _stored(app) == {}


def test_extra_fields_are_ignored(app, client, make_round, start, post_page):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    post_page("overall", {"overall_rating": "1", "info_condition": "2", "status": "submitted", "respondent_pk": "2"})
    assert _stored(app) == {"overall_rating": 1}


def test_huge_free_text_is_refused_and_kept_for_editing(app, client, make_round, start, post_page):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    page = post_page("comments", {"comments": "å" * 4001})
    assert page.status_code == 200 and "högst 4000 tecken" in page.text
    assert "å" * 4001 in page.text
    assert _stored(app) == {}
    way_too_big = post_page("comments", {"comments": "x" * 300_000})
    assert way_too_big.status_code == 413 and "För mycket text" in way_too_big.text


def test_free_text_is_shown_back_escaped(app, client, make_round, start, post_page):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    post_page("comments", {"comments": XSS})
    assert _stored(app) == {"comments": XSS}
    review = client.get("/review")
    assert "<script>" not in review.text and "<img src=x" not in review.text
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;&#34;&#39;&amp;"
        in review.text
    )
    assert "<script>" not in client.get("/page/comments").text


def test_posts_without_a_csrf_token_change_nothing(app, client, make_round, start):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    page = client.post("/page/overall", data={"overall_rating": "1", "action": "next"})
    assert page.status_code == 200 and "Sidan hade varit öppen länge" in page.text
    assert _stored(app) == {}
    refused = client.post("/introduction", data={"action": "not_my_care"})
    assert refused.status_code == 200
    assert client.post("/review", data={"action": "submit"}).status_code == 200
    assert client.get("/done").location == "/review"  # not submitted: back to where they were


def test_language_switch_refuses_foreign_redirects(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert client.get("/language/en", query_string={"next": target}).location == "/"
