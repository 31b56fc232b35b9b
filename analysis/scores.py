"""Item and dimension scores of each respondent, from the questionnaire's scoring table.

Nothing here names an item or a dimension: everything comes from
``q.scoring_table()`` (``item_id, dimension, code, score, positive``, scored
options only), so a new questionnaire version needs no code change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd

from analysis.cells import combined_codes

__all__ = [
    "dimension_item_weights",
    "dimension_states",
    "option_codes",
    "option_states",
    "score_dimensions",
    "score_items",
    "score_states",
    "state_scores",
]


def option_codes(column: pd.Series) -> np.ndarray:
    """An export item column as float option codes, ``nan`` where unanswered.

    Text that is not a number becomes ``nan`` too; the caller checks codes
    against the item's scale (:func:`analysis.analyse_round` does).
    """
    numbers = column if pd.api.types.is_numeric_dtype(column.dtype) else pd.to_numeric(column, errors="coerce")
    codes: np.ndarray = numbers.to_numpy(dtype="float64", na_value=np.nan)
    return codes


_MAX_CODE_RANGE = 1 << 16
"""Widest span of integer answers looked up in a table by value; wider spans are searched."""


def option_states(column: pd.Series, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each answer as its option's position among ``codes``, and which answers are no option code.

    Parameters
    ----------
    column : Series
        An export item column: nullable or plain integers, floats, or text.
    codes : ndarray of int
        The item's option codes, sorted, distinct (fewer than 255).

    Returns
    -------
    states : ndarray of uint8
        Per answer the position of its code in ``codes``; ``len(codes)``
        when unanswered or not an option code.
    wrong : ndarray of bool
        Answers given that are not one of ``codes`` (other integers,
        fractions, text that is not a number).

    Notes
    -----
    Integer columns (the export's ``Int64``) take one look-up by value,
    with no float copy of the column; other columns are compared as float
    codes (:func:`option_codes`).
    """
    unanswered_state = np.uint8(len(codes))
    values = column.array
    low, high = int(codes[0]) - 1, int(codes[-1]) + 1
    if pd.api.types.is_integer_dtype(column.dtype) and high - low < _MAX_CODE_RANGE:
        if isinstance(values, pd.arrays.IntegerArray):
            unanswered, data = values.isna(), values.to_numpy(dtype="int64", na_value=low)
        else:
            unanswered, data = np.zeros(len(column), dtype=bool), column.to_numpy()
        # A look-up by value over the codes' span and one value either side, where every other value lands.
        lookup = np.full(high - low + 1, unanswered_state + 1, dtype="uint8")
        lookup[codes - low] = np.arange(len(codes), dtype="uint8")
        index = np.clip(data.astype("int64", copy=False), low, high)
        if low:
            index -= low
        states = lookup.take(index)
        wrong = (states > unanswered_state) & ~unanswered
        # unanswered and wrong answers to the unanswered state, by arithmetic (a masked assignment is slower)
        states -= (states - unanswered_state) * (unanswered | wrong)
        return states, wrong
    numeric = option_codes(column)
    # A numeric column's missing values are exactly the nan codes; text may hold non-numbers too.
    given = ~np.isnan(numeric) if pd.api.types.is_numeric_dtype(column.dtype) else column.notna().to_numpy()
    position = np.minimum(np.searchsorted(codes, numeric), len(codes) - 1)
    known = codes[position] == numeric
    return np.where(known, position, unanswered_state).astype("uint8"), given & ~known


def score_items(answers: pd.DataFrame, scoring: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each respondent's 0–100 score and positive indicator for every scored item.

    Parameters
    ----------
    answers : DataFrame
        One column per item (option codes; missing when not answered).
        Codes must already be checked against the items' scales.
    scoring : DataFrame
        ``q.scoring_table()``.

    Returns
    -------
    scores, positive : DataFrame
        One float column per scored item, in scoring-table order: the
        option's score (0–100) and 1.0/0.0 for positive; missing when the item
        was not answered or answered with an option excluded from scoring
        ("Vet inte / Inte aktuellt").
    """
    item_ids = list(dict.fromkeys(scoring["item_id"]))
    codes = {
        item_id: np.sort(scoring.loc[scoring["item_id"] == item_id, "code"].to_numpy(dtype="int64"))
        for item_id in item_ids
    }
    # Unscored codes ("don't know") are no scored code: their state is the unanswered one, without a score.
    states = pd.DataFrame(
        {item_id: option_states(answers[item_id], codes[item_id])[0] for item_id in item_ids}, index=answers.index
    )
    return score_states(states, state_scores(scoring, codes))


def score_states(
    states: pd.DataFrame, tables: Mapping[str, tuple[np.ndarray, np.ndarray]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`score_items` of answers given as states (:func:`option_states`), for the items of ``tables``
    (:func:`state_scores`), in that order."""
    # Column-major: each item's scores are one contiguous look-up result (a row-major matrix would be
    # written with a stride of k per respondent).
    scores = np.empty((len(states), len(tables)), order="F")
    positive = np.empty_like(scores, order="F")
    for column, (item_id, (score_of, positive_of)) in enumerate(tables.items()):
        scores[:, column] = score_of.take(states[item_id].to_numpy())
        positive[:, column] = positive_of.take(states[item_id].to_numpy())
    return (
        pd.DataFrame(scores, columns=list(tables), index=states.index, copy=False),
        pd.DataFrame(positive, columns=list(tables), index=states.index, copy=False),
    )


def state_scores(scoring: pd.DataFrame, codes: Mapping[str, np.ndarray]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Look-up tables of each scored item's score and positive indicator by answer state (:func:`option_states`).

    Parameters
    ----------
    scoring : DataFrame
        ``q.scoring_table()``.
    codes : mapping of str to ndarray of int
        Per item, the option codes its states refer to (sorted; the scored
        ones among them).

    Returns
    -------
    dict of str to (score_of, positive_of)
        Per scored item, in scoring-table order: per state (``len(codes) + 1``
        of them, the last for unanswered) the score and 1.0/0.0 positive;
        ``nan`` for unscored options and unanswered.
    """
    tables = {}
    for item_id, options in scoring.groupby("item_id", sort=False):
        score_of, positive_of = np.full(len(codes[item_id]) + 1, np.nan), np.full(len(codes[item_id]) + 1, np.nan)
        position = np.searchsorted(codes[item_id], options["code"].to_numpy(dtype="int64"))
        score_of[position] = options["score"].to_numpy(dtype="float64")
        positive_of[position] = options["positive"].to_numpy(dtype="float64")
        tables[item_id] = score_of, positive_of
    return tables


def dimension_item_weights(
    item_scores: pd.DataFrame, scoring: pd.DataFrame, method: Literal["equal", "pca"] = "equal"
) -> pd.DataFrame:
    """Weights of the items within each dimension.

    Parameters
    ----------
    item_scores : DataFrame
        From :func:`score_items` (used by ``method="pca"`` only).
    scoring : DataFrame
        ``q.scoring_table()``.
    method : {"equal", "pca"}
        ``equal``: 1/k for the k items of a dimension. ``pca``: the loadings
        of the first principal component of the correlation matrix of the
        dimension's item scores over the respondents who answered all of
        them, sign chosen so the loadings sum positive, negative loadings set
        to 0, normalised to sum 1.

    Returns
    -------
    DataFrame
        ``dimension, item_id, weight, method, n_complete_cases`` (the
        ``dimension_weights`` table). A dimension with one item, fewer
        complete cases than items + 2, or an item without variance falls
        back to equal weights (``equal_fallback``).

    Notes
    -----
    The national patient survey weights items within a dimension by a
    factor analysis of the items; the first principal component is its
    simplest form. Weights are renormalised per respondent over the items
    answered (:func:`score_dimensions`).

    References
    ----------
    Jolliffe, I. T. (2002). *Principal Component Analysis*, 2nd ed., ch. 2.
    """
    items = scoring[["dimension", "item_id"]].drop_duplicates()
    rows: list[tuple[object, ...]] = []
    for dimension, members in items.groupby("dimension", sort=False):
        item_ids = members["item_id"].tolist()
        k = len(item_ids)
        weights, used, complete_cases = np.full(k, 1 / k), "equal", pd.NA
        if method == "pca":
            complete = item_scores[item_ids].dropna().to_numpy()
            complete_cases = len(complete)
            loadings = _first_component(complete) if k > 1 and len(complete) >= k + 2 else None
            weights, used = (loadings, "pca") if loadings is not None else (weights, "equal_fallback")
        rows.extend(
            (dimension, item_id, weight, used, complete_cases)
            for item_id, weight in zip(item_ids, weights, strict=True)
        )
    return pd.DataFrame(rows, columns=["dimension", "item_id", "weight", "method", "n_complete_cases"])


def _first_component(complete: np.ndarray) -> np.ndarray | None:
    if (complete.std(axis=0) == 0).any():
        return None
    eigenvalues, eigenvectors = np.linalg.eigh(np.corrcoef(complete, rowvar=False))
    loadings = eigenvectors[:, -1] * np.sqrt(eigenvalues[-1])
    loadings = np.clip(loadings if loadings.sum() > 0 else -loadings, 0, None)
    return loadings / loadings.sum() if loadings.sum() > 0 else None


def score_dimensions(
    item_scores: pd.DataFrame, item_positive: pd.DataFrame, weights: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each respondent's dimension scores and whether they are positive on the dimension.

    Parameters
    ----------
    item_scores, item_positive : DataFrame
        From :func:`score_items`.
    weights : DataFrame
        From :func:`dimension_item_weights`.

    Returns
    -------
    scores : DataFrame
        One column per dimension: ``Σ w_j s_j / Σ w_j`` over the items j of
        the dimension the respondent answered with a scored option (weights
        renormalised over answered items, the national survey's rule);
        missing when none.
    positive : DataFrame
        One column per dimension: 1.0 when the weighted share of the
        respondent's answered items that are positive is at least one half,
        else 0.0; missing when no item was answered.

    Notes
    -----
    A dimension's share positive (the mean of ``positive``) follows the
    item definition of positive (e.g. only "Ja, helt och hållet"), which a
    threshold on the score (≥ 50) would not: a respondent answering "Ja,
    delvis" (score 50) to every item is not positive.
    """
    groups = list(weights.groupby("dimension", sort=False))
    item_values, positive_values = item_scores.to_numpy(dtype="float64"), item_positive.to_numpy(dtype="float64")
    # Column by column (a dimension has a handful of items): no copies of the items' columns, no
    # boolean matrix products.
    scores = np.empty((len(item_scores), len(groups)), order="F")
    positive = np.empty_like(scores, order="F")
    for index, (_, members) in enumerate(groups):
        total, score_sum, positive_sum = (np.zeros(len(item_scores)) for _ in range(3))
        columns = item_scores.columns.get_indexer(members["item_id"])
        positive_columns = item_positive.columns.get_indexer(members["item_id"])
        for column, positive_column, item_weight in zip(
            columns, positive_columns, members["weight"].to_numpy(), strict=True
        ):
            values = item_values[:, column]
            answered = ~np.isnan(values)
            total += answered * item_weight
            score_sum += np.where(answered, values, 0.0) * item_weight
            positive_sum += np.nan_to_num(positive_values[:, positive_column]) * item_weight
        with np.errstate(invalid="ignore", divide="ignore"):
            divisor = np.where(total > 0, total, np.nan)
            scores[:, index] = score_sum / divisor
            share = positive_sum / divisor
        positive[:, index] = np.where(np.isnan(share), np.nan, (share >= 0.5 - 1e-12).astype("float64"))
    names = [dimension for dimension, _ in groups]
    return (
        pd.DataFrame(scores, index=item_scores.index, columns=names, copy=False),
        pd.DataFrame(positive, index=item_scores.index, columns=names, copy=False),
    )


def dimension_states(
    states: pd.DataFrame, tables: Mapping[str, tuple[np.ndarray, np.ndarray]], weights: pd.DataFrame
) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each respondent's dimension scores as states: a small code per respondent and a table per code.

    Parameters
    ----------
    states : DataFrame
        Respondents' answer states (:func:`option_states`) of at least the
        scored items.
    tables : mapping of str to (ndarray, ndarray)
        Each scored item's score and positive indicator by state (:func:`state_scores`).
    weights : DataFrame
        From :func:`dimension_item_weights`.

    Returns
    -------
    dict of str to (state, score_of, positive_of)
        Per dimension: each respondent's state, and per state the dimension
        score and positive indicator of :func:`score_dimensions` (``nan`` for
        none); ``score_of.take(state)`` are the respondents' scores.

    Notes
    -----
    A dimension score depends only on the answer states of the dimension's
    few items: the combinations present (a few thousand at most) are scored
    once each, with the arithmetic of :func:`score_dimensions` and so the
    same values, and combinations with the same score and indicator share a
    state.
    """
    dimensions = {}
    for dimension, members in weights.groupby("dimension", sort=False):
        item_ids = members["item_id"].tolist()
        combination, representative = combined_codes(
            [states[item_id].to_numpy() for item_id in item_ids], [len(tables[item_id][0]) for item_id in item_ids]
        )
        combinations = states[item_ids].iloc[representative].reset_index(drop=True)
        item_scores, item_positive = score_states(combinations, {item_id: tables[item_id] for item_id in item_ids})
        score, positive = score_dimensions(item_scores, item_positive, members)
        pairs = np.ascontiguousarray(np.column_stack([score[dimension], positive[dimension]]))
        # Distinct (score, positive) pairs by their bytes: one state per value, nan included.
        _, first, state_of = np.unique(
            pairs.view(np.dtype((np.void, pairs.itemsize * 2))).ravel(), return_index=True, return_inverse=True
        )
        dimensions[dimension] = (state_of.ravel().take(combination), pairs[first, 0], pairs[first, 1])
    return dimensions
