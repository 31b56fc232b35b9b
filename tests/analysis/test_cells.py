"""Counting respondents into cells: the counted and the sorted or row-by-row paths agree."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import analysis.cells
from analysis import AnalysisConfig, analyse_round
from analysis.cells import class_counts, combined_codes, observed_codes, weight_classes
from analysis.config import COMPARISONS
from analysis.estimates import _stratum_sums, state_stratum_sums


@pytest.fixture
def nothing_counted(monkeypatch):
    """Every code space too large to count: the sorted and row-by-row paths everywhere."""
    monkeypatch.setattr(analysis.cells, "_max_counted", lambda rows: 0)


def test_observed_codes_are_np_unique(nothing_counted):
    codes = np.random.default_rng(3).integers(0, 50, size=200)
    observed, inverse = observed_codes(codes, 50)
    expected, expected_inverse = np.unique(codes, return_inverse=True)
    assert observed.tolist() == expected.tolist() and inverse.tolist() == expected_inverse.tolist()


@pytest.mark.parametrize("counted", [True, False])
def test_combined_codes_number_the_combinations_present_in_order(counted, monkeypatch):
    if not counted:
        monkeypatch.setattr(analysis.cells, "_max_counted", lambda rows: 0)  # renumbered after every column
    rng = np.random.default_rng(5)
    columns, sizes = (
        [rng.integers(0, 3, size=300), rng.integers(0, 4, size=300), rng.integers(0, 2, size=300)],
        [3, 4, 2],
    )
    combination, representative = combined_codes(columns, sizes)
    _, expected = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
    assert combination.tolist() == expected.ravel().tolist()
    for column in columns:
        assert (column[representative][combination] == column).all()


def test_weight_classes_and_their_counts():
    stratum = np.array([0, 0, 0, 1, 1, 2])
    weight = np.array([2.0, 3.0, 2.0, 2.0, 2.0, np.nan])
    member, class_stratum, class_weight = weight_classes(stratum, 3, weight)
    assert member.tolist() == [0, 1, 0, 2, 2, 3]
    assert class_stratum.tolist() == [0, 0, 1, 2]
    assert_allclose(class_weight, [2.0, 3.0, 2.0, np.nan])
    counts = class_counts(member, 4, np.array([1, 0, 1, 2, 1, 0]), 3)
    assert counts.tolist() == [[0, 2, 0], [1, 0, 0], [0, 1, 1], [1, 0, 0]]


def test_stratum_sums_from_counts_are_the_respondent_sums():
    rng = np.random.default_rng(11)
    stratum = np.sort(rng.integers(0, 4, size=500))
    weight = rng.choice([1.5, 2.25, 7.0], size=500) * (1 + stratum)
    value_of = [np.array([100.0, 50.0, 0.0, np.nan, np.nan]), np.array([1.0, 0.0, np.nan])]
    states = [rng.integers(0, 5, size=500), rng.integers(0, 3, size=500)]
    member, class_stratum, class_weight = weight_classes(stratum, 4, weight)
    counts = [
        class_counts(member, len(class_weight), state, len(table))
        for state, table in zip(states, value_of, strict=False)
    ]
    ours = state_stratum_sums(counts, value_of, class_stratum, class_weight, np.bincount(stratum, minlength=4))
    values = np.column_stack([table[state] for state, table in zip(states, value_of, strict=False)])
    expected = _stratum_sums(values, stratum, 4, weight)
    assert set(ours) == set(expected)
    for name, sums in expected.items():
        assert_allclose(ours[name], sums, rtol=1e-12, err_msg=name)


@pytest.mark.parametrize(
    "config",
    [
        AnalysisConfig(adjusted_items=("care_plan",), comparisons=COMPARISONS),
        AnalysisConfig(dimension_weights="pca", include_partial=True),
    ],
    ids=["default", "pca-partial"],
)
def test_a_round_is_the_same_when_nothing_is_counted(small_round, q, config, monkeypatch):
    counted = analyse_round(small_round, q, config=config)
    monkeypatch.setattr(analysis.cells, "_max_counted", lambda rows: 0)
    uncounted = analyse_round(small_round, q, config=config)
    for name, table in counted.tables().items():
        pd.testing.assert_frame_equal(uncounted.tables()[name], table, check_exact=False, rtol=1e-9, atol=0, obj=name)
    pd.testing.assert_frame_equal(uncounted.persons, counted.persons, check_exact=False, rtol=1e-9, atol=0)
