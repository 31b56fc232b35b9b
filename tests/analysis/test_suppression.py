"""Publication rules: small results hidden, small counts masked so subtraction cannot recover them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisConfig, analyse_round, write_tables
from analysis.disclosure import mask_response_rates, narrowed_counts, rate_steps, round_rates
from analysis.dispositions import rates_from_counts
from analysis.suppression import mask_small_counts, suppress_small_results
from analysis.tables import DISPOSITIONS


def test_results_below_the_minimum_are_hidden_with_a_reason():
    table = pd.DataFrame(
        {
            "n": [0, 12, 29, 30],
            "estimate": [np.nan, 50.0, 60.0, 70.0],
            "se": 1.0,
            "lower": 40.0,
            "upper": 80.0,
            "suppressed": False,
            "suppression_reason": pd.NA,
        }
    )
    result = suppress_small_results(table, 30)
    assert result["suppressed"].tolist() == [True, True, True, False]
    assert result["suppression_reason"].tolist()[:3] == ["no_respondents", "too_few_respondents", "too_few_respondents"]
    assert pd.isna(result["suppression_reason"].iloc[3])
    assert result.loc[:2, ["estimate", "se", "lower", "upper"]].isna().all().all()
    assert result["n"].tolist() == [0, 12, 29, 30]
    assert result.loc[3, "estimate"] == 70.0


def test_a_small_count_is_masked_with_the_next_smallest_of_its_row():
    table = pd.DataFrame({"a": [50, 40], "b": [3, 20], "c": [12, 0], "d": [7, 9]})
    masked, columns = mask_small_counts(table, ["a", "b", "c", "d"])
    # row 0: b = 3 masked, next smallest non-zero is d = 7; row 1 untouched (0 is not small)
    assert masked.iloc[0].isna().tolist() == [False, True, False, True]
    assert columns.tolist() == ["b;d", ""]
    assert masked.iloc[1].tolist() == [40, 20, 0, 9]


def test_masks_cannot_be_recovered_by_subtraction_in_rows_or_groups():
    generator = np.random.default_rng(5)
    counts = generator.integers(0, 40, size=(12, 5))
    counts[generator.random(counts.shape) < 0.2] = generator.integers(1, 5)
    table = pd.DataFrame(counts, columns=list("vwxyz")).assign(group=np.repeat(["g1", "g2", "g3"], 4))
    masked, _ = mask_small_counts(table, list("vwxyz"), column_groups=[(pd.Series(True, index=table.index), ["group"])])
    hidden = masked[list("vwxyz")].isna().to_numpy()
    assert hidden[(counts >= 1) & (counts < 5)].all()
    # no row and no column within a group has exactly one masked cell: a published total minus the
    # shown cells gives at best the sum of two or more masked cells
    assert (hidden.sum(axis=1) != 1).all()
    for _, rows in table.groupby("group").groups.items():
        assert (hidden[np.asarray(rows)].sum(axis=0) != 1).all()
    assert (masked[list("vwxyz")].to_numpy(dtype=float)[~hidden] == counts[~hidden]).all()


def test_published_tables_have_no_recoverable_small_count(small_results):
    rates = small_results.response_rates
    dispositions = ["complete", "partial", "refusal", "screened_out", "deceased", "undeliverable", "no_response"]
    values = rates[dispositions]
    shown = values.to_numpy(dtype=float, na_value=np.nan)
    assert not ((shown >= 1) & (shown < 5)).any()
    assert (values.isna().sum(axis=1) != 1).all()
    finest = rates[rates["level"] == "pathway_region"]
    for _, members in finest.groupby("pathway"):
        assert (members[dispositions].isna().sum(axis=0) != 1).all()
    assert rates.loc[rates["invited"] > 0, ["rr1", "adjusted_rate"]].notna().all().all()
    assert (rates["masked_columns"].fillna("") != "").any()


def test_rates_are_rounded_coarsely_where_a_count_is_masked(small_results):
    rates = small_results.response_rates
    masked = rates[list(DISPOSITIONS)].isna().any(axis=1)
    assert (rates.loc[~masked, "rate_rounding"] == 1).all()
    step = rates["rate_rounding"].to_numpy()
    expected = np.select(
        [rates["invited"] >= 500, rates["invited"] >= 100, rates["invited"] >= 50, rates["invited"] >= 20],
        [1.0, 5.0, 10.0, 25.0],
        50.0,
    )
    # The step of rate_steps, or a coarser one where that step would narrow a masked count (see
    # test_rates_that_would_narrow_a_masked_count_are_rounded_more_coarsely).
    assert (step[masked] >= expected[masked]).all()
    for column in ("rr1", "adjusted_rate"):
        assert np.allclose(rates[column] / step, np.round(rates[column] / step))


def _national_of_the_tiny_round() -> pd.DataFrame:
    """A unit of 500 invited whose refusal (4), screened out (1) and deceased (3) counts are masked."""
    counts = {"complete": 241, "partial": 15, "refusal": 4, "screened_out": 1, "deceased": 3}
    counts |= {"undeliverable": 7, "no_response": 229}
    return pd.DataFrame([{"level": "national", "invited": 500, **counts}]).assign(
        pathway=pd.NA, region=pd.NA, healthcare_region=pd.NA
    )


def test_whole_percent_rates_narrow_a_masked_count_by_hand():
    """RR1 = 241 / (500 - screened out - deceased) = 48.6 shows as 49, so the denominator is 486.9 to
    496.9 and screened out + deceased at least 3.1: refusal = 8 - (screened out + deceased) is at most
    4.9. The adjusted rate 241 / (485 + refusal) = 49.3 shows as 49: 485 + refusal is at least 486.9,
    refusal at least 1.9. Both rates in whole percent put refusal between 1.9 and 4.9; in steps of 5
    points (both 50) it may be 0."""
    unit = _national_of_the_tiny_round().iloc[0]
    published = unit.copy()
    published[["refusal", "screened_out", "deceased"]] = np.nan
    assert narrowed_counts(published, {"rr1": 49.0, "adjusted_rate": 49.0}, 1.0, 5) == ["refusal"]
    assert narrowed_counts(published, {"rr1": 49.0}, 1.0, 5) == []  # alone, each rate leaves 0 or 5 possible
    assert narrowed_counts(published, {"adjusted_rate": 49.0}, 1.0, 5) == []
    assert narrowed_counts(published, {"rr1": 50.0, "adjusted_rate": 50.0}, 5.0, 5) == []


def test_rates_that_would_narrow_a_masked_count_are_rounded_more_coarsely():
    table = _national_of_the_tiny_round()
    masked = mask_response_rates(table, rates_from_counts(table), AnalysisConfig())
    assert masked[["refusal", "screened_out", "deceased"]].isna().all(axis=None)
    assert masked[["rr1", "adjusted_rate", "rate_rounding"]].iloc[0].tolist() == [50.0, 50.0, 5.0]


def test_a_unit_whose_rates_narrow_a_count_at_every_step_shows_none():
    """Nine invited, five complete, the other four (refusal 2, screened out 1, deceased 1) masked: RR1
    and the adjusted rate are both 5/7 = 71 %. Even rounded to 50 points (window 25-75 %), either rate
    gives a denominator of at least 6.7, so refusal is at least 1.7 of at most 4: no rate is shown."""
    counts = {"complete": 5, "partial": 0, "refusal": 2, "screened_out": 1, "deceased": 1}
    table = pd.DataFrame([{"level": "national", "invited": 9, **counts, "undeliverable": 0, "no_response": 0}]).assign(
        pathway=pd.NA, region=pd.NA, healthcare_region=pd.NA
    )
    masked = mask_response_rates(table, rates_from_counts(table), AnalysisConfig())
    published = masked.iloc[0].astype(object).where(masked.iloc[0].notna(), np.nan)
    assert narrowed_counts(published, {"adjusted_rate": 50.0}, 50.0, 5) == ["refusal"]
    assert masked[["rr1", "adjusted_rate"]].isna().all(axis=None)
    assert masked["rate_rounding"].iloc[0] == 50.0


def test_rate_steps_by_hand():
    invited = np.array([1000, 500, 499, 100, 99, 50, 49, 20, 19, 3])
    assert rate_steps(invited).tolist() == [1, 1, 5, 5, 10, 10, 25, 25, 50, 50]
    assert round_rates(np.array([46.4, 47.5, 12.5, 87.4]), np.array([1.0, 5.0, 25.0, 25.0])).tolist() == [
        46.0,
        50.0,
        25.0,
        75.0,
    ]


@pytest.fixture(scope="module")
def national_results(national_round, q):
    """The national round (about 16 complete per region and pathway), published from 10 respondents on."""
    return analyse_round(
        national_round, q, config=AnalysisConfig(min_respondents_shown=10, adjusted_items=("care_plan",))
    )


def test_masked_n_shows_a_rounded_estimate_without_interval(national_results):
    for table in (national_results.item_results, national_results.dimension_results):
        hidden = table["n"].isna() & table["estimate"].notna()
        assert hidden.any()
        assert (table.loc[hidden, "estimate"] == table.loc[hidden, "estimate"].round()).all()
        assert table.loc[hidden, ["se", "lower", "upper"]].isna().all().all()
        shown = table["n"].notna() & table["estimate"].notna()
        assert table.loc[shown, "se"].notna().all()


def test_published_weighting_cells_hold_only_the_collapsing(national_results):
    published = national_results.tables()["weighting_cells"]
    internal = national_results.weighting_cells
    assert (
        published[["frame_population", "cell_population", "cell_respondents", "adjustment_factor"]].isna().all().all()
    )
    assert published["weighting_cell"].equals(internal["weighting_cell"])
    assert internal["adjustment_factor"].notna().any()


@pytest.fixture(scope="module")
def national_unmasked(national_round, q):
    """The same analysis with no count masked: the true n a reader must not be able to get back."""
    return analyse_round(
        national_round,
        q,
        config=AnalysisConfig(min_respondents_shown=10, mask_counts_below=0, adjusted_items=("care_plan",)),
    )


UNIT = ["level", "pathway", "region", "healthcare_region"]


def _units(table, columns=UNIT):
    return pd.MultiIndex.from_frame(table[columns].astype("string").fillna(""))


@pytest.mark.parametrize(
    ("name", "within"),
    [
        ("item_results", ["weighting", "measure", "item_id"]),
        ("dimension_results", ["weighting", "measure", "dimension"]),
    ],
)
def test_respondent_counts_of_results_cannot_give_back_a_masked_count(
    national_results, national_unmasked, name, within
):
    table, rates = getattr(national_results, name), national_results.response_rates
    true_n = getattr(national_unmasked, name)["n"]
    complete = pd.Series(rates["complete"].to_numpy(dtype=float, na_value=np.nan), index=_units(rates))
    # a masked n equal to its group's shown complete count is known to a reader: it protects nothing
    known = table["n"].isna().to_numpy() & (complete.reindex(_units(table)).to_numpy() == true_n.to_numpy(dtype=float))
    n = table["n"].to_numpy(dtype=float, na_value=np.nan)
    assert not ((n >= 1) & (n < 5)).any()
    hidden_units = _units(rates[rates["complete"].isna()])
    assert len(hidden_units)  # the round has masked complete counts
    of_hidden = _units(table).isin(hidden_units)
    assert of_hidden.any() and table.loc[of_hidden, "n"].isna().all()  # a dimension's n would be the complete count
    assert table.loc[~of_hidden, "n"].notna().any()
    # a coarser level's n minus the shown n of its parts gives at best the sum of two masked ones
    level = table["level"]
    for rows, by in [
        (level == "pathway_region", ["pathway"]),
        (level == "pathway_region", ["region"]),
        (level == "region", ["healthcare_region"]),
        (level == "pathway", []),
        (level == "healthcare_region", []),
    ]:
        unknown = table.assign(unknown=table["n"].isna().to_numpy() & ~known)[rows]
        assert (unknown.groupby(by + within, dropna=False)["unknown"].sum() != 1).all()


def test_adjusted_and_weighting_counts_follow_the_masked_results(national_results):
    adjusted, results = national_results.adjusted_results, national_results.dimension_results
    assert adjusted["n"].isna().any() and adjusted["n"].notna().any()
    finest = results[(results["level"] == "pathway_region") & (results["weighting"] == "unweighted")]
    published = finest.set_index(["pathway", "region", "dimension", "measure"])["n"]
    dimensions = adjusted[adjusted["item_id"].isna()]
    expected = published.reindex(pd.MultiIndex.from_frame(dimensions[["pathway", "region", "dimension", "measure"]]))
    assert (dimensions["n"].isna().to_numpy() == expected.isna().to_numpy()).all()
    assert (dimensions["n"].dropna().to_numpy() == expected.dropna().to_numpy()).all()
    n = adjusted["n"].to_numpy(dtype=float, na_value=np.nan)
    assert not ((n >= 1) & (n < 5)).any()
    rates, cells = national_results.response_rates, national_results.weighting_cells
    hidden = _units(rates[(rates["level"] == "pathway_region") & rates["complete"].isna()], ["pathway", "region"])
    of_hidden = _units(cells, ["pathway", "region"]).isin(hidden)
    assert of_hidden.any() and cells.loc[of_hidden, "cell_respondents"].isna().all()


def test_written_tables_keep_the_masks(national_results, tmp_path):
    write_tables(national_results, tmp_path)
    for name in ("item_results", "dimension_results", "adjusted_results"):
        written = pd.read_csv(tmp_path / f"{name}.csv", dtype={"region": str})
        assert written["n"].isna().sum() == getattr(national_results, name)["n"].isna().sum() > 0
        assert not written["n"].between(1, 4).any()


def test_cells_masked_from_the_start_are_protected_like_small_ones():
    table = pd.DataFrame({"group": ["a", "a", "a"], "n": [40, 50, 60]})
    masked, columns = mask_small_counts(
        table,
        ["n"],
        row_totals=False,
        column_groups=[(pd.Series([True] * 3), ["group"])],
        masked=np.array([[False], [True], [False]]),
    )
    assert masked["n"].isna().tolist() == [True, True, False]  # 50 forced, 40 the next smallest
    assert columns.tolist() == ["n", "n", ""]


def test_a_count_shown_elsewhere_is_not_chosen_as_the_next_smallest():
    table = pd.DataFrame({"group": ["a"] * 4, "n": [3, 40, 50, 60]})
    every = [(pd.Series([True] * 4), ["group"])]
    masked, _ = mask_small_counts(
        table, ["n"], row_totals=False, column_groups=every, published=np.array([[False], [True], [False], [False]])
    )
    assert masked["n"].isna().tolist() == [True, False, True, False]  # 40 is public elsewhere: 50 hides the 3
    masked, _ = mask_small_counts(
        table, ["n"], row_totals=False, column_groups=every, published=np.array([[False]] + [[True]] * 3)
    )
    assert masked["n"].isna().tolist() == [True, True, False, False]  # nothing else left: the smallest after all


def test_a_group_of_one_member_is_masked_with_its_total():
    # Region 12 has one stratum (pathway P): its region row shows that stratum's count. The stratum's
    # 9 is masked beside P's 3 in region 01; shown in region 12's row it would give back 3 = 12 - 9.
    table = pd.DataFrame(
        {
            "level": ["pathway_region"] * 3 + ["region"] * 2 + ["pathway"] * 2,
            "pathway": ["P", "P", "Q", None, None, "P", "Q"],
            "region": ["01", "12", "01", "01", "12", None, None],
            "a": [3, 9, 30, 33, 9, 12, 30],
        }
    )
    level = table["level"]
    by_pathway, by_region = (level == "pathway_region", ["pathway"]), (level == "pathway_region", ["region"])
    before, _ = mask_small_counts(table, ["a"], row_totals=False, column_groups=[by_pathway, by_region])
    assert before["a"].isna().tolist() == [True, True, True, False, False, False, False]  # 12 - 9 = 3
    masked, _ = mask_small_counts(
        table,
        ["a"],
        row_totals=False,
        column_groups=[(*by_pathway, level == "pathway"), (*by_region, level == "region")],
    )
    # region 12 and pathway Q, each a group of one, are masked with their one member
    assert masked["a"].isna().tolist() == [True, True, True, False, True, False, True]


def test_a_masked_total_is_not_the_sum_of_its_shown_members():
    table = pd.DataFrame(
        {
            "level": ["pathway_region", "pathway_region", "region"],
            "region": ["01", "01", "01"],
            "a": [10, 12, 22],
            "b": [7, 9, 16],
        }
    )
    level = table["level"]
    masked, _ = mask_small_counts(
        table,
        ["a", "b"],
        masked=np.array([[False, False], [False, False], [True, False]]),
        column_groups=[(level == "pathway_region", ["region"], level == "region")],
    )
    hidden = masked[["a", "b"]].isna().to_numpy()
    assert hidden[2, 0]
    assert hidden[:2, 0].sum() >= 1  # 22 - 10 - 12 no longer known: a member is masked with it
    for column in range(2):
        line = hidden[:, column]
        assert line.sum() != 1
