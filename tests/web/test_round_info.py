"""The introduction names the round (issue 11): period of care, sender, contact, time; why screened out."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from contracts.round_info import RoundInfoError, load_round_info
from prem.db import db
from prem.fieldwork.export import responses_dataframe
from prem.fieldwork.models import Respondent, SurveyRound
from prem.fieldwork.operations import FieldworkError

from .conftest import TODAY, csrf_token, import_sample

ROUND_INFO = Path(__file__).parents[1] / "sampling" / "letters_data" / "round-info.yaml"


def _import(app, sample, name: str = "vf-2026", info=None) -> None:
    import_sample(app, sample, name, round_info=info)


def _info_2026_2():
    """The letters' round information, fielded on 2026.2 (whose introductions leave the period to the round)."""
    return dataclasses.replace(load_round_info(ROUND_INFO), questionnaire_version="2026.2")


def test_the_introduction_names_period_pathway_sender_contact_and_time(app, client, make_sample, sign_in):
    sample = make_sample(pathway="reumatoid-artrit")
    _import(app, sample, info=_info_2026_2())
    sign_in(client, next(iter(sample.codes.values())))
    intro = client.get("/introduction").text
    assert "Frågorna gäller den vård du fick från 1 januari 2025 till 31 december 2025." in intro
    assert "reumatoid artrit (ledgångsreumatism)" in intro and "senaste året" not in intro
    assert "Enkäten skickas av Region Exempel, Enheten för patientenkäter." in intro
    assert "Frågor om enkäten: 010-123 45 67 (vardagar kl. 9–12), enkat@region.example" in intro
    assert "Det tar ungefär 10 minuter att svara." in intro
    assert "Du kan sluta när du vill och fortsätta senare med samma kod" in intro
    client.get("/language/en?next=/introduction")
    english = client.get("/introduction").text
    assert "The questions are about the care you received from January 1, 2025 to December 31, 2025." in english
    assert "010-123 45 67 (weekdays 9–12)" in english and "It takes about 10 minutes to answer." in english


def test_without_round_information_the_period_comes_from_the_manifest_or_is_said_neutrally(
    app, client, make_sample, sign_in
):
    with_period = make_sample()
    (with_period.directory / "manifest.json").write_text(
        json.dumps({"seed": 1, "period_start": "2025-01-01", "period_end": "2025-06-30"}), encoding="utf-8"
    )
    _import(app, with_period, name="med-period")
    sign_in(client, next(iter(with_period.codes.values())))
    intro = client.get("/introduction").text
    assert "från 1 januari 2025 till 30 juni 2025" in intro
    assert "Enkäten skickas av den region där du fick vård." in intro
    assert "Om du har frågor kan du kontakta avsändaren som står i brevet." in intro

    neutral = make_sample(flow=False)
    _import(app, neutral, name="utan-period")
    other = app.test_client()
    sign_in(other, next(iter(neutral.codes.values())))
    assert "Frågorna gäller den vård som nämns i brevet." in other.get("/introduction").text


def test_round_information_for_another_round_is_refused(app, make_sample):
    with pytest.raises(FieldworkError, match=r"round-info.yaml: the round information is for round 'vf-2026'"):
        _import(app, make_sample(), name="höst-2026", info=load_round_info(ROUND_INFO))
    with app.app_context():
        assert db.session.execute(select(SurveyRound)).first() is None


def test_the_import_command_stores_the_patient_facing_parts_only(app, runner, make_sample, tmp_path):
    sample = make_sample()
    result = runner(
        [
            "fieldwork",
            "import",
            "--round",
            "vf-2026",
            "--frame",
            str(sample.frame),
            "--mailing",
            str(sample.mailing),
            "--opens",
            str(TODAY),
            "--closes",
            str(TODAY + timedelta(days=9)),
            "--round-info",
            str(ROUND_INFO),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "prem-vardforlopp 2026.1" in result.output  # the round information's version, not the newest
    with app.app_context():
        info = db.session.execute(select(SurveyRound.patient_info)).scalar_one()
    assert info["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert info["sender"] == {"name": "Region Exempel", "department": "Enheten för patientenkäter"}
    assert "street" not in json.dumps(info) and "Box 123" not in json.dumps(info)  # no postal address, no plan
    bad = tmp_path / "bad.yaml"
    bad.write_text("round: x\n", encoding="utf-8")
    failed = runner(
        [
            "fieldwork",
            "import",
            "--round",
            "x",
            "--frame",
            str(sample.frame),
            "--mailing",
            str(sample.mailing),
            "--opens",
            str(TODAY),
            "--closes",
            str(TODAY),
            "--round-info",
            str(bad),
        ]
    )
    assert failed.exit_code == 1 and "bad.yaml" in failed.output and "sender: missing" in failed.output


def test_the_letters_and_the_import_read_one_definition():
    from sampling.letters import round_info as letters_round_info

    assert letters_round_info.load_round_info is load_round_info
    assert letters_round_info.RoundInfoError is RoundInfoError


def test_a_screen_out_may_say_why_and_the_reasons_are_counted(app, client, make_round, sign_in, runner):
    sample = make_round(size=3)
    (first_id, first), (second_id, second), _ = sample.codes.items()
    sign_in(client, first)
    page = client.get("/screen-out")
    assert "Vill du berätta varför? (frivilligt)" in page.text
    assert 'name="reason" value="wrong_diagnosis"' in page.text and "Jag fick inte vård under den perioden" in page.text
    done = client.post(
        "/screen-out", data={"csrf_token": csrf_token(page.text), "action": "confirm", "reason": "not_in_period"}
    )
    assert done.location == "/done"
    other = app.test_client()
    sign_in(other, second)
    page = other.get("/screen-out")
    other.post("/screen-out", data={"csrf_token": csrf_token(page.text), "action": "confirm"})  # no reason given
    with app.app_context():
        reasons = dict(db.session.execute(select(Respondent.respondent_id, Respondent.screen_out_reason)).all())
        export = responses_dataframe(db.session, "vår-2026").set_index("respondent_id")
    assert reasons[first_id] == "not_in_period" and reasons[second_id] is None
    assert export.loc[first_id, "screen_out_reason"] == "not_in_period"
    listed = runner(["fieldwork", "list"]).output
    assert "screened_out 2 (screened out because: not_in_period 1, not_given 1)" in listed


def _footer(html: str) -> str:
    return html.split('<footer class="footer">', 1)[1]


def test_the_footer_names_the_rounds_sender_where_the_round_is_known_else_the_apps(app, client, make_sample, sign_in):
    app.config.update(SURVEY_SENDER="Regionen (appens avsändare)", SURVEY_CONTACT="app@region.example")
    sample = make_sample(size=3, pathway="reumatoid-artrit")
    _import(app, sample, info=load_round_info(ROUND_INFO))
    codes = iter(sample.codes.values())
    round_sender = "Enkäten skickas av Region Exempel, Enheten för patientenkäter."
    round_contact = "Frågor om enkäten: 010-123 45 67 (vardagar kl. 9–12), enkat@region.example"
    app_sender, app_contact = "Enkäten skickas av Regionen (appens avsändare).", "Frågor om enkäten: app@region.example"

    before = _footer(client.get("/").text)  # no round known yet
    assert app_sender in before and app_contact in before and "Region Exempel" not in before
    sign_in(client, next(codes))
    for path in ("/decline", "/screen-out"):
        footer = _footer(client.get(path).text)
        assert round_sender in footer and round_contact in footer, path
        assert "appens avsändare" not in footer and "app@region.example" not in footer, path
    intro = client.get("/introduction").text  # named once, in the introduction's own list, not again below it
    assert intro.count(round_sender) == 1 and intro.count(round_contact) == 1
    assert round_sender not in _footer(intro) and "appens avsändare" not in intro
    page = client.get("/decline")
    client.post("/decline", data={"csrf_token": csrf_token(page.text), "action": "confirm"})
    done = _footer(client.get("/done").text)  # the session has ended: the round comes from the cookie
    assert round_sender in done and round_contact in done
    client.get("/language/en?next=/done")
    assert "Questions about the survey: 010-123 45 67 (weekdays 9–12), enkat@region.example" in client.get("/done").text

    other = app.test_client()
    sign_in(other, next(codes))
    other.post("/introduction", data={"csrf_token": csrf_token(other.get("/introduction").text), "action": "start"})
    for path in ("/page/overall", "/review"):
        assert round_sender in _footer(other.get(path).text), path
    ended = _footer(other.post("/end", follow_redirects=True).text)  # signed out: no round known
    assert app_sender in ended and "Region Exempel" not in ended


def test_without_round_information_the_footer_keeps_the_apps_sender(app, client, make_sample, sign_in):
    app.config.update(SURVEY_SENDER="Regionen (appens avsändare)", SURVEY_CONTACT=None)
    sample = make_sample()
    _import(app, sample)
    sign_in(client, next(iter(sample.codes.values())))
    intro = client.get("/introduction").text
    assert intro.count("Enkäten skickas av Regionen (appens avsändare).") == 1
    footer = _footer(client.get("/decline").text)
    assert "Enkäten skickas av Regionen (appens avsändare)." in footer and "Frågor om enkäten" not in footer


def test_the_round_is_fielded_on_the_round_information_s_questionnaire(app, make_sample):
    info = load_round_info(ROUND_INFO)
    _import(app, make_sample(), name="vf-2026", info=info)
    with app.app_context():
        fielded = db.session.execute(select(SurveyRound.questionnaire_id, SurveyRound.questionnaire_version)).one()
    assert tuple(fielded) == ("prem-vardforlopp", "2026.1")
    with pytest.raises(FieldworkError, match=r"round-info\.yaml: .*1999\.9"):
        late = dataclasses.replace(info, round="vf-2027", questionnaire_version="1999.9")
        _import(app, make_sample(), name="vf-2027", info=late)
    with app.app_context(), pytest.raises(FieldworkError, match="for questionnaire 'prem-vardforlopp', not 'other'"):
        from prem.fieldwork.operations import _round_questionnaire

        _round_questionnaire("other", info)
