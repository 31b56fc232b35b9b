"""The person-level file: read back from every format, labelled from the questionnaire, rebuilding the design."""

from __future__ import annotations

import stat

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from numpy.testing import assert_allclose

from analysis.exports import respondent_file, write_respondent_files


@pytest.fixture(scope="module")
def written(small_results, small_round, q, tmp_path_factory):
    out = tmp_path_factory.mktemp("respondents")
    paths = write_respondent_files(small_results, small_round, q, out)
    return out, paths, respondent_file(small_results, small_round, q)


def test_every_file_is_written_owner_only(written):
    _, paths, _ = written
    assert [path.name for path in paths] == [
        "respondents.csv",
        "respondents.parquet",
        "respondents.sav",
        "respondents.dta",
        "respondents_variables.csv",
        "codebook.csv",
        "codebook.md",
        "export_variables.csv",
    ]
    for path in paths[:5]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_csv_and_parquet_read_back_as_written(written, small_round):
    out, _, table = written
    parquet = pd.read_parquet(out / "respondents.parquet")
    pd.testing.assert_frame_equal(parquet, table)
    csv = pd.read_csv(out / "respondents.csv", dtype={"region": str, "respondent_id": str})
    assert len(csv) == len(small_round) and list(csv.columns) == list(table.columns)
    assert_allclose(csv["weight"].to_numpy(), table["weight"].to_numpy(dtype=float), equal_nan=True)


@pytest.mark.parametrize("suffix, reader", [("sav", pyreadstat.read_sav), ("dta", pyreadstat.read_dta)])
def test_spss_and_stata_carry_the_questionnaire_labels(written, q, suffix, reader):
    out, _, table = written
    data, meta = reader(str(out / f"respondents.{suffix}"))
    assert list(data.columns) == list(table.columns)
    item = q.item("care_plan")
    labels = meta.column_names_to_labels
    # Stata keeps 80 characters of a variable label, SPSS the whole text
    assert labels["care_plan"] == (item.text["sv"][:80] if suffix == "dta" else item.text["sv"])
    assert labels["weight"] == "Slutlig vikt"
    assert meta.variable_value_labels["care_plan"] == {
        float(option.code): option.label["sv"] for option in item.choices.options
    }
    assert meta.variable_value_labels["responded"] == {0.0: "Nej", 1.0: "Ja"}
    assert_allclose(data["care_plan"], table["care_plan"].astype("float64"), equal_nan=True)
    assert_allclose(data["weight"], table["weight"], equal_nan=True)
    assert data["disposition"].tolist() == table["disposition"].tolist()
    assert (data["weighting_cell"].fillna("") == table["weighting_cell"].fillna("")).all()


def test_the_file_rebuilds_the_weighted_results(written, small_results):
    """The weighted national mean of a dimension from the file is the published one, and the final
    weights of each phase-2 cell reproduce its eligible population."""
    _, _, table = written
    respondents = table[table["responded"] == 1]
    has = respondents["score_respect"].notna()
    published = small_results.dimension_results.query(
        "level == 'national' and dimension == 'respect' and weighting == 'weighted' and measure == 'mean_score'"
    )["estimate"].iloc[0]
    assert_allclose(
        np.average(respondents.loc[has, "score_respect"], weights=respondents.loc[has, "weight"]), published
    )
    eligible = table[table["eligible"] == 1]
    target = eligible.groupby("phase2_cell")["design_weight"].sum()
    achieved = respondents.groupby("phase2_cell")["weight"].sum()
    assert_allclose(achieved.to_numpy(), target.loc[achieved.index].to_numpy())
    assert (table.loc[table["eligible"] == 0, "observed"] == 1).all()
    assert (table["stratum_invited"] == table.groupby("stratum")["respondent_id"].transform("size")).all()


def test_variables_are_listed_with_both_languages(written):
    out, _, table = written
    variables = pd.read_csv(out / "respondents_variables.csv")
    assert variables["name"].tolist() == list(table.columns)
    assert variables[["label_sv", "label_en", "description"]].notna().all().all()


def test_results_of_other_responses_are_refused(small_results, small_round, q):
    with pytest.raises(ValueError, match="not the analysis of these responses"):
        respondent_file(small_results, small_round.iloc[::-1].reset_index(drop=True), q)
