"""Raking with trimming against R survey's calibrate(calfun = "raking", bounds = ...)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.errors import AnalysisInputError
from analysis.raking import rake

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
