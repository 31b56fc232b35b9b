"""Raking with trimming against R survey's calibrate(calfun = "raking", bounds = ...), and a raked round
through the pipeline against calibrate(twophase(...), phase = 2, calfun = "raking", bounds = ...)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import AnalysisConfig, analyse_round
from analysis.errors import AnalysisInputError
from analysis.raking import calibration_residuals, rake

REFERENCE = Path(__file__).with_name("reference")


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = pd.read_csv(REFERENCE / "raking.csv", dtype={"region": str})
    return frame, pd.read_csv(REFERENCE / "raking_reference.csv")


@pytest.mark.parametrize(("trim", "column"), [(None, "raked"), (1.8, "trimmed")])
def test_weights_equal_r_calibrate_raking(data, trim, column):
    frame, reference = data
    weight = rake(
        frame,
        frame["respondent"].to_numpy(),
        is_eligible=frame["eligible"].to_numpy(),
        min_cell_respondents=1,
        trim=trim,
        max_iterations=20000,
    )
    assert_allclose(weight.to_numpy()[reference["row"] - 1], reference[column], rtol=1e-8)
    assert weight[~frame["respondent"]].isna().all()


def test_margins_reproduce_the_eligible_frame(data):
    frame, _ = data
    respondent, eligible = frame["respondent"].to_numpy(), frame["eligible"].to_numpy()
    weight = rake(frame, respondent, is_eligible=eligible, min_cell_respondents=1, trim=1.8, max_iterations=20000)
    for margin in ("sex", "age_group"):
        keys = ["region", margin]
        assert_allclose(
            weight[respondent].groupby([frame[k][respondent] for k in keys]).sum().to_numpy(),
            frame[eligible].groupby(keys)["design_weight"].sum().to_numpy(),
            rtol=1e-9,
        )


def test_infeasible_trimming_is_a_clear_error(data):
    frame, _ = data
    with pytest.raises(AnalysisInputError, match=r"raking kol 01: the margins cannot be met .* 1\.1 × the median"):
        rake(frame, frame["respondent"].to_numpy(), is_eligible=frame["eligible"].to_numpy(), trim=1.1)


def test_small_age_group_collapses_with_its_smaller_neighbour():
    frame = pd.DataFrame(
        {
            "pathway": "kol",
            "region": "01",
            "sex": ["K"] * 12,
            "age_group": ["18-34"] * 2 + ["35-49"] * 4 + ["50-64"] * 6,
            "design_weight": 2.0,
        }
    )
    respondent = np.array([1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0], dtype=bool)
    weight = rake(frame, respondent, min_cell_respondents=3, trim=None)
    # 18-34 (1 respondent) merges with 35-49 (2): 6 invited x 2 over 3 respondents x 2 = factor 2
    assert_allclose(weight[respondent].to_numpy() / 2, [2, 2, 2, 1.2, 1.2, 1.2, 1.2, 1.2])


@pytest.mark.parametrize(("trim", "kind"), [(None, "raked"), (1.8, "trimmed")])
def test_mean_and_se_equal_r_svymean_on_calibrated_design(data, trim, kind):
    """svymean(~y, calibrate(..., calfun = "raking"[, bounds]), na.rm = TRUE) per stratum; in stratum 03
    the trimming binds (5 respondents at the cap), raking_se_reference.R."""
    frame, _ = data
    reference = pd.read_csv(REFERENCE / "raking_se_reference.csv", dtype={"region": str})
    reference = reference[reference["weights"] == kind].set_index("region")
    row = np.arange(1, len(frame) + 1)
    y = np.where(row % 7 == 0, np.nan, (37 * row) % 101)
    weight = rake(
        frame,
        frame["respondent"].to_numpy(),
        is_eligible=frame["eligible"].to_numpy(),
        min_cell_respondents=1,
        trim=trim,
        max_iterations=20000,
    ).to_numpy()
    responded = frame["respondent"].to_numpy()
    if kind == "trimmed":
        assert reference.loc["03", "capped"] > 0
    stratum = pd.factorize(frame["region"][responded])[0]
    w, d, value = weight[responded], frame["design_weight"].to_numpy()[responded], y[responded]
    has = ~np.isnan(value)
    influence = np.zeros(len(w))
    estimates = {}
    for code, region in enumerate(pd.unique(frame["region"][responded])):
        mine = (stratum == code) & has
        estimates[region] = np.sum(w[mine] * value[mine]) / w[mine].sum()
        influence[mine] = w[mine] * (value[mine] - estimates[region]) / w[mine].sum()
    margins = [pd.factorize(frame[column][responded])[0] for column in ("sex", "age_group")]
    residual = calibration_residuals(influence, stratum, margins, d, w)
    for code, region in enumerate(pd.unique(frame["region"][responded])):
        e = residual[stratum == code]
        se = np.sqrt(len(e) / (len(e) - 1) * np.sum((e - e.mean()) ** 2))
        assert_allclose(estimates[region], reference.loc[region, "estimate"], rtol=1e-8)
        assert_allclose(se, reference.loc[region, "se"], rtol=1e-6)
    # Calibration lowers the variance here: the residuals vary less than the raw influence values.
    assert np.sum(residual**2) < np.sum(influence**2)


# --- a raked round through the pipeline (raking_round_reference.R) ----------------------------------------

LEVELS = {"pathway_region": ("pathway", "region"), "pathway": ("pathway",), "region": ("region",), "national": ()}


@pytest.fixture(scope="module")
def raked_round(q):
    responses = pd.read_csv(REFERENCE / "raking_round.csv", dtype={"region": str})
    return responses, analyse_round(responses, q, config=AnalysisConfig(calibration="raking", raking_trim=3.0))


def test_raked_round_weights_equal_r_twophase_calibrate(raked_round):
    """The final weights of the pipeline are R's twophase() weights raked at phase 2 with bounds."""
    _, results = raked_round
    reference = pd.read_csv(REFERENCE / "raking_round_weights.csv")
    weight = results.persons["weight"].to_numpy()
    assert_allclose(weight[reference["row"] - 1], reference["weight"], rtol=1e-9)
    assert np.isnan(np.delete(weight, reference["row"] - 1)).all()


def test_raked_round_estimates_and_ses_equal_r_twophase_calibrate(raked_round):
    """Weighted means and shares of one dimension at every level against svymean / twophase2var on
    calibrate(twophase(...), phase = 2, calfun = "raking", bounds = ...): estimates to 1e-10, SEs to 1e-6."""
    _, results = raked_round
    reference = pd.read_csv(REFERENCE / "raking_round_reference.csv", dtype={"group": str})
    design = pd.read_csv(REFERENCE / "raking_round_design.csv", dtype={"region": str})
    # the reference's outcome is the pipeline's own dimension score (scoring is checked elsewhere)
    assert_allclose(results.persons["score_information"], design["score"], equal_nan=True)
    table = results.dimension_results
    table = table[(table["dimension"] == "information") & (table["weighting"] == "weighted")]
    compared = 0
    for row in reference.itertuples():
        keys = LEVELS[row.level]
        values = dict(zip(keys, row.group.split(" "), strict=True)) if keys else {}
        mine = table[(table["level"] == row.level) & (table["measure"] == MEASURES[row.variable])]
        for key, value in values.items():
            mine = mine[mine[key] == value]
        assert len(mine) == 1, row
        scale = 100.0 if row.variable == "positive" else 1.0
        assert_allclose(mine["estimate"].iloc[0], scale * row.estimate, rtol=1e-10)
        assert_allclose(mine["se"].iloc[0], scale * row.se, rtol=1e-6)
        compared += 1
    assert compared == 18


MEASURES = {"score": "mean_score", "positive": "share_positive"}


def test_raked_round_tables(raked_round):
    """The raking margins hold their targets; the weighting cells are the raking cells with the persons'
    factors; the trimmed weights are those R's bounds put at the cap; nothing of it is published."""
    _, results = raked_round
    margins = results.raking_margins
    assert set(margins["margin"]) == {"sex", "age_group"}
    assert_allclose(margins["achieved"], margins["target"], rtol=1e-9)
    # R: the bound binds for 3 respondents of ibd-vuxna 12, nowhere else
    trimmed = margins[margins["margin"] == "sex"].groupby(["pathway", "region"])["trimmed"].sum()
    assert trimmed.to_dict() == {
        ("ibd-vuxna", "01"): 0,
        ("ibd-vuxna", "12"): 3,
        ("reumatoid-artrit", "01"): 0,
        ("reumatoid-artrit", "12"): 0,
    }
    persons = results.persons
    factor = (persons["weight"] / persons["design_weight"]).to_numpy()
    cells = results.weighting_cells
    by_cell = cells.set_index(["pathway", "region", "sex", "age_group"])["adjustment_factor"]
    keys = list(zip(*(persons[k].astype(str) for k in ("pathway", "region", "sex", "age_group")), strict=True))
    responded = ~np.isnan(factor)
    assert_allclose(
        by_cell.loc[[key for key, r in zip(keys, responded, strict=True) if r]].to_numpy(), factor[responded]
    )
    assert cells["weighting_cell"].str.fullmatch(r"(K|M|alla) \| [0-9+\-.]+").all()
    methods = results.methods.set_index("topic")["description"]
    assert "raked (iterative proportional fitting)" in methods["weighting"]
    assert (
        "3 x the median untrimmed factor" in methods["weighting"]
        and "trimmed in this round: fewer than 5" in methods["weighting"]
    )
    assert "calibrate(phase = 2, calfun = 'raking')" in methods["variance"]
    assert "strata with respondents" in methods["ci_method.taylor_linearisation"]
    published = results.tables()["raking_margins"]
    assert published[["target", "achieved", "respondents", "trimmed"]].isna().all().all()
    assert published[["pathway", "region", "margin", "category"]].equals(
        margins[["pathway", "region", "margin", "category"]]
    )
    # degrees of freedom: respondents (242, with a value or not) minus strata (4), not minus raking cells
    national = results.dimension_results.query("level == 'national' and weighting == 'weighted'")
    assert (national["df"] == 242 - 4).all()


def test_raking_and_poststratification_differ_only_in_weights_and_variance(raked_round, q):
    responses, raked = raked_round
    post = analyse_round(responses, q)
    assert raked.response_rates.equals(post.response_rates)
    unweighted = [
        t[t["weighting"] == "unweighted"].reset_index(drop=True) for t in (raked.item_results, post.item_results)
    ]
    pd.testing.assert_frame_equal(*unweighted)
    assert post.raking_margins.empty
    assert not np.allclose(raked.persons["weight"].fillna(0), post.persons["weight"].fillna(0))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"calibration": "rake"}, "calibration is 'rake'; expected one of poststratification, raking"),
        ({"raking_trim": 1.0}, "raking_trim is 1.0; expected a multiple of the median factor above 1"),
        ({"raking_trim": 0}, "raking_trim is 0; expected"),
        ({"raking_trim": float("nan")}, "raking_trim is nan; expected"),
        ({"raking_trim": float("inf")}, "raking_trim is inf; expected"),
        ({"raking_trim": "5"}, "raking_trim is '5'; expected"),
        ({"raking_trim": True}, "raking_trim is True; expected"),
    ],
)
def test_config_rejects_bad_calibration_settings(settings, message):
    with pytest.raises(AnalysisInputError, match=re.escape(message)):
        AnalysisConfig(**settings)


def test_config_calibration_defaults():
    config = AnalysisConfig()
    assert config.calibration == "poststratification" and config.raking_trim == 5.0
    assert AnalysisConfig(calibration="raking", raking_trim=None).raking_trim is None
    assert AnalysisConfig(calibration="raking", raking_trim=2).raking_trim == 2


def test_person_level_file_of_a_raked_round(raked_round, q):
    """The analysts' file states the raked design: the phase-2 stratum is the stratum, the factor the raking
    factor, and the list of variables says so."""
    from analysis.exports import respondent_file, variable_list

    responses, results = raked_round
    table = respondent_file(results, responses, q)
    eligible = table["eligible"] == 1
    assert (table.loc[eligible, "phase2_cell"] == table.loc[eligible, "stratum"]).all()
    assert (table.loc[~eligible, "phase2_cell"] == table.loc[~eligible, "stratum"] + " ineligible").all()
    assert_allclose(table["adjustment_factor"] * table["design_weight"], table["weight"], equal_nan=True)
    labels = variable_list(table, q).set_index("name")
    assert labels.loc["adjustment_factor", "label_en"] == "Raking factor"
    assert labels.loc["weighting_cell", "label_sv"] == "Rakingcell"
