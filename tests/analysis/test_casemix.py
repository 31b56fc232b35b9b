"""Case-mix models against R's glm, and adjusted results on hand-made cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from numpy.testing import assert_allclose

from analysis.casemix import CasemixModel, _diverged_terms, adjusted_comparison, fit_casemix_model, outcome_cells

REFERENCE = Path(__file__).with_name("reference")
CASEMIX = ["age_group", "sex", "health"]


@pytest.fixture
def respondents():
    data = pd.read_csv(REFERENCE / "design.csv", dtype={"region": str})
    data = data[data["score"].notna()].copy()
    data["is_positive"] = (data["score"] > 50).astype(float)
    return data


@pytest.mark.parametrize(
    "model_kind, outcome, logistic", [("linear", "score", False), ("logistic", "is_positive", True)]
)
def test_coefficients_match_r_glm(respondents, model_kind, outcome, logistic):
    reference = pd.read_csv(REFERENCE / "glm_reference.csv")
    reference = reference[reference["model"] == model_kind].set_index("term")
    cells = outcome_cells(respondents, ["region", *CASEMIX], [outcome])
    model = fit_casemix_model(cells, "region", CASEMIX, outcome, logistic=logistic)
    assert model.terms == reference.index.tolist()
    assert_allclose(model.params, reference["estimate"], rtol=1e-6)
    assert_allclose(np.sqrt(np.diag(model.cov)), reference["se"], rtol=1e-5)
    assert model.n == len(respondents)


def test_linear_adjustment_without_case_mix_differences_equals_observed():
    # Same case mix in both regions: adjusted = observed, and the model is additive.
    data = pd.DataFrame(
        {
            "region": ["01"] * 4 + ["03"] * 4,
            "sex": ["K", "K", "M", "M"] * 2,
            "score": [80.0, 60.0, 40.0, 20.0, 100.0, 80.0, 60.0, 40.0],
        }
    )
    table = adjusted_comparison(
        outcome_cells(data, ["region", "sex"], ["score"]), "region", ["sex"], {"score": False}, min_respondents=2
    )
    assert_allclose(table["estimate"], [50.0, 70.0])
    assert_allclose(table["observed"], [50.0, 70.0])
    assert_allclose(table["reference"], [60.0, 60.0])
    # residuals ±10 in every cell: σ² = 8·100/(8-3); se of a region's adjusted mean = sqrt(σ²/4)
    assert_allclose(table["se"], np.sqrt(160 / 4), rtol=1e-10)


def test_case_mix_standardisation_removes_a_composition_difference():
    # Women score 80 and men 40 in both regions; region 01 treats mostly women.
    data = pd.DataFrame(
        {
            "region": ["01"] * 40 + ["03"] * 40,
            "sex": ["K"] * 30 + ["M"] * 10 + ["K"] * 10 + ["M"] * 30,
            "score": [80.0] * 30 + [40.0] * 10 + [80.0] * 10 + [40.0] * 30,
        }
    )
    data.loc[::7, "score"] += 1.0
    table = adjusted_comparison(
        outcome_cells(data, ["region", "sex"], ["score"]), "region", ["sex"], {"score": False}, min_respondents=30
    )
    assert table["observed"].iloc[0] > table["observed"].iloc[1] + 15
    assert abs(table["estimate"].iloc[0] - table["estimate"].iloc[1]) < 1
    assert (table["band"] == "as_expected").all()


def test_bands_and_suppression():
    generator = np.random.default_rng(3)
    regions = np.repeat(["01", "03", "04", "05"], [200, 200, 200, 10])
    base = {"01": 0.9, "03": 0.5, "04": 0.15, "05": 0.5}
    positive = (generator.random(len(regions)) < np.vectorize(base.get)(regions)).astype(float)
    data = pd.DataFrame({"region": regions, "sex": generator.choice(["K", "M"], len(regions)), "positive": positive})
    cells = outcome_cells(data, ["region", "sex"], ["positive"])
    table = adjusted_comparison(cells, "region", ["sex"], {"positive": True}).set_index("unit")
    assert table.loc["01", "band"] == "better" and table.loc["04", "band"] == "worse"
    assert table.loc["03", "band"] == "as_expected"
    assert table.loc["05", "suppressed"] and table.loc["05", "suppression_reason"] == "too_few_respondents"
    assert np.isnan(table.loc["05", "estimate"]) and pd.isna(table.loc["05", "band"])
    assert_allclose(table["reference"], 100 * positive.mean())


def test_logistic_delta_method_by_finite_differences(respondents):
    cells = outcome_cells(respondents, ["region", *CASEMIX], ["is_positive"])
    table = adjusted_comparison(
        cells, "region", CASEMIX, {"is_positive": True}, min_respondents=1, proportion_scale=1.0
    )
    model = fit_casemix_model(cells, "region", CASEMIX, "is_positive", logistic=True)
    # adjusted value of region 03 as a function of the coefficients, differentiated numerically
    design = model.design(respondents.assign(region="03"))

    def adjusted(params: np.ndarray) -> float:
        return float(np.mean(1 / (1 + np.exp(-design @ params))))

    step = 1e-6
    gradient = np.array(
        [
            (adjusted(model.params + step * e) - adjusted(model.params - step * e)) / (2 * step)
            for e in np.eye(len(model.params))
        ]
    )
    row = table.set_index("unit").loc["03"]
    assert_allclose(row["estimate"], adjusted(model.params))
    assert_allclose(row["se"], np.sqrt(gradient @ model.cov @ gradient), rtol=1e-5)


def test_a_unit_with_every_respondent_positive_gets_an_unadjusted_wilson_interval():
    generator = np.random.default_rng(2)
    regions = np.repeat(["01", "03", "04"], [200, 200, 30])
    positive = (generator.random(len(regions)) < 0.8).astype(float)
    positive[regions == "04"] = 1.0
    data = pd.DataFrame({"region": regions, "sex": generator.choice(["K", "M"], len(regions)), "positive": positive})
    table = adjusted_comparison(
        outcome_cells(data, ["region", "sex"], ["positive"]), "region", ["sex"], {"positive": True}
    ).set_index("unit")
    row = table.loc["04"]
    assert row["ci_method"] == "wilson_unadjusted" and row["estimate"] == 100.0
    # Wilson 30 of 30: lower bound n / (n + z²)
    assert_allclose(row["lower"], 100 * 30 / (30 + 1.959963984540054**2))
    # Against the rest (about 80 %) with the binomial variance under the rest's value: z about 2.7,
    # beyond the 95 % limits but inside the 99.8 % ones that the band is judged on.
    assert row["band_95"] == "better" and row["band"] == "as_expected" and not row["suppressed"]
    assert 2 < row["z_score"] < 3.09
    assert row["separation"] == "region=04:all_positive"
    assert (table.loc[["01", "03"], "ci_method"] == "delta_method").all()
    assert table.loc[["01", "03"], "separation"].isna().all()


def test_one_unit_at_the_minimum_has_no_comparison():
    generator = np.random.default_rng(5)
    regions = np.repeat(["01", "03", "04"], [40, 10, 10])
    data = pd.DataFrame(
        {
            "region": regions,
            "sex": generator.choice(["K", "M"], len(regions)),
            "positive": (generator.random(len(regions)) < 0.6).astype(float),
        }
    )
    cells = outcome_cells(data, ["region", "sex"], ["positive"])
    assert adjusted_comparison(cells, "region", ["sex"], {"positive": True}, min_respondents=30).empty
    both = adjusted_comparison(cells, "region", ["sex"], {"positive": True}, min_respondents=10)
    assert sorted(both["unit"]) == ["01", "03", "04"] and not both["suppressed"].any()


def _random_respondents(seed: int, respondents: int) -> pd.DataFrame:
    generator = np.random.default_rng(seed)
    regions = generator.choice(["01", "03", "04", "05", "06"], respondents)
    sex = generator.choice(["K", "M"], respondents)
    health = generator.choice(["1", "2", "3", "4", "missing"], respondents, p=[0.1, 0.3, 0.3, 0.2, 0.1])
    age = generator.choice(["18-34", "35-49", "50-64", "65-79"], respondents)
    effect = {"01": -0.4, "03": 0.0, "04": 0.3, "05": 0.1, "06": -0.1}
    linear = np.vectorize(effect.get)(regions) + 0.3 * (sex == "M") - 0.2 * (health == "4") + 0.1 * (age == "65-79")
    score = np.clip(60 + 25 * linear + generator.normal(0, 20, respondents), 0, 100).round(-1)
    positive = (generator.random(respondents) < 1 / (1 + np.exp(-(0.5 + linear)))).astype(float)
    score[generator.random(respondents) < 0.05] = np.nan
    return pd.DataFrame(
        {"region": regions, "sex": sex, "health": health, "age_group": age, "score": score, "positive": positive}
    )


@pytest.mark.parametrize("seed, respondents", [(1, 400), (2, 2_000), (4, 150)])
@pytest.mark.parametrize("outcome, logistic", [("score", False), ("positive", True)])
def test_the_fit_on_cells_equals_the_fit_on_respondents(seed, respondents, outcome, logistic):
    data = _random_respondents(seed, respondents)
    casemix = ["sex", "health", "age_group"]
    cells = outcome_cells(data, ["region", *casemix], [outcome])
    model = fit_casemix_model(cells, "region", casemix, outcome, logistic=logistic)
    answered = data[data[outcome].notna()]
    family = sm.families.Binomial() if logistic else sm.families.Gaussian()
    fit = sm.GLM(answered[outcome].to_numpy(), model.design(answered), family=family).fit()
    # The same model; a logistic fit's iterations stop at a deviance change of 1e-8, on the cells and on
    # the respondents at slightly different points: the covariance (of the last step) agrees to 1e-5.
    rtol = 1e-6 if logistic else 1e-10
    assert_allclose(model.params, fit.params, rtol=rtol, atol=rtol * 1e-2)
    assert_allclose(model.cov, fit.cov_params(), rtol=100 * rtol, atol=rtol * np.abs(model.cov).max())
    assert model.n == len(answered)


def test_a_linear_model_saturated_on_its_cells_keeps_the_within_cell_variance():
    # No case mix: one cell per region, as many cells as coefficients. The adjusted value is the
    # region's mean; its standard error the pooled within-region variance over the region's respondents.
    data = pd.DataFrame({"region": ["01"] * 3 + ["03"] * 4, "score": [10.0, 20.0, 30.0, 50.0, 60.0, 70.0, 80.0]})
    table = adjusted_comparison(
        outcome_cells(data, ["region"], ["score"]), "region", [], {"score": False}, min_respondents=3
    )
    pooled = (200 + 500) / (7 - 2)  # sums of squares about each region's mean over n - 2
    assert_allclose(table["estimate"], [20.0, 65.0])
    assert_allclose(table["se"], np.sqrt([pooled / 3, pooled / 4]), rtol=1e-12)


def test_perfect_prediction_fails_the_model():
    # Within both regions every woman is positive and no man: the fit predicts every cell exactly.
    data = pd.DataFrame({"region": ["01"] * 40 + ["03"] * 40, "sex": (["K"] * 25 + ["M"] * 15) * 2})
    data["positive"] = (data["sex"] == "K").astype(float)
    cells = outcome_cells(data, ["region", "sex"], ["positive"])
    table = adjusted_comparison(cells, "region", ["sex"], {"positive": True})
    assert (table["suppression_reason"] == "model_failed").all() and table["suppressed"].all()


def test_a_singular_design_fails_the_model():
    # Region 01 treats only women and region 03 only men: region and sex cannot be told apart.
    generator = np.random.default_rng(8)
    data = pd.DataFrame(
        {
            "region": ["01"] * 40 + ["03"] * 40,
            "sex": ["K"] * 40 + ["M"] * 40,
            "health": generator.choice(["1", "2"], 80),
            "score": generator.normal(60, 10, 80),
        }
    )
    cells = outcome_cells(data, ["region", "sex", "health"], ["score"])
    table = adjusted_comparison(cells, "region", ["sex", "health"], {"score": False})
    assert (table["suppression_reason"] == "model_failed").all()


def _separated_data(generator: np.random.Generator) -> pd.DataFrame:
    """Three regions of 100; every respondent with health 3 positive (quasi-complete separation)."""
    n = 300
    data = pd.DataFrame(
        {
            "region": np.repeat(["01", "03", "04"], 100),
            "health": generator.choice(["1", "2", "3"], n),
            "sex": generator.choice(["K", "M"], n),
        }
    )
    data["positive"] = (generator.random(n) < 0.6).astype(float)
    data.loc[data["health"] == "3", "positive"] = 1.0
    data["score"] = 100 * data["positive"]
    return data


def test_a_separated_case_mix_level_is_named_on_every_row_of_its_fit():
    data = _separated_data(np.random.default_rng(4))
    table = adjusted_comparison(
        outcome_cells(data, ["region", "health", "sex"], ["positive", "score"]),
        "region",
        ["health", "sex"],
        {"positive": True, "score": False},
    )
    logistic = table[table["outcome"] == "positive"]
    assert (logistic["separation"] == "health=3:all_positive").all()
    assert logistic["estimate"].notna().all()  # shown, with the note
    # The fit itself diverges there: the maximum-likelihood coefficient is infinite.
    cells = outcome_cells(data, ["region", "health", "sex"], ["positive"])
    model = fit_casemix_model(cells, "region", ["health", "sex"], "positive", logistic=True)
    assert model.params[model.terms.index("health3")] > 10
    # Separation is a property of logistic fits: the linear model of the same values has none.
    assert table.loc[table["outcome"] == "score", "separation"].isna().all()


def test_a_diverged_coefficient_is_named():
    model = CasemixModel(
        "region",
        {"region": ["01", "03"], "sex": ["K", "M"]},
        ["(Intercept)", "region03", "sexM"],
        np.array([0.5, 0.2, -18.0]),
        np.diag([0.01, 0.02, 4000.0]),
        logistic=True,
        n=100,
    )
    assert _diverged_terms(model) == ["sex=M:diverged"]


def test_a_completely_separated_fit_fails_and_says_why():
    data = _separated_data(np.random.default_rng(6))
    data["positive"] = (data["health"] == "3").astype(float)  # health predicts every answer
    table = adjusted_comparison(
        outcome_cells(data, ["region", "health", "sex"], ["positive"]), "region", ["health", "sex"], {"positive": True}
    )
    assert (table["suppression_reason"] == "model_failed").all() and table["band"].isna().all()
    assert table["separation"].str.contains("health=3:all_positive").all()
    assert table["separation"].str.contains("health=1:none_positive").all()


@pytest.mark.parametrize("outcome, logistic", [("positive", True), ("score", False)])
def test_population_target_matches_r_predictive_margins(outcome, logistic):
    """standardise_to="population": R's glm predictions averaged with the final weights, and the
    delta-method SE from the same gradient (reference/standardise_reference.R)."""
    data = pd.read_csv(REFERENCE / "standardise.csv", dtype={"region": str})
    reference = pd.read_csv(REFERENCE / "standardise_reference.csv", dtype={"region": str})
    reference = reference[reference["outcome"] == outcome].set_index("region")
    keys = ["region", "sex", "age_group", "health"]
    cells = outcome_cells(data, keys, [outcome], data["weight"].to_numpy())
    table = adjusted_comparison(
        cells, "region", keys[1:], {outcome: logistic}, proportion_scale=1.0, standardise_to="population"
    )
    modelled = table[(table["ci_method"] == "delta_method") & ~table["suppressed"]].set_index("unit")
    assert modelled.index.tolist() == reference.index.tolist()
    assert_allclose(modelled["estimate"], reference["estimate"], rtol=0, atol=1e-8)
    # R's IRLS stops at its own tolerance: its logistic covariance differs from statsmodels' at ~1e-6 relative
    # (as in test_coefficients_match_r_glm).
    assert_allclose(modelled["se"], reference["se"], rtol=1e-5)
    # The default still standardises to the respondents, unweighted: a different figure here.
    respondents = adjusted_comparison(cells, "region", keys[1:], {outcome: logistic}, proportion_scale=1.0)
    assert not np.allclose(respondents.set_index("unit").loc[modelled.index, "estimate"], modelled["estimate"])


def test_population_target_needs_weights_and_a_known_target():
    data = pd.read_csv(REFERENCE / "standardise.csv", dtype={"region": str})
    cells = outcome_cells(data, ["region", "sex"], ["positive"])
    with pytest.raises(ValueError, match="summed weights"):
        adjusted_comparison(cells, "region", ["sex"], {"positive": True}, standardise_to="population")
    with pytest.raises(ValueError, match="standardise_to is 'weighted'"):
        adjusted_comparison(cells, "region", ["sex"], {"positive": True}, standardise_to="weighted")


def test_config_rejects_an_unknown_standardisation_target():
    from analysis.config import AnalysisConfig
    from analysis.errors import AnalysisInputError

    with pytest.raises(
        AnalysisInputError, match="standardise_to is 'everyone'; expected one of respondents, population"
    ):
        AnalysisConfig(standardise_to="everyone")
