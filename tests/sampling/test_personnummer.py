"""Personnummer: every written form, check digits, century rule, samordningsnummer, sex."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.personnummer import luhn_check_digit, parse_personnummer

SAMPLING_DATE = dt.date(2026, 2, 1)


def parsed(*numbers: str) -> list[dict]:
    return parse_personnummer(pl.Series(numbers, dtype=pl.String), SAMPLING_DATE).to_dicts()


def test_luhn_check_digit_of_a_tax_agency_test_number():
    # 811218-9876 is the Swedish Tax Agency's documented example.
    assert luhn_check_digit("811218987") == 6


def test_every_written_form_gives_the_twelve_digit_number():
    forms = ["19811218-9876", "198112189876", "811218-9876", "8112189876", " 811218-9876 "]
    assert {row["personnummer"] for row in parsed(*forms)} == {"198112189876"}


def test_ten_digits_take_the_century_that_makes_the_person_younger_than_100(pnr):
    born_2020 = pnr("20200301", 12)[2:]
    born_1930 = pnr("19300301", 12)[2:]
    rows = parsed(born_2020, born_1930)
    assert [row["personnummer"][:4] for row in rows] == ["2020", "1930"]


def test_plus_means_a_hundred_years_or_older(pnr):
    ten = pnr("19200301", 12)[2:]
    row = parsed(f"{ten[:6]}+{ten[6:]}")[0]
    assert row["personnummer"].startswith("1920") and row["birth_date"] == dt.date(1920, 3, 1)
    plain = parsed(f"{ten[:6]}-{ten[6:]}")[0]
    assert plain["personnummer"].startswith("2020")


def test_birth_on_the_sampling_date_a_century_ago_is_still_under_100_without_plus(pnr):
    ten = pnr("19260201", 30)[2:]
    assert parsed(ten)[0]["personnummer"].startswith("2026")
    ten_after = pnr("19260202", 30)[2:]
    assert parsed(ten_after)[0]["personnummer"].startswith("1926")


def test_samordningsnummer_day_plus_60_is_valid_and_keeps_its_number(pnr):
    number = pnr("19850412", 45, coordination=True)
    row = parsed(number)[0]
    assert row["problem"] is None
    assert row["personnummer"] == number and row["birth_date"] == dt.date(1985, 4, 12)


def test_sex_from_the_second_last_digit(pnr):
    rows = parsed(pnr("19700101", 1, man=True), pnr("19700101", 1, man=False))
    assert [row["sex_from_number"] for row in rows] == ["M", "K"]


def test_problems_are_named():
    rows = parsed("19811218-9875", "19811318-9876", "abc", "20300101-1234")
    assert rows[0]["problem"] == "wrong check digit"
    assert "birth date" in rows[1]["problem"]
    assert "expected YYYYMMDD-NNNN" in rows[2]["problem"]
    assert rows[3]["problem"] is not None
    assert all(row["personnummer"] is None for row in rows)


def test_birth_dates_follow_the_calendar_with_leap_years():
    def number(birth: str, serial: str = "123") -> str:  # YYYYMMDD with day + 60 allowed, and a right check digit
        return f"{birth}{serial}{luhn_check_digit(birth[2:] + serial)}"

    valid = ["20000229", "20240229", "19960229", "19800131", "19800430", "19801231", "19800191", "20000289"]
    invalid = [
        "19000229",
        "20230229",
        "19800431",
        "19800631",
        "19801131",
        "19800132",
        "19801301",
        "19800000",
        "19800192",
        "19800291",
        "19230289",
    ]
    rows = parsed(*[number(birth) for birth in valid + invalid])
    assert [row["problem"] for row in rows[: len(valid)]] == [None] * len(valid)
    assert all(row["problem"].startswith("not a valid birth date") for row in rows[len(valid) :])
    assert [rows[0]["birth_date"], rows[6]["birth_date"], rows[7]["birth_date"]] == [
        dt.date(2000, 2, 29),
        dt.date(1980, 1, 31),
        dt.date(2000, 2, 29),
    ]


def test_digits_of_other_scripts_are_not_a_personnummer():
    row = parsed("١٩٨١١٢١٨-٩٨٧٦")[0]  # 19811218-9876 in Arabic-Indic digits
    assert row["personnummer"] is None and "expected YYYYMMDD-NNNN" in row["problem"]


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(
        st.tuples(st.dates(dt.date(1890, 1, 1), SAMPLING_DATE), st.integers(0, 99), st.booleans(), st.booleans()),
        min_size=1,
        max_size=40,
    )
)
def test_every_form_of_a_valid_number_parses_back_to_it(people):
    def number(birth: dt.date, serial: int, man: bool, coordination: bool) -> str:
        nine = f"{birth:%y%m}{birth.day + 60 * coordination:02d}{serial:02d}{1 if man else 2}"
        return f"{birth:%Y}{nine[2:]}{luhn_check_digit(nine)}"

    twelve = [number(*person) for person in people]
    births = [birth for birth, *_ in people]
    centenarian = [
        SAMPLING_DATE.year - b.year - ((SAMPLING_DATE.month, SAMPLING_DATE.day) < (b.month, b.day)) >= 100
        for b in births
    ]
    ten = [f"{n[2:8]}{'+' if old else '-'}{n[8:]}" for n, old in zip(twelve, centenarian, strict=False)]
    for forms in (twelve, ten, [f"{n[:8]}-{n[8:]}" for n in twelve]):
        rows = parsed(*forms)
        assert [row["personnummer"] for row in rows] == twelve
        assert [row["birth_date"] for row in rows] == births
        assert [row["sex_from_number"] for row in rows] == ["M" if man else "K" for _, _, man, _ in people]
