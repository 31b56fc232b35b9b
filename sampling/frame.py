"""Age and age groups of the sampling frame as polars expressions.

The groups and the frame's columns are defined in :mod:`contracts.formats`
(re-exported here for the sampling code).

The questionnaire's age-group background question uses the same bins, so the
analysis can compare register age with self-reported age group.
"""

from __future__ import annotations

import polars as pl

from contracts.formats import AGE_GROUP_LOWER_BOUNDS, AGE_GROUPS, FRAME_COLUMNS, age_group

__all__ = ["AGE_GROUPS", "FRAME_COLUMNS", "age_expr", "age_group", "age_group_expr"]


def age_group_expr(age: pl.Expr) -> pl.Expr:
    """:func:`age_group` as a polars expression."""
    group = pl.lit(AGE_GROUPS[0])
    for lower, name in zip(AGE_GROUP_LOWER_BOUNDS[1:], AGE_GROUPS[1:], strict=True):
        group = pl.when(age >= lower).then(pl.lit(name)).otherwise(group)
    return group


def age_expr(birth_date: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Age in whole years on date ``on`` (a birthday counts on the day itself)."""
    years = on.dt.year() - birth_date.dt.year()
    before_birthday = (on.dt.month() < birth_date.dt.month()) | (
        (on.dt.month() == birth_date.dt.month()) & (on.dt.day() < birth_date.dt.day())
    )
    return (years - before_birthday.cast(pl.Int32)).cast(pl.Int32)
