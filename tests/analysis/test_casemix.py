"""Case-mix models against R's glm, and adjusted results on hand-made cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis.casemix import (
    _MAX_CANCELLATION,
    _adjusted_values,
    _Design,
    _linear_fit,
    _logistic_fit,
    _Population,
    _recycled_predictions,
    _statsmodels_fit,
    adjusted_comparison,
    fit_casemix_model,
    outcome_cells,
)

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
    assert row["band"] == "better" and not row["suppressed"]
    assert (table.loc[["01", "03"], "ci_method"] == "delta_method").all()


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


def _random_cells(seed: int, respondents: int) -> pd.DataFrame:
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
    data = pd.DataFrame(
        {"region": regions, "sex": sex, "health": health, "age_group": age, "score": score, "positive": positive}
    )
    return outcome_cells(data, ["region", "sex", "health", "age_group"], ["score", "positive"])


@pytest.mark.parametrize("seed, respondents", [(1, 400), (2, 2_000), (3, 20_000), (4, 150)])
@pytest.mark.parametrize("outcome, logistic", [("score", False), ("positive", True)])
def test_own_fits_match_statsmodels(seed, respondents, outcome, logistic):
    cells = _random_cells(seed, respondents)
    casemix = ["sex", "health", "age_group"]
    model = fit_casemix_model(cells, "region", casemix, outcome, logistic=logistic)
    fitted = cells[cells[f"{outcome}.count"] > 0]
    count, total, square = (fitted[f"{outcome}.{name}"].to_numpy() for name in ("count", "total", "square"))
    design = model.design(fitted)
    own = (
        _logistic_fit(_Design(design), total, count) if logistic else _linear_fit(_Design(design), count, total, square)
    )
    assert own is not None  # well-conditioned: fitted by our own IRLS / least squares, not statsmodels
    params, cov = _statsmodels_fit(design, count, total, square, logistic)
    assert_allclose(model.params, params, rtol=1e-8, atol=1e-10)
    assert_allclose(model.cov, cov, rtol=1e-8, atol=1e-12 * np.abs(cov).max())


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


def _cell_predictions(population, model, keep, count):
    """The recycled predictions over the population's cells, one model row each (no grouping)."""
    unit_terms = len(model.levels[population.unit]) - 1
    mix = count > 0
    base = np.column_stack(
        [np.ones(mix.sum()), np.zeros((mix.sum(), unit_terms)), population.onehot[mix][:, keep[unit_terms:]]]
    )
    return _recycled_predictions(model, base, count[mix])


@pytest.mark.parametrize("outcome, logistic", [("score", False), ("positive", True)])
def test_predictions_over_case_mix_combinations_equal_those_over_cells(outcome, logistic):
    population = _Population(_random_cells(5, 5_000), "region", ["sex", "health", "age_group"])
    count = population.statistics(outcome)[0]
    model, keep = population.fit(outcome, count > 0, logistic)
    assert len(population.mix_onehot) < (count > 0).sum()  # the combinations are fewer than the cells
    estimate, se, cancellation = _cell_predictions(population, model, keep, count)
    assert cancellation < _MAX_CANCELLATION
    grouped = _adjusted_values(population, model, keep, count)
    assert_allclose(grouped[0], estimate, rtol=1e-13)
    assert_allclose(grouped[1], se, rtol=1e-11)


def test_a_nearly_separated_fit_predicts_over_the_cells_in_their_order():
    # Every respondent in health 1 (the reference level) is positive: the intercept runs to about 27 and
    # the other health levels to -25; the delta-method variance cancels (covariances of 1e8), and the
    # same sums in another order would move the standard errors by about 1e-7 relative.
    generator = np.random.default_rng(5)
    health = generator.choice(["1", "2", "3", "missing"], 3_000, p=[0.3, 0.3, 0.3, 0.1])
    data = pd.DataFrame(
        {
            "region": generator.choice(["01", "03", "04", "05"], 3_000),
            "health": health,
            "sex": generator.choice(["K", "M"], 3_000),
        }
    )
    data["positive"] = (generator.random(3_000) < np.where(health == "1", 1.0, 0.75)).astype(float)
    population = _Population(
        outcome_cells(data, ["region", "health", "sex"], ["positive"]), "region", ["health", "sex"]
    )
    count = population.statistics("positive")[0]
    model, keep = population.fit("positive", count > 0, True)
    estimate, se, cancellation = _cell_predictions(population, model, keep, count)
    assert cancellation > _MAX_CANCELLATION
    adjusted = _adjusted_values(population, model, keep, count)
    np.testing.assert_array_equal(adjusted[0], estimate)
    np.testing.assert_array_equal(adjusted[1], se)


def test_design_cross_products_by_counting_equal_the_matrix_product():
    cells = _random_cells(6, 3_000)
    population = _Population(cells, "region", ["sex", "health", "age_group"])
    rows = (population.statistics("score")[0] > 0) & (population.unit_codes != 1)  # a region left out
    levels, _, keep, design = population.design(rows)
    matrix = np.column_stack([np.ones(rows.sum()), population.onehot[rows][:, keep]])
    np.testing.assert_array_equal(design.matrix, matrix)
    weight = np.random.default_rng(6).uniform(0, 5, len(matrix))
    expected = matrix.T @ (matrix * weight[:, None])
    for built in (design, _Design(matrix)):  # the population's columns, and the columns found from the matrix
        assert_allclose(built.information(weight), expected, rtol=1e-13, atol=0)
    # A predictor with one level in the rows is left out of the matrix, and its rows count all the same.
    one_sex = rows & (cells["sex"].to_numpy() == "K")
    levels, _, keep, design = population.design(one_sex)
    assert "sex" not in levels
    matrix = np.column_stack([np.ones(one_sex.sum()), population.onehot[one_sex][:, keep]])
    weight = weight[: len(matrix)]
    assert_allclose(design.information(weight), matrix.T @ (matrix * weight[:, None]), rtol=1e-13, atol=0)
