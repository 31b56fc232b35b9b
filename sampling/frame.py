"""Shared vocabulary of the sampling frame: age and age groups.

The questionnaire's age-group background question uses the same bins, so the
analysis can compare register age with self-reported age group.
"""

from __future__ import annotations

import polars as pl

__all__ = ["AGE_GROUPS", "FRAME_COLUMNS", "age_expr", "age_group", "age_group_expr"]

AGE_GROUPS: tuple[str, ...] = ("0-17", "18-34", "35-49", "50-64", "65-79", "80+")
_LOWER_BOUNDS = (0, 18, 35, 50, 65, 80)

#: The columns of ``frame.csv``, in order (see docs/ARCHITECTURE.md).
FRAME_COLUMNS: tuple[str, ...] = (
    "respondent_id",
    "pathway",
    "region",
    "sex",
    "age",
    "age_group",
    "stratum_population",
    "stratum_sample",
    "design_weight",
)


def age_group(age: int) -> str:
    """The age group (one of :data:`AGE_GROUPS`) of an age in whole years.

    Raises
    ------
    ValueError
        For a negative age.
    """
    if age < 0:
        raise ValueError(f"age must not be negative, got {age}")
    group = AGE_GROUPS[0]
    for lower, name in zip(_LOWER_BOUNDS, AGE_GROUPS):
        if age >= lower:
            group = name
    return group


def age_group_expr(age: pl.Expr) -> pl.Expr:
    """:func:`age_group` as a polars expression."""
    group = pl.lit(AGE_GROUPS[0])
    for lower, name in zip(_LOWER_BOUNDS[1:], AGE_GROUPS[1:]):
        group = pl.when(age >= lower).then(pl.lit(name)).otherwise(group)
    return group


def age_expr(birth_date: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Age in whole years on date ``on`` (a birthday counts on the day itself)."""
    years = on.dt.year() - birth_date.dt.year()
    before_birthday = (on.dt.month() < birth_date.dt.month()) | (
        (on.dt.month() == birth_date.dt.month()) & (on.dt.day() < birth_date.dt.day())
    )
    return (years - before_birthday.cast(pl.Int32)).cast(pl.Int32)
