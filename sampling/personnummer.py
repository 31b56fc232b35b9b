"""Swedish personal identity numbers (personnummer and samordningsnummer), vectorised.

Extracts hold the same person's number on every contact, so the checks run on
the unique values only, as polars expressions (no Python loop over people).
Accepted forms: ``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``,
``YYMMDDNNNN`` and ``YYMMDD+NNNN`` (``+`` = 100 years or older). A
samordningsnummer has 60 added to the day. The last digit is a Luhn check
digit over ``YYMMDDNNN``; the second-last digit is odd for men.
"""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import polars as pl

__all__ = ["last_ten_digits", "luhn_check_digit", "parse_personnummer"]

_FORM = r"^([0-9]{6}|[0-9]{8})[-+]?[0-9]{4}$"  # ASCII digits: \d would admit the digits of other scripts


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit for ``YYMMDDNNN`` (used to make synthetic test numbers)."""
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def parse_personnummer(raw: pl.Series, sampling_date: dt.date) -> pl.DataFrame:
    """Validate and normalise personnummer.

    Parameters
    ----------
    raw : polars.Series
        Numbers as written in an extract (strings; pass unique values).
    sampling_date : datetime.date
        The date ``D`` that decides the century of 10-digit numbers: the one
        making the person younger than 100 on ``D``, or 100 or older with ``+``.

    Returns
    -------
    polars.DataFrame
        One row per input value: ``raw``, ``personnummer`` (12 digits, null
        when invalid), ``birth_date``, ``sex_from_number`` (``M``/``K``) and
        ``problem`` (null when valid, otherwise what is wrong).

    Notes
    -----
    Once the written form is checked, the rest is integer arithmetic on the
    digits (no dates are built but the valid ones): extracts hold hundreds of
    thousands of distinct numbers.
    """
    text = pl.col("raw").str.strip_chars()
    frame = pl.DataFrame({"raw": raw.cast(pl.String)}).with_columns(
        well_formed=text.str.contains(_FORM).fill_null(False),
        centenarian=text.str.contains("+", literal=True).fill_null(False),
        twelve=text.str.len_bytes() >= 12,  # of the well-formed: YYYYMMDD[-+]NNNN
        digits=text.str.replace(r"[-+]", "").cast(pl.Int64, strict=False),
    )
    digits = pl.when("well_formed").then("digits").otherwise(0)
    number = digits % 10**10
    digit = [(number // 10 ** (9 - position)) % 10 for position in range(10)]
    # Luhn over YYMMDDNNN: every other digit doubled, the digits of the product summed (2d - 9 when d >= 5).
    luhn = pl.sum_horizontal(
        [d * 2 - (d >= 5).cast(pl.Int64) * 9 if position % 2 == 0 else d for position, d in enumerate(digit[:9])]
    )
    day = (number // 10_000) % 100
    frame = frame.select(
        "raw",
        "well_formed",
        "centenarian",
        "twelve",
        number=number,
        century=digits // 10**10,
        luhn_ok=(luhn + digit[9]) % 10 == 0,
        month=(number // 1_000_000) % 100,
        birth_day=pl.when(day > 60).then(day - 60).otherwise(day),
        sex_digit=digit[8],
        yy=number // 100_000_000,
    )
    today = sampling_date.year * 10_000 + sampling_date.month * 100 + sampling_date.day
    guessed = (sampling_date.year // 100) * 100 + pl.col("yy")
    guessed = (
        pl.when(guessed * 10_000 + pl.col("month") * 100 + pl.col("birth_day") > today)
        .then(guessed - 100)
        .otherwise(guessed)
    )
    guessed = pl.when("centenarian").then(guessed - 100).otherwise(guessed)
    frame = frame.with_columns(year=pl.when("twelve").then(pl.col("century") * 100 + pl.col("yy")).otherwise(guessed))
    month, year = pl.col("month"), pl.col("year").clip(1, 9999)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days_in_month = (
        pl.when(month == 2).then(28 + leap.cast(pl.Int64)).when(month.is_in([4, 6, 9, 11])).then(30).otherwise(31)
    )
    date_ok = month.is_between(1, 12) & pl.col("birth_day").is_between(1, days_in_month)
    birth_key = pl.col("year") * 10_000 + pl.col("month") * 100 + pl.col("birth_day")
    problem = (
        pl.when(~pl.col("well_formed"))
        .then(pl.lit("expected YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN or YYMMDD+NNNN"))
        .when(~date_ok)
        .then(pl.lit("not a valid birth date (day + 60 allowed for samordningsnummer)"))
        .when(~pl.col("luhn_ok"))
        .then(pl.lit("wrong check digit"))
        .when(birth_key > today)
        .then(pl.lit("birth date after the sampling date"))
    )
    frame = frame.with_columns(problem=problem)
    valid = pl.col("problem").is_null()
    return frame.select(
        "raw",
        personnummer=pl.when(valid).then(
            (pl.col("year") * 100_000_000 + pl.col("number") % 100_000_000).cast(pl.String).str.zfill(12)
        ),
        birth_date=pl.when(valid).then(pl.date(pl.col("year"), pl.col("month"), pl.col("birth_day"))),
        sex_from_number=pl.when(valid).then(
            pl.when(pl.col("sex_digit") % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("K"))
        ),
        problem="problem",
    )


_Text = TypeVar("_Text", pl.Expr, pl.Series)


def last_ten_digits(raw: _Text) -> _Text:
    """``YYMMDDNNNC`` of any written form: a cheap join key before full parsing (an expression or a series)."""
    return (
        raw.str.strip_chars()
        .str.replace_all("-", "", literal=True)
        .str.replace_all("+", "", literal=True)
        .str.slice(-10)
    )
