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

__all__ = ["parse_personnummer", "luhn_check_digit"]

_FORM = r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$"


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit for ``YYMMDDNNN`` (used to make synthetic test numbers)."""
    total = 0
    for position, char in enumerate(nine_digits):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _luhn_ok(ten_digits: pl.Expr) -> pl.Expr:
    total = pl.lit(0, dtype=pl.Int32)
    for position in range(9):
        digit = ten_digits.str.slice(position, 1).cast(pl.Int32)
        if position % 2 == 0:
            digit = digit * 2
            digit = pl.when(digit > 9).then(digit - 9).otherwise(digit)
        total = total + digit
    check = ten_digits.str.slice(9, 1).cast(pl.Int32)
    return (total + check) % 10 == 0


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
    parts = pl.col("raw").str.strip_chars().str.extract_groups(_FORM)
    frame = frame.with_columns(parts.alias("p")).unnest("p")
    frame = frame.rename({"1": "cc", "2": "yy", "3": "mm", "4": "dd", "5": "sep", "6": "serial", "7": "check"})
    day = pl.col("dd").cast(pl.Int32)
    birth_day = pl.when(day > 60).then(day - 60).otherwise(day)
    yy = pl.col("yy").cast(pl.Int32)
    candidate_year = (sampling_date.year // 100) * 100 + yy
    frame = frame.with_columns(
        birth_day=birth_day,
        ten=pl.concat_str("yy", "mm", "dd", "serial", "check"),
        guessed_year=candidate_year,
    )

    def _birth_date(year: pl.Expr) -> pl.Expr:
        return pl.concat_str(
            year.cast(pl.String).str.zfill(4),
            pl.col("mm"),
            pl.col("birth_day").cast(pl.String).str.zfill(2),
            separator="-",
        ).str.to_date("%Y-%m-%d", strict=False)

    # The latest century not putting the birth after D; `+` takes one more century off.
    frame = frame.with_columns(
        guessed_year=pl.when(_birth_date(pl.col("guessed_year")) > pl.lit(sampling_date))
        .then(pl.col("guessed_year") - 100)
        .otherwise(pl.col("guessed_year"))
    )
    frame = frame.with_columns(
        guessed_year=pl.when(pl.col("sep") == "+").then(pl.col("guessed_year") - 100).otherwise(pl.col("guessed_year"))
    )
    year = pl.when(pl.col("cc").is_not_null()).then(pl.concat_str("cc", "yy").cast(pl.Int32)).otherwise("guessed_year")
    frame = frame.with_columns(year=year).with_columns(birth_date=_birth_date(pl.col("year")))
    problem = (
        pl.when(pl.col("yy").is_null())
        .then(pl.lit("expected YYYYMMDD-NNNN, YYYYMMDDNNNN, YYMMDD-NNNN or YYMMDD+NNNN"))
        .when(pl.col("birth_date").is_null())
        .then(pl.lit("not a valid birth date (day + 60 allowed for samordningsnummer)"))
        .when(~_luhn_ok(pl.col("ten")))
        .then(pl.lit("wrong check digit"))
        .when(pl.col("birth_date") > pl.lit(sampling_date))
        .then(pl.lit("birth date after the sampling date"))
    )
    frame = frame.with_columns(problem=problem)
    valid = pl.col("problem").is_null()
    return frame.select(
        "raw",
        personnummer=pl.when(valid).then(
            pl.concat_str(pl.col("year").cast(pl.String).str.zfill(4), "mm", "dd", "serial", "check")
        ),
        birth_date=pl.when(valid).then("birth_date"),
        sex_from_number=pl.when(valid).then(
            pl.when(pl.col("serial").str.slice(2, 1).cast(pl.Int32) % 2 == 1).then(pl.lit("M")).otherwise(pl.lit("K"))
        ),
        problem="problem",
    )
