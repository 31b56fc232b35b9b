"""prem fieldwork paper: keyed paper answers, double entry, the import rules and web/paper conflicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from prem.db import db, transaction
from prem.fieldwork.models import Respondent
from prem.fieldwork.paper import PaperKeyingError, import_paper_answers
from prem.survey.models import Response
from questionnaires import load_questionnaire

from .conftest import csrf_token

Q = load_questionnaire("prem-vardforlopp")
COLUMNS = ["respondent_id", *(item.id for item in Q.items)]


def keyed_file(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def answers_row(respondent_id: str, **cells: str) -> dict[str, str]:
    base = {item.id: "1" for item in Q.items if item.scale is not None}
    base |= {"municipality_contact": "1", "comments": "Bra bemötande."}
    return {"respondent_id": respondent_id, **base, **cells}


def stored(app, respondent_id: str):
    with app.app_context():
        response = db.session.execute(
            select(Response).join(Respondent).where(Respondent.respondent_id == respondent_id)
        ).scalar_one_or_none()
        if response is None:
            return None
        return response.mode, response.questionnaire_version, response.answer_map(), response.respondent.status


def test_double_keyed_batch_is_stored_with_mode_paper(app, make_round, runner, tmp_path):
    sample = make_round(size=3)
    first, second, third = sorted(sample.codes)
    rows = [
        answers_row(first),
        answers_row(second, municipality_contact="2", municipality_coordination="1", overall_rating="1;2"),
    ]
    one = keyed_file(tmp_path / "keyed1.csv", rows)
    two = keyed_file(tmp_path / "keyed2.csv", rows)
    result = runner(["fieldwork", "paper", "--round", "vår-2026", "--file", str(one), "--second-keying", str(two)])
    assert result.exit_code == 0, result.output
    assert "2 paper responses stored (double-keyed and compared)" in result.output
    assert "several ticks, stored as no answer: 1" in result.output
    assert "routed-past items, dropped: 1" in result.output
    mode, version, answers, status = stored(app, first)
    assert (mode, version, status) == ("paper", Q.version, "submitted")
    assert answers["municipality_coordination"] == 1 and answers["comments"] == "Bra bemötande."
    _, _, answers, _ = stored(app, second)
    assert "overall_rating" not in answers and "municipality_coordination" not in answers
    assert answers["municipality_contact"] == 2
    assert stored(app, third) is None


def test_every_discrepancy_is_listed_and_nothing_stored(app, make_round, tmp_path):
    sample = make_round(size=3)
    a, b, c = sorted(sample.codes)
    one = keyed_file(tmp_path / "k1.csv", [answers_row(a), answers_row(b), answers_row(c)])
    two = keyed_file(tmp_path / "k2.csv", [answers_row(a, needs_met="2"), answers_row(b, comments="Bra  bemötande.")])
    with pytest.raises(PaperKeyingError) as raised, transaction(app, upgrade=False) as session:
        import_paper_answers(session, "vår-2026", one, two)
    message = str(raised.value)
    assert "differ in 2 places" in message
    assert f"{a}, column needs_met: k1.csv line 2 has '1', k2.csv line 2 has '2'" in message
    assert f"{c}: in k1.csv (line 4) but not in k2.csv" in message
    assert stored(app, a) is None and stored(app, b) is None  # white space in free text is no discrepancy


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"overall_rating": "7"}, r"line 2, column overall_rating: '7' is not an option \(codes 1, 2, 3, 4, 9"),
        ({"needs_met": "x"}, "line 2, column needs_met: 'x' is not an option"),
        ({"comments": "x" * 4001}, r"line 2, column comments: 4001 characters \(at most 4000\)"),
    ],
)
def test_bad_cells_name_file_row_and_column_and_store_nothing(app, make_round, tmp_path, cells, message):
    sample = make_round(size=2)
    a, b = sorted(sample.codes)
    path = keyed_file(tmp_path / "keyed.csv", [answers_row(a, **cells), answers_row(b)])
    with pytest.raises(PaperKeyingError, match=message) as raised, transaction(app, upgrade=False) as session:
        import_paper_answers(session, "vår-2026", path)
    assert str(path) in str(raised.value)
    assert stored(app, a) is None and stored(app, b) is None


def test_unknown_columns_and_respondents_are_named(app, make_round, tmp_path):
    make_round(size=1)
    path = tmp_path / "keyed.csv"
    path.write_text("respondent_id,name,overall_rating\n", encoding="utf-8")
    with pytest.raises(PaperKeyingError, match="column 'name': not an item"), transaction(app, upgrade=False) as s:
        import_paper_answers(s, "vår-2026", path)
    keyed_file(path, [answers_row("RNOTINROUND")])
    with pytest.raises(PaperKeyingError, match="line 2, column respondent_id: 'RNOTINROUND' is not in round"):
        with transaction(app, upgrade=False) as session:
            import_paper_answers(session, "vår-2026", path)


def test_web_and_paper_the_first_complete_response_counts(app, make_round, runner, start, post_page, client, tmp_path):
    sample = make_round(size=2)
    web_done, web_started = sorted(sample.codes)
    # One respondent submits on the web, the other only starts.
    from prem.survey.operations import save_answers, start_response, submit

    with transaction(app, upgrade=False) as session:
        for respondent_id in (web_done, web_started):
            respondent = session.execute(
                select(Respondent).where(Respondent.respondent_id == respondent_id)
            ).scalar_one()
            start_response(session, respondent, Q)
            save_answers(session, respondent, {"overall_rating": 4}, Q)
            if respondent_id == web_done:
                submit(session, respondent, Q)
    path = keyed_file(tmp_path / "keyed.csv", [answers_row(web_done), answers_row(web_started)])
    result = runner(["fieldwork", "paper", "--round", "vår-2026", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "NOT verified by a second keying" in result.output
    assert f"{web_done}: web response submitted" in result.output and "the paper one was not stored" in result.output
    assert f"{web_started}: unfinished web response replaced by the paper one" in result.output
    assert stored(app, web_done)[0] == "web" and stored(app, web_done)[2]["overall_rating"] == 4
    assert stored(app, web_started)[0] == "paper" and stored(app, web_started)[2]["overall_rating"] == 1


def test_the_export_carries_mode_and_version_of_each_response(app, make_round, tmp_path):
    from prem.fieldwork.export import responses_dataframe, write_table
    from prem.survey.operations import save_answers, start_response, submit

    sample = make_round(size=3)
    on_web, on_paper, _never = sorted(sample.codes)
    with transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == on_web)).scalar_one()
        start_response(session, respondent, Q)
        save_answers(session, respondent, {"overall_rating": 4}, Q)
        submit(session, respondent, Q)
    with transaction(app, upgrade=False) as session:
        import_paper_answers(session, "vår-2026", keyed_file(tmp_path / "k.csv", [answers_row(on_paper)]))
    with app.app_context():
        export = responses_dataframe(db.session, "vår-2026").set_index("respondent_id")
    assert export.loc[on_web, "mode"] == "web" and export.loc[on_paper, "mode"] == "paper"
    assert pd.isna(export.loc[_never, "mode"])
    assert (export.loc[[on_web, on_paper], "questionnaire_version"] == Q.version).all()
    assert export.loc[on_paper, "overall_rating"] == 1 and export.loc[on_paper, "status"] == "submitted"
    written = pd.read_csv(write_table(export.reset_index(), tmp_path / "responses.csv"), dtype="string")
    assert dict(zip(written.respondent_id, written["mode"], strict=True))[on_paper] == "paper"


def test_paper_first_then_web_the_paper_response_counts(app, make_round, tmp_path):
    from prem.survey.operations import ResponseFrozen, save_answers, start_response

    sample = make_round(size=1)
    (respondent_id,) = sample.codes
    with transaction(app, upgrade=False) as session:
        import_paper_answers(session, "vår-2026", keyed_file(tmp_path / "k.csv", [answers_row(respondent_id)]))
    with pytest.raises(ResponseFrozen), transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == respondent_id)).scalar_one()
        start_response(session, respondent, Q)
    with pytest.raises(ResponseFrozen), transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == respondent_id)).scalar_one()
        save_answers(session, respondent, {"overall_rating": 4}, Q)
    mode, _, answers, status = stored(app, respondent_id)
    assert (mode, answers["overall_rating"], status) == ("paper", 1, "submitted")


def test_a_second_paper_questionnaire_is_reported_and_not_stored(app, make_round, runner, tmp_path):
    sample = make_round(size=1)
    (respondent_id,) = sample.codes
    first = keyed_file(tmp_path / "batch1.csv", [answers_row(respondent_id)])
    second = keyed_file(tmp_path / "batch2.csv", [answers_row(respondent_id, overall_rating="4")])
    assert runner(["fieldwork", "paper", "--round", "vår-2026", "--file", str(first)]).exit_code == 0
    result = runner(["fieldwork", "paper", "--round", "vår-2026", "--file", str(second)])
    assert result.exit_code == 0, result.output
    assert "0 paper responses stored" in result.output
    assert f"{respondent_id}: paper response submitted" in result.output and "was not stored" in result.output
    assert stored(app, respondent_id)[2]["overall_rating"] == 1


def test_refused_then_paper_is_stored_reported_and_not_reminded(app, make_round, runner, tmp_path):
    from prem.fieldwork.operations import reminder_respondent_ids
    from prem.survey.operations import refuse

    sample = make_round(size=3)
    refused, on_paper, waiting = sorted(sample.codes)
    with transaction(app, upgrade=False) as session:
        refuse(session, session.execute(select(Respondent).where(Respondent.respondent_id == refused)).scalar_one())
    path = keyed_file(tmp_path / "k.csv", [answers_row(refused), answers_row(on_paper)])
    result = runner(["fieldwork", "paper", "--round", "vår-2026", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{refused}: was refused, now submitted on paper" in result.output
    assert "web/paper conflicts (the first complete response counts): 1" in result.output
    with transaction(app, upgrade=False) as session:
        assert reminder_respondent_ids(session, "vår-2026") == [waiting]


def test_a_simulated_double_keyed_batch_imports_and_its_slips_are_caught(app, make_round, tmp_path):
    from prem.fieldwork.simulated import simulated_paper_keying, with_keying_slips, write_keying

    sample = make_round(size=60)
    ids = sorted(sample.codes)
    with transaction(app, upgrade=False) as session:
        keyed = simulated_paper_keying(session, "vår-2026", ids, seed=7, size=20)
    assert 0 < len(keyed) <= 20 and list(keyed.columns) == COLUMNS and set(keyed.respondent_id) <= set(ids)
    assert keyed.drop(columns="respondent_id").apply(lambda column: column.str.contains(";")).sum().sum() == 2
    first = write_keying(keyed, tmp_path / "k1.csv")
    slipped = write_keying(with_keying_slips(keyed, seed=7, slips=3), tmp_path / "k2.csv")
    assert oct(first.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(PaperKeyingError, match="differ in 3 places"), transaction(app, upgrade=False) as session:
        import_paper_answers(session, "vår-2026", first, slipped)
    with transaction(app, upgrade=False) as session:
        result = import_paper_answers(session, "vår-2026", first, write_keying(keyed, tmp_path / "k2b.csv"))
    assert result.stored == len(keyed) and result.verified and len(result.multiple_ticks) == 2
    assert all(stored(app, rid)[0] == "paper" for rid in keyed.respondent_id)


def test_a_patient_who_answered_on_paper_is_told_so_on_the_web_and_changes_nothing(
    app, make_round, sign_in, client, tmp_path
):
    sample = make_round(size=1)
    ((respondent_id, code),) = sample.codes.items()
    with transaction(app, upgrade=False) as session:
        import_paper_answers(session, "vår-2026", keyed_file(tmp_path / "k.csv", [answers_row(respondent_id)]))
    entered = sign_in(client, code)
    assert entered.status_code == 302
    done = client.get(entered.location, follow_redirects=True)
    assert "Dina svar är inskickade" in done.text and 'name="overall_rating"' not in done.text
    first_page = Q.pages[0].id
    token = csrf_token(client.get("/").text)  # the session's token, valid for any form
    tried = client.post(f"/page/{first_page}", data={"csrf_token": token, "overall_rating": "4", "action": "next"})
    assert tried.status_code in (302, 303) and "/done" in tried.location
    assert stored(app, respondent_id)[2]["overall_rating"] == 1


@pytest.mark.parametrize("payload", ['=HYPERLINK("http://example.invalid","x")', "+1+2", "-3", "@SUM(A1)", "'=1+1"])
def test_a_keyed_comment_that_looks_like_a_formula_is_neutralised_in_every_csv_written(
    app, make_round, runner, tmp_path, payload
):
    from contracts.spreadsheet import neutralise_formula
    from prem.fieldwork.simulated import write_keying

    sample = make_round(size=1)
    (respondent_id,) = sample.codes
    row = answers_row(respondent_id, comments=payload)
    keyed = pd.DataFrame([row], columns=COLUMNS, dtype="string")
    path = write_keying(keyed, tmp_path / "keyed.csv")
    # The keyed file prem writes is spreadsheet-safe, and its import gives the comment back as keyed.
    assert pd.read_csv(path, dtype="string").loc[0, "comments"] == neutralise_formula(payload)
    assert neutralise_formula(payload) != payload
    with transaction(app, upgrade=False) as session:
        import_paper_answers(session, "vår-2026", path)
    assert stored(app, respondent_id)[2]["comments"] == payload
    out = tmp_path / "freetext.csv"
    assert runner(["export", "freetext", "--round", "vår-2026", "--out", str(out)]).exit_code == 0
    assert pd.read_csv(out, dtype="string").loc[0, "text"] == neutralise_formula(payload)
