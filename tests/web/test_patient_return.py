"""Coming back (issue 11): a button pressed after the session ended, "Avsluta", the language kept."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from prem.db import db
from prem.fieldwork.models import Respondent
from prem.survey.models import Answer, Response, SurveySession

from .conftest import csrf_token


def _expire_sessions(app) -> None:
    """Every survey session ran out (three hours without a request)."""
    with app.app_context():
        for row in db.session.execute(select(SurveySession)).scalars():
            row.started_at -= timedelta(hours=3)
            row.last_seen_at -= timedelta(hours=3)
        db.session.commit()


def _status(app, respondent_id: str) -> str:
    with app.app_context():
        return db.session.execute(
            select(Respondent.status).where(Respondent.respondent_id == respondent_id)
        ).scalar_one()


def _hidden(html: str, name: str) -> str:
    found = re.search(rf'id="{name}" name="{name}" type="hidden" value="([^"]*)"', html)
    return found.group(1) if found else ""


ENDED = "Dina svar finns kvar och inget har skickats."


def test_sending_from_the_review_after_the_session_ended_says_so_and_comes_back_to_the_review(
    app, client, make_round, start, post_page, sign_in
):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    post_page("overall", {"overall_rating": "1"})
    review = client.get("/review")
    _expire_sessions(app)
    data = {"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
    told = client.post("/review", data=data)
    assert told.status_code == 200 and ENDED in told.text and 'id="code"' in told.text
    assert _status(app, respondent_id) == "started"  # nothing sent
    back = sign_in(client, code, resume=_hidden(told.text, "resume"))
    assert back.location == "/review"  # where they were, to press "Skicka in svaren" themselves
    assert _status(app, respondent_id) == "started"


@pytest.mark.parametrize(
    ("where", "heading"), [("decline", "inte vill delta"), ("screen_out", "inte stämmer med din vård")]
)
def test_confirming_after_the_session_ended_records_nothing_and_comes_back_to_the_confirm_page(
    app, client, make_round, sign_in, where, heading
):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    sign_in(client, code)
    path = "/" + where.replace("_", "-")
    confirm = client.get(path)
    _expire_sessions(app)
    told = client.post(path, data={"csrf_token": csrf_token(confirm.text), "action": "confirm"})
    assert told.status_code == 200 and ENDED in told.text
    assert _status(app, respondent_id) == "not_started"
    back = sign_in(client, code, resume=_hidden(told.text, "resume"))
    assert back.location == path
    assert heading in client.get(path).text and _status(app, respondent_id) == "not_started"


def test_a_resume_field_from_another_patients_session_is_ignored(app, client, make_round, start, sign_in):
    sample = make_round(size=2)
    (_, first_code), (_, second_code) = sample.codes.items()
    start(client, first_code)
    review = client.get("/review")
    _expire_sessions(app)
    told = client.post("/review", data={"csrf_token": csrf_token(review.text), "action": "submit"})
    resume = _hidden(told.text, "resume")
    assert resume
    other = sign_in(app.test_client(), second_code, resume=resume)
    assert other.location == "/introduction"  # their own start, not a page named by someone else's form
    assert sign_in(app.test_client(), first_code, resume="forged").location == "/review"  # own resume page


def test_avsluta_ends_the_session_on_the_server_and_says_how_to_come_back(app, client, make_round, start, sign_in):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    page = start(client, code)
    assert 'form="page-form" name="action" value="end">Avsluta</button>' in page.text
    cookie = client.get_cookie("prem_session").value
    ended = client.post(
        "/page/overall", data={"csrf_token": csrf_token(page.text), "action": "end", "overall_rating": "2"}
    )
    assert ended.location == "/saved?ended=1"
    told = client.get(ended.location).text
    assert "Du har avslutat för den här gången" in told and "Dina svar hittills är sparade" in told
    assert "gå till http://localhost/ och skriv in koden" in told
    with app.app_context():
        assert db.session.execute(select(SurveySession)).first() is None
    replay = app.test_client()  # the old cookie in another browser opens nothing
    replay.set_cookie("prem_session", cookie)
    assert replay.get("/review").location == "/"
    assert replay.get("/page/overall").location == "/"
    with app.app_context():  # what was on the page is kept
        assert db.session.execute(select(Answer.item_id, Answer.code)).all() == [("overall_rating", 2)]
    assert sign_in(client, code).location == "/page/overall"


@pytest.mark.parametrize("path", ["/introduction", "/review", "/decline", "/screen-out"])
def test_every_signed_in_page_offers_avsluta(client, make_round, start, path):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    page = client.get(path)
    assert re.search(
        r'<form class="header__end" method="post" action="/end">\s*<button[^>]*>Avsluta</button>', page.text
    )
    assert client.post("/end").location == "/saved?ended=1"
    assert client.get(path).location == "/"


def test_the_language_is_kept_with_the_response_and_shown_in_another_browser(app, client, make_round, start, sign_in):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    start(client, code)
    client.get("/language/en?next=/page/overall")
    with app.app_context():
        assert db.session.execute(select(Response.language)).scalar_one() == "en"
    elsewhere = app.test_client()  # another browser, nothing chosen there
    sign_in(elsewhere, code)
    assert '<html lang="en">' in elsewhere.get("/page/overall").text
    elsewhere.get("/language/sv?next=/page/overall")
    third = app.test_client()
    sign_in(third, code)
    assert '<html lang="sv">' in third.get("/page/overall").text


def test_the_language_chosen_on_the_introduction_is_stored_when_starting(app, client, make_round, sign_in):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    client.get("/language/en?next=/")
    sign_in(client, code)
    intro = client.get("/introduction")
    client.post("/introduction", data={"csrf_token": csrf_token(intro.text), "action": "start"})
    with app.app_context():
        assert db.session.execute(select(Response.language)).scalar_one() == "en"


def test_switching_language_on_the_code_page_keeps_the_typed_code(app, client, make_round):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    page = client.get("/")
    switched = client.post("/", data={"csrf_token": csrf_token(page.text), "code": code, "action": "language:en"})
    assert switched.status_code == 200 and '<html lang="en">' in switched.text
    assert f'value="{code}"' in switched.text and "Enter your access code" in switched.text
    assert "error-summary" not in switched.text  # not checked, not counted as an attempt
    sent = client.post("/", data={"csrf_token": csrf_token(switched.text), "code": code})
    assert sent.location == "/introduction"
    assert '<html lang="en">' in client.get("/introduction").text
