"""Item and dimension scores of each respondent, from the questionnaire's scoring table.

Nothing here names an item or a dimension: everything comes from
``q.scoring_table()`` (``item_id, dimension, code, score, positive``, scored
options only), so a new questionnaire version needs no code change.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["dimension_item_weights", "option_codes", "score_dimensions", "score_items"]


def option_codes(column: pd.Series) -> np.ndarray:
    """An export item column as float option codes, ``nan`` where unanswered.

    Text that is not a number becomes ``nan`` too; the caller checks codes
    against the item's scale (:func:`analysis.analyse_round` does).
    """
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


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
    # Column-major: each item's scores are one contiguous look-up result (a row-major matrix would be
    # written with a stride of k per respondent).
    scores = np.empty((len(answers), len(item_ids)), order="F")
    positive = np.empty_like(scores, order="F")
    for column, (item_id, options) in enumerate(scoring.groupby("item_id", sort=False)):
        codes = options["code"].to_numpy(dtype="int64")
        # Look-up tables by code; the last entry (nan) is for unanswered and unscored codes.
        score_of = np.full(codes.max() + 2, np.nan)
        positive_of = np.full(codes.max() + 2, np.nan)
        score_of[codes] = options["score"].to_numpy(dtype="float64")
        positive_of[codes] = options["positive"].to_numpy(dtype="float64")
        given = option_codes(answers[item_id])
        scored = ~np.isnan(given) & (given <= codes.max()) & (given >= 0)
        index = np.where(scored, given, codes.max() + 1).astype("int64")
        scores[:, column] = score_of[index]
        positive[:, column] = positive_of[index]
    return (pd.DataFrame(scores, columns=item_ids, index=answers.index, copy=False),
            pd.DataFrame(positive, columns=item_ids, index=answers.index, copy=False))


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
    rows = []
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
            (dimension, item_id, weight, used, complete_cases) for item_id, weight in zip(item_ids, weights)
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
        for column, positive_column, item_weight in zip(columns, positive_columns, members["weight"].to_numpy()):
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
    return (pd.DataFrame(scores, index=item_scores.index, columns=names, copy=False),
            pd.DataFrame(positive, index=item_scores.index, columns=names, copy=False))
