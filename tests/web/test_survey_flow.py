"""The patient's way: introduction choices, pages, routing, saving, resume, review, submit, thanks."""

from __future__ import annotations

import re

from sqlalchemy import select

from prem.db import db
from prem.fieldwork.models import Respondent
from prem.survey.models import Answer, Response
from questionnaires import load_questionnaire

from .conftest import csrf_token

Q = load_questionnaire("prem-vardforlopp")


def _status(app, respondent_id):
    with app.app_context():
        return db.session.execute(
            select(Respondent.status).where(Respondent.respondent_id == respondent_id)
        ).scalar_one()


def _answers(app, respondent_id) -> dict:
    with app.app_context():
        rows = db.session.execute(
            select(Answer.item_id, Answer.code, Answer.text)
            .join(Response, Response.id == Answer.response_id)
            .join(Respondent, Respondent.id == Response.respondent_pk)
            .where(Respondent.respondent_id == respondent_id)
        ).all()
    return {item_id: code if code is not None else text for item_id, code, text in rows}


def test_introduction_names_the_pathway_and_offers_three_choices(client, make_round, sign_in):
    sample = make_round(pathway="reumatoid-artrit")
    sign_in(client, next(iter(sample.codes.values())))
    page = client.get("/introduction")
    assert "reumatoid artrit" in page.text
    for label in ("Börja svara", "Det här stämmer inte med min vård", "Jag vill inte delta"):
        assert label in page.text


def test_start_opens_page_one_of_eight(app, client, make_round, start):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    page = start(client, code)
    assert "Sida 1 av 8" in page.text and '<h1 class="heading">Vården som helhet</h1>' in page.text
    assert re.search(r'<fieldset class="fieldset"[^>]*>\s*<legend class="fieldset__legend">', page.text)
    assert _status(app, respondent_id) == "started"


def test_screen_out_needs_confirmation_and_going_back_changes_nothing(app, client, make_round, sign_in):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    sign_in(client, code)
    intro = client.get("/introduction")
    confirm = client.post("/introduction", data={"csrf_token": csrf_token(intro.text), "action": "not_my_care"})
    assert confirm.location == "/screen-out"
    assert _status(app, respondent_id) == "not_started"  # a mis-tap loses nothing
    page = client.get("/screen-out")
    assert "Är du säker på att enkäten inte stämmer med din vård?" in page.text
    assert "inga fler frågor" in page.text and "inga påminnelser" in page.text
    assert "Ja, det stämmer inte med min vård" in page.text
    assert re.search(r'<a [^>]*href="/introduction"[^>]*>Tillbaka</a>', page.text)
    assert "Börja svara" in client.get("/introduction").text  # going back: the choice is still open
    done = client.post("/screen-out", data={"csrf_token": csrf_token(page.text), "action": "confirm"})
    assert done.location == "/done"
    assert "Tack för att du hörde av dig" in client.get("/done").text
    assert _status(app, respondent_id) == "screened_out"
    assert client.get("/page/overall").location == "/done"
    assert client.get("/screen-out").location == "/done"


def test_screen_out_confirm_page_in_english(client, make_round, sign_in):
    sample = make_round()
    client.get("/language/en?next=/")
    sign_in(client, next(iter(sample.codes.values())))
    page = client.get("/screen-out").text
    assert "Are you sure the survey does not describe your care?" in page
    assert "You will not get any more questions and you will not receive any reminders." in page
    assert ">Yes, this does not describe my care</button>" in page and ">Back</a>" in page


def test_screen_out_without_confirming_changes_nothing(app, client, make_round, sign_in):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    sign_in(client, code)
    page = client.get("/screen-out")
    assert client.post("/screen-out", data={"action": "confirm"}).status_code == 200  # no CSRF token
    assert client.post("/screen-out", data={"csrf_token": csrf_token(page.text)}).status_code == 200  # no button
    assert _status(app, respondent_id) == "not_started"
    assert client.get("/screen-out", follow_redirects=False).status_code == 200
    assert app.test_client().get("/screen-out").location == "/"  # not signed in: the code page


def test_refusal_needs_confirmation_and_going_back_changes_nothing(app, client, make_round, sign_in):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    sign_in(client, code)
    intro = client.get("/introduction")
    confirm = client.post("/introduction", data={"csrf_token": csrf_token(intro.text), "action": "decline"})
    assert confirm.location == "/decline"
    page = client.get("/decline")
    assert "Är du säker på att du inte vill delta?" in page.text and 'href="/introduction"' in page.text
    assert _status(app, respondent_id) == "not_started"
    done = client.post("/decline", data={"csrf_token": csrf_token(page.text), "action": "confirm"})
    assert done.location == "/done"
    assert "Du har valt att inte delta" in client.get("/done").text
    assert _status(app, respondent_id) == "refused"


def test_forward_and_back_both_save(app, client, make_round, start, post_page):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    assert post_page("overall", {"overall_rating": "2", "needs_met": "1"}).location == "/page/information"
    assert post_page("information", {"info_condition": "3"}, action="back").location == "/page/overall"
    assert _answers(app, respondent_id) == {"overall_rating": 2, "needs_met": 1, "info_condition": 3}
    page = client.get("/page/overall")
    assert re.search(r'id="overall_rating-1"[^>]*checked|checked[^>]*id="overall_rating-1"', page.text)
    assert post_page("overall", {"overall_rating": "2"}).status_code == 302
    assert "needs_met" not in _answers(app, respondent_id)  # an emptied answer is cleared
    assert post_page("overall", {}, action="back").location == "/introduction"


def test_routing_shows_the_municipality_page_only_after_contact(app, client, make_round, start, post_page):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    assert post_page("continuity", {"municipality_contact": "1"}).location == "/page/municipality"
    assert "Sida 6 av 9" in client.get("/page/municipality").text
    assert post_page("municipality", {"municipality_coordination": "2"}).location == "/page/accessibility"
    assert _answers(app, respondent_id)["municipality_coordination"] == 2
    assert post_page("continuity", {"municipality_contact": "2"}).location == "/page/accessibility"
    assert "municipality_coordination" not in _answers(app, respondent_id)  # routed past: discarded
    assert client.get("/page/municipality").status_code == 302
    assert "Sida 6 av 8" in client.get("/page/accessibility").text


def test_resume_from_a_fresh_browser_at_the_same_point(app, client, make_round, start, post_page, sign_in):
    sample = make_round()
    _respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    post_page("overall", {"overall_rating": "1"})
    post_page("information", {"info_condition": "1"})
    other = app.test_client()
    assert sign_in(other, code.lower()).location == "/page/involvement"
    assert re.search(
        r'id="overall_rating-0"[^>]*checked|checked[^>]*id="overall_rating-0"', other.get("/page/overall").text
    )


def test_save_and_continue_later(app, client, make_round, start, post_page, sign_in):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    saved = post_page("overall", {"overall_rating": "4"}, action="save_exit")
    assert saved.location == "/saved" and "Dina svar är sparade" in client.get("/saved").text
    assert client.get("/page/overall").location == "/"
    assert sign_in(client, code).location == "/page/overall"
    assert _answers(app, respondent_id) == {"overall_rating": 4}


def test_review_lists_every_answer_with_change_links_then_submit_and_thanks(app, client, make_round, start, post_page):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    post_page("overall", {"overall_rating": "1", "needs_met": "9"})
    assert post_page("comments", {"comments": "Bra bemötande.\nMen långa väntetider."}).location == "/review"
    review = client.get("/review")
    assert "<title>Granska dina svar – Patientenkät</title>" in review.text
    assert "Mycket bra" in review.text and "Vet inte / Inte aktuellt" in review.text
    assert "Bra bemötande.\nMen långa väntetider." in review.text
    assert review.text.count('href="/page/overall?return=review#') == 3 and "Inte besvarad" in review.text
    assert 'href="/page/municipality' not in review.text
    done = client.post(
        "/review", data={"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
    )
    assert done.location == "/done"
    thanks = client.get("/done")
    assert "Dina svar är inskickade" in thanks.text and "du får inga fler påminnelser" in thanks.text
    assert _status(app, respondent_id) == "submitted"
    assert "Dina svar är inskickade" in client.get("/done").text  # the same calm heading on reload


def test_unknown_page_is_a_calm_404(client, make_round, start):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    page = client.get("/page/no-such-page")
    assert page.status_code == 404 and "Sidan finns inte" in page.text


def test_pages_need_a_code_first(client):
    assert client.get("/page/overall").location == "/"
    assert client.get("/review").location == "/"
    assert client.get("/introduction").location == "/"


def test_review_and_pages_use_a_constant_number_of_queries(client, make_round, start, post_page, count_queries):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    with count_queries() as few:
        client.get("/review")
    for page_id in ("overall", "information", "involvement", "support_and_respect", "continuity"):
        post_page(page_id, {item.id: "1" for item in Q.page(page_id).items})
    with count_queries() as many:
        client.get("/review")
    with count_queries() as page:
        client.get("/page/accessibility")
    assert len(many) == len(few) <= 8 and len(page) <= 8


def test_a_page_save_takes_six_statements_however_much_was_answered(app, client, make_round, start, count_queries):
    """Pins the round trips of the most frequent request, so that they do not creep back.

    The session with its respondent and round, the response with its answers,
    the respondent's lock for the save (``prem.survey.operations.lock_respondent``)
    and the response with its answers read again once it is held, one upsert of
    the page's answers, one update of the response (its resume page and time);
    clearing an answer adds its delete.
    """
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    for page_id in ("overall", "information", "involvement"):
        page = client.get(f"/page/{page_id}")
        answers = {item.id: "1" for item in Q.page(page_id).items if item.kind == "choice"}
        client.post(f"/page/{page_id}", data={"csrf_token": csrf_token(page.text), "action": "next", **answers})
    page = client.get("/page/overall")
    form = {"csrf_token": csrf_token(page.text), "action": "next"}
    changed = {item.id: "2" for item in Q.page("overall").items if item.kind == "choice"}
    with count_queries() as saving:
        saved = client.post("/page/overall", data={**form, **changed})
    assert saved.status_code == 302 and _answers(app, respondent_id)["overall_rating"] == 2
    with count_queries() as clearing:
        client.post("/page/overall", data={**form, **changed, "overall_rating": ""})
    assert "overall_rating" not in _answers(app, respondent_id)
    assert len(saving) == 6, "\n".join(" ".join(s.split())[:70] for s in saving)
    assert len(clearing) == 7 and clearing[4].lstrip().upper().startswith("DELETE"), clearing
