"""Dispositions for every status path, and the response rates built on them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import AnalysisConfig, AnalysisInputError, analyse_round
from analysis.dispositions import classify_dispositions, rates_from_counts
from analysis.tables import DISPOSITIONS

# (status, core items answered of 25, expected disposition)
PATHS = [
    ("submitted", 25, "complete"),
    ("submitted", 13, "complete"),  # 13 >= 12.5: at least half
    ("submitted", 12, "partial"),  # some, not enough
    ("submitted", 0, "no_response"),
    ("started", 20, "partial"),  # never submitted
    ("started", 1, "partial"),
    ("started", 0, "no_response"),
    ("not_started", 0, "no_response"),
    ("refused", 0, "refusal"),
    ("refused", 5, "refusal"),
    ("screened_out", 0, "screened_out"),
    ("deceased", 0, "deceased"),
    ("undeliverable", 0, "undeliverable"),
]


def test_each_status_path_gives_exactly_one_disposition():
    status = pd.Series([path[0] for path in PATHS])
    answered = pd.Series([path[1] for path in PATHS])
    assert classify_dispositions(status, answered, 25).tolist() == [path[2] for path in PATHS]
    assert classify_dispositions(status, answered, 25).dtype == "string"  # categorical only when asked
    categorical = classify_dispositions(status, answered, 25, categorical=True)
    assert list(categorical.cat.categories) == list(DISPOSITIONS)
    assert categorical.astype(str).tolist() == [path[2] for path in PATHS]


def test_an_unknown_status_names_row_and_respondent():
    with pytest.raises(AnalysisInputError, match=r"column 'status', row 2 \(respondent_id R2\).*'sent'"):
        classify_dispositions(
            pd.Series(["submitted", "sent"]), pd.Series([25, 0]), 25, respondent_id=pd.Series(["R1", "R2"])
        )


def test_rates_by_hand():
    counts = pd.DataFrame(
        {
            "invited": [15, 0],
            "complete": [6, 0],
            "partial": [2, 0],
            "refusal": [1, 0],
            "screened_out": [1, 0],
            "deceased": [1, 0],
            "undeliverable": [1, 0],
            "no_response": [3, 0],
        }
    )
    rates = rates_from_counts(counts)
    assert_allclose(rates["rr1"].iloc[0], 100 * 6 / 13)  # I/(I+P+R+NC+U)
    assert_allclose(rates["adjusted_rate"].iloc[0], 100 * 6 / 12)  # I/(invited - ineligible - U)
    assert rates.iloc[1].isna().all()


def _answer_core(export: pd.DataFrame, q, rows: list[int], how_many: int) -> None:
    for item in q.core_items[:how_many]:
        scored = [option.code for option in item.scale.options if option.score is not None]
        export.loc[rows, item.id] = scored[0]


def test_analyse_round_counts_dispositions_per_group(blank_export, q):
    export = blank_export(len(PATHS) * 3)
    for index, (status, answered, _) in enumerate(PATHS * 3):
        export.loc[index, "status"] = status
        _answer_core(export, q, [index], answered)
    results = analyse_round(export, q, config=AnalysisConfig(mask_counts_below=0))
    national = results.response_rates.set_index("level").loc["national"]
    expected = pd.Series([path[2] for path in PATHS * 3]).value_counts()
    for disposition, count in expected.items():
        assert national[disposition] == count
    assert national["invited"] == len(PATHS) * 3
    assert_allclose(national["rr1"], 100 * 6 / (6 + 9 + 6 + 9 + 3))  # I, P, R, NC, U
    assert_allclose(national["adjusted_rate"], 100 * 6 / (39 - 6 - 3))
    assert results.persons["disposition"].tolist() == [path[2] for path in PATHS * 3]


def test_response_rates_levels_add_up(small_results):
    rates = small_results.response_rates
    assert set(rates["level"]) == {"pathway_region", "pathway", "region", "healthcare_region", "national"}
    invited = rates.groupby("level")["invited"].sum()
    assert (invited == invited["national"]).all()
    finest = rates[rates["level"] == "pathway_region"]
    assert finest["healthcare_region"].notna().all() and finest["region"].str.fullmatch(r"\d\d").all()


def test_response_by_sex_age_against_frame(small_results, small_round, q):
    unmasked = analyse_round(small_round, q, config=AnalysisConfig(mask_counts_below=0)).response_by_sex_age
    computed = unmasked[unmasked["level"] == "national"]
    assert_allclose(computed["frame_share"].sum(), 100)
    assert_allclose(computed["frame_population"].sum(), small_round["design_weight"].sum())
    table = small_results.response_by_sex_age
    national = table[table["level"] == "national"]
    # published: shares in whole percent, no frame populations (invited x design weight)
    assert_allclose(national["frame_share"], computed["frame_share"].round(), atol=1e-9)
    assert table["frame_population"].isna().all()
    women_80 = national[(national["sex"] == "K") & (national["age_group"] == "80+")].iloc[0]
    frame = small_round[(small_round["sex"] == "K") & (small_round["age_group"] == "80+")]
    assert women_80["invited"] == len(frame)
    complete = (small_results.persons["disposition"] == "complete")[frame.index].sum()
    ineligible = (
        small_results.persons.loc[frame.index, "disposition"].isin(["screened_out", "deceased", "undeliverable"]).sum()
    )
    step = 1 if len(frame) >= 500 else 5
    assert_allclose(women_80["response_rate"], step * round(100 * complete / (len(frame) - ineligible) / step))
    assert np.isfinite(national["respondent_share"]).all()


def test_counts_per_stratum_with_every_region_and_four_pathways(q, national_round):
    export = national_round
    results = analyse_round(export, q, config=AnalysisConfig(min_respondents_shown=10**9, mask_counts_below=0))
    finest = results.response_rates[results.response_rates["level"] == "pathway_region"]
    assert len(finest) == 4 * 21
    expected = pd.crosstab([export["pathway"], export["region"]], results.persons["disposition"].to_numpy())
    got = finest.set_index(["pathway", "region"])[list(expected.columns)].astype("int64")
    got.index.names = expected.index.names
    pd.testing.assert_frame_equal(
        got.sort_index(),
        expected.sort_index(),
        check_names=False,
        check_dtype=False,
        check_index_type=False,
        check_column_type=False,
    )


def test_rr3_with_estimated_e_by_hand():
    """I 40, P 5, R 10, NC 25 (80 eligible), screened out 12, deceased 8 (20 ineligible), U 10:
    e = 80/100, RR3 = 40 / (80 + 0.8 x 10) = 40/88; e = 0 gives the adjusted rate 40/80."""
    from analysis.dispositions import estimated_e_rates, rates_from_counts

    counts = pd.DataFrame(
        {
            "invited": [110],
            "complete": [40],
            "partial": [5],
            "refusal": [10],
            "screened_out": [12],
            "deceased": [8],
            "undeliverable": [10],
            "no_response": [25],
        }
    )
    rates = estimated_e_rates(counts).iloc[0]
    assert rates["eligibility_rate"] == pytest.approx(80.0)
    assert rates["rr3"] == pytest.approx(100 * 40 / 88)
    assert rates_from_counts(counts).iloc[0]["adjusted_rate"] == pytest.approx(100 * 40 / 80)
