"""Publication rules: results from too few respondents, and small counts that identify people."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["ColumnGroup", "mask_small_counts", "suppress_small_results"]

_ESTIMATE_COLUMNS = ("estimate", "se", "lower", "upper")

ColumnGroup = tuple[pd.Series, Sequence[str]] | tuple[pd.Series, Sequence[str], pd.Series]
"""Rows adding up to a total elsewhere, the columns grouping them, optionally the totals' rows."""


def suppress_small_results(table: pd.DataFrame, min_respondents: int) -> pd.DataFrame:
    """Hide results based on fewer than ``min_respondents`` respondents.

    Parameters
    ----------
    table : DataFrame
        With ``n`` and the estimate columns ``estimate, se, lower, upper``.
    min_respondents : int
        The publication minimum (30 by the cancer-pathway survey's rule).

    Returns
    -------
    DataFrame
        A copy with the estimates of small groups missing, ``suppressed``
        true and ``suppression_reason`` ``too_few_respondents`` (or
        ``no_respondents`` when ``n`` is 0); rows keep their ``n``.
    """
    result = table.copy()
    n = result["n"].to_numpy(dtype="float64")
    small = n < min_respondents
    result.loc[small, list(_ESTIMATE_COLUMNS)] = np.nan
    already = (
        result["suppressed"].fillna(False).to_numpy(dtype=bool)
        if "suppressed" in result
        else np.zeros(len(result), bool)
    )
    reason = (
        result["suppression_reason"].astype(object).to_numpy()
        if "suppression_reason" in result
        else np.full(len(result), None, object)
    )
    reason = np.where(small, np.where(n == 0, "no_respondents", "too_few_respondents"), reason)
    result["suppressed"] = small | already
    result["suppression_reason"] = pd.array(reason, dtype="string")
    return result


def mask_small_counts(
    table: pd.DataFrame,
    count_columns: Sequence[str],
    *,
    below: int = 5,
    row_totals: bool = True,
    column_groups: Sequence[ColumnGroup] = (),
    masked: np.ndarray | None = None,
    published: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """Mask counts from 1 to ``below - 1`` so that they cannot be identified or recovered.

    Parameters
    ----------
    table : DataFrame
        A background table with count columns.
    count_columns : sequence of str
        The counts that may be masked.
    below : int
        Counts ``1 <= c < below`` are masked (primary suppression).
    row_totals : bool
        Whether a row's counts add up to a published total (e.g. dispositions
        add up to ``invited``): then a row with exactly one masked cell gets
        its next smallest cell masked too.
    column_groups : sequence of (mask, columns)
        Sets of rows whose counts add up to a published total elsewhere:
        rows where ``mask`` is true, grouped by ``columns`` (e.g. the regions
        of one pathway add up to the pathway's row). Within each group and
        count column, a single masked cell gets the next smallest cell of the
        same column masked too. A third element, ``totals`` (a mask of the
        rows holding the groups' totals, matched on ``columns``), adds the
        line of each group's members together with its total: a group of one
        member equals its total, and a masked total whose members are all
        shown is their sum, so these lines are checked too (down to two cells).
    masked : ndarray of bool, optional
        Cells (rows × ``count_columns``) to mask whatever their value, e.g.
        a respondent count equal to a count masked in another table; they
        are protected by the same row and group checks.
    published : ndarray of bool, optional
        Cells whose value another table shows anyway (e.g. a dimension's n
        equal to a shown complete count): masking them would hide nothing,
        so they are chosen as the next smallest cell only when no other is left.

    Returns
    -------
    masked : DataFrame
        A copy with masked counts missing (``Int64``).
    masked_columns : Series of str
        Per row, the masked columns joined by ``;`` (empty when none).

    Notes
    -----
    The next smallest cell is the smallest unmasked non-zero count; a zero
    is chosen only when no non-zero count is left (a published zero cannot
    hide anything). Row and column checks repeat until no row or group has a
    single masked cell, so a secondary mask cannot itself be recovered by
    subtraction in either direction.
    """
    counts = table[list(count_columns)].to_numpy(dtype="float64")
    mask = (counts >= 1) & (counts < below)
    if masked is not None:
        mask |= np.asarray(masked, dtype=bool).reshape(mask.shape)
    shown_elsewhere = (
        np.zeros(mask.shape, dtype=bool) if published is None else np.asarray(published, dtype=bool).reshape(mask.shape)
    )
    lines = _lines(table, len(count_columns), row_totals, column_groups)
    changed = True
    while changed:
        changed = False
        for rows, columns in lines:
            if len(rows) < 2 or mask[rows, columns].sum() != 1:
                continue
            cell = _next_smallest(rows, columns, counts, mask, shown_elsewhere)
            if cell is not None:
                mask[cell] = True
                changed = True
    result = table.copy()
    names = np.array(count_columns, dtype=object)
    for index, column in enumerate(count_columns):
        values = pd.array(table[column], dtype="Int64")
        values[mask[:, index]] = pd.NA
        result[column] = values
    joined = np.full(len(mask), "", dtype=object)
    for row in np.flatnonzero(mask.any(axis=1)):
        joined[row] = ";".join(names[mask[row]])
    masked_columns = pd.Series(joined, index=table.index, dtype="string")
    return result, masked_columns


Line = tuple[np.ndarray, np.ndarray]
"""The cells of one line that adds up to a published total: their rows and their columns."""


def _lines(
    table: pd.DataFrame,
    width: int,
    row_totals: bool,
    column_groups: Sequence[ColumnGroup],
) -> list[Line]:
    """Every line whose cells add up to a published total, in the order they are checked: each row's
    cells (when ``row_totals``), then per column group, group by group in order of its first row and
    column by column, the group's rows in table order; last, for the groups given their totals, each
    group's rows with its total's row, column by column."""
    lines: list[Line] = []
    with_totals: list[Line] = []
    if row_totals:
        lines += [(np.full(width, row), np.arange(width)) for row in range(len(table))]
    for rows, by, *totals in column_groups:
        selected = np.flatnonzero(rows.to_numpy(dtype=bool))
        if not len(selected):
            continue
        if by:
            group = table.iloc[selected].groupby(list(by), dropna=False, sort=False).ngroup().to_numpy()
        else:
            group = np.zeros(len(selected), dtype="int64")
        keys = _keys(table, by)
        total_of = {keys[row]: int(row) for row in np.flatnonzero(totals[0].to_numpy(dtype=bool))} if totals else {}
        for number in range(group.max() + 1):
            members = selected[group == number]
            lines += [(members, np.full(len(members), column)) for column in range(width)]
            total = total_of.get(keys[members[0]])
            if total is not None:
                cells = np.append(members, total)
                with_totals += [(cells, np.full(len(cells), column)) for column in range(width)]
    return lines + with_totals


def _keys(table: pd.DataFrame, by: Sequence[str]) -> list[tuple[object, ...]]:
    """Each row's values of ``by`` as a tuple, missing as ``None``."""
    columns = [[None if pd.isna(value) else value for value in table[column].tolist()] for column in by]
    return list(zip(*columns, strict=True)) if columns else [()] * len(table)


def _next_smallest(
    rows: np.ndarray, columns: np.ndarray, counts: np.ndarray, mask: np.ndarray, shown_elsewhere: np.ndarray
) -> tuple[int, int] | None:
    """The line's cell to mask next to its one masked cell: the smallest unmasked non-zero count not
    shown in another table; failing that, the smallest unmasked non-zero count; failing that, the
    smallest unmasked count (a zero). The first in line order of equal counts; ``None`` when every
    cell is masked."""
    cells = [(int(row), int(column)) for row, column in zip(rows, columns, strict=True) if not mask[row, column]]
    for candidates in (
        [cell for cell in cells if counts[cell] > 0 and not shown_elsewhere[cell]],
        [cell for cell in cells if counts[cell] > 0],
        cells,
    ):
        if candidates:
            return min(candidates, key=lambda cell: counts[cell])
    return None
