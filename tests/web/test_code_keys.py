"""Per-round code keys: made at import, needed for every code, destroyed at close, never replaced by another key."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from prem.db import db, transaction
from prem.fieldwork.models import Respondent, SurveyRound
from prem.fieldwork.operations import (
    RoundKeyMissing,
    close_round,
    find_respondent_by_code,
    import_round,
    list_rounds,
)
from prem.security import code_keys
from sampling.access_codes import hash_access_code

from .conftest import ACCESS_CODE_KEY, TODAY


def _round(app, name: str) -> SurveyRound:
    with app.app_context():
        survey_round = db.session.execute(select(SurveyRound).where(SurveyRound.name == name)).scalar_one()
        db.session.expunge(survey_round)
        return survey_round


def _key_file(app, name: str):
    return code_keys(app).directory / f"{_round(app, name).code_key_id}.key"


def _close(app, name: str) -> int:
    with transaction(app, upgrade=False) as session:
        return close_round(session, name, keys=code_keys(app), today=TODAY, force=True)


def test_import_writes_an_owner_only_round_key_outside_the_database(app, make_round):
    sample = make_round("vår-2026")
    other = make_round("höst-2026")
    first, second = _key_file(app, "vår-2026"), _key_file(app, "höst-2026")
    assert first != second and first.parent == code_keys(app).directory
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert stat.S_IMODE(first.parent.stat().st_mode) == 0o700
    assert len(bytes.fromhex(first.read_text().strip())) == 32
    assert not list(first.parent.glob(".*"))  # no temporary file left behind
    with app.app_context():
        stored = set(db.session.execute(select(Respondent.code_hash)).scalars())
        keys = code_keys(app)
        for code in sample.codes.values():  # not under the app key, nor under the round key alone
            assert hash_access_code(code, keys.app_key) not in stored
            assert hash_access_code(code, bytes.fromhex(first.read_text())) not in stored
        for codes in (sample.codes, other.codes):
            for respondent_id, code in codes.items():
                assert find_respondent_by_code(db.session, code, keys).respondent_id == respondent_id
        assert find_respondent_by_code(db.session, "ABCD-EFGH-JKMN", keys) is None


def test_the_key_folder_and_app_key_are_both_needed(app, make_round):
    """A copy of the key folder with another app key (or the app key with another folder) opens nothing."""
    sample = make_round()
    code = next(iter(sample.codes.values()))
    keys = code_keys(app)
    with app.app_context():
        assert find_respondent_by_code(db.session, code, keys) is not None
        stolen_folder = type(keys)(b"another app key", keys.directory)
        assert find_respondent_by_code(db.session, code, stolen_folder) is None
        with pytest.raises(RoundKeyMissing):
            find_respondent_by_code(db.session, code, type(keys)(keys.app_key, keys.directory / "elsewhere"))


def test_close_destroys_the_key_and_records_it(app, make_round, runner):
    sample = make_round()
    key_file = _key_file(app, "vår-2026")
    result = runner(["fieldwork", "close", "--round", "vår-2026", "--force"])
    assert result.exit_code == 0
    assert "its code key and 4 access-code hashes destroyed" in result.output
    assert not key_file.exists() and not list(key_file.parent.iterdir())
    closed = _round(app, "vår-2026")
    assert closed.closed_at is not None and closed.codes_destroyed_at == closed.closed_at
    with app.app_context():
        assert db.session.execute(select(Respondent.code_hash).where(Respondent.code_hash.is_not(None))).first() is None
        for code in sample.codes.values():
            assert find_respondent_by_code(db.session, code, code_keys(app)) is None
        [summary] = list_rounds(db.session, code_keys(app))
        assert summary.closed and summary.code_key == "destroyed"
        assert summary.codes_destroyed_at == closed.codes_destroyed_at
    listed = runner(["fieldwork", "list"]).output
    assert f"closed\t4 invited\tnot_started 4\tcodes destroyed {closed.codes_destroyed_at:%Y-%m-%d %H:%M} UTC" in listed


def test_a_rolled_back_import_leaves_no_key_file(app, make_sample):
    sample = make_sample(2)
    with pytest.raises(RuntimeError), transaction(app, upgrade=False) as session:
        import_round(session, "r", sample.frame, sample.mailing, TODAY, TODAY, code_keys(app))
        assert len(list(code_keys(app).directory.glob("*.key"))) == 1
        raise RuntimeError("the disk is full")
    assert not list(code_keys(app).directory.glob("*.key"))


@pytest.mark.parametrize("damage", ["remove", "truncate", "garble"])
def test_a_missing_round_key_is_a_clear_error_never_another_key(app, make_round, runner, make_sample, damage):
    missing = make_round("vår-2026")
    working = make_round("höst-2026")
    key_file = _key_file(app, "vår-2026")
    if damage == "remove":
        key_file.unlink()
    elif damage == "truncate":
        key_file.write_text(key_file.read_text()[:20])
    else:
        key_file.write_text("not hex at all\n")
    keys = code_keys(app)
    with app.app_context():
        with pytest.raises(RoundKeyMissing, match="'vår-2026'"):
            find_respondent_by_code(db.session, next(iter(missing.codes.values())), keys)
        for respondent_id, code in working.codes.items():  # the other round's patients are not held up
            assert find_respondent_by_code(db.session, code, keys).respondent_id == respondent_id
    listed = runner(["fieldwork", "list"])
    assert listed.exit_code == 0 and "vår-2026" in listed.output and "CODE KEY MISSING" in listed.output
    sample = make_sample(2)
    window = ["--opens", str(TODAY), "--closes", str(TODAY + timedelta(days=3))]
    imported = runner(
        ["fieldwork", "import", "--round", "x", "--frame", str(sample.frame), "--mailing", str(sample.mailing), *window]
    )
    assert imported.exit_code != 0 and "Traceback" not in imported.output
    assert "code key of the open survey round(s) 'vår-2026' is missing or damaged" in imported.output
    assert "x" not in {summary.name for summary in _summaries(app)}
    closed = runner(["fieldwork", "close", "--round", "vår-2026", "--force"])
    assert closed.exit_code == 0 and not key_file.exists()


def _summaries(app):
    with app.app_context():
        return list_rounds(db.session, code_keys(app))


def test_code_entry_with_a_missing_round_key_gets_a_calm_page(app, client, make_round, sign_in):
    sample = make_round()
    _key_file(app, "vår-2026").unlink()
    page = sign_in(client, next(iter(sample.codes.values())))
    assert page.status_code == 503
    assert "Vi kan inte kontrollera koder just nu. Försök igen senare." in page.text
    assert "Traceback" not in page.text
    assert sign_in(client, "ABCD-EFGH-JKMN").status_code == 503  # no code is called wrong either


def _make_legacy(app, name: str, codes: dict[str, str]) -> None:
    """Turn a round into one imported before round keys: hashes under the app key alone, no key id."""
    keys = code_keys(app)
    with transaction(app, upgrade=False) as session:
        survey_round = session.execute(select(SurveyRound).where(SurveyRound.name == name)).scalar_one()
        keys.destroy(survey_round.code_key_id)
        survey_round.code_key_id = None
        for respondent_id, code in codes.items():
            session.execute(
                update(Respondent)
                .where(Respondent.respondent_id == respondent_id)
                .values(code_hash=hash_access_code(code, ACCESS_CODE_KEY.encode()))
            )


def test_rounds_from_before_round_keys_work_until_closed_and_are_flagged(app, client, make_round, sign_in, runner):
    legacy = make_round("vår-2026")
    _make_legacy(app, "vår-2026", legacy.codes)
    current = make_round("höst-2026")
    assert sign_in(client, next(iter(legacy.codes.values()))).location == "/introduction"
    assert sign_in(app.test_client(), next(iter(current.codes.values()))).location == "/introduction"
    listed = runner(["fieldwork", "list"]).output
    assert "codes under the app-wide key (legacy)" in next(line for line in listed.splitlines() if "vår" in line)
    assert "legacy" not in next(line for line in listed.splitlines() if "höst" in line)
    closed = runner(["fieldwork", "close", "--round", "vår-2026", "--force"])
    assert closed.exit_code == 0 and "stay verifiable with the app-wide access-code key" in closed.output
    assert _round(app, "vår-2026").codes_destroyed_at is None  # the app key lives on: no claim of destruction
    assert sign_in(app.test_client(), next(iter(legacy.codes.values()))).status_code == 200  # now a wrong code


def test_a_code_of_one_round_does_not_open_another(app, make_round):
    """Each open round's hash is looked up for its own round only."""
    first = make_round("vår-2026")
    make_round("höst-2026")
    keys = code_keys(app)
    code = next(iter(first.codes.values()))
    with app.app_context():
        assert find_respondent_by_code(db.session, code, keys).survey_round.name == "vår-2026"
    _close(app, "vår-2026")
    with app.app_context():
        assert find_respondent_by_code(db.session, code, keys) is None


def test_a_round_imported_before_the_migration_keeps_working_under_the_app_key(tmp_path, sign_in):
    """Upgrade a database that holds a round from before 0003_codekey: its codes open, it is flagged legacy."""
    from prem import create_app
    from prem.db import upgrade_database

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            "ACCESS_CODE_KEY": ACCESS_CODE_KEY,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite'}",
        }
    )
    app.instance_path = str(tmp_path / "instance")
    upgrade_database(app, "0002_letters")
    code = "K7QH-M3WX-9TPA"
    old_hash = hash_access_code(code, ACCESS_CODE_KEY.encode())
    with app.app_context(), db.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO survey_round (id, name, questionnaire_id, questionnaire_version, opens, closes, imported_at)"
            f" VALUES (1, 'gammal', 'prem-vardforlopp', '2026.1', '{TODAY - timedelta(days=1)}',"
            f" '{TODAY + timedelta(days=9)}', '2026-01-01 00:00:00')"
        )
        connection.exec_driver_sql(
            "INSERT INTO respondent (round_id, respondent_id, code_hash, pathway, region, sex, age, age_group,"
            " stratum_population, stratum_sample, design_weight, status)"
            f" VALUES (1, 'RABCDEFGHJK', '{old_hash}', 'ibd-vuxna', '01', 'K', 70, '65-79', 400, 40, 10.0,"
            " 'not_started')"
        )
    upgrade_database(app)
    with app.app_context():
        [summary] = list_rounds(db.session, code_keys(app))
        assert summary.code_key == "legacy"
        assert find_respondent_by_code(db.session, code, code_keys(app)).respondent_id == "RABCDEFGHJK"
    assert sign_in(app.test_client(), code).location == "/introduction"
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
