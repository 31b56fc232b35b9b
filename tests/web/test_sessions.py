"""An expired CSRF token or session mid-page keeps what the patient typed."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from prem.db import db
from prem.survey.models import Answer, SurveySession

from .conftest import csrf_token


def _stored(app) -> dict:
    with app.app_context():
        return {
            item_id: code if code is not None else text
            for item_id, code, text in db.session.execute(select(Answer.item_id, Answer.code, Answer.text))
        }


def _expire_sessions(app, by: timedelta = timedelta(hours=3), *, idle: bool = True) -> None:
    """Move every survey session's start (and, with ``idle``, its last request) ``by`` into the past."""
    with app.app_context():
        for row in db.session.execute(select(SurveySession)).scalars():
            row.started_at -= by
            if idle:
                row.last_seen_at -= by
        db.session.commit()


def _all_codes(app) -> list:
    with app.app_context():
        return sorted(db.session.execute(select(Answer.code)).scalars())


def _cookie(client) -> str:
    return client.get_cookie("prem_session").value


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
    _expire_sessions(app)  # the session expired while the page was open
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


def test_a_cookie_copied_before_save_and_exit_opens_and_saves_nothing(app, client, make_round, start):
    sample = make_round()
    page = start(client, next(iter(sample.codes.values())))
    copied = _cookie(client)
    token = csrf_token(page.text)
    saved = client.post(
        "/page/overall", data={"csrf_token": token, "action": "save_exit", "overall_rating": "2", "needs_met": "3"}
    )
    assert saved.location == "/saved"
    thief = app.test_client()
    thief.set_cookie("prem_session", copied)
    assert thief.get("/page/overall").location == "/"
    assert thief.get("/review").location == "/"
    replay = thief.post(
        "/page/overall", data={"csrf_token": token, "action": "next", "overall_rating": "4", "needs_met": "4"}
    )
    assert replay.status_code == 200 and "skriva in din kod igen" in replay.text
    assert 'name="carry" type="hidden" value=""' in replay.text or 'name="carry" type="hidden">' in replay.text
    assert _stored(app) == {"overall_rating": 2, "needs_met": 3}


def test_a_cookie_copied_before_submit_opens_nothing(app, client, make_round, start):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    review = client.get("/review")
    copied = _cookie(client)
    client.post(
        "/review", data={"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
    )
    thief = app.test_client()
    thief.set_cookie("prem_session", copied)
    assert thief.get("/review").location == "/"
    with app.app_context():
        assert db.session.execute(select(SurveySession)).first() is None


def test_the_cookie_holds_only_a_random_token_and_ends_with_the_browser(app, client, make_round, sign_in):
    import base64
    import json

    sample = make_round()
    response = sign_in(client, next(iter(sample.codes.values())))
    cookie = response.headers["Set-Cookie"]
    assert "Expires" not in cookie and "Max-Age" not in cookie
    payload = _cookie(client).split(".")[0]
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert set(data) <= {"sid", "lang", "csrf_token"}
    assert isinstance(data["sid"], str) and len(data["sid"]) >= 40
    with app.app_context():
        (row,) = db.session.execute(select(SurveySession)).scalars()
        assert data["sid"] not in row.token_hash  # only the token's hash is stored


def test_sessions_end_after_their_lifetime_and_when_idle(app, client, make_round, start):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    assert client.get("/page/overall").status_code == 200
    _expire_sessions(app, by=timedelta(minutes=46))  # idle longer than SURVEY_SESSION_IDLE
    assert client.get("/page/overall").location == "/"
    start(client, next(iter(sample.codes.values())))
    _expire_sessions(app, by=timedelta(hours=2, minutes=1), idle=False)  # active all along, but signed in long ago
    assert client.get("/page/overall").location == "/"


def test_answers_carried_over_an_expired_session_never_reach_another_patient(app, client, make_round, start, sign_in):
    sample = make_round()
    code_a, code_b = list(sample.codes.values())[:2]
    other = app.test_client()
    page_b = start(other, code_b)
    other.post(
        "/page/overall",
        data={"csrf_token": csrf_token(page_b.text), "action": "save_exit", "overall_rating": "1", "needs_met": "1"},
    )
    page = start(client, code_a)
    token = csrf_token(page.text)
    _expire_sessions(app)
    answer = client.post(
        "/page/overall", data={"csrf_token": token, "action": "next", "overall_rating": "4", "needs_met": "3"}
    )
    carry = re.search(r'name="carry" type="hidden" value="([^"]+)"', answer.text).group(1)
    sign_in(client, code_b, carry=carry)  # B signs in at A's browser with A's carried answers
    assert _all_codes(app) == [1, 1]  # B's answers unchanged, A's not applied to B
    assert sign_in(app.test_client(), code_a, carry=carry).location == "/page/overall"
    assert _all_codes(app) == [1, 1, 3, 4]  # A's kept for A


def test_a_carry_without_a_known_session_is_dropped(app, client, make_round, start, sign_in):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    page = start(client, code)
    token = csrf_token(page.text)
    client.delete_cookie("prem_session")  # the browser was closed: nothing binds the answers
    answer = client.post(
        "/page/overall", data={"csrf_token": token, "action": "next", "overall_rating": "2", "needs_met": "3"}
    )
    assert answer.status_code == 200
    assert not re.search(r'name="carry" type="hidden" value="[^"]+"', answer.text)
