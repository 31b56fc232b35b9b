"""Group estimates: hand-computed cases and the R survey-package reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.estimates import TwoPhaseDesign, grouped_estimates

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


@pytest.fixture
def two_phase():
    """The two-phase reference design: respondents' values, units (weighting cells), weights, design."""
    data = pd.read_csv(REFERENCE / "twophase.csv", dtype={"region": str})
    cells = data[["pathway", "region", "wcell"]].drop_duplicates().sort_values("wcell").reset_index(drop=True)
    strata = cells[["pathway", "region"]].drop_duplicates().reset_index(drop=True)
    cell_stratum = cells.merge(strata.reset_index(), on=["pathway", "region"])["index"].to_numpy()
    eligible = data[data["group"] != "ineligible"].groupby("wcell").size().reindex(cells["wcell"]).to_numpy()
    respondents = data[data["group"] == "respondent"]
    responded = respondents.groupby("wcell").size().reindex(cells["wcell"]).to_numpy()
    frame = strata.merge(data.groupby(["pathway", "region"])[["N_h", "n_h"]].first().reset_index())
    design = TwoPhaseDesign(
        cell_stratum, eligible.astype(float), eligible / responded, frame["n_h"].to_numpy(), frame["N_h"].to_numpy()
    )
    unit = respondents["wcell"].map({cell: i for i, cell in enumerate(cells["wcell"])}).to_numpy()
    weight = (respondents["N_h"] / respondents["n_h"]).to_numpy() * design.cell_factor[unit]
    return data, respondents, cells, unit, weight, design


def _horvitz_thompson_variance(data: pd.DataFrame, respondents: pd.DataFrame, values: np.ndarray) -> float:
    """The two-phase variance of a ratio mean as the double sum over pairs of respondents of
    (1/(π_k π_l) - 1/π_kl) u_k u_l (Särndal, Swensson and Wretman 1992, 9.3), π = π1 π2 and
    π_kl = π1_kl π2_kl: stratified simple random sampling at both phases."""
    stratum = (respondents["pathway"] + " " + respondents["region"]).to_numpy()
    cell = respondents["wcell"].to_numpy()
    invited, population = respondents["n_h"].to_numpy(float), respondents["N_h"].to_numpy(float)
    eligible = respondents["wcell"].map(data[data["group"] != "ineligible"].groupby("wcell").size()).to_numpy(float)
    responded = respondents["wcell"].map(respondents.groupby("wcell").size()).to_numpy(float)
    p1, p2 = invited / population, responded / eligible
    same_stratum, same_cell = stratum[:, None] == stratum[None, :], cell[:, None] == cell[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        pi1 = np.where(
            same_stratum, p1[:, None] * (invited[:, None] - 1) / (population[:, None] - 1), p1[:, None] * p1[None, :]
        )
        pi2 = np.where(
            same_cell, p2[:, None] * (responded[:, None] - 1) / (eligible[:, None] - 1), p2[:, None] * p2[None, :]
        )
    np.fill_diagonal(pi1, p1)
    np.fill_diagonal(pi2, p2)
    has = ~np.isnan(values)
    weight = 1 / (p1 * p2)
    ratio = np.sum(weight[has] * values[has]) / np.sum(weight[has])
    u = np.where(has, np.nan_to_num(values) - ratio, 0.0) / np.sum(weight[has])
    coefficient = 1 / np.outer(p1 * p2, p1 * p2) - 1 / (pi1 * pi2)
    return float(u @ coefficient @ u)


def test_two_phase_variance_matches_r_twophase_per_stratum(two_phase):
    _data, respondents, cells, unit, weight, design = two_phase
    reference = pd.read_csv(REFERENCE / "twophase_reference.csv", dtype={"group": str})
    for variable, proportion in (("score", False), ("positive", True)):
        ours = grouped_estimates(
            respondents[[variable]].to_numpy(),
            [variable],
            unit,
            cells,
            {"stratum": ["pathway", "region"]},
            weight=weight,
            design=design,
            proportion=proportion,
        )
        ours = ours[ours["weighting"] == "weighted"].assign(group=lambda t: t["pathway"] + " " + t["region"])
        expected = reference[reference["variable"] == variable].merge(ours, on="group", suffixes=("_r", ""))
        assert len(expected) == 6
        assert_allclose(expected["estimate"], expected["estimate_r"], rtol=1e-12)
        assert_allclose(expected["se"], expected["se_r"], rtol=1e-10)
        assert_allclose(expected["df"], expected["df_r"])
        assert_allclose(expected[["lower", "upper"]].to_numpy(), expected[["lower_r", "upper_r"]].to_numpy(), rtol=1e-9)
        assert_allclose(expected["design_effect"], expected["deff"], rtol=1e-9)
        assert_allclose(expected["effective_n"], expected["n"] / expected["deff"], rtol=1e-9)
        assert set(expected["ci_method"]) == {"logit" if proportion else "taylor_linearisation"}


def test_census_stratum_has_no_phase_one_variance(two_phase):
    """kol 03 is drawn whole (n_h = N_h): its variance is the phase-2 (response) part alone, the same
    whatever N_h would otherwise have been; a larger N_h adds phase-1 variance."""
    data, respondents, cells, unit, weight, design = two_phase
    census = respondents["region"].eq("03") & respondents["pathway"].eq("kol")
    values = respondents[["score"]].to_numpy()

    def se(population: np.ndarray) -> float:
        changed = TwoPhaseDesign(
            design.cell_stratum, design.cell_eligible, design.cell_factor, design.stratum_invited, population
        )
        table = grouped_estimates(
            values[census.to_numpy()],
            ["score"],
            unit[census.to_numpy()],
            cells,
            {"national": []},
            weight=weight[census.to_numpy()],
            design=changed,
        )
        return float(table["se"].iloc[1])

    assert design.stratum_invited[1] == design.stratum_population[1] == 60
    # phase 2 alone, by hand: Σ_c (1 - m_c/n_c) m_c/(m_c - 1) Σ (z - z̄)² with z = w (y - R)/Σ w
    group = respondents[census].assign(w=weight[census.to_numpy()])
    has = group["score"].notna()
    ratio = np.average(group.loc[has, "score"], weights=group.loc[has, "w"])
    group["z"] = np.where(has, group["w"] * (group["score"].fillna(0) - ratio), 0.0) / group.loc[has, "w"].sum()
    eligible = data[(data["group"] != "ineligible")].groupby("wcell").size()
    phase2 = sum(
        (1 - len(members) / eligible[name])
        * len(members)
        / (len(members) - 1)
        * ((members["z"] - members["z"].mean()) ** 2).sum()
        for name, members in group.groupby("wcell")
    )
    assert_allclose(se(design.stratum_population), np.sqrt(phase2), rtol=1e-12)
    larger = design.stratum_population.copy()
    larger[1] = 600
    assert se(larger) > np.sqrt(phase2) * 1.05


def test_two_phase_variance_of_domains_is_the_horvitz_thompson_double_sum(two_phase):
    data, respondents, cells, unit, weight, design = two_phase
    levels = {"pathway": ["pathway"], "region": ["region"], "national": []}
    for variable, proportion in (("score", False), ("positive", True)):
        ours = grouped_estimates(
            respondents[[variable]].to_numpy(),
            [variable],
            unit,
            cells,
            levels,
            weight=weight,
            design=design,
            proportion=proportion,
        )
        ours = ours[ours["weighting"] == "weighted"]
        for _, row in ours.iterrows():
            inside = np.ones(len(respondents), dtype=bool)
            for key in ("pathway", "region"):
                if isinstance(row[key], str):
                    inside &= (respondents[key] == row[key]).to_numpy()
            values = np.where(inside, respondents[variable].to_numpy(), np.nan)
            assert_allclose(row["se"], np.sqrt(_horvitz_thompson_variance(data, respondents, values)), rtol=1e-10)


def test_weighted_share_of_zero_gets_the_exact_interval(two_phase):
    _data, respondents, cells, unit, weight, design = two_phase
    none = np.zeros((len(respondents), 1))
    row = grouped_estimates(
        none, ["x"], unit, cells, {"national": []}, weight=weight, design=design, proportion=True, scale=100
    ).iloc[1]
    n = len(respondents)
    assert row["estimate"] == 0 and row["lower"] == 0 and row["ci_method"] == "clopper_pearson"
    assert_allclose(row["upper"], 100 * (1 - 0.025 ** (1 / n)))  # Clopper-Pearson upper bound of 0 of n
    assert np.isnan(row["design_effect"])
