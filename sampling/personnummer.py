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

import polars as pl

__all__ = ["parse_personnummer", "luhn_check_digit", "last_ten_digits"]

_FORM = r"^(\d{6}|\d{8})[-+]?\d{4}$"


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
    """
    frame = pl.DataFrame({"raw": raw.cast(pl.String)})
    text = pl.col("raw").str.strip_chars()
    digits = text.str.replace_all(r"[-+]", "")
    frame = frame.with_columns(
        well_formed=text.str.contains(_FORM).fill_null(False),
        centenarian=text.str.contains("+", literal=True).fill_null(False),
        twelve=digits.str.len_bytes() == 12,
        century=digits.str.slice(0, 2),
        number=digits.str.slice(-10).cast(pl.Int64, strict=False),
    ).with_columns(number=pl.when("well_formed").then("number").otherwise(0))
    number = pl.col("number")
    digit = [(number // 10 ** (9 - position)) % 10 for position in range(10)]
    luhn = pl.sum_horizontal(
        [pl.when(d * 2 > 9).then(d * 2 - 9).otherwise(d * 2) if position % 2 == 0 else d for position, d in enumerate(digit[:9])]
    )
    month = (number // 1_000_000) % 100
    day = (number // 10_000) % 100
    frame = frame.with_columns(
        luhn_ok=(luhn + digit[9]) % 10 == 0,
        month=month,
        birth_day=pl.when(day > 60).then(day - 60).otherwise(day),
        sex_digit=digit[8],
        yy=number // 100_000_000,
    )
    today = sampling_date.year * 10_000 + sampling_date.month * 100 + sampling_date.day
    guessed = (sampling_date.year // 100) * 100 + pl.col("yy")
    guessed = pl.when(guessed * 10_000 + pl.col("month") * 100 + pl.col("birth_day") > today).then(guessed - 100).otherwise(guessed)
    guessed = pl.when("centenarian").then(guessed - 100).otherwise(guessed)
    year = pl.when("twelve").then(pl.col("century").cast(pl.Int64, strict=False) * 100 + pl.col("yy")).otherwise(guessed)
    frame = frame.with_columns(year=year)
    month_ok = pl.col("month").is_between(1, 12)
    safe_month = pl.when(month_ok).then("month").otherwise(1)
    days_in_month = pl.date(pl.col("year").clip(1, 9999), safe_month, 1).dt.month_end().dt.day()
    frame = frame.with_columns(date_ok=month_ok & pl.col("birth_day").is_between(1, days_in_month))
    birth_key = pl.col("year") * 10_000 + pl.col("month") * 100 + pl.col("birth_day")
    problem = (
        pl.when(~pl.col("well_formed"))
        .then(pl.lit("expected YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN or YYMMDD+NNNN"))
        .when(~pl.col("date_ok"))
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
        personnummer=pl.when(valid).then((pl.col("year") * 100_000_000 + number % 100_000_000).cast(pl.String).str.zfill(12)),
        birth_date=pl.when(valid).then(pl.date(pl.col("year"), pl.col("month"), pl.col("birth_day"))),
        sex_from_number=pl.when(valid).then(pl.when(pl.col("sex_digit") % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("K"))),
        problem="problem",
    )


def last_ten_digits(raw: pl.Expr) -> pl.Expr:
    """``YYMMDDNNNC`` of any written form: a cheap join key before full parsing."""
    return raw.str.strip_chars().str.replace_all("-", "", literal=True).str.replace_all("+", "", literal=True).str.slice(-10)
