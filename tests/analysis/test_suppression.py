"""Publication rules: small results hidden, small counts masked so subtraction cannot recover them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.suppression import mask_small_counts, suppress_small_results


def test_results_below_the_minimum_are_hidden_with_a_reason():
    table = pd.DataFrame({"n": [0, 12, 29, 30], "estimate": [np.nan, 50.0, 60.0, 70.0], "se": 1.0,
                          "lower": 40.0, "upper": 80.0, "suppressed": False, "suppression_reason": pd.NA})
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
    masked_rows = rates[rates["complete"].isna()]
    assert masked_rows[["rr1", "adjusted_rate"]].isna().all().all()
    assert (rates["masked_columns"].fillna("") != "").any()


def test_rates_never_give_back_a_masked_count(small_results):
    rates = small_results.response_rates
    for _, row in rates.iterrows():
        known = {name: row[name] for name in ("complete", "partial", "refusal", "screened_out", "deceased",
                                               "undeliverable", "no_response") if pd.notna(row[name])}
        derived = {}
        if pd.notna(row["rr1"]):
            derived["screened_out+deceased"] = row["invited"] - round(100 * row["complete"] / row["rr1"])
        if pd.notna(row["adjusted_rate"]):
            derived["screened_out+deceased+undeliverable"] = row["invited"] - round(100 * row["complete"] / row["adjusted_rate"])
        for names, total in ((("screened_out", "deceased"), derived.get("screened_out+deceased")),
                             (("screened_out", "deceased", "undeliverable"), derived.get("screened_out+deceased+undeliverable"))):
            if total is not None:
                assert sum(name not in known for name in names) != 1, row
        if len(derived) == 2:
            assert "undeliverable" in known
        if row["masked_columns"]:
            assert any(pd.isna(row[name]) for name in row["masked_columns"].split(";"))


def test_rate_publication_rule_by_hand():
    from analysis.round import _publishable_rates

    names = ["complete", "partial", "refusal", "screened_out", "deceased", "undeliverable", "no_response"]

    def masked(*which):
        return np.array([[name in which for name in names]])

    assert _publishable_rates(masked()).tolist() == [[True, True]]
    assert _publishable_rates(masked("screened_out", "deceased")).tolist() == [[True, True]]
    assert _publishable_rates(masked("deceased", "undeliverable")).tolist() == [[False, True]]   # the report's case
    assert _publishable_rates(masked("refusal", "undeliverable")).tolist() == [[True, False]]     # RR1 keeps R + U together
    assert _publishable_rates(masked("refusal", "deceased")).tolist() == [[False, False]]
    assert _publishable_rates(masked("partial", "refusal")).tolist() == [[True, True]]
    assert _publishable_rates(masked("complete", "partial")).tolist() == [[False, False]]
