"""Post-stratification weights: collapsing rules by hand, and the frame reproduced."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.testing import assert_allclose

from analysis.weighting import poststratify


def _frame(cells: list[tuple[str, str, int, int]], design_weight: float = 2.0) -> tuple[pd.DataFrame, np.ndarray]:
    """cells: (sex, age group, invited, respondents) of one stratum."""
    rows, respondent = [], []
    for sex, age_group, invited, respondents in cells:
        rows += [(sex, age_group)] * invited
        respondent += [True] * respondents + [False] * (invited - respondents)
    frame = pd.DataFrame(rows, columns=["sex", "age_group"]).assign(
        pathway="kol", region="01", design_weight=design_weight
    )
    return frame, np.array(respondent)


def test_factor_is_frame_population_over_respondents_design_weights():
    frame, respondent = _frame(
        [("K", "50-64", 10, 5), ("K", "65-79", 12, 6), ("M", "50-64", 8, 8), ("M", "65-79", 6, 5)]
    )
    weight, cells, *_ = poststratify(frame, respondent, min_cell_respondents=5)
    assert cells["weighting_cell"].tolist() == ["K 50-64", "K 65-79", "M 50-64", "M 65-79"]
    assert_allclose(cells["adjustment_factor"], [2.0, 2.0, 1.0, 1.2])
    assert_allclose(weight[respondent].groupby([frame["sex"], frame["age_group"]]).sum().to_numpy(), [20, 24, 16, 12])
    assert weight[~respondent].isna().all()


def test_small_cell_collapses_with_smaller_adjacent_age_group_within_sex():
    frame, respondent = _frame(
        [("K", "35-49", 10, 9), ("K", "50-64", 10, 2), ("K", "65-79", 10, 6), ("M", "50-64", 10, 6)]
    )
    cells = poststratify(frame, respondent, min_cell_respondents=5).cells
    labels = dict(zip(cells["age_group"] + cells["sex"], cells["weighting_cell"], strict=False))
    # 50-64 (2) joins its smaller neighbour 65-79 (6), not 35-49 (9)
    assert labels == {"35-49K": "K 35-49", "50-64K": "K 50-64..65-79", "65-79K": "K 50-64..65-79", "50-64M": "M 50-64"}
    merged = cells[cells["weighting_cell"] == "K 50-64..65-79"].iloc[0]
    assert merged["cell_respondents"] == 8
    assert_allclose(merged["adjustment_factor"], 40 / 16)


def test_a_sex_short_of_respondents_collapses_across_sex():
    frame, respondent = _frame(
        [("K", "50-64", 10, 6), ("K", "65-79", 10, 6), ("M", "50-64", 5, 1), ("M", "65-79", 5, 2)]
    )
    cells = poststratify(frame, respondent, min_cell_respondents=5).cells
    assert set(cells["weighting_cell"]) == {"alla 50-64", "alla 65-79"}
    assert_allclose(cells.groupby("weighting_cell")["adjustment_factor"].first().to_numpy(), [30 / 14, 30 / 16])


def test_targets_leave_out_the_known_ineligible():
    """K 50-64: 10 invited of whom 2 deceased and 1 screened out, 5 respondents, design weight 2:
    target 2 x (10 - 3) = 14, factor 14 / (5 x 2) = 1.4; M: nobody ineligible, factor 16/16."""
    frame, respondent = _frame([("K", "50-64", 10, 5), ("M", "50-64", 8, 8)])
    eligible = np.ones(len(frame), dtype=bool)
    eligible[[7, 8, 9]] = False  # three K non-respondents: deceased or screened out
    weight, cells, person_cell, cell_table = poststratify(
        frame, respondent, min_cell_respondents=3, is_eligible=eligible
    )
    assert_allclose(cells["frame_population"], [14.0, 16.0])
    assert_allclose(cells["adjustment_factor"], [1.4, 1.0])
    assert_allclose(weight[respondent].sum(), 30.0)
    assert cell_table["eligible"].tolist() == [7, 8] and cell_table["respondents"].tolist() == [5, 8]
    assert person_cell.tolist() == [0] * 10 + [1] * 8


def test_weighted_respondents_reproduce_the_eligible_frame(small_results, small_round):
    persons = small_results.persons
    eligible = ~persons["disposition"].isin(["deceased", "screened_out"])
    frame_population = small_round[eligible.to_numpy()].groupby(["pathway", "region"])["design_weight"].sum()
    weighted = persons.groupby(["pathway", "region"])["weight"].sum()
    assert_allclose(weighted.to_numpy(), frame_population.to_numpy())
    by_cell = small_results.weighting_cells.groupby(["pathway", "region", "weighting_cell"])
    targets = by_cell["cell_population"].first()
    achieved = (
        persons.merge(small_results.weighting_cells, on=["pathway", "region", "sex", "age_group", "weighting_cell"])
        .groupby(["pathway", "region", "weighting_cell"])["weight"]
        .sum()
    )
    assert_allclose(achieved.to_numpy(), targets.loc[achieved.index].to_numpy())
    assert (
        small_results.weighting_cells.groupby(["pathway", "region", "weighting_cell"])["cell_respondents"].first() >= 5
    ).all()


def test_weighting_cells_of_a_tiny_stratum_mask_the_respondent_count(blank_export, q):
    from analysis import analyse_round

    export = blank_export(10)
    export.loc[:2, "status"] = "submitted"
    for item in q.core_items:
        export.loc[:2, item.id] = 1
    cells = analyse_round(export, q).weighting_cells
    assert cells["cell_respondents"].isna().all()
    assert cells["adjustment_factor"].notna().all()


def test_a_person_without_a_pathway_has_no_weight_and_changes_no_other():
    frame, respondent = _frame([("K", "50-64", 10, 5), ("M", "50-64", 8, 8)])
    weight = poststratify(frame, respondent, min_cell_respondents=3).weight
    without = frame.assign(pathway=frame["pathway"].where(frame.index != 0))  # the first person, a respondent
    other_weight, other_cells, *_ = poststratify(without, respondent, min_cell_respondents=3)
    assert np.isnan(other_weight[0])
    assert_allclose(other_weight[1:], (weight[1:] * np.where(frame["sex"][1:] == "K", 9 / 8, 1.0)), rtol=1e-12)
    assert other_cells["frame_population"].tolist() == [18.0, 16.0]


def test_eligible_targets_give_r_twophase_weights():
    """The post-stratification weights of the two-phase reference (weighting cells a, b, c as three
    sex × age cells, the ineligible out of the targets) are R survey's twophase() weights."""
    from pathlib import Path

    reference = Path(__file__).with_name("reference")
    data = pd.read_csv(reference / "twophase.csv", dtype={"region": str})
    cell = data["wcell"].str[-1].map({"a": ("K", "50-64"), "b": ("K", "65-79"), "c": ("M", "65-79")})
    frame = data[["pathway", "region"]].assign(
        sex=[sex for sex, _ in cell], age_group=[age for _, age in cell], design_weight=data["N_h"] / data["n_h"]
    )
    weight = poststratify(
        frame,
        (data["group"] == "respondent").to_numpy(),
        min_cell_respondents=2,
        is_eligible=(data["group"] != "ineligible").to_numpy(),
    ).weight
    expected = pd.read_csv(reference / "twophase_weights.csv")
    assert_allclose(weight.iloc[expected["row"] - 1].to_numpy(), expected["weight"].to_numpy(), rtol=1e-12)
    assert weight.notna().sum() == len(expected)
