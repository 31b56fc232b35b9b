"""analyse_round end to end: input checks, coherent tables, suppression, files written."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import AnalysisConfig, AnalysisInputError, analyse_round, write_tables
from analysis.tables import TABLES


def test_every_table_follows_its_schema(small_results):
    for name, table in small_results.tables().items():
        assert [column for column in table.columns] == [column.name for column in TABLES[name]], name
        assert len(table) > 0 or name == "raking_margins", name  # raking margins: a raked run only
    assert small_results.raking_margins.empty
    assert small_results.questionnaire_id == "prem-vardforlopp"


def test_item_means_and_shares_match_a_direct_computation(small_results, small_round, q):
    complete = small_results.persons["disposition"] == "complete"
    codes = small_round.loc[complete, "care_plan"]
    options = {option.code: option for option in q.item("care_plan").scale.options}
    scored = codes.dropna().map(lambda code: options[code].score).dropna()
    positive = (
        codes.dropna().map(lambda code: options[code].positive if options[code].score is not None else None).dropna()
    )
    row = small_results.item_results.query(
        "level == 'national' and item_id == 'care_plan' and weighting == 'unweighted'"
    ).set_index("measure")
    assert row.loc["mean_score", "n"] == len(scored)
    assert_allclose(row.loc["mean_score", "estimate"], scored.mean())
    assert_allclose(row.loc["share_positive", "estimate"], 100 * positive.astype(float).mean())
    assert row.loc["share_positive", "ci_method"] == "wilson" and row.loc["mean_score", "ci_method"] == "t"
    assert row["dimension"].eq("involvement").all()


def test_dimension_results_average_the_respondent_scores(small_results, q):
    persons = small_results.persons
    respondents = persons[persons["disposition"] == "complete"]
    for weighting in ("unweighted", "weighted"):
        row = small_results.dimension_results.query(
            f"level == 'pathway' and pathway == 'ibd-vuxna' and dimension == 'respect' and weighting == '{weighting}' "
            "and measure == 'mean_score'"
        ).iloc[0]
        group = respondents[(respondents["pathway"] == "ibd-vuxna") & respondents["score_respect"].notna()]
        weights = np.ones(len(group)) if weighting == "unweighted" else group["weight"].to_numpy()
        assert_allclose(row["estimate"], np.average(group["score_respect"], weights=weights))
        assert row["lower"] < row["estimate"] < row["upper"]
    assert set(small_results.dimension_results["dimension"]) == {dimension.id for dimension in q.dimensions}


def test_small_groups_are_suppressed_and_large_shown(small_round, q, small_results):
    assert not small_results.dimension_results["suppressed"].any()  # every group of the small round has 30+
    results = analyse_round(small_round, q, config=AnalysisConfig(min_respondents_shown=190)).dimension_results
    small = results["n"] < 190
    assert small.any() and (~small).any()
    assert results.loc[small, "estimate"].isna().all()
    assert results.loc[small, "suppression_reason"].isin(["too_few_respondents", "no_respondents"]).all()
    assert results.loc[~small, "estimate"].notna().all() and not results.loc[~small, "suppressed"].any()


def test_adjusted_results_compare_regions_and_pathways(small_results):
    adjusted = small_results.adjusted_results
    assert set(adjusted["comparison"]) == {"regions_within_pathway", "pathways_within_region"}
    shown = adjusted[~adjusted["suppressed"]]
    assert shown["band"].isin(["better", "as_expected", "worse"]).all()
    assert ((shown["lower"] <= shown["estimate"]) & (shown["estimate"] <= shown["upper"])).all()
    care_plan = adjusted[adjusted["item_id"] == "care_plan"]
    assert set(care_plan["measure"]) == {"share_positive", "mean_score"}
    within_pathway = adjusted[(adjusted["comparison"] == "regions_within_pathway") & adjusted["item_id"].isna()]
    assert within_pathway.groupby(["pathway", "dimension", "measure"])["reference"].nunique().eq(1).all()


def test_pca_weights_change_the_dimension_scores(small_round, q, small_results):
    pca = analyse_round(small_round, q, config=AnalysisConfig(dimension_weights="pca", min_respondents_shown=10**9))
    weights = pca.dimension_weights
    assert set(weights["method"]) <= {"pca", "equal_fallback"} and (weights["method"] == "pca").any()
    assert_allclose(weights.groupby("dimension")["weight"].sum(), 1.0)
    assert not np.allclose(
        pca.persons["score_information"].dropna(), small_results.persons["score_information"].dropna()
    )


def test_write_tables_of_real_results(small_results, tmp_path):
    written = write_tables(small_results, tmp_path)
    assert len(written) == 2 * len(TABLES) + 1
    items = pd.read_parquet(tmp_path / "item_results.parquet")
    pd.testing.assert_frame_equal(items, small_results.item_results, check_dtype=False)
    csv = pd.read_csv(tmp_path / "response_rates.csv", dtype={"region": str})
    assert len(csv) == len(small_results.response_rates)
    dictionary = pd.read_csv(tmp_path / "data_dictionary.csv")
    assert set(dictionary["table"]) == set(TABLES)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda export: export.drop(columns="care_plan"), "lacks the column.*care_plan"),
        (
            lambda export: export.assign(region=np.where(export.index == 3, "99", export["region"])),
            r"'region', row 4 .*'99'",
        ),
        (
            lambda export: export.assign(care_plan=pd.array([7] + [pd.NA] * (len(export) - 1), dtype="Int64")),
            r"'care_plan', row 1 \(respondent_id R0000000000\): '7' is not an option code.*\[1, 2, 9\]",
        ),
        (lambda export: export.assign(design_weight=0.0), "'design_weight', row 1 .*positive"),
        (lambda export: export.drop(columns="stratum_population"), "lacks the column.*stratum_population"),
        (lambda export: export.assign(stratum_population=-2), "'stratum_population', row 1 .*positive"),
        (
            lambda export: export.assign(stratum_population=3),
            "'stratum_population', row 1 .*smaller than the 6 persons invited in its pathway × region",
        ),
        (lambda export: export.assign(sex=["K", "M", "X", "K", "M", "K"]), r"'sex', row 3 .*'X' is not one of .*K, M"),
        (lambda export: export.assign(age_group="65+"), r"'age_group', row 1 .*'65\+'"),
        (
            lambda export: export.assign(questionnaire_id="prem-other", questionnaire_version="1"),
            "answered on prem-other 1",
        ),
    ],
)
def test_bad_input_is_named(blank_export, q, change, message):
    with pytest.raises(AnalysisInputError, match=message):
        analyse_round(change(blank_export(6)), q)


def test_of_several_bad_items_the_first_in_the_questionnaire_is_named(blank_export, q):
    """The items' answers are checked on two threads; the error is still the first item's, in order."""
    wrong = pd.array([7] + [pd.NA] * 5, dtype="Int64")
    export = blank_export(6).assign(
        help=wrong, care_plan=wrong, overall_rating=pd.array([pd.NA, 8, pd.NA, pd.NA, pd.NA, pd.NA], dtype="Int64")
    )
    with pytest.raises(AnalysisInputError, match=r"'overall_rating', row 2 .*'8' is not an option code"):
        analyse_round(export, q)


def test_region_codes_read_as_numbers_are_restored(blank_export, q):
    export = blank_export(4, region="03").assign(region=3)
    results = analyse_round(export, q)
    assert results.response_rates.query("level == 'pathway_region'")["region"].tolist() == ["03"]


def test_a_round_before_anyone_has_answered(blank_export, q):
    results = analyse_round(blank_export(40), q)
    national = results.response_rates.set_index("level").loc["national"]
    assert national["invited"] == 40 and national["no_response"] == 40 and national["complete"] == 0
    assert national["rr1"] == 0
    for table in (results.item_results, results.dimension_results):
        assert (table["n"] == 0).all() and (table["suppression_reason"] == "no_respondents").all()
    assert results.adjusted_results.empty
    assert results.persons["weight"].isna().all()


@pytest.mark.parametrize(
    "settings, message",
    [
        ({"dimension_weights": "factor"}, "dimension_weights is 'factor'"),
        ({"confidence": 95}, "confidence is 95"),
        ({"min_respondents_shown": -1}, "min_respondents_shown is -1"),
    ],
)
def test_bad_settings_are_named(settings, message):
    with pytest.raises(AnalysisInputError, match=message):
        AnalysisConfig(**settings)


def test_an_unknown_adjusted_item_is_named(blank_export, q):
    with pytest.raises(AnalysisInputError, match=r"adjusted_items \['careplan'\]"):
        analyse_round(blank_export(3), q, config=AnalysisConfig(adjusted_items=("careplan",)))


def test_pathways_within_region_only_when_asked(small_round, q, small_results):
    default = analyse_round(small_round, q, config=AnalysisConfig(adjusted_items=("care_plan",))).adjusted_results
    assert set(default["comparison"]) == {"regions_within_pathway"}
    both = small_results.adjusted_results
    pd.testing.assert_frame_equal(default, both[both["comparison"] == "regions_within_pathway"].reset_index(drop=True))
    none = analyse_round(small_round, q, config=AnalysisConfig(comparisons=()))
    assert none.adjusted_results.empty
    assert "Comparisons made in this run: none." in none.methods.set_index("topic").loc["casemix", "description"]


def test_an_unknown_comparison_is_named():
    with pytest.raises(AnalysisInputError, match=r"comparisons \['regions'\] are not comparisons"):
        AnalysisConfig(comparisons=("regions",))


def test_an_export_without_rows(blank_export, q):
    results = analyse_round(blank_export(0), q)
    national = results.response_rates.set_index("level").loc["national"]
    assert national["invited"] == 0 and pd.isna(national["rr1"])
    assert results.item_results.empty and results.dimension_results.empty and results.adjusted_results.empty


def test_no_comparison_when_only_one_region_has_enough_respondents(small_round, q, small_results):
    # reumatoid-artrit keeps 40 complete respondents in region 01 and 10 in each other region
    persons = small_results.persons.set_index("respondent_id")
    complete = small_round["respondent_id"].map(persons["disposition"]).eq("complete")
    keep = {"01": 40, "12": 10, "25": 10}
    chosen = small_round[complete & (small_round["pathway"] == "reumatoid-artrit")].groupby("region").head(40)
    chosen = chosen[chosen.groupby("region").cumcount() < chosen["region"].map(keep)]
    export = pd.concat([small_round[small_round["pathway"] != "reumatoid-artrit"], chosen], ignore_index=True)
    results = analyse_round(export, q, config=AnalysisConfig(adjusted_items=("care_plan",)))
    counts = results.response_rates.set_index(["level", "pathway", "region"])["complete"]
    assert [counts[("pathway_region", "reumatoid-artrit", region)] for region in keep] == list(keep.values())
    adjusted = results.adjusted_results
    assert not (adjusted["pathway"] == "reumatoid-artrit").any()  # one region shown: nothing to compare
    other = adjusted[adjusted["pathway"] == "ibd-vuxna"]
    assert len(other) and other["se"].max() < 50
    assert "fewer than two units reach 30" in results.methods.set_index("topic").loc["casemix", "description"]


def test_prefer_not_to_answer_is_missing_for_the_case_mix(small_round, q, small_results):
    # "Vill inte svara" is stored as its own code (99) but must adjust exactly as no answer does.
    declined = small_round.copy()
    for role in ("self_rated_health", "education"):
        item = q.item_by_role(role)
        [code] = [option.code for option in item.scale.options if option.declined]
        unanswered = np.flatnonzero(declined["status"].eq("submitted") & declined[item.id].isna())
        assert len(unanswered) > 1
        declined.loc[declined.index[unanswered[::2]], item.id] = code  # every other one; the rest left empty
    results = analyse_round(declined, q, config=small_results.config)
    pd.testing.assert_frame_equal(results.adjusted_results, small_results.adjusted_results)
