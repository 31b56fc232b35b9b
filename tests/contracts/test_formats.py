"""The formats module is the one definition the writers and readers share."""

from __future__ import annotations

import pytest

from contracts import formats
from prem.fieldwork import export, operations
from questionnaires import load_questionnaire
from sampling import engine, frame


def test_writers_and_readers_use_the_one_definition():
    assert frame.FRAME_COLUMNS is formats.FRAME_COLUMNS
    assert operations.FRAME_COLUMNS is formats.FRAME_COLUMNS
    assert operations.FLOW_COLUMNS is engine.FLOW_COLUMNS is formats.FLOW_COLUMNS
    assert engine.MAILING_COLUMNS is formats.MAILING_COLUMNS
    assert export.RESPONSE_COLUMNS == formats.RESPONSES_COLUMNS
    assert formats.RESPONSES_COLUMNS[: len(formats.FRAME_COLUMNS)] == formats.FRAME_COLUMNS


def test_the_frame_holds_nothing_that_identifies_a_person():
    assert not {"personnummer", "name", "street", "postal_code", "city", "access_code"} & set(formats.FRAME_COLUMNS)
    assert set(formats.FRAME_DTYPES) == set(formats.FRAME_COLUMNS)
    assert formats.FRAME_DTYPES["region"] == "text"  # "01", never 1


def test_closed_item_ids_are_the_questionnaires_closed_items():
    q = load_questionnaire("prem-vardforlopp")
    ids = formats.closed_item_ids(q)
    assert ids == [item.id for item in q.closed_items]
    assert ids == [item.id for item in q.items if item.kind == "choice"]
    assert not set(ids) & set(formats.RESPONSES_COLUMNS)


@pytest.mark.parametrize(
    ("age", "group"),
    [(0, "0-17"), (17, "0-17"), (18, "18-34"), (34, "18-34"), (35, "35-49"), (64, "50-64"), (79, "65-79"), (80, "80+")],
)
def test_age_group_bounds(age, group):
    assert formats.age_group(age) == group


def test_negative_age_is_refused():
    with pytest.raises(ValueError, match="must not be negative"):
        formats.age_group(-1)
