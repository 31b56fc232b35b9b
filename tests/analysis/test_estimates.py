"""Group estimates: hand-computed cases and the R survey-package reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.estimates import grouped_estimates

REFERENCE = Path(__file__).with_name("reference")
LEVELS = {"pathway_region": ["pathway", "region"], "pathway": ["pathway"], "region": ["region"], "national": []}


@pytest.fixture
def design():
    data = pd.read_csv(REFERENCE / "design.csv", dtype={"region": str})
    strata = data[["pathway", "region"]].drop_duplicates().sort_values(["pathway", "region"]).reset_index(drop=True)
    stratum = data.merge(strata.reset_index(), on=["pathway", "region"], how="left")["index"].to_numpy()
    return data, strata, stratum


def _group_label(row: pd.Series) -> str:
    if row["level"] == "pathway_region":
        return f"{row['pathway']} {row['region']}"
    return {"pathway": row["pathway"], "region": row["region"]}.get(row["level"], "")


def test_weighted_means_and_proportions_match_r_survey(design):
    data, strata, stratum = design
    ours = grouped_estimates(
        data[["score", "positive"]].to_numpy(),
        ["score", "positive"],
        stratum,
        strata,
        LEVELS,
        weight=data["weight"].to_numpy(),
    )
    ours = ours[ours["weighting"] == "weighted"].copy()
    ours["group"] = ours.apply(_group_label, axis=1)
    ours["level"] = ours["level"].replace({"pathway_region": "stratum"})
    reference = pd.read_csv(REFERENCE / "survey_reference.csv", dtype={"group": str}, keep_default_na=False)
    merged = reference.merge(
        ours,
        left_on=["level", "group", "variable"],
        right_on=["level", "group", "name"],
        suffixes=("_r", ""),
        validate="one_to_one",
    )
    assert len(merged) == len(reference) == 24
    assert_allclose(merged["estimate"], merged["estimate_r"], rtol=1e-10)
    assert_allclose(merged["se"], merged["se_r"], rtol=1e-8)
    assert (merged["ci_method"] == "taylor_linearisation").all()


@pytest.fixture
def tiny():
    strata = pd.DataFrame({"pathway": ["kol", "kol"], "region": ["01", "03"]})
    return strata, np.array([0, 0, 0, 1, 1])


def test_unweighted_mean_t_interval_by_hand(tiny):
    strata, stratum = tiny
    scores = np.array([[100.0], [50.0], [np.nan], [0.0], [100.0]])
    table = grouped_estimates(scores, ["overall"], stratum, strata, {"national": []})
    row = table.iloc[0]
    # 100, 50, 0, 100: mean 62.5, sample sd = sqrt(((37.5²·2) + 12.5² + 62.5²)/3)
    sd = np.sqrt((2 * 37.5**2 + 12.5**2 + 62.5**2) / 3)
    assert row["n"] == 4
    assert_allclose(row["estimate"], 62.5)
    assert_allclose(row["se"], sd / 2)
    assert_allclose(row["lower"], max(0.0, 62.5 - 3.182446305284263 * sd / 2))
    assert row["ci_method"] == "t"


def test_unweighted_proportion_wilson_by_hand(tiny):
    strata, stratum = tiny
    positive = np.array([[1.0], [1.0], [0.0], [np.nan], [1.0]])
    row = grouped_estimates(
        positive, ["care_plan"], stratum, strata, {"national": []}, proportion=True, scale=100
    ).iloc[0]
    # Wilson, 3 of 4, z = 1.959964: centre (p + z²/2n)/(1 + z²/n), half-width z/(1+z²/n)·sqrt(p(1-p)/n + z²/4n²)
    z, n, p = 1.959963984540054, 4, 0.75
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z / (1 + z**2 / n) * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    assert_allclose([row["estimate"], row["lower"], row["upper"]], [75.0, 100 * (centre - half), 100 * (centre + half)])
    assert row["ci_method"] == "wilson"


def test_weighted_stratum_with_one_respondent_adds_no_variance(tiny):
    strata, stratum = tiny
    scores = np.array([[100.0], [0.0], [100.0], [50.0], [np.nan]])
    weight = np.array([1.0, 1.0, 2.0, 4.0, 1.0])
    table = grouped_estimates(scores, ["x"], stratum, strata, {"pathway_region": ["pathway", "region"]}, weight=weight)
    assert table["weighting"].tolist() == ["unweighted", "unweighted", "weighted", "weighted"]
    first, second = table.iloc[2], table.iloc[3]
    assert_allclose(first["estimate"], 300 / 4)
    assert_allclose(second["estimate"], 50.0)
    # stratum 2 has two respondents, one without a value: z = (4·(50-50)/4, 0), variance 0
    assert_allclose(second["se"], 0.0)
    # stratum 1: z_i = w_i (y_i - 75)/4 = (6.25, -18.75, 12.5); mean 0; v = 3/2 · Σ z²
    assert_allclose(first["se"], np.sqrt(1.5 * (6.25**2 + 18.75**2 + 12.5**2)))


def test_groups_without_values_have_zero_n_and_missing_estimates(tiny):
    strata, stratum = tiny
    scores = np.array([[np.nan], [np.nan], [np.nan], [50.0], [100.0]])
    table = grouped_estimates(scores, ["x"], stratum, strata, {"pathway_region": ["pathway", "region"]})
    assert table["n"].tolist() == [0, 2]
    assert np.isnan(table["estimate"].iloc[0]) and np.isnan(table["lower"].iloc[0])
