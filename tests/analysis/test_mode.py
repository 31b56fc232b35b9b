"""Response by mode (web / paper) and mode as a case-mix variable (analysis.mode).

Rates are checked against a count of the persons with pandas; the case-mix model with mode against
R's glm (tests/analysis/reference/mode_reference.R, run once; see the README there).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import AnalysisConfig, analyse_round
from analysis.disclosure import RATE_STEPS, round_rates
from analysis.errors import AnalysisInputError
from analysis.tables import TABLES

REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture(scope="module")
def q():
    """The definition the stored export was answered on (its questionnaire_version column)."""
    from questionnaires import load_questionnaire

    return load_questionnaire("prem-vardforlopp", version="2026.1")


INELIGIBLE = ("screened_out", "deceased", "undeliverable")


@pytest.fixture(scope="module")
def mode_export() -> pd.DataFrame:
    """The stored export of the R reference: one pathway × 3 regions, web and paper responses."""
    return pd.read_csv(
        REFERENCE / "mode_export.csv",
        dtype={"respondent_id": "string", "region": "string", "mode": "string", "questionnaire_version": "string"},
    )


@pytest.fixture(scope="module")
def results(mode_export, q):
    return analyse_round(mode_export, q)


@pytest.fixture(scope="module")
def with_mode(mode_export, q):
    return analyse_round(mode_export, q, config=AnalysisConfig(casemix_mode=True))


def hand_counts(export: pd.DataFrame, disposition: pd.Series) -> pd.DataFrame:
    """Eligible and complete respondents per mode, by a plain groupby of the persons."""
    persons = export[["pathway", "region", "age_group", "mode"]].assign(
        eligible=~disposition.isin(INELIGIBLE).to_numpy(),
        complete=(disposition == "complete").to_numpy(),
    )
    persons["complete_web"] = persons["complete"] & (persons["mode"] == "web")
    persons["complete_paper"] = persons["complete"] & (persons["mode"] == "paper")
    columns = ["eligible", "complete", "complete_web", "complete_paper"]
    parts = []
    for level, keys in (("national", []), ("pathway", ["pathway"]), ("region", ["region"])):
        for by in (keys, [*keys, "age_group"]):
            part = persons.groupby(by)[columns].sum().reset_index() if by else persons[columns].sum().to_frame().T
            parts.append(part.assign(level=level))
    return pd.concat(parts, ignore_index=True)


def test_the_table_is_in_the_published_tables_and_its_dictionary(results):
    assert "response_by_mode" in results.tables()
    assert list(results.response_by_mode.columns) == [column.name for column in TABLES["response_by_mode"]]


def test_counts_and_rates_by_mode_and_age_group_match_a_count_by_hand(mode_export, results):
    expected = hand_counts(mode_export, results.persons["disposition"])
    table = results.response_by_mode
    assert len(table) == len(expected)
    keys = ["level", "pathway", "region", "age_group"]
    merged = table.merge(expected.astype({key: "string" for key in keys if key in expected}), on=keys, how="left",
                         suffixes=("", "_hand"), validate="one_to_one")  # fmt: skip
    assert merged["eligible"].notna().all()
    for column in ("complete", "complete_web", "complete_paper"):
        shown = merged[column].notna()
        assert shown.sum() > len(merged) / 2, column
        assert (merged.loc[shown, column] == merged.loc[shown, f"{column}_hand"]).all(), column
    for rate, count in (("response_rate", "complete"), ("response_rate_web", "complete_web"),
                        ("response_rate_paper", "complete_paper")):  # fmt: skip
        shown = merged[rate].notna()
        assert shown.any()
        # rounded as the other response tables round theirs: to one of the disclosure steps
        by_hand = (100 * merged.loc[shown, f"{count}_hand"] / merged.loc[shown, "eligible"]).to_numpy(float)
        published = merged.loc[shown, rate].to_numpy(float)
        rounded = np.array([round_rates(by_hand, step) for step in RATE_STEPS])
        assert np.isclose(rounded, published).any(axis=0).all(), rate
        whole = merged.loc[shown, "level"].eq("national").to_numpy() & merged.loc[shown, "age_group"].isna().to_numpy()
        assert_allclose(published[whole], np.round(by_hand[whole]))  # the national row: every count shown
    shown = merged["paper_share"].notna()
    assert_allclose(
        merged.loc[shown, "paper_share"],
        100 * merged.loc[shown, "complete_paper_hand"] / merged.loc[shown, "complete_hand"],
    )
    # The national row for all ages: the response rates table's adjusted rate, split by mode.
    national = table[(table["level"] == "national") & table["age_group"].isna()].iloc[0]
    rates = results.response_rates
    adjusted = rates.loc[rates["level"] == "national", "adjusted_rate"].iloc[0]
    assert national["response_rate"] == pytest.approx(adjusted)
    assert national["complete"] == national["complete_web"] + national["complete_paper"]
    assert 0 < national["paper_share"] < 100


def test_old_people_answer_on_paper_more_often(results):
    table = results.response_by_mode
    ages = table[(table["level"] == "national") & table["age_group"].notna()].set_index("age_group")
    assert ages.loc["80+", "paper_share"] > ages.loc["35-49", "paper_share"]


def test_small_mode_counts_are_masked_with_the_next_smallest(mode_export, q):
    export = mode_export.copy()
    paper = export.index[(export["mode"] == "paper") & (export["region"] == "12")]
    export.loc[paper[3:], "mode"] = "web"  # three paper responses left in region 12
    table = analyse_round(export, q).response_by_mode
    region = table[(table["level"] == "region") & (table["region"] == "12") & table["age_group"].isna()].iloc[0]
    assert pd.isna(region["complete_paper"]) and pd.isna(region["complete_web"])
    assert pd.isna(region["response_rate_paper"]) and pd.isna(region["paper_share"])
    assert region["complete"] > 30 and region["masked_columns"] == "complete_web;complete_paper"
    # Nowhere does a shown count give back a masked one: rows add up, age groups add up to all ages.
    for _, row in table.iterrows():
        parts = [row["complete_web"], row["complete_paper"], row["complete"]]
        assert sum(pd.isna(value) for value in parts) != 1
    for (_level, _pathway, _region), unit in table.groupby(["level", "pathway", "region"], dropna=False):
        ages = unit[unit["age_group"].notna()]
        for column in ("complete_web", "complete_paper"):
            hidden = ages[column].isna().sum() + unit.loc[unit["age_group"].isna(), column].isna().sum()
            assert hidden != 1, (_level, _pathway, _region, column)


def test_a_count_masked_in_the_sex_and_age_table_is_masked_here(results):
    by_sex_age, table = results.response_by_sex_age, results.response_by_mode
    masked = by_sex_age[by_sex_age["complete"].isna()]
    assert len(masked), "the reference round has masked sex x age cells"
    for row in masked.itertuples():
        same = table[
            (table["level"] == row.level)
            & (table["pathway"].fillna("") == (row.pathway if isinstance(row.pathway, str) else ""))
            & (table["region"].fillna("") == (row.region if isinstance(row.region, str) else ""))
            & (table["age_group"] == row.age_group)
        ]
        assert len(same) == 1 and pd.isna(same["complete"].iloc[0]) and pd.isna(same["response_rate"].iloc[0])


def test_an_export_without_a_mode_column_counts_every_response_as_web(mode_export, q):
    table = analyse_round(mode_export.drop(columns="mode"), q).response_by_mode
    national = table[(table["level"] == "national") & table["age_group"].isna()].iloc[0]
    assert national["complete_paper"] == 0 and national["complete_web"] == national["complete"]


def test_a_bad_mode_names_row_and_respondent(mode_export, q):
    export = mode_export.copy()
    export.loc[5, "mode"] = "fax"
    with pytest.raises(AnalysisInputError, match=r"'mode', row 6 \(respondent_id R0000000005\): 'fax' is not a mode"):
        analyse_round(export, q)
    complete = export.index[export["status"] == "submitted"][0]
    export.loc[5, "mode"], export.loc[complete, "mode"] = "web", None
    with pytest.raises(AnalysisInputError, match=rf"'mode', row {complete + 1} .*empty for a complete response"):
        analyse_round(export, q)


def test_mode_is_no_case_mix_variable_by_default_and_the_methods_say_so(results, with_mode):
    methods = results.methods.set_index("topic")["description"]
    assert "mode" not in methods["casemix"].split("plus ")[1].split(" (categorical")[0]
    assert "not a case-mix variable in this run (the default" in methods["mode.casemix"]
    assert "adjusted response rate" in methods["mode.response_rates"]
    on = with_mode.methods.set_index("topic")["description"]
    assert "mode (categorical" in on["casemix"] and "is a case-mix variable in this run" in on["mode.casemix"]
    assert not results.config.casemix_mode


@pytest.mark.parametrize(("measure", "outcome"), [("share_positive", "positive"), ("mean_score", "score")])
@pytest.mark.parametrize("casemix_mode", [True, False])
def test_adjusted_values_match_r_glm_with_and_without_mode(results, with_mode, measure, outcome, casemix_mode):
    reference = pd.read_csv(REFERENCE / "mode_reference.csv", dtype={"region": "string"})
    reference = reference[(reference["outcome"] == outcome) & (reference["with_mode"] == casemix_mode)]
    adjusted = (with_mode if casemix_mode else results).adjusted_results
    rows = adjusted[
        (adjusted["comparison"] == "regions_within_pathway")
        & (adjusted["dimension"] == "involvement")
        & adjusted["item_id"].isna()
        & (adjusted["measure"] == measure)
    ].set_index("region")
    ours = rows.loc[reference["region"].tolist()]
    assert (ours["n"].to_numpy() == reference["n"].to_numpy()).all()
    assert_allclose(ours["estimate"], reference["estimate"], rtol=1e-7)
    assert_allclose(ours["se"], reference["se"], rtol=1e-6)


def test_the_stored_r_input_is_what_the_analysis_fits(mode_export):
    """The R reference was made from this export: rebuilding its model frame gives the stored one."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_mode_data", REFERENCE / "make_mode_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rebuilt = module.model_frame(mode_export)
    stored = pd.read_csv(REFERENCE / "mode_model_frame.csv", dtype="string")
    assert_allclose(rebuilt["score"].to_numpy(dtype=float), stored["score"].astype(float))
    for column in ("region", "age_group", "sex", "self_rated_health", "education", "mode"):
        assert rebuilt[column].astype(str).tolist() == stored[column].tolist(), column
    assert np.isin(stored["mode"], ["web", "paper"]).all()


def _pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))


@pytest.mark.parametrize(("flag", "lang", "stated"), [
    ((), "sv", "Svarssätt (webb eller papper) ingår inte i justeringen (förval)"),
    (("--casemix-mode",), "en", "Mode of response (web or paper) is part of the adjustment in this run"),
])  # fmt: skip
def test_the_report_shows_web_and_paper_and_states_the_case_mix_choice(tmp_path, flag, lang, stated, results):
    from click.testing import CliRunner

    from prem.cli import main

    out = tmp_path / "report.pdf"
    arguments = ["report", "--responses", str(REFERENCE / "mode_export.csv"), "--pathway", "reumatoid-artrit"]
    result = CliRunner().invoke(main, [*arguments, "--lang", lang, "--out", str(out), *flag], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = _pdf_text(out)
    assert stated in text
    heading = "Svar på webben och på papper" if lang == "sv" else "Answers on the web and on paper"
    assert heading in text
    table = results.response_by_mode
    total = table[(table["level"] == "pathway") & table["age_group"].isna()].iloc[0]
    all_ages = "Alla åldrar" if lang == "sv" else "All ages"
    rate = f"{total['response_rate_paper']:.1f}".replace(".", "," if lang == "sv" else ".")
    assert f"{all_ages} {total['complete']} {total['complete_web']} {total['complete_paper']}" in text
    assert rate in text.split(all_ages)[1][:80]
    variables = "svarssätt (webb eller papper)" if lang == "sv" else "mode of response (web or paper) as categorical"
    assert (variables in text) == bool(flag)


def test_a_round_without_paper_has_no_mode_table(q, tmp_path):
    from analysis.report import build_content

    web_only = pd.read_csv(REFERENCE / "mode_export.csv", dtype={"region": "string", "mode": "string"})
    web_only["mode"] = web_only["mode"].replace("paper", "web")
    content = build_content(analyse_round(web_only, q), q, kind="national", round_name="web")
    assert content.mode_rows == ()


def test_prem_tables_writes_the_table_and_takes_the_option(tmp_path):
    from click.testing import CliRunner

    from prem.cli import main

    runner = CliRunner()
    for flag, out in (((), tmp_path / "off"), (("--casemix-mode",), tmp_path / "on")):
        arguments = ["tables", "--responses", str(REFERENCE / "mode_export.csv"), "--out", str(out), *flag]
        result = runner.invoke(main, arguments, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    by_mode = pd.read_csv(tmp_path / "off" / "response_by_mode.csv", dtype={"region": "string"})
    assert {"complete_web", "complete_paper", "paper_share"} <= set(by_mode.columns)
    dictionary = pd.read_csv(tmp_path / "off" / "data_dictionary.csv")
    assert (dictionary["table"] == "response_by_mode").sum() == len(TABLES["response_by_mode"])
    methods = {
        name: pd.read_csv(tmp_path / name / "methods.csv").set_index("topic")["description"] for name in ("off", "on")
    }
    assert "is not a case-mix variable" in methods["off"]["mode.casemix"]
    assert "is a case-mix variable in this run" in methods["on"]["mode.casemix"]
    adjusted = {name: pd.read_csv(tmp_path / name / "adjusted_results.csv") for name in ("off", "on")}
    assert not np.allclose(adjusted["off"]["estimate"].dropna(), adjusted["on"]["estimate"].dropna())


@pytest.mark.parametrize("paper_share", [0.03, 0.08])
def test_no_masked_part_comes_back_from_the_complete_counts_the_other_tables_show(mode_export, q, paper_share):
    """Few paper answers (many small counts): wherever this table or the sex x age table shows a
    complete count, the web and paper parts are both shown or both masked."""
    export = mode_export.copy()
    rng = np.random.default_rng(int(paper_share * 100))
    started = export["mode"].notna().to_numpy()
    export.loc[started, "mode"] = np.where(rng.random(started.sum()) < paper_share, "paper", "web")
    results = analyse_round(export, q)
    table, by_sex_age = results.response_by_mode, results.response_by_sex_age
    cells = by_sex_age.groupby(["level", "pathway", "region", "age_group"], dropna=False)["complete"]
    public = cells.apply(lambda complete: complete.notna().all()).rename("public").reset_index()
    merged = table.merge(public, on=["level", "pathway", "region", "age_group"], how="left")
    merged["public"] = merged["public"].fillna(True).astype(bool) | merged["complete"].notna()
    parts = merged[["complete_web", "complete_paper"]].isna().sum(axis=1)
    assert (parts[merged["public"]] != 1).all()
    assert merged[["complete_web", "complete_paper"]].isna().any(axis=None), "the case has masked parts"


def test_persons_who_answered_more_than_once_are_counted_and_small_counts_masked(mode_export, q, results):
    # Without the column (an export from before conflicts were recorded) nobody answered twice.
    assert (results.response_by_mode["answered_twice"].fillna(0) == 0).all()
    export = mode_export.copy()
    region_of = export["region"]
    chosen = pd.concat([export.index[region_of == region][:count].to_series() for region, count in
                        (("25", 12), ("12", 2))]).to_numpy()  # fmt: skip
    export["mode_conflict"] = pd.array([pd.NA] * len(export), dtype="string")
    export.loc[chosen[:10], "mode_conflict"] = "first_complete_counts"
    export.loc[chosen[10:], "mode_conflict"] = "unfinished_replaced"
    table = analyse_round(export, q).response_by_mode
    all_ages = table[table["age_group"].isna()]
    assert all_ages.loc[all_ages["level"] == "national", "answered_twice"].tolist() == [14]  # by hand: 12 + 2
    regions = all_ages[all_ages["level"] == "region"].set_index("region")
    # Region 12's two are masked, and so is the next smallest region, else the national count minus the
    # others would give them back: 01's zero hides nothing (a zero is chosen last), so 25's twelve goes too.
    assert regions.loc["01", "answered_twice"] == 0
    assert pd.isna(regions.loc["12", "answered_twice"]) and pd.isna(regions.loc["25", "answered_twice"])
    assert "answered_twice" in regions.loc["12", "masked_columns"]
    export.loc[export.index[region_of == "01"][:7], "mode_conflict"] = "paper_overrides_status"
    table = analyse_round(export, q).response_by_mode
    regions = table[(table["level"] == "region") & table["age_group"].isna()].set_index("region")["answered_twice"]
    # Now 01's seven is the next smallest: masked with 12's two, and 25's twelve shown.
    assert regions.isna().to_dict() == {"01": True, "12": True, "25": False} and regions.loc["25"] == 12
    # Age groups add up to all ages: no unit has exactly one masked answered_twice cell.
    for _, unit in table.groupby(["level", "pathway", "region"], dropna=False):
        assert unit["answered_twice"].isna().sum() != 1
