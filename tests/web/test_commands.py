"""The ``prem`` commands of the survey: fieldwork, export, db upgrade."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

from .conftest import TODAY, csrf_token


def _import(runner, sample, name="r1"):
    return runner(
        [
            "fieldwork",
            "import",
            "--round",
            name,
            "--frame",
            str(sample.frame),
            "--mailing",
            str(sample.mailing),
            "--opens",
            str(TODAY),
            "--closes",
            str(TODAY + timedelta(days=20)),
        ]
    )


def test_import_list_reminders_returned_close(runner, make_sample, tmp_path):
    sample = make_sample(3)
    result = _import(runner, sample)
    assert result.exit_code == 0, result.output
    assert "Imported round 'r1': 3 respondents, with sampling flow, prem-vardforlopp" in result.output
    again = _import(runner, sample)
    assert again.exit_code == 1 and "already been imported" in again.output and "Traceback" not in again.output
    listing = runner(["fieldwork", "list"])
    assert "r1\tprem-vardforlopp" in listing.output and "3 invited" in listing.output
    ids = sorted(sample.codes)
    returned = tmp_path / "returned.csv"
    returned.write_text(f"respondent_id,reason\n{ids[0]},deceased\n", encoding="utf-8")
    assert (
        "0 undeliverable, 1 deceased"
        in runner(["fieldwork", "returned", "--round", "r1", "--file", str(returned)]).output
    )
    reminders = tmp_path / "out" / "reminders.csv"
    assert runner(["fieldwork", "reminders", "--round", "r1", "--out", str(reminders)]).exit_code == 0
    assert pd.read_csv(reminders)["respondent_id"].tolist() == ids[1:]
    refused = runner(["fieldwork", "close", "--round", "r1"])
    assert refused.exit_code == 1 and "--force" in refused.output
    closed = runner(["fieldwork", "close", "--round", "r1", "--force"])
    assert "3 access-code hashes destroyed" in closed.output


def test_bad_file_is_one_clear_line(runner, make_sample):
    sample = make_sample(2)
    sample.frame.write_text("respondent_id,pathway\nR1,x\n", encoding="utf-8")
    result = _import(runner, sample)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"Error: {sample.frame}: line 1: the sample frame must have exactly the columns" in result.output


def test_export_responses_and_freetext(runner, make_sample, tmp_path, app, start, post_page, client):
    sample = make_sample(2)
    _import(runner, sample)
    start(client, sample.codes[sorted(sample.codes)[0]])
    post_page("comments", {"comments": "Tack!"})
    review = client.get("/review")
    client.post(
        "/review", data={"csrf_token": csrf_token(review.text), "action": "submit", "unanswered_confirmed": "yes"}
    )
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"responses.{suffix}"
        result = runner(["export", "responses", "--round", "r1", "--out", str(out)])
        assert result.exit_code == 0 and "2 respondents written" in result.output
        table = pd.read_csv(out, dtype={"region": str}) if suffix == "csv" else pd.read_parquet(out)
        assert table["status"].tolist() == ["submitted", "not_started"]
        assert table["region"].tolist() == ["01", "01"]
    texts = tmp_path / "freetext.csv"
    assert runner(["export", "freetext", "--round", "r1", "--out", str(texts)]).exit_code == 0
    assert pd.read_csv(texts)["text"].tolist() == ["Tack!"]
    wrong = runner(["export", "responses", "--round", "r1", "--out", str(tmp_path / "x.xlsx")])
    assert wrong.exit_code == 1 and "must end in .csv or .parquet" in wrong.output


def test_db_upgrade_reports_the_revision(runner):
    result = runner(["db", "upgrade"])
    assert result.exit_code == 0 and "Database at revision 0006_jobreason" in result.output
