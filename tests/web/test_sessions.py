"""An expired CSRF token or session mid-page keeps what the patient typed."""

from __future__ import annotations

import re

from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer

from .conftest import csrf_token


def _stored(app) -> dict:
    with app.app_context():
        return {
            item_id: code if code is not None else text
            for item_id, code, text in db.session.execute(select(Answer.item_id, Answer.code, Answer.text))
        }


def test_stale_token_re_renders_the_page_with_the_typed_answers(app, client, make_round, start):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    page = client.post("/page/comments", data={"csrf_token": "stale", "action": "next", "comments": "Min text"})
    assert page.status_code == 200
    assert "Sidan hade varit öppen länge. Inget av det du fyllt i har försvunnit" in page.text
    assert re.search(r">\s*Min text</textarea>", page.text)
    again = client.post(
        "/page/comments", data={"csrf_token": csrf_token(page.text), "action": "next", "comments": "Min text"}
    )
    assert again.location == "/review"
    assert _stored(app) == {"comments": "Min text"}


def test_expired_session_carries_the_answers_through_code_re_entry(app, client, make_round, start, sign_in):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    page = start(client, code)
    token = csrf_token(page.text)
    client.delete_cookie("prem_session")  # the session expired while the page was open
    answer = client.post(
        "/page/overall", data={"csrf_token": token, "action": "next", "overall_rating": "2", "needs_met": "3"}
    )
    assert answer.status_code == 200
    assert "För din säkerhet behöver du skriva in din kod igen" in answer.text
    carry = re.search(r'name="carry" type="hidden" value="([^"]+)"', answer.text).group(1)
    assert _stored(app) == {}
    assert sign_in(client, code, carry=carry).location == "/page/overall"
    assert _stored(app) == {"overall_rating": 2, "needs_met": 3}


def test_a_forged_carry_is_ignored(app, client, make_round, sign_in):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    assert sign_in(client, code, carry="forged.value").location == "/introduction"
    assert _stored(app) == {}


def test_session_cookie_is_http_only_and_secure_in_production(app, client, make_round, sign_in):
    sample = make_round()
    response = sign_in(client, next(iter(sample.codes.values())))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    from prem import create_app

    production = create_app({"PRODUCTION": True, "SECRET_KEY": "k", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    from prem.security import finalise_config

    finalise_config(production)
    assert production.config["SESSION_COOKIE_SECURE"] is True
