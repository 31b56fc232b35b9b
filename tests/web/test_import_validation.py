"""prem fieldwork import takes only what a frame from prem sample can hold (issue #10.9).

Every refusal names the file, the line and the column, and leaves the
database exactly as it was: the import is one transaction.
"""

from __future__ import annotations

import csv
import re
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from prem.db import Base, db, transaction
from prem.fieldwork.operations import FRAME_COLUMNS, FieldworkError, import_round
from prem.security import code_keys

from .conftest import NAME, PERSONNUMMER, STREET, TODAY


def _import(app, frame: Path, mailing: Path, name: str = "vår-2027") -> None:
    with transaction(app, upgrade=False) as session:
        import_round(session, name, frame, mailing, TODAY, TODAY + timedelta(days=30), code_keys(app))


def _dump(app) -> list[tuple]:
    """Every row of every table (the state a failed import must leave untouched)."""
    with app.app_context():
        return [tuple(row) for table in Base.metadata.sorted_tables for row in db.session.execute(select(table))]


def _rows(frame: Path) -> list[list[str]]:
    with open(frame, newline="", encoding="utf-8") as lines:
        return list(csv.reader(lines))


def _write(frame: Path, rows: list[list[str]]) -> None:
    with open(frame, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(rows)


@pytest.fixture
def imported(app, make_sample):
    """One round already in the database, so that "unchanged" means more than "empty"."""
    sample = make_sample(3)
    _import(app, sample.frame, sample.mailing, name="höst-2026")
    return _dump(app)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("respondent_id", PERSONNUMMER, "looks like a personnummer"),
        ("respondent_id", PERSONNUMMER.replace("-", ""), "looks like a personnummer"),
        ("respondent_id", "R4503122389", "looks like a personnummer"),
        ("respondent_id", "r123", "is not a respondent id"),
        ("pathway", NAME, "is not a pathway slug"),
        ("pathway", STREET, "is not a pathway slug"),
        ("pathway", "x" * 200, "(200 characters) is not a pathway slug"),
        ("region", "99", "is not a region code"),
        ("design_weight", "nan", "expected a finite number above 0"),
        ("design_weight", "inf", "expected a finite number above 0"),
        ("design_weight", "-3.5", "expected a finite number above 0"),
        ("design_weight", "0", "expected a finite number above 0"),
        ("age", "-5", "expected whole years from 0 to 120"),
        ("age", "99999999999", "expected whole years from 0 to 120"),
        ("age", "70.5", "expected whole years from 0 to 120"),
        ("age_group", "70+", "expected one of"),
        ("stratum_sample", "0", "expected a whole number from 1"),
    ],
)
def test_a_frame_value_prem_sample_cannot_make_is_refused(app, make_sample, imported, column, value, expected):
    sample = make_sample(3)
    rows = _rows(sample.frame)
    rows[2][FRAME_COLUMNS.index(column)] = value
    _write(sample.frame, rows)
    with pytest.raises(FieldworkError) as caught:
        _import(app, sample.frame, sample.mailing)
    message = str(caught.value)
    assert str(sample.frame) in message and f"line 3, column {column}: " in message and expected in message
    assert PERSONNUMMER not in message and PERSONNUMMER.replace("-", "") not in message
    assert _dump(app) == imported


def test_a_row_with_an_extra_field_is_refused(app, make_sample, imported):
    sample = make_sample(3)
    rows = _rows(sample.frame)
    rows[1].append(NAME)
    _write(sample.frame, rows)
    with pytest.raises(FieldworkError, match=r"line 2, column 10 \(after design_weight\): an extra field"):
        _import(app, sample.frame, sample.mailing)
    assert _dump(app) == imported


def test_a_frame_with_other_columns_is_refused(app, make_sample, imported):
    sample = make_sample(2)
    rows = _rows(sample.frame)
    for row, extra in zip(rows, ["name", NAME, NAME], strict=True):
        row.append(extra)
    _write(sample.frame, rows)
    with pytest.raises(FieldworkError, match="line 1: the sample frame must have exactly the columns"):
        _import(app, sample.frame, sample.mailing)
    assert _dump(app) == imported


def test_the_command_prints_a_clean_error_for_a_huge_age(runner, make_sample):
    sample = make_sample(2)
    rows = _rows(sample.frame)
    rows[1][FRAME_COLUMNS.index("age")] = "99999999999"
    _write(sample.frame, rows)
    result = runner(
        ["fieldwork", "import", "--round", "r1", "--frame", str(sample.frame), "--mailing", str(sample.mailing),
         "--opens", str(TODAY), "--closes", str(TODAY + timedelta(days=3))]
    )  # fmt: skip
    assert result.exit_code != 0
    assert "Traceback" not in result.output and "line 2, column age" in result.output


#: Cells that no frame from prem sample holds, per column.
_BAD_CELLS = {
    "respondent_id": st.one_of(
        st.just(PERSONNUMMER),
        st.from_regex(r"(19|20)[0-9]{2}(0[1-9]|1[0-2])[0-2][1-9][-+]?[0-9]{4}", fullmatch=True),
        st.text(max_size=300).filter(lambda text: not (len(text) == 11 and text[0] == "R" and text[1:].isalnum())),
    ),
    "pathway": st.one_of(st.just(NAME), st.just(STREET), st.text(min_size=0, max_size=300)).filter(
        lambda text: text not in ("ibd-vuxna", "reumatoid-artrit")
    ),
    "region": st.text(max_size=30).filter(lambda text: not (len(text) == 2 and text.isdigit())),
    "sex": st.text(max_size=30).filter(lambda text: text not in ("M", "K")),
    "age": st.one_of(
        st.integers(max_value=-1).map(str),
        st.integers(min_value=121).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.text(alphabet="abc-+. e", max_size=20),
    ),
    "age_group": st.text(max_size=30).filter(
        lambda text: text not in ("0-17", "18-34", "35-49", "50-64", "65-79", "80+")
    ),
    "stratum_population": st.one_of(st.integers(max_value=0).map(str), st.integers(min_value=10**9).map(str)),
    "stratum_sample": st.one_of(st.integers(max_value=0).map(str), st.text(alphabet="xyz,.", min_size=1, max_size=5)),
    "design_weight": st.one_of(
        st.sampled_from(["nan", "NaN", "inf", "-inf", "Infinity", "0", "-0.0", "", "1e400"]),
        st.floats(max_value=0).map(repr),
        st.text(alphabet="abc,;", min_size=1, max_size=10),
    ),
}


@st.composite
def _malformed_frames(draw):
    """A valid three-row frame with one cell replaced by a bad one, or one row given an extra field."""
    row = draw(st.integers(min_value=0, max_value=2))
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return row, None, draw(st.text(max_size=50))
    column = draw(st.sampled_from(FRAME_COLUMNS))
    return row, column, draw(_BAD_CELLS[column])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=_malformed_frames())
def test_any_malformed_row_is_refused_cleanly_and_changes_nothing(app, make_sample, imported, case):
    row, column, value = case
    sample = make_sample(3)
    rows = _rows(sample.frame)
    if column is None:
        rows[row + 1].append(value)
    else:
        rows[row + 1][FRAME_COLUMNS.index(column)] = value
    with tempfile.TemporaryDirectory() as directory:
        frame = Path(directory) / "frame.csv"
        _write(frame, rows)
        try:
            _import(app, frame, sample.mailing)
        except FieldworkError as error:
            message = str(error)
        else:
            pytest.fail(f"accepted a frame with {column}={value!r} on row {row + 1}")
    assert str(frame) in message
    # A cell with a line break moves the following lines on, so the line is at least the row's; a
    # stratum's consistency check may name the stratum's other rows too.
    lines = [int(line) for line in re.findall(r"line ([0-9]+), column", message)]
    assert lines and max(lines) >= row + 2
    assert (f"column {column}: " if column else "an extra field") in message
    assert _dump(app) == imported
