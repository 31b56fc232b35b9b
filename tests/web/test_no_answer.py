"""A way out of every question (issue 11): "Vill inte svara" on background items, "Rensa svaret" on radios."""

from __future__ import annotations

import re

from sqlalchemy import select

from prem.db import db
from prem.fieldwork.export import responses_dataframe
from prem.survey.models import Answer
from questionnaires import load_questionnaire
from questionnaires.codebook import codebook_markdown, codebook_table

from .conftest import csrf_token


def _stored(app) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(Answer.item_id, Answer.code)).all())


def test_every_background_question_offers_vill_inte_svara_stored_as_its_own_code(app, client, make_round, start):
    q = load_questionnaire("prem-vardforlopp")
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    page = client.get("/page/about_you")
    for item in q.background_items:
        [declined] = [option for option in item.scale.options if option.declined]
        assert re.search(rf'value="{declined.code}"[^>]*>\s*<label[^>]*>{declined.label["sv"]}</label>', page.text)
    answers = {item.id: "99" for item in q.background_items if item.id != "reported_sex"} | {"reported_sex": "3"}
    saved = client.post("/page/about_you", data={"csrf_token": csrf_token(page.text), "action": "next", **answers})
    assert saved.status_code == 302
    assert _stored(app) == {item_id: int(value) for item_id, value in answers.items()}
    with app.app_context():
        export = responses_dataframe(db.session, "vår-2026").set_index("respondent_id")
    assert export.loc[respondent_id, "self_rated_health"] == 99  # kept apart from "not answered"


def test_the_codebook_names_the_declined_codes():
    q = load_questionnaire("prem-vardforlopp")
    table = codebook_table(q)
    declined = table[table["declined"]]
    assert set(declined["item_id"]) == {item.id for item in q.background_items}
    assert set(declined["code"]) == {3, 99}
    assert "| 99 | Vill inte svara | Prefer not to answer | – |  | yes: missing in analysis |" in codebook_markdown(q)


def test_rensa_svaret_clears_one_radio_and_keeps_the_rest(app, client, make_round, start, post_page):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    post_page("overall", {"overall_rating": "2", "needs_met": "1"})
    page = client.get("/page/overall")
    choices = [
        item.id for item in load_questionnaire("prem-vardforlopp").page("overall").items if item.kind == "choice"
    ]
    assert re.findall(r'name="action" value="clear:(\w+)"', page.text) == choices
    assert re.search(
        r'value="clear:overall_rating">Rensa svaret<span class="visually-hidden"> – [^<]+</span></button>', page.text
    )
    cleared = client.post(
        "/page/overall",
        data={
            "csrf_token": csrf_token(page.text),
            "action": "clear:overall_rating",
            "overall_rating": "2",
            "needs_met": "1",
        },
    )
    assert cleared.location == "/page/overall#overall_rating"
    assert _stored(app) == {"needs_met": 1}
    again = client.get("/page/overall").text
    assert not re.search(r'id="overall_rating-\d"[^>]*checked|checked[^>]*id="overall_rating-\d"', again)
