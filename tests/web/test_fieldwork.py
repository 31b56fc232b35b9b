"""prem fieldwork: import (hashes only, no personal data), returned mail, reminders, close, list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from prem.db import Base, db, transaction
from prem.fieldwork.models import Respondent, SurveyRound
from prem.fieldwork.operations import (
    FieldworkError,
    close_round,
    find_respondent_by_code,
    import_round,
    list_rounds,
    record_returned_mail,
    reminder_respondent_ids,
    survey_today,
)
from prem.security import code_keys
from sampling.access_codes import hash_access_code

from .conftest import ACCESS_CODE_KEY, NAME, PERSONNUMMER, STREET, TODAY


def _import(app, sample, name="höst-2026", **overrides):
    arguments = {"opens": TODAY, "closes": TODAY + timedelta(days=30)} | overrides
    with transaction(app, upgrade=False) as session:
        return import_round(
            session, name, sample.frame, sample.mailing, arguments["opens"], arguments["closes"], code_keys(app)
        ).id


def test_import_stores_frame_and_only_code_hashes(app, make_sample):
    sample = make_sample(5)
    _import(app, sample)
    with app.app_context():
        respondents = db.session.execute(select(Respondent)).scalars().all()
        assert {r.respondent_id for r in respondents} == set(sample.codes)
        survey_round = db.session.execute(select(SurveyRound)).scalar_one()
        round_key = code_keys(app).hashing_key(survey_round.code_key_id, survey_round.name)
        assert round_key != ACCESS_CODE_KEY.encode()
        for respondent in respondents:
            assert respondent.code_hash == hash_access_code(sample.codes[respondent.respondent_id], round_key)
            assert respondent.code_hash != hash_access_code(
                sample.codes[respondent.respondent_id], ACCESS_CODE_KEY.encode()
            )
            assert respondent.status == "not_started" and respondent.region == "01"
        survey_round = db.session.execute(select(SurveyRound)).scalar_one()
        assert survey_round.manifest == {"seed": 20260101, "software": "prem 0.1.0"}
        assert [step.removed for step in survey_round.flow_steps] == [0, 20]
        assert survey_round.questionnaire_id == "prem-vardforlopp"


def _database_dump(app) -> str:
    """Every row of every table, as text."""
    with app.app_context():
        return "\n".join(
            repr(tuple(row)) for table in Base.metadata.sorted_tables for row in db.session.execute(select(table))
        )


def test_database_dump_holds_no_personal_data_and_no_codes(app, make_sample):
    sample = make_sample(3)
    _import(app, sample)
    dump = _database_dump(app)
    for secret in (
        PERSONNUMMER,
        PERSONNUMMER.replace("-", ""),
        NAME,
        "Greta",
        STREET,
        "Provgatan",
        "41319",
        "Göteborg",
    ):
        assert secret not in dump
    for code in sample.codes.values():
        assert code not in dump and code.replace("-", "") not in dump
    assert any(respondent_id in dump for respondent_id in sample.codes)


def test_codes_are_found_whatever_the_patient_types(app, make_sample):
    sample = make_sample(2)
    _import(app, sample)
    respondent_id, code = next(iter(sample.codes.items()))
    with app.app_context():
        for typed in (
            code,
            code.lower(),
            code.replace("-", " "),
            f"  {code.replace('-', '')}  ",
            code.replace("-", "–"),
        ):
            assert find_respondent_by_code(db.session, typed, code_keys(app)).respondent_id == respondent_id
        assert find_respondent_by_code(db.session, "ABCD-EFGH-JKMN", code_keys(app)) is None
        assert find_respondent_by_code(db.session, "", code_keys(app)) is None


def test_reimporting_a_round_is_refused(app, make_sample):
    _import(app, make_sample(2))
    with pytest.raises(FieldworkError, match="already been imported"):
        _import(app, make_sample(2))


@pytest.mark.parametrize(
    ("file", "column", "value", "message"),
    [
        ("frame", "sex", "X", r"line 2, column sex: 'X' \(expected M or K\)"),
        ("frame", "age", "sjuttio", r"line 2, column age: 'sjuttio' \(expected whole years from 0 to 120\)"),
        ("frame", "region", "1", r"line 2, column region: '1' is not a region code of regions.csv"),
        ("mailing", "access_code", "NOT-A-CODE", r"line 2, column access_code: not an access code"),
    ],
)
def test_bad_files_are_refused_with_file_line_and_column(app, make_sample, file, column, value, message):
    sample = make_sample(3)
    path = sample.frame if file == "frame" else sample.mailing
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index(column)] = value
    path.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n", encoding="utf-8")
    with pytest.raises(FieldworkError, match=message) as caught:
        _import(app, sample)
    assert str(path) in str(caught.value)
    assert not any(code in str(caught.value) for code in sample.codes.values())
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SurveyRound)).scalar_one() == 0
        assert db.session.execute(select(func.count()).select_from(Respondent)).scalar_one() == 0


def test_missing_column_and_missing_codes_are_named(app, make_sample):
    sample = make_sample(3)
    sample.mailing.write_text(sample.mailing.read_text().replace("access_code", "kod"), encoding="utf-8")
    with pytest.raises(FieldworkError, match="has no column 'access_code'"):
        _import(app, sample)
    sample = make_sample(3)
    lines = sample.mailing.read_text().splitlines()
    sample.mailing.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(FieldworkError, match="1 respondents of the frame have no access code"):
        _import(app, sample)


def test_window_must_not_be_empty(app, make_sample):
    with pytest.raises(FieldworkError, match=r"closes .* before it opens"):
        _import(app, make_sample(1), opens=TODAY, closes=TODAY - timedelta(days=1))


def test_returned_mail_reminders_and_close(app, make_sample):
    sample = make_sample(4)
    _import(app, sample, closes=TODAY)
    ids = sorted(sample.codes)
    returned = sample.directory / "returned.csv"
    returned.write_text(f"respondent_id,reason\n{ids[0]},undeliverable\n{ids[1]},deceased\n", encoding="utf-8")
    with transaction(app, upgrade=False) as session:
        assert record_returned_mail(session, "höst-2026", returned) == {
            "undeliverable": 1,
            "deceased": 1,
            "kept_submitted": 0,
        }
    with transaction(app, upgrade=False) as session:
        assert reminder_respondent_ids(session, "höst-2026") == ids[2:]
        [summary] = list_rounds(session)
        assert summary.invited == 4 and summary.status_counts["deceased"] == 1 and not summary.closed
    with transaction(app, upgrade=False) as session, pytest.raises(FieldworkError, match="--force"):
        close_round(session, "höst-2026", keys=code_keys(app), today=TODAY)
    with transaction(app, upgrade=False) as session:
        assert close_round(session, "höst-2026", keys=code_keys(app), today=TODAY + timedelta(days=1)) == 4
    with app.app_context():
        assert db.session.execute(select(Respondent.code_hash).where(Respondent.code_hash.is_not(None))).first() is None
        assert find_respondent_by_code(db.session, sample.codes[ids[3]], code_keys(app)) is None


def test_returned_mail_file_errors_name_the_line(app, make_sample):
    sample = make_sample(2)
    _import(app, sample)
    returned = sample.directory / "returned.csv"
    returned.write_text("respondent_id,reason\nRNOSUCHPERSON,deceased\n", encoding="utf-8")
    with (
        transaction(app, upgrade=False) as session,
        pytest.raises(FieldworkError, match="line 2, column respondent_id"),
    ):
        record_returned_mail(session, "höst-2026", returned)


def test_unknown_round_is_named(app):
    with transaction(app, upgrade=False) as session, pytest.raises(FieldworkError, match="no survey round called 'x'"):
        reminder_respondent_ids(session, "x")


def test_a_mailing_list_already_used_by_another_round_is_refused(app, make_sample):
    sample = make_sample(2)
    _import(app, sample)
    with pytest.raises(FieldworkError, match="2 of these access codes are already used by another round"):
        _import(app, sample, name="kopia")


def test_the_survey_day_is_the_day_where_the_survey_runs():
    """A round's window is in days of SURVEY_TIMEZONE, not of the server: 25 hours apart, two time zones
    are never on the same day."""
    ahead, behind = survey_today("Pacific/Kiritimati"), survey_today("Pacific/Pago_Pago")  # UTC+14, UTC-11
    assert (ahead - behind).days in (1, 2)
