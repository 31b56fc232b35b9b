"""Better / as expected / worse against the rest of the country, on funnel limits (Spiegelhalter 2005).

The chain from the respondents to the bands is checked against base R (``reference/funnel_reference.R``:
glm, recycled predictions, the delta-method covariance, the rest-of-country contrasts, Winsorised φ and
τ²), the pure functions on hand-made cases.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from pypdf import PdfReader

from analysis.casemix import adjusted_comparison, outcome_cells
from analysis.comparison import (
    HIDDEN_WITH_N,
    funnel_bands,
    funnel_comparison,
    overdispersion,
    publish_masked_comparisons,
    rest_contrasts,
)
from analysis.config import AnalysisConfig
from analysis.report import build_content, write_pdf
from analysis.round import analyse_round

REFERENCE = Path(__file__).with_name("reference")
FUNNEL_COLUMNS = [
    "estimate",
    "rest_value",
    "difference",
    "difference_se",
    "z_score",
    "tau2",
    "phi",
    "expected_lower_95",
    "expected_upper_95",
    "expected_lower",
    "expected_upper",
]


@pytest.fixture(scope="module")
def funnel_table():
    data = pd.read_csv(REFERENCE / "funnel.csv", dtype={"region": str, "health": str})
    cells = outcome_cells(data, ["region", "sex", "age_group", "health"], ["positive", "score"])
    return adjusted_comparison(
        cells, "region", ["sex", "age_group", "health"], {"positive": True, "score": False}, min_respondents=30
    )


@pytest.mark.parametrize("outcome", ["positive", "score"])
def test_funnel_matches_r(funnel_table, outcome):
    reference = pd.read_csv(REFERENCE / "funnel_reference.csv", dtype={"region": str})
    reference = reference[reference["outcome"] == outcome].set_index("region")
    table = funnel_table[funnel_table["outcome"] == outcome].set_index("unit").loc[reference.index]
    assert_allclose(table["n"], reference["n"])
    for column in FUNNEL_COLUMNS:
        assert_allclose(table[column], reference[column], rtol=1e-6, atol=1e-9, err_msg=column)
    for column in ("band", "band_95"):
        assert table[column].fillna("").tolist() == reference[column].fillna("").tolist(), column


def test_the_reference_case_flags_the_outlier_and_the_boundary_region(funnel_table):
    """What the R reference shows: region 03 worse at 99.8 % on both measures; region 25 (every
    respondent positive, outside the model) better at 95 % only, and flagged as separated."""
    positive = funnel_table[funnel_table["outcome"] == "positive"].set_index("unit")
    assert positive.loc["03", "band"] == "worse"
    assert positive.loc["25", "band_95"] == "better" and positive.loc["25", "band"] == "as_expected"
    assert positive.loc["25", "ci_method"] == "wilson_unadjusted"
    assert positive.loc["25", "separation"] == "region=25:all_positive"
    assert (positive["tau2"].dropna() > 0).all()  # overdispersed: the limits are widened
    assert pd.isna(positive.loc["24", "band"]) and np.isnan(positive.loc["24", "z_score"])  # below the minimum


def test_rest_contrasts_leave_the_unit_out():
    contrasts = rest_contrasts(np.array([10.0, 30.0, 60.0]), np.array([True, True, True]))
    estimate = np.array([1.0, 2.0, 3.0])
    # unit 0 against (30·2 + 60·3)/90, unit 2 against (10·1 + 30·2)/40
    assert_allclose(contrasts @ estimate, [1 - 240 / 90, 2 - 190 / 70, 3 - 70 / 40])


def test_rest_contrasts_skip_units_outside_the_rest():
    contrasts = rest_contrasts(np.array([10.0, 30.0, 60.0]), np.array([True, False, True]))
    assert_allclose(contrasts[1], [-10 / 70, 1.0, -60 / 70])
    assert_allclose(contrasts[0], [1.0, 0.0, -1.0])


def test_overdispersion_by_hand():
    z = np.array([-4.0, -1.5, -1.0, -0.5, 0.0, 0.2, 0.5, 1.0, 1.5, 2.0, 6.0])
    se = np.array([1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0])
    phi, tau2 = overdispersion(z, se)
    # 11 units: floor(1.1) = 1 value each side pulled in: -4 -> -1.5, 6 -> 2
    trimmed = np.array([-1.5, -1.5, -1.0, -0.5, 0.0, 0.2, 0.5, 1.0, 1.5, 2.0, 2.0])
    assert phi == pytest.approx(np.mean(trimmed**2))
    w = 1 / se**2
    assert tau2 == pytest.approx((11 * phi - 10) / (w.sum() - (w**2).sum() / w.sum()))


def test_no_widening_without_overdispersion_or_with_few_units():
    calm = np.linspace(-1, 1, 12)
    assert overdispersion(calm, np.ones(12))[1] == 0.0  # I φ <= I - 1
    wild = np.array([-5.0, -3.0, 0.0, 3.0, 5.0])
    phi, tau2 = overdispersion(wild, np.ones(5))
    assert phi > 1 and tau2 == 0.0  # five units: too few to estimate τ²
    assert np.isnan(overdispersion(np.array([]), np.array([]))[0])


def test_bands_at_the_stated_limits():
    z = np.array([-3.2, -2.0, 0.0, 2.0, 3.2, np.nan])
    assert funnel_bands(z, 0.998).tolist() == ["worse", "as_expected", "as_expected", "as_expected", "better", None]
    assert funnel_bands(z, 0.95).tolist() == ["worse", "worse", "as_expected", "better", "better", None]


def test_the_rest_carries_its_own_uncertainty_and_covariance():
    # Two units: the difference's variance is var_1 + var_2 - 2 cov, not var_1 alone.
    covariance = np.array([[0.04, 0.01], [0.01, 0.09]])
    columns = funnel_comparison(
        np.array([0.5, 0.7]), covariance, np.array([50.0, 50.0]), np.array([True, True]), proportion=True
    )
    assert_allclose(columns["difference"], [-0.2, 0.2])
    assert_allclose(columns["difference_se"], np.sqrt(0.04 + 0.09 - 0.02))
    assert_allclose(columns["tau2"], 0.0)


def test_a_masked_n_hides_the_funnel_figures_of_its_whole_comparison():
    """The rest of every other unit is weighted by the masked n: shown, it would give the n back."""
    funnel = {name: [1.0, 2.0, 3.0, 4.0] for name in HIDDEN_WITH_N}
    table = pd.DataFrame(
        {
            "comparison": ["regions_within_pathway"] * 3 + ["pathways_within_region"],
            "pathway": ["kol", "kol", "ibd-vuxna", "kol"],
            "region": ["01", "03", "01", "01"],
            "dimension": ["overall"] * 4,
            "item_id": pd.array([pd.NA] * 4, dtype="string"),
            "measure": ["mean_score"] * 4,
            "n": pd.array([40, pd.NA, 50, 60], dtype="Int64"),
            "suppressed": [False] * 4,
            **funnel,
            "band": ["as_expected", "worse", "better", "as_expected"],
            "tau2": [2.0, 2.0, 3.0, 1.0],
        }
    )
    published = publish_masked_comparisons(table.copy())
    hidden = list(HIDDEN_WITH_N)
    assert published.loc[[0, 1], hidden].isna().all().all()  # kol's regions: region 03's n is masked
    pd.testing.assert_frame_equal(published.loc[[2, 3]], table.loc[[2, 3]])  # other comparisons as they were
    assert published["band"].tolist() == table["band"].tolist() and published["tau2"].tolist() == [2.0, 2.0, 3.0, 1.0]
    unmasked = table.assign(n=pd.array([40, 30, 50, 60], dtype="Int64"))
    pd.testing.assert_frame_equal(publish_masked_comparisons(unmasked.copy()), unmasked)


def test_a_separated_round_says_so_in_the_tables_and_beside_the_chart(small_round, q, tmp_path):
    """A constructed round: every respondent in the best self-rated health answers yes to the care plan
    item, so the logistic fit of that item has a level with no finite effect."""
    export = small_round.copy()
    healthy = pd.to_numeric(export["self_rated_health"], errors="coerce") == 1
    answered = pd.to_numeric(export["care_plan"], errors="coerce").notna()
    assert (healthy & answered).sum() > 20
    export.loc[healthy & answered, "care_plan"] = 1
    results = analyse_round(export, q, config=AnalysisConfig(adjusted_items=("care_plan",)))
    adjusted = results.adjusted_results
    care_plan = adjusted[(adjusted["item_id"] == "care_plan") & (adjusted["measure"] == "share_positive")]
    fitted = care_plan[care_plan["ci_method"] == "delta_method"]
    assert len(fitted) >= 2 and fitted["estimate"].notna().all()
    assert fitted["separation"].str.contains("self_rated_health=1:all_positive", regex=False).all()
    assert adjusted.loc[adjusted["measure"] == "mean_score", "separation"].isna().all()  # linear fits: none
    # The separated level is named once, not with the coefficients of that variable that diverge with it.
    assert not fitted["separation"].str.contains("self_rated_health=2:diverged", regex=False).any()

    pathway = fitted["pathway"].iloc[0]
    content = build_content(results, q, kind="pathway", pathway=pathway, round_name="2026-test")
    rows = content.care_plan.rows
    assert any("self_rated_health=1:all_positive" in row.separation for row in rows)
    pages = [page.extract_text() for page in PdfReader(write_pdf(content, tmp_path / "separated.pdf")).pages]
    care_page = next(re.sub(r"\s+", " ", page) for page in pages if "Den individuella vårdplanen" in page)
    assert "Separation i modellen: självskattad hälsa (enkätsvar) = 1 (alla svarande positiva)" in care_page
    # The dimension pages rest on linear fits: no note there.
    assert not any("Separation i modellen" in page for page in pages if "Den individuella vårdplanen" not in page)
