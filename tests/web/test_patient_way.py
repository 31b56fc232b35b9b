"""What patients stumbled on (issue 11): refusal after starting, returned codes, thanks, review."""

from __future__ import annotations

import re

import pandas as pd
from sqlalchemy import func, select

from prem.db import db, transaction
from prem.fieldwork.export import responses_dataframe
from prem.fieldwork.models import Respondent
from prem.fieldwork.operations import record_returned_mail
from prem.survey.models import Answer, Response

from .conftest import csrf_token


def _counts(app) -> tuple[int, int]:
    with app.app_context():
        responses = db.session.execute(select(func.count()).select_from(Response)).scalar_one()
        answers = db.session.execute(select(func.count()).select_from(Answer)).scalar_one()
    return responses, answers


def test_refusal_after_starting_says_so_and_deletes_the_answers(app, client, make_round, start, post_page):
    sample = make_round(size=2)
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    post_page("overall", {"overall_rating": "2", "needs_met": "1"})
    assert _counts(app) == (1, 2)
    page = client.get("/decline")
    assert "Om du redan har svarat på några frågor raderas de svaren." in page.text
    done = client.post("/decline", data={"csrf_token": csrf_token(page.text), "action": "confirm"})
    assert done.location == "/done"
    assert _counts(app) == (0, 0)
    with app.app_context():
        export = responses_dataframe(db.session, "vår-2026").set_index("respondent_id")
    refused = export.loc[respondent_id]
    assert refused["status"] == "refused"  # the refusal is kept: no reminders
    assert pd.isna(refused["overall_rating"]) and pd.isna(refused["needs_met"])
    assert pd.isna(refused["questionnaire_id"])
    assert "Du har valt att inte delta" in client.get("/done").text


def test_codes_of_returned_or_deceased_persons_open_a_calm_page(app, client, make_round, sign_in, tmp_path):
    sample = make_round(size=3)
    (dead_id, dead_code), (gone_id, gone_code), (_, live_code) = sample.codes.items()
    returned = tmp_path / "returned.csv"
    returned.write_text(f"respondent_id,reason\n{dead_id},deceased\n{gone_id},undeliverable\n", encoding="utf-8")
    with transaction(app, upgrade=False) as session:
        record_returned_mail(session, "vår-2026", returned)
    for code in (dead_code, gone_code):
        page = sign_in(client, code)
        assert page.status_code == 403 and "Koden kan inte längre användas" in page.text
        assert "Börja svara" not in page.text
        assert client.get("/introduction").location == "/"  # not signed in
    assert _counts(app) == (0, 0)
    with app.app_context():
        statuses = dict(db.session.execute(select(Respondent.respondent_id, Respondent.status)).all())
    assert statuses[dead_id] == "deceased" and statuses[gone_id] == "undeliverable"
    assert sign_in(client, live_code).location == "/introduction"


def test_marked_deceased_while_signed_in_leaves_the_questionnaire(app, client, make_round, start, tmp_path):
    sample = make_round(size=1)
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    returned = tmp_path / "returned.csv"
    returned.write_text(f"respondent_id,reason\n{respondent_id},deceased\n", encoding="utf-8")
    with transaction(app, upgrade=False) as session:
        record_returned_mail(session, "vår-2026", returned)
    page = client.get("/page/overall")
    assert page.status_code == 403 and "Koden kan inte längre användas" in page.text


def test_thanks_heading_is_the_same_on_reload(client, make_round, start, post_page):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    post_page("overall", {"overall_rating": "1"})
    review = client.get("/review")
    data = {"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
    assert client.post("/review", data=data).location == "/done"
    headings = [re.search(r"<h1[^>]*>(.*?)</h1>", client.get("/done").text).group(1) for _ in range(2)]
    assert headings == ["Dina svar är inskickade"] * 2


def test_review_counts_unanswered_and_asks_once_before_sending(app, client, make_round, start, post_page):
    sample = make_round()
    respondent_id, code = next(iter(sample.codes.items()))
    start(client, code)
    review = client.get("/review")
    shown = review.text.count("Inte besvarad")
    assert shown > 0 and f"Obesvarade frågor: {shown}" in review.text
    asked = client.post("/review", data={"csrf_token": csrf_token(review.text), "action": "submit"})
    assert asked.status_code == 200 and "Vill du skicka dina svar ändå?" in asked.text
    assert 'name="unanswered_confirmed" value="yes"' in asked.text and "Skicka ändå" in asked.text
    with app.app_context():
        status = db.session.execute(
            select(Respondent.status).where(Respondent.respondent_id == respondent_id)
        ).scalar_one()
    assert status == "started"  # not sent yet
    sent = client.post(
        "/review", data={"csrf_token": csrf_token(asked.text), "action": "submit", "unanswered_confirmed": "yes"}
    )
    assert sent.location == "/done"


def test_review_has_a_back_button_to_the_last_page(client, make_round, start):
    sample = make_round()
    start(client, next(iter(sample.codes.values())))
    review = client.get("/review")
    back = re.search(r'<a class="button button--secondary" href="(/page/[^"]+)">Tillbaka</a>', review.text)
    assert back is not None and back.group(1) == "/page/comments"
    assert client.get(back.group(1)).status_code == 200


def test_free_text_states_its_limit_first_and_a_longer_text_is_kept_with_an_error(
    app, client, make_round, start, post_page
):
    sample = make_round()
    code = next(iter(sample.codes.values()))
    start(client, code)
    page = client.get("/page/comments").text
    limit = page.index("Du kan skriva högst 4000 tecken.")
    assert limit < page.index("<textarea") and "maxlength" not in page  # no silent cut of pasted text
    assert re.search(r'<textarea[^>]*aria-describedby="[^"]*comments-limit', page)
    story = "Lång berättelse om min vård. " * 140  # 4,060 characters
    answered = post_page("comments", {"comments": story})
    assert answered.status_code == 200 and "Svaret får vara högst 4000 tecken långt." in answered.text
    assert story.strip() in answered.text  # what the patient wrote is still there to shorten
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Answer)).scalar_one() == 0
