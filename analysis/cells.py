"""Respondents as small integer codes, counted into cells.

Everything the analysis knows of a respondent is a handful of small codes:
the stratum, the final weight (a few per stratum: one per weighting cell),
each item's answer state and each dimension's combination of answer states.
Estimates then need only the counts of respondents per cell of such codes,
formed in one ``np.bincount`` pass each, and every statistic is computed
from the counts (:func:`analysis.estimates.state_stratum_sums`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["class_counts", "combined_codes", "countable", "key_cells", "observed_codes", "weight_classes"]


def observed_codes(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for integer codes in ``range(size)``.

    Parameters
    ----------
    codes : ndarray of int
        Non-negative codes, below ``size``.
    size : int
        The size of the code space.

    Returns
    -------
    observed, inverse : ndarray of int
        The distinct codes, sorted, and each element's position among them;
        by counting when the code space is small (no sort of a million keys).
    """
    if not countable(size, len(codes)):
        return np.unique(codes, return_inverse=True)
    observed = np.flatnonzero(np.bincount(codes, minlength=size))
    position = np.zeros(size, dtype="int64")
    position[observed] = np.arange(len(observed))
    return observed, position[codes]


def countable(size: int, rows: int) -> bool:
    """Whether ``rows`` codes of a code space of ``size`` are counted (``np.bincount``, a count per
    code); the codes of larger spaces are sorted instead, or summed row by row."""
    return size <= _max_counted(rows)


def _max_counted(rows: int) -> int:
    return max(4 * rows, 1 << 20)


def key_cells(codes: Sequence[np.ndarray], sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cell of keys, for the rows that have every key.

    Parameters
    ----------
    codes : sequence of ndarray of int
        Per key its codes, column ``j`` in ``range(sizes[j])``, ``-1`` where missing.
    sizes : sequence of int
        The number of codes of each key.

    Returns
    -------
    cell : ndarray of int
        The mixed-radix number of the keys' codes (the first key most
        significant), for the rows with every key only.
    known : ndarray of bool
        Which rows those are (a row with a missing key is left out, as a
        groupby leaves it out).
    """
    known = np.logical_and.reduce([code >= 0 for code in codes])
    if known.all():  # no row to leave out: no copies
        return np.ravel_multi_index(list(codes), sizes), known
    return np.ravel_multi_index([np.where(known, code, 0) for code in codes], sizes)[known], known


def combined_codes(columns: Sequence[np.ndarray], sizes: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's combination of the columns' codes, numbered among the combinations present.

    Parameters
    ----------
    columns : sequence of ndarray of int
        Codes per row, column ``j`` in ``range(sizes[j])``.
    sizes : sequence of int
        The number of codes of each column.

    Returns
    -------
    combination : ndarray of int64
        Per row, its combination's number, ``0 .. m - 1`` for the ``m``
        combinations present (in the order of the columns' codes, the first
        column most significant).
    representative : ndarray of int
        Per combination, a row that has it (its codes are the combination's).

    Notes
    -----
    The codes are combined as a mixed-radix number; whenever that number
    would outgrow what :func:`observed_codes` counts, the combinations so
    far are renumbered among those present first, so any number of columns
    works (the order is kept either way).
    """
    rows = len(columns[0]) if len(columns) else 0
    combination, size = np.zeros(rows, dtype="int64"), 1
    for column, levels in zip(columns, sizes, strict=False):
        if not countable(size * levels, rows):
            observed, combination = observed_codes(combination, size)
            size = len(observed)
        combination = combination * levels + column
        size *= levels
    _, combination = observed_codes(combination, size)
    representative = np.zeros(combination.max() + 1 if rows else 0, dtype="int64")
    representative[combination] = np.arange(rows)  # any row of the combination will do
    return combination, representative


def weight_classes(stratum: np.ndarray, n_strata: int, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Respondents grouped by stratum and final weight.

    Parameters
    ----------
    stratum : ndarray of int
        Each respondent's stratum, in ``range(n_strata)``.
    n_strata : int
        The number of strata.
    weight : ndarray of float
        Each respondent's final weight.

    Returns
    -------
    member : ndarray of int64
        Each respondent's class.
    class_stratum, class_weight : ndarray
        Each class's stratum and weight.

    Notes
    -----
    Post-stratified weights take one value per weighting cell, so a round
    has about as many classes as weighting cells (a thousand), whatever its
    number of respondents; continuous weights would give one per respondent.
    """
    weight_code, distinct = pd.factorize(weight, use_na_sentinel=False)
    member, representative = combined_codes([stratum, weight_code], [n_strata, max(len(distinct), 1)])
    return member, stratum[representative], weight[representative]


def class_counts(member: np.ndarray, n_classes: int, states: np.ndarray, n_states: int) -> np.ndarray:
    """Respondents per class (:func:`weight_classes`) and state, as an ``n_classes × n_states`` matrix."""
    key = member * n_states + states
    return np.bincount(key, minlength=n_classes * n_states).reshape(n_classes, n_states)
