"""Raking with trimming against R survey's calibrate(calfun = "raking", bounds = ...)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

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
