"""Keyed entry of paper questionnaires in the staff web: two keyings, compared, decided, stored with mode paper.

The rules are the file import's (``prem fieldwork paper``), called through
the same functions; these tests drive the pages with the test client as a
coordinator and an administrator would.
"""

from __future__ import annotations

import io
from urllib.parse import unquote

import pandas as pd
import pytest
from sqlalchemy import func, select

from prem.db import db, transaction
from prem.fieldwork.models import ModeConflict, PaperKeying, Respondent
from prem.staff.models import AuditEvent
from prem.survey import operations as survey
from prem.survey.models import Response
from questionnaires import load_questionnaire

from ..conftest import csrf_token
from .conftest import ROUND, log_in

Q = load_questionnaire("prem-vardforlopp")
BASE = f"/staff/rounds/{ROUND}/regions"


def _ids(staff_round, region: str) -> list[str]:
    return sorted(rid for rid, where in staff_round.regions.items() if where == region)


def _answers(**changes) -> dict[str, list[str] | str]:
    """A keying as posted: every choice item ticked "1", a comment, then ``changes`` (lists for several ticks)."""
    data: dict[str, list[str] | str] = {item.id: ["1"] for item in Q.items if item.scale is not None}
    data["comments"] = "Bra bemötande."
    data.update(changes)
    return data


def _key(client, region: str, respondent_id: str, data: dict, *, keying: int | None = None, token: bool = True):
    """Open the keying page of ``respondent_id`` and post ``data`` as the keying it asks for."""
    url = f"{BASE}/{region}/paper/{respondent_id}"
    page = client.get(url)
    assert page.status_code == 200, page.status
    number = keying if keying is not None else int(page.text.split('name="keying" value="')[1][0])
    form = {"keying": str(number), **data}
    if token:
        form["csrf_token"] = csrf_token(page.text)
    return client.post(url, data=form)


def _stored(app, respondent_id: str):
    with app.app_context():
        response = db.session.execute(
            select(Response).join(Respondent).where(Respondent.respondent_id == respondent_id)
        ).scalar_one_or_none()
        if response is None:
            return None
        return response.mode, response.questionnaire_version, response.answer_map(), response.respondent.status


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def _audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(
            db.session.execute(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).scalars()
        )


def _submit_on_web(app, respondent_id: str) -> None:
    with transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == respondent_id)).scalar_one()
        survey.start_response(session, respondent, Q)
        survey.save_answers(session, respondent, {item.id: item.choices.options[1].code for item in Q.core_items}, Q)
        survey.submit(session, respondent, Q)


@pytest.fixture
def other_keyer(app, make_staff):
    """A second coordinator of Blekinge, who keys the second time."""
    make_staff("blekinge2", "coordinator", ("10",))
    client = app.test_client()
    log_in(client, "blekinge2")
    return client


def test_two_agreeing_keyings_store_the_response_with_mode_paper(app, client, accounts, staff_round, other_keyer):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    start = client.get(f"{BASE}/10/paper")
    entered = client.post(
        f"{BASE}/10/paper", data={"csrf_token": csrf_token(start.text), "respondent_id": respondent_id.lower()}
    )
    assert entered.status_code == 302 and unquote(entered.location).endswith(f"/paper/{respondent_id}")
    page = client.get(entered.location).text
    assert "Inmatning 1 av 2" in page and 'type="checkbox" name="overall_rating"' in page
    assert "24. " in page and "bara för dem som svarat på fråga 23 med Ja" in page  # routing in words, as printed

    first = _key(client, "10", respondent_id, _answers(municipality_coordination=["2"]))
    assert first.status_code == 302 and unquote(first.location).endswith(f"{BASE}/10/paper")
    listing = client.get(first.location).text
    assert "Första inmatningen av" in listing and respondent_id in listing and "Andra inmatning" in listing
    assert _stored(app, respondent_id) is None and _count(app, PaperKeying) == 1

    second_page = other_keyer.get(f"{BASE}/10/paper/{respondent_id}").text
    assert "Inmatning 2 av 2" in second_page and "Inmatad en gång av blekinge" in second_page
    assert "checked" not in second_page  # the second keying is blind: nothing of the first is shown
    second = _key(other_keyer, "10", respondent_id, _answers(municipality_coordination=["2"]))
    assert second.status_code == 302
    done = other_keyer.get(second.location).text
    assert f"Pappersenkäten för {respondent_id} är sparad som svar" in done

    mode, version, answers, status = _stored(app, respondent_id)
    assert (mode, version, status) == ("paper", Q.version, "submitted")
    assert answers["overall_rating"] == 1 and answers["municipality_coordination"] == 2
    assert answers["comments"] == "Bra bemötande."
    assert _count(app, PaperKeying) == 0  # the keyings are done with once the response is stored
    keyed, stored = _audit(app, "paper_keyed"), _audit(app, "paper_stored")
    assert [event.actor for event in keyed] == ["blekinge", "blekinge2"] and stored[0].actor == "blekinge2"
    assert "agrees with the first" in keyed[1].detail and "by blekinge and blekinge2" in stored[0].detail
    assert all(respondent_id not in (event.detail or "") for event in keyed + stored)
    assert {event.region for event in keyed + stored} == {"10"}


def test_a_coordinator_cannot_key_another_regions_questionnaire(app, client, accounts, staff_round):
    skane = _ids(staff_round, "12")[0]
    log_in(client, "blekinge")
    start = client.get(f"{BASE}/10/paper")
    refused = client.post(f"{BASE}/10/paper", data={"csrf_token": csrf_token(start.text), "respondent_id": skane})
    assert refused.status_code == 200
    assert f"{skane} är inte en svarsperson i omgången {ROUND} i region 10" in refused.text
    assert client.get(f"{BASE}/10/paper/{skane}").status_code == 404  # the same as an unknown id
    assert client.get(f"{BASE}/12/paper/{skane}").status_code == 403
    assert client.get(f"{BASE}/12/paper").status_code == 403
    token = csrf_token(start.text)
    posted = client.post(f"{BASE}/12/paper/{skane}", data={"csrf_token": token, "keying": "1", **_answers()})
    assert posted.status_code == 403
    assert client.get(f"{BASE}/12/conflicts.csv").status_code == 403
    assert _count(app, PaperKeying) == 0 and _stored(app, skane) is None


def test_an_analyst_may_not_key(app, client, accounts, staff_round):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "analyst")
    assert client.get(f"{BASE}/10/paper").status_code == 403
    assert client.get(f"{BASE}/10/paper/{respondent_id}").status_code == 403
    token = csrf_token(client.get("/staff/rounds").text)
    assert client.post(f"{BASE}/10/paper/{respondent_id}", data={"csrf_token": token, "keying": "1"}).status_code == 403
    assert client.get(f"{BASE}/10/conflicts").status_code == 403
    assert _count(app, PaperKeying) == 0


def test_an_unknown_id_is_named_and_nothing_is_kept(app, client, accounts, staff_round):
    log_in(client, "admin")
    start = client.get(f"{BASE}/10/paper")
    refused = client.post(f"{BASE}/10/paper", data={"csrf_token": csrf_token(start.text), "respondent_id": "RXXXX"})
    assert "RXXXX är inte en svarsperson" in refused.text and 'class="error-summary"' in refused.text
    empty = client.post(f"{BASE}/10/paper", data={"csrf_token": csrf_token(start.text), "respondent_id": " "})
    assert "Skriv svarspersonens id" in empty.text
    assert client.get(f"{BASE}/10/paper/RXXXX").status_code == 404


def test_a_questionnaire_already_answered_on_the_web_is_not_stored_and_the_conflict_is_listed(
    app, client, accounts, staff_round, other_keyer
):
    respondent_id = _ids(staff_round, "10")[0]
    _submit_on_web(app, respondent_id)
    log_in(client, "blekinge")
    page = client.get(f"{BASE}/10/paper/{respondent_id}").text
    assert "har redan skickat in ett webbsvar" in page
    _key(client, "10", respondent_id, _answers())
    done = _key(other_keyer, "10", respondent_id, _answers())
    shown = other_keyer.get(done.location).text
    assert f"Konflikt webb/papper för {respondent_id}" in shown and "sparades inte" in shown
    mode, _, answers, _ = _stored(app, respondent_id)
    assert mode == "web" and answers["overall_rating"] == 2
    assert "not stored: the web response submitted earlier counts" in _audit(app, "paper_stored")[0].detail

    listing = client.get(f"{BASE}/10/conflicts").text
    assert respondent_id in listing and "Webbsvaret som skickades in" in listing and "räknas" in listing
    download = client.get(f"{BASE}/10/conflicts.csv")
    table = pd.read_csv(io.StringIO(download.text), dtype="string")
    assert list(table.columns) == [
        "respondent_id",
        "pathway",
        "region",
        "counted",
        "not_counted",
        "rule",
        "counted_at",
        "recorded_at",
    ]
    assert table.loc[0, ["respondent_id", "counted", "not_counted", "rule"]].tolist() == [
        respondent_id,
        "web",
        "paper",
        "first_complete_counts",
    ]
    skane = app.test_client()
    log_in(skane, "skane")
    assert respondent_id not in skane.get(f"{BASE}/12/conflicts").text
    # The responses export carries the case to the analysis (response_by_mode's answered_twice).
    from prem.fieldwork.export import responses_dataframe

    with app.app_context():
        export = responses_dataframe(db.session, ROUND).set_index("respondent_id")
    assert export.loc[respondent_id, "mode_conflict"] == "first_complete_counts"
    assert export["mode_conflict"].notna().sum() == 1


def test_an_unfinished_web_response_is_replaced_and_reported(app, client, accounts, staff_round, other_keyer):
    respondent_id = _ids(staff_round, "10")[0]
    with transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == respondent_id)).scalar_one()
        survey.start_response(session, respondent, Q)
        survey.save_answers(session, respondent, {"overall_rating": 4}, Q)
    log_in(client, "blekinge")
    _key(client, "10", respondent_id, _answers())
    shown = other_keyer.get(_key(other_keyer, "10", respondent_id, _answers()).location).text
    assert "sparad som svar" in shown and "ett påbörjat webbsvar ersattes" in shown.lower()
    assert _stored(app, respondent_id)[0] == "paper" and _stored(app, respondent_id)[2]["overall_rating"] == 1
    with app.app_context():
        assert db.session.execute(select(ModeConflict.rule)).scalars().all() == ["unfinished_replaced"]


def test_discrepancies_are_listed_item_by_item_and_decided_before_anything_is_stored(
    app, client, accounts, staff_round, other_keyer
):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    _key(client, "10", respondent_id, _answers(needs_met=["2"], comments="Bra bemötande."))
    second = _key(other_keyer, "10", respondent_id, _answers(needs_met=["3"], care_helped=["1", "3"]))
    assert second.status_code == 302 and second.location.endswith("/resolve")
    page = other_keyer.get(second.location)
    assert "De två inmatningarna skiljer sig åt." in page.text
    # Each discrepancy with both values in words; an agreeing item is not listed.
    assert "2. " in page.text and "3. " in page.text and "1. " not in page.text.split("<form")[1]
    assert "Som första inmatningen (blekinge):" in page.text and "flera kryss: sparas som inget svar" in page.text
    assert _stored(app, respondent_id) is None and _count(app, PaperKeying) == 2
    assert "2 discrepancies with the first" in _audit(app, "paper_keyed")[1].detail

    token = csrf_token(page.text)
    undecided = other_keyer.post(second.location, data={"csrf_token": token, "choice-needs_met": "first"})
    assert "Ange vad som står på pappret" in undecided.text and _stored(app, respondent_id) is None
    # needs_met: the paper says 2 (the first keying); care_helped: neither, keyed again from the paper as 2.
    decided = other_keyer.post(
        second.location,
        data={"csrf_token": token, "choice-needs_met": "first", "choice-care_helped": "other", "care_helped": "2"},
    )
    assert decided.status_code == 302
    mode, _, answers, _ = _stored(app, respondent_id)
    assert mode == "paper" and answers["needs_met"] == 2 and answers["care_helped"] == 2
    assert answers["overall_rating"] == 1 and _count(app, PaperKeying) == 0
    assert "2 discrepancies decided from the paper by blekinge2" in _audit(app, "paper_stored")[0].detail


def test_several_ticks_are_kept_as_keyed_and_stored_as_no_answer(app, client, accounts, staff_round, other_keyer):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    ticks = _answers(overall_rating=["3", "1"], municipality_contact=["2"], municipality_coordination=["1"])
    _key(client, "10", respondent_id, ticks)
    with app.app_context():
        cells = db.session.execute(select(PaperKeying.cells)).scalar_one()
    assert cells["overall_rating"] == "1;3"  # as the file import keys several ticks
    shown = other_keyer.get(_key(other_keyer, "10", respondent_id, ticks).location).text
    assert "flera kryss, sparade som inget svar: 1; svar på frågor som ska hoppas över, utelämnade: 1." in shown
    _, _, answers, _ = _stored(app, respondent_id)
    assert "overall_rating" not in answers and "municipality_coordination" not in answers
    assert answers["municipality_contact"] == 2


def test_a_cell_the_import_refuses_is_refused_here_and_nothing_is_kept(app, client, accounts, staff_round):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    too_long = _key(client, "10", respondent_id, _answers(comments="x" * 4001))
    assert too_long.status_code == 200 and "längre än de 4000 tecken" in too_long.text
    assert 'href="#comments"' in too_long.text  # the error summary links to the field
    assert "x" * 4001 in too_long.text  # what was keyed is kept on the page, not lost
    forged = _key(client, "10", respondent_id, _answers(needs_met=["7"]))
    assert "inte är ett svarsalternativ" in forged.text
    assert _count(app, PaperKeying) == 0 and _stored(app, respondent_id) is None


def test_a_keying_without_its_csrf_token_is_refused(app, client, accounts, staff_round):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    refused = _key(client, "10", respondent_id, _answers(), token=False)
    assert refused.status_code == 400 and _count(app, PaperKeying) == 0


def test_the_same_person_is_warned_and_a_stale_keying_saves_nothing(app, client, accounts, staff_round):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    _key(client, "10", respondent_id, _answers())
    page = client.get(f"{BASE}/10/paper/{respondent_id}").text
    assert "Du gjorde den första inmatningen" in page
    stale = _key(client, "10", respondent_id, _answers(needs_met=["2"]), keying=1)
    assert stale.status_code == 302 and "Någon annan" in client.get(stale.location).text
    assert _count(app, PaperKeying) == 1


def test_pending_keyings_can_be_discarded(app, client, accounts, staff_round):
    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    _key(client, "10", respondent_id, _answers())
    listing = client.get(f"{BASE}/10/paper")
    discarded = client.post(f"{BASE}/10/paper/{respondent_id}/discard", data={"csrf_token": csrf_token(listing.text)})
    assert discarded.status_code == 302 and _count(app, PaperKeying) == 0
    assert f"Inmatningarna av {respondent_id} togs bort (1)." in client.get(discarded.location).text
    assert _audit(app, "paper_keying_discarded")[0].detail == "1 pending keyings discarded"


def test_a_keyed_comment_that_looks_like_a_formula_is_neutralised_in_the_exports(
    app, client, accounts, staff_round, other_keyer, runner, tmp_path
):
    respondent_id = _ids(staff_round, "10")[0]
    payload = '=HYPERLINK("http://example.invalid","klicka")'
    log_in(client, "blekinge")
    _key(client, "10", respondent_id, _answers(comments=payload))
    _key(other_keyer, "10", respondent_id, _answers(comments=payload))
    assert _stored(app, respondent_id)[2]["comments"] == payload  # stored as keyed
    out = tmp_path / "freetext.csv"
    from prem.fieldwork.export import freetext_dataframe, write_table

    with app.app_context():
        write_table(freetext_dataframe(db.session, ROUND), out)
    text = pd.read_csv(out, dtype="string")["text"].tolist()
    assert text == ["'" + payload]


def test_a_closed_round_takes_no_keying(app, client, accounts, staff_round):
    from prem.fieldwork.operations import close_round
    from prem.security import code_keys

    from ..conftest import TODAY

    respondent_id = _ids(staff_round, "10")[0]
    log_in(client, "blekinge")
    page = client.get(f"{BASE}/10/paper/{respondent_id}")
    with transaction(app, upgrade=False) as session:
        close_round(session, ROUND, keys=code_keys(app), today=TODAY, force=True)
    assert "Omgången är stängd" in client.get(f"{BASE}/10/paper/{respondent_id}").text
    posted = client.post(
        f"{BASE}/10/paper/{respondent_id}", data={"csrf_token": csrf_token(page.text), "keying": "1", **_answers()}
    )
    assert posted.status_code == 302 and client.get(posted.location).text.count("Omgången är stängd") == 2
    assert _count(app, PaperKeying) == 0 and _stored(app, respondent_id) is None
