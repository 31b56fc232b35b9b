"""Item and dimension scores on small hand-computed cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.scores import dimension_item_weights, option_states, score_dimensions, score_items


@pytest.fixture
def scoring():
    """Two dimensions: 'a' with items x (4 options) and y (3 options), 'b' with item z; code 9 = don't know."""
    rows = [
        ("x", "a", 1, 100.0, True),
        ("x", "a", 2, 200 / 3, True),
        ("x", "a", 3, 100 / 3, False),
        ("x", "a", 4, 0.0, False),
        ("y", "a", 1, 100.0, True),
        ("y", "a", 2, 50.0, False),
        ("y", "a", 3, 0.0, False),
        ("z", "b", 1, 100.0, True),
        ("z", "b", 2, 0.0, False),
    ]
    return pd.DataFrame(rows, columns=["item_id", "dimension", "code", "score", "positive"])


@pytest.fixture
def answers():
    return pd.DataFrame(
        {
            "x": pd.array([1, 3, 9, pd.NA, 2], dtype="Int64"),
            "y": pd.array([2, 1, 9, 3, pd.NA], dtype="Int64"),
            "z": pd.array([1, 2, 1, pd.NA, pd.NA], dtype="Int64"),
        }
    )


def test_item_scores_exclude_dont_know_and_missing(answers, scoring):
    scores, positive = score_items(answers, scoring)
    assert list(scores.columns) == ["x", "y", "z"]
    assert_allclose(scores["x"], [100, 100 / 3, np.nan, np.nan, 200 / 3])
    assert_allclose(positive["y"], [0, 1, np.nan, 0, np.nan])


def test_dimension_scores_renormalise_weights_over_answered_items(answers, scoring):
    scores, positive = score_items(answers, scoring)
    weights = dimension_item_weights(scores, scoring)
    assert_allclose(weights["weight"], [0.5, 0.5, 1.0])
    dimension, dimension_positive = score_dimensions(scores, positive, weights)
    # row 0: (100 + 50)/2; row 1: (33.3 + 100)/2; row 2: only don't know -> missing;
    # row 3: y only -> 0; row 4: x only -> 66.7
    assert_allclose(dimension["a"], [75, 200 / 3, np.nan, 0, 200 / 3])
    # positive share: row 0 1/2 -> positive; row 1 1/2 -> positive; row 3 0 -> not; row 4 1 -> positive
    assert_allclose(dimension_positive["a"], [1, 1, np.nan, 0, 1])
    assert_allclose(dimension["b"], [100, 0, 100, np.nan, np.nan])


def test_unequal_weights_are_renormalised(answers, scoring):
    scores, positive = score_items(answers, scoring)
    weights = pd.DataFrame({"dimension": ["a", "a"], "item_id": ["x", "y"], "weight": [0.75, 0.25]})
    dimension, _ = score_dimensions(scores, positive, weights)
    assert_allclose(dimension["a"], [0.75 * 100 + 0.25 * 50, 0.75 * 100 / 3 + 0.25 * 100, np.nan, 0, 200 / 3])


def test_pca_weights_follow_the_first_component(scoring):
    generator = np.random.default_rng(7)
    latent = generator.normal(size=400)
    strong = latent + 0.3 * generator.normal(size=400)
    weak = latent + 2.0 * generator.normal(size=400)
    item_scores = pd.DataFrame({"x": strong, "y": weak, "z": generator.normal(size=400)})
    weights = dimension_item_weights(item_scores, scoring, method="pca")
    a = weights[weights["dimension"] == "a"].set_index("item_id")
    # two standardised items: first component loads equally on both, whatever their noise
    assert_allclose(a["weight"].sum(), 1.0)
    assert_allclose(a.loc["x", "weight"], 0.5)
    assert (a["method"] == "pca").all() and (a["n_complete_cases"] == 400).all()
    assert weights.loc[weights["dimension"] == "b", "method"].item() == "equal_fallback"


def test_pca_weights_of_three_items_are_largest_for_the_most_correlated():
    generator = np.random.default_rng(11)
    latent = generator.normal(size=2000)
    item_scores = pd.DataFrame(
        {
            "p": latent + 0.2 * generator.normal(size=2000),
            "q": latent + 0.2 * generator.normal(size=2000),
            "r": latent + 3.0 * generator.normal(size=2000),
        }
    )
    scoring = pd.DataFrame({"item_id": ["p", "q", "r"], "dimension": ["d"] * 3})
    weights = dimension_item_weights(item_scores, scoring, method="pca").set_index("item_id")["weight"]
    correlation = np.corrcoef(item_scores.to_numpy(), rowvar=False)
    _eigenvalues, eigenvectors = np.linalg.eigh(correlation)
    expected = np.abs(eigenvectors[:, -1]) / np.abs(eigenvectors[:, -1]).sum()
    assert_allclose(weights.to_numpy(), expected)
    assert weights["r"] < weights["p"]


CODES = np.array([1, 2, 3, 9])


@pytest.mark.parametrize(
    "column",
    [
        pd.Series(pd.array([1, 9, pd.NA, 3, 7, 0, pd.NA], dtype="Int64")),  # the export's type: look-up
        pd.Series([1, 9, np.nan, 3, 7, 0, np.nan]),  # floats (a CSV with gaps)
        pd.Series(["1", "9", None, "3", "7", "0", None], dtype=object),  # text
        pd.Series(pd.array([1, 9, pd.NA, 3, 7, 0, pd.NA], dtype="Int64")).astype("Int16"),  # another integer width
    ],
    ids=["Int64", "float", "text", "Int16"],
)
def test_option_states_are_positions_with_the_unanswered_state_last(column):
    states, wrong = option_states(column, CODES)
    assert states.dtype == np.uint8
    assert states.tolist() == [0, 3, 4, 2, 4, 4, 4]
    assert wrong.tolist() == [False, False, False, False, True, True, False]


@pytest.mark.parametrize(
    "column",
    [
        pd.Series([2, 1, 10**9, 9]),  # far above the codes
        pd.Series(pd.array([2, 1, -(10**9), 9], dtype="Int64")),  # far below
        pd.Series([2.0, 1.0, 1.5, 9.0]),  # a fraction is no code
        pd.Series(["2", "1", "ett", "9"], dtype=object),
    ],
    ids=["above", "below", "fraction", "not-a-number"],
)
def test_option_states_flag_what_is_no_option_code(column):
    states, wrong = option_states(column, CODES)
    assert states.tolist() == [1, 0, 4, 3]
    assert wrong.tolist() == [False, False, True, False]


def test_option_states_of_codes_too_far_apart_to_look_up():
    codes = np.array([1, 2, 10**6])
    states, wrong = option_states(pd.Series(pd.array([10**6, 3, pd.NA, 1], dtype="Int64")), codes)
    assert states.tolist() == [2, 3, 3, 0]
    assert wrong.tolist() == [False, True, False, False]


def test_option_states_of_an_empty_column():
    states, wrong = option_states(pd.Series(pd.array([], dtype="Int64")), CODES)
    assert len(states) == 0 and len(wrong) == 0
