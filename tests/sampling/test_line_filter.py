"""The line pre-filter of contacts extracts gives exactly what the full parse gives.

A contacts CSV is first split into lines and only the lines holding a code
stem are parsed (``sampling.extracts._filtered_lines``). These tests draw the
same sample with that shortcut and with the full parse forced, on files
written in many ways, and compare every output.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import sampling.extracts
from sampling import draw_sample

from .conftest import CONTACT_HEADER, POPULATION_HEADER

DATES = {"period_start": "2025-01-01", "period_end": "2025-12-31", "sampling_date": "2026-02-01", "seed": 11}


@pytest.fixture
def mixed_extracts(pnr, contact, resident, write_csv):
    """Contacts and population rows in every way a region writes them, with a few bad rows."""
    people = [pnr("19600101", serial, man=serial % 2 == 0) for serial in range(12)]
    contacts = [
        contact(people[0], main_diagnosis="K50.1", other_diagnoses="E11, I10", care_level="inpatient"),  # quoted field
        contact(people[1], main_diagnosis="i10", other_diagnoses="k51.0; e11", care_level="Slutenvård"),
        contact(people[2], main_diagnosis="m05.9", care_level="specialist"),
        contact(people[2], main_diagnosis="M059", contact_date="20250402", care_level="specialist"),
        contact(people[3], main_diagnosis="S72.0", care_level="inpatient"),
        contact(people[4], main_diagnosis="I10", other_diagnoses="M80 0", care_level="primary"),
        contact(people[5], main_diagnosis="S06 5", care_level="inpatient", unit='Avd "7"'),  # escaped quotes
        contact(people[6], main_diagnosis="S06.9", care_level="inpatient"),
        contact(people[6], main_diagnosis="S060", care_level="inpatient", contact_date="2025-05-05"),
        contact(people[7][:-1] + str((int(people[7][-1]) + 1) % 10), main_diagnosis="K50"),  # wrong check digit
        contact(people[8][:-1] + "0", main_diagnosis="J45"),  # bad, but no pathway code: never read
        contact(people[9], main_diagnosis="K51", care_level="Sluten vård", contact_date="2025-13-01"),  # bad date
        contact(people[10], main_diagnosis="K50", care_level="inpatient"),
        contact(people[11], main_diagnosis="M06", care_level="specialist"),
        contact(people[11], main_diagnosis="M06", care_level="specialist", contact_date="2025-06-01"),
    ]
    population = [
        resident(people[0]),
        resident(f"{people[1][:8]}-{people[1][8:]}"),
        resident(f"{people[2][2:8]}-{people[2][8:]}"),
        resident(f"{people[3][2:8]}+{people[3][8:]}", deceased_date="2025-12-01"),
        resident(f" {people[4]} "),
        resident(people[5], name="Testsson, Testa"),  # quoted
        resident(f"{people[6][:4]}-{people[6][4:8]}-{people[6][8:]}"),  # malformed, and needed
        resident(people[8]),
        resident(f"{people[10][:8]}-{people[10][8:]}", protected_identity="maybe"),  # bad value, needed
        resident(people[11], street=""),
        resident(pnr("19700101", 1), protected_identity="maybe"),  # bad, but nobody needs it
    ]
    return write_csv("contacts.csv", CONTACT_HEADER, contacts), write_csv(
        "population.csv", POPULATION_HEADER, population
    )


def _draw(contacts, population, code_key):
    return draw_sample(None, [contacts], population=population, code_key=code_key, on_bad_rows="skip", **DATES)


def _draw_with_and_without_the_line_filter(contacts, population, code_key, monkeypatch):
    """Draw with the line filter, then with the full parse forced; assert every output is the same."""
    filtered = _draw(contacts, population, code_key)
    with monkeypatch.context() as patch:
        patch.setattr(sampling.extracts, "_filtered_lines", lambda *args: None)
        parsed = _draw(contacts, population, code_key)
    for name in ("frame", "mailing", "flow", "rejects"):
        assert_frame_equal(getattr(filtered, name), getattr(parsed, name))
    return filtered


def test_same_sample_with_and_without_the_line_filter(mixed_extracts, code_key, monkeypatch):
    filtered = _draw_with_and_without_the_line_filter(*mixed_extracts, code_key, monkeypatch)
    assert filtered.frame.height > 0
    rejected = filtered.rejects.select("file", "row", "column").rows()
    assert [(file.rsplit("/", 1)[-1], row, column) for file, row, column in rejected] == [
        ("contacts.csv", 11, "personnummer"),
        ("contacts.csv", 13, "contact_date"),
        ("population.csv", 8, "personnummer"),
        ("population.csv", 10, "protected_identity"),
    ]


def test_line_filter_is_used_on_files_without_line_breaks_in_quotes(mixed_extracts, code_key, monkeypatch):
    used = []
    original = sampling.extracts._filtered_lines

    def spy(*args):
        result = original(*args)
        used.append(result is not None)
        return result

    monkeypatch.setattr(sampling.extracts, "_filtered_lines", spy)
    _draw(*mixed_extracts, code_key)
    assert used == [True]  # the contacts file; the population file is parsed whole


def test_a_line_break_inside_quotes_takes_the_full_parse(pnr, contact, write_csv, code_key, monkeypatch):
    rows = [
        contact(pnr("19600101", 1), main_diagnosis="K50", care_level="inpatient", unit="Avd 7\nplan 2"),
        contact(pnr("19600101", 2), main_diagnosis="K51", care_level="bad level"),
    ]
    path = write_csv("broken-lines.csv", CONTACT_HEADER, rows)
    used = []
    original = sampling.extracts._filtered_lines
    monkeypatch.setattr(sampling.extracts, "_filtered_lines", lambda *args: used.append(original(*args)))
    result = draw_sample(None, [path], code_key=code_key, on_bad_rows="skip", **DATES)
    assert used == [None]
    assert result.rejects.select("row", "column").rows() == [(3, "care_level")]  # records, not lines


def test_rows_after_a_line_break_in_a_row_without_codes_are_named_by_record(pnr, contact, write_csv, code_key):
    rows = [
        contact(pnr("19600101", 1), main_diagnosis="I10", care_level="inpatient", unit="Avd 7\nplan 2"),
        contact(pnr("19600101", 2), main_diagnosis="K51", care_level="bad level"),
    ]
    path = write_csv("break-before.csv", CONTACT_HEADER, rows)
    result = draw_sample(None, [path], code_key=code_key, on_bad_rows="skip", **DATES)
    assert result.rejects.select("row", "column").rows() == [(3, "care_level")]  # the third record, on line 4


def test_population_with_the_personnummer_elsewhere_is_parsed_whole(pnr, contact, resident, write_csv, code_key):
    person = pnr("19600101", 1)
    contacts = write_csv(
        "contacts.csv", CONTACT_HEADER, [contact(person, main_diagnosis="K50", care_level="inpatient")]
    )
    header = [*POPULATION_HEADER[1:], POPULATION_HEADER[0]]
    population = write_csv("population.csv", header, [resident(person, name="Sist Personnummer")])
    result = draw_sample(None, [contacts], population=population, code_key=code_key, **DATES)
    assert result.mailing["name"].to_list() == ["Sist Personnummer"]
    assert pl.Series(result.frame["pathway"]).to_list() == ["ibd-vuxna"]


CODE_TEXTS = [
    "K50",
    "k50.1",
    "K51 0",
    "M05.9",
    "m06",
    "M80",
    "S06.5",
    "s060",
    "S72.0",
    "S32",
    "I10",
    "J45",
    "E11",
    "Z00.0",
]
FREE_TEXTS = ["", "avd 7", 'avd "7"', "a, b", "rad\nbrytning", "K50; M05", "åäö"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.integers(0, 7),
            st.sampled_from(CODE_TEXTS),
            st.lists(st.sampled_from(CODE_TEXTS), max_size=3),
            st.sampled_from(["inpatient", "specialist", "primary", "Slutenvård", "okänd"]),
            st.sampled_from(FREE_TEXTS),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_any_extract_gives_the_same_sample_with_and_without_the_line_filter(
    rows, pnr, contact, resident, write_csv, code_key, monkeypatch
):
    people = [pnr("19500101", serial) for serial in range(8)]
    contacts = write_csv(
        "any-contacts.csv",
        CONTACT_HEADER,
        [
            contact(people[person], main_diagnosis=main, other_diagnoses=", ".join(others), care_level=level, unit=unit)
            for person, main, others, level, unit in rows
        ],
    )
    population = write_csv("any-population.csv", POPULATION_HEADER, [resident(person) for person in people])
    _draw_with_and_without_the_line_filter(contacts, population, code_key, monkeypatch)


def test_a_line_holding_the_unit_separator_byte_takes_the_full_parse(pnr, contact, write_csv, code_key, monkeypatch):
    rows = [
        contact(pnr("19600101", 1), main_diagnosis="K50", care_level="inpatient"),
        contact(pnr("19600101", 2), main_diagnosis="K51", care_level="inpatient", unit="Avd\x1f7"),
    ]
    path = write_csv("separator-byte.csv", CONTACT_HEADER, rows)
    used = []
    original = sampling.extracts._filtered_lines
    monkeypatch.setattr(sampling.extracts, "_filtered_lines", lambda *args: used.append(original(*args)))
    result = draw_sample(None, [path], code_key=code_key, **DATES)
    assert used == [None]
    assert result.frame.filter(pathway="ibd-vuxna").height == 2
