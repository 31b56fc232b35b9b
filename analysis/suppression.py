"""Publication rules: results from too few respondents, and small counts that identify people."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.cells import combined_codes

__all__ = ["mask_small_counts", "suppress_small_results"]

_ESTIMATE_COLUMNS = ("estimate", "se", "lower", "upper")


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
    column_groups: Sequence[tuple[pd.Series, Sequence[str]]] = (),
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
        same column masked too.
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
    width = counts.shape[1]
    # Every line (a row's cells, or a column's cells within a group of rows) as a run of flat cell
    # numbers row * width + column, in the order the lines are checked.
    line_cells: list[np.ndarray] = []
    if row_totals:
        line_cells.append(np.arange(counts.size))
    line_sizes = [np.full(counts.shape[0], width)] if row_totals else []
    key_codes: dict[str, tuple[np.ndarray, int]] = {}  # each grouping column factorised once, over the whole table
    for rows, by in column_groups:
        selected = np.flatnonzero(rows.to_numpy(dtype=bool))
        if not len(selected):
            continue
        for column in by:
            if column not in key_codes:
                codes, uniques = pd.factorize(table[column], use_na_sentinel=False)
                key_codes[column] = codes, len(uniques)
        # groupby(by, dropna=False, sort=False).ngroup(): the combinations numbered in order of first row
        group_ids = (
            pd.factorize(
                combined_codes(
                    [key_codes[column][0][selected] for column in by], [key_codes[column][1] for column in by]
                )[0]
            )[0]
            if by
            else np.zeros(len(selected), dtype="int64")
        )
        order = np.argsort(group_ids, kind="stable")  # each group's rows in table order, group after group
        members, group_size = selected[order], np.bincount(group_ids)
        # per group, per column, the group's rows: cells sorted (stably) by group and column
        entries = members[:, None] * width + np.arange(width)
        line_key = group_ids[order][:, None] * width + np.arange(width)
        line_cells.append(entries.ravel()[np.argsort(line_key.ravel(), kind="stable")])
        line_sizes.append(np.repeat(group_size, width))
    cells = np.concatenate(line_cells) if line_cells else np.zeros(0, dtype="int64")
    sizes = np.concatenate(line_sizes) if line_sizes else np.zeros(0, dtype="int64")
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    line_of = np.repeat(np.arange(len(sizes)), sizes)
    # the lines through each cell, to update the lines' masked counts when a cell is masked
    by_cell = np.argsort(cells, kind="stable")
    cell_bounds = np.searchsorted(cells[by_cell], np.arange(counts.size + 1))
    mask = np.ascontiguousarray(mask)
    flat_mask, flat_counts = mask.reshape(-1), counts.ravel()  # flat_mask: a view, what is masked there is masked
    elsewhere = (
        np.zeros(counts.size, dtype=bool)
        if published is None
        else np.asarray(published, dtype=bool).reshape(mask.shape).ravel()
    )
    masked_in_line = np.bincount(line_of, weights=flat_mask[cells], minlength=len(sizes)).astype("int64")
    checked = sizes >= 2
    changed = True
    while changed:
        changed = False
        line = 0
        # The lines in order, as one loop over them would meet them: the next with exactly one masked cell.
        while True:
            single = np.flatnonzero((masked_in_line[line:] == 1) & checked[line:])
            if not len(single):
                break
            line += int(single[0])
            members = cells[bounds[line] : bounds[line + 1]]
            masked_here, values = flat_mask[members], flat_counts[members]
            candidates = np.where(masked_here | elsewhere[members], np.inf, np.where(values > 0, values, np.inf))
            if np.isinf(candidates).all():
                candidates = np.where(masked_here, np.inf, np.where(values > 0, values, np.inf))
            if np.isinf(candidates).all():
                candidates = np.where(masked_here, np.inf, values + 0.0)
            if not np.isinf(candidates).all():
                cell = members[int(np.argmin(candidates))]
                flat_mask[cell] = True
                masked_in_line[line_of[by_cell[cell_bounds[cell] : cell_bounds[cell + 1]]]] += 1
                changed = True
            line += 1
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
