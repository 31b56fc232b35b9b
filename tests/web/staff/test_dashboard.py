"""The fieldwork dashboard (dispositions as the analysis counts them) and the regions' reminder lists."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from prem.db import db, transaction
from prem.fieldwork.models import Respondent
from prem.survey import operations as survey
from prem.survey.questionnaire import questionnaire_version

from .conftest import ROUND, log_in


def _complete(app, respondent_id: str) -> None:
    """A patient answers every core question and submits."""
    with transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == respondent_id)).scalar_one()
        q = questionnaire_version(
            respondent.survey_round.questionnaire_id, respondent.survey_round.questionnaire_version
        )
        answers = {item.id: item.scale.options[0].code for item in q.core_items}
        survey.save_answers(session, respondent, answers, q)
        survey.submit(session, respondent, q)


def _refuse(app, respondent_id: str) -> None:
    with transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == respondent_id)).scalar_one()
        survey.refuse(session, respondent)


def _cells(html: str, region: str) -> list[str]:
    row = re.search(rf"<td>{region}[^<]*</td>(.*?)</tr>", html, re.S).group(1)
    return re.findall(r'<td class="table__number">([^<]*)</td>', row)


def test_dashboard_moves_as_patients_answer(app, client, accounts, staff_round):
    blekinge = [rid for rid, region in staff_round.regions.items() if region == "10"]
    log_in(client, "admin")
    before = client.get(f"/staff/rounds/{ROUND}/dashboard").text
    assert _cells(before, "10 Blekinge") == ["3", "0", "0", "0", "0", "0", "0", "0", "0,0 %"]
    assert "Inga enkäter har skickats in än." in before
    _complete(app, blekinge[0])
    _refuse(app, blekinge[1])
    after = client.get(f"/staff/rounds/{ROUND}/dashboard").text
    # invited, started, complete, partial, refused, screened out, deceased, undeliverable, rate (1 of 3)
    assert _cells(after, "10 Blekinge") == ["3", "0", "1", "0", "1", "0", "0", "0", "33,3 %"]
    assert _cells(after, "12 Skåne")[:3] == ["5", "0", "0"]
    assert "<svg" in after and after.count("<rect") >= 1 and "Stapeldiagram" in after


def test_a_coordinator_dashboard_holds_only_their_region(app, client, accounts, staff_round):
    skane = [rid for rid, region in staff_round.regions.items() if region == "12"]
    _complete(app, skane[0])
    log_in(client, "blekinge")
    page = client.get(f"/staff/rounds/{ROUND}/dashboard").text
    assert "10 Blekinge" in page and "Skåne" not in page
    assert "region-12" not in page and "/regions/12/" not in page
    assert "Inga enkäter har skickats in än." in page  # Skåne's submission is not in Blekinge's chart


def test_reminder_list_of_a_region_is_recorded_as_a_wave(app, client, accounts, staff_round):
    blekinge = sorted(rid for rid, region in staff_round.regions.items() if region == "10")
    _complete(app, blekinge[0])
    log_in(client, "blekinge")
    first = client.get(f"/staff/rounds/{ROUND}/regions/10/reminders.csv")
    assert (
        first.mimetype == "text/csv" and 'filename="reminder-1-region-10.csv"' in first.headers["Content-Disposition"]
    )
    assert first.text.splitlines() == ["respondent_id", *blekinge[1:]]
    second = client.get(f"/staff/rounds/{ROUND}/regions/10/reminders.csv")
    assert 'filename="reminder-2-region-10.csv"' in second.headers["Content-Disposition"]
    assert client.get(f"/staff/rounds/{ROUND}/regions/12/reminders.csv").status_code == 403
    page = client.get(f"/staff/rounds/{ROUND}/dashboard").text
    assert "Påminnelse 1: 2 svarspersoner" in page and "Påminnelse 2: 2 svarspersoner" in page
    analyst = app.test_client()
    log_in(analyst, "analyst")
    assert analyst.get(f"/staff/rounds/{ROUND}/regions/10/reminders.csv").status_code == 403  # no respondent lists
    assert "Påminnelselista för" not in analyst.get(f"/staff/rounds/{ROUND}/dashboard").text
    with app.app_context():
        from prem.staff.models import AuditEvent

        details = db.session.execute(select(AuditEvent.detail)).scalars().all()
    assert not any(rid in (detail or "") for detail in details for rid in blekinge)


def _post_returned(client, content: bytes, region: str = "10"):
    import io

    from ..conftest import csrf_token

    url = f"/staff/rounds/{ROUND}/regions/{region}/returned"
    form = client.get(url)
    return client.post(
        url,
        data={"csrf_token": csrf_token(form.text), "returned": (io.BytesIO(content), "retur.csv")},
        content_type="multipart/form-data",
    )


def _statuses(app) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(Respondent.respondent_id, Respondent.status)).all())


def test_returned_mail_of_a_region_leaves_the_denominator(app, client, accounts, staff_round):
    blekinge = sorted(rid for rid, region in staff_round.regions.items() if region == "10")
    log_in(client, "blekinge")
    done = _post_returned(
        client, f"respondent_id,reason\n{blekinge[0]},undeliverable\n{blekinge[1]},deceased\n".encode()
    )
    assert done.status_code == 302
    statuses = _statuses(app)
    assert statuses[blekinge[0]] == "undeliverable" and statuses[blekinge[1]] == "deceased"
    page = client.get(f"/staff/rounds/{ROUND}/dashboard").text
    assert _cells(page, "10 Blekinge")[:8] == ["3", "0", "0", "0", "0", "0", "1", "1"]
    assert "Registrerat: 1 okänd adress, 1 avlidna." in page


def test_returned_mail_conflicts_are_reported_and_nothing_is_recorded(app, client, accounts, staff_round):
    blekinge = sorted(rid for rid, region in staff_round.regions.items() if region == "10")
    skane = sorted(rid for rid, region in staff_round.regions.items() if region == "12")
    _complete(app, blekinge[2])
    log_in(client, "blekinge")
    content = (
        "respondent_id,reason\n"
        f"{blekinge[0]},undeliverable\n{blekinge[0]},deceased\n"  # the same id, two reasons
        f"{blekinge[2]},deceased\n"  # has answered
        f"{skane[0]},undeliverable\n"  # another region's: reported as not the region's, nothing recorded
    ).encode()
    refused = _post_returned(client, content)
    text = refused.text.replace("&#39;", "'")
    assert refused.status_code == 200 and "ingenting registrerades" in text  # every detail in Swedish too
    assert f"rad 3: {blekinge[0]} har fått både undeliverable och deceased; ange vilket som stämmer" in text
    assert f"rad 4: {blekinge[2]} har besvarat enkäten (submitted)" in text
    assert f"rad 5, kolumn respondent_id: ingen person i omgången '{ROUND}' i region 10" in text
    assert skane[0] not in text
    statuses = _statuses(app)
    assert statuses[blekinge[0]] == "not_started" and statuses[skane[0]] == "not_started"
    assert _post_returned(client, b"respondent_id,reason\n", region="12").status_code == 403


def test_dashboard_counts_as_the_analysis_counts_the_export(app, staff_round):
    """On a simulated round (complete, partial, refused, screened out): every row's dispositions and
    rates equal the analysis library's, computed from the full responses export."""
    import pandas as pd

    from analysis.dispositions import classify_dispositions, rates_from_counts
    from analysis.tables import DISPOSITIONS
    from prem.fieldwork.export import responses_dataframe
    from prem.fieldwork.simulated import store_simulated_round
    from prem.staff.dashboard import fieldwork

    with transaction(app, upgrade=False) as session:
        store_simulated_round(session, ROUND, seed=5)
    with transaction(app, upgrade=False) as session:
        shown = fieldwork(session, ROUND, None, timezone="Europe/Stockholm")
        export = responses_dataframe(session, ROUND)
        round_ = session.execute(select(Respondent)).scalars().first().survey_round
        q = questionnaire_version(round_.questionnaire_id, round_.questionnaire_version)
    core = [item.id for item in q.core_items]
    export["disposition"] = classify_dispositions(export["status"], export[core].notna().sum(axis=1), len(core))
    assert len(export["disposition"].unique()) >= 3  # the simulation gives several kinds
    expected = {}
    for (pathway, region), group in export.groupby(["pathway", "region"]):
        counts = group["disposition"].value_counts().reindex(list(DISPOSITIONS), fill_value=0)
        rates = rates_from_counts(pd.DataFrame([{"invited": len(group), **counts.to_dict()}])).iloc[0]
        expected[(pathway, region)] = (len(group), counts.to_dict(), rates["adjusted_rate"], rates["rr1"])
    got = {(row.pathway, row.region): (row.invited, row.dispositions, row.response_rate, row.rr1) for row in shown.rows}
    assert got.keys() == expected.keys()
    for key, (invited, counts, adjusted, rr1) in expected.items():
        assert got[key][:2] == (invited, {name: int(value) for name, value in counts.items()})
        assert got[key][2] == pytest.approx(adjusted, nan_ok=True) and got[key][3] == pytest.approx(rr1, nan_ok=True)
    submitted = pd.to_datetime(export["submitted_at"].dropna(), utc=True, format="ISO8601")
    assert sum(count for _, count in shown.completions) == len(submitted)
