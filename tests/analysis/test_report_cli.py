"""``prem report`` and ``prem tables`` end to end: export file in, PDF and tables out.

A small simulated round (one pathway, four regions, Gotland too small to
show) goes through the real analysis; the PDF's text is read back.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from prem.cli import main
from questionnaires import load_questionnaire
from questionnaires.simulate import simulate_responses

PATHWAY = "reumatoid-artrit"
SIZES = {"01": 160, "12": 160, "14": 160, "09": 20}
FREE_TEXT_ANSWER = "Sköterskan Lisa på avdelning 7 glömde mig"


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    """A responses export, and flow.csv + manifest.json as ``prem sample`` writes them."""
    rng = np.random.default_rng(7)
    region = np.repeat(list(SIZES), list(SIZES.values()))
    sample = pd.Series(region).map(SIZES).to_numpy()
    frame = pd.DataFrame(
        {
            "respondent_id": [f"R{index:010d}" for index in range(len(region))],
            "pathway": PATHWAY,
            "region": region,
            "sex": rng.choice(["K", "M"], size=len(region)),
            "age": rng.integers(18, 90, size=len(region)),
            "age_group": rng.choice(["18-34", "35-49", "50-64", "65-79", "80+"], size=len(region)),
            "stratum_population": 10 * sample,
            "stratum_sample": sample,
            "design_weight": 10.0,
        }
    )
    responses = simulate_responses(frame, load_questionnaire("prem-vardforlopp"), seed=11)
    directory = tmp_path_factory.mktemp("sample")
    responses.to_csv(directory / "responses.csv", index=False)
    # A free-text column must never reach the PDF even if an export carries one by mistake.
    responses.assign(free_text=FREE_TEXT_ANSWER).to_parquet(directory / "responses_with_text.parquet")
    flow = pd.DataFrame(
        [
            {"pathway": PATHWAY, "region": code, "step": step, "remaining": remaining, "removed": removed}
            for code in SIZES
            for step, remaining, removed in (
                ("persons_with_qualifying_contact", 5000, 0),
                ("age_18_or_older", 4873, 127),
            )
        ]
    )
    flow.to_csv(directory / "flow.csv", index=False)
    (directory / "manifest.json").write_text(json.dumps({"seed": 20260301, "software_version": "0.1.0"}))
    return directory


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def _text(path) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(path).pages))


def test_pathway_report_from_an_export(sample_dir, tmp_path):
    out = tmp_path / "ra.pdf"
    result = _run(
        "report",
        "--responses",
        str(sample_dir / "responses_with_text.parquet"),
        "--flow",
        str(sample_dir),
        "--pathway",
        PATHWAY,
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert "Reumatoid artrit (RA)" in text and "Sida 1 av" in text
    assert "Gotland (färre än 30 svar)" in text
    assert "Den individuella vårdplanen" in text and "Metodbilaga" in text
    assert "age_18_or_older" in text and "19 500" in text  # 4 873 rounded to 4 875 per region, summed over four
    assert "19 492" not in text  # the exact sum is not published
    assert "20260301" in text
    assert FREE_TEXT_ANSWER not in text


def test_region_and_english_national_reports(sample_dir, tmp_path):
    for args, expected in (
        (["--region", "14"], "Västra Götaland"),
        (["--national", "--lang", "en"], "national overview"),
    ):
        out = tmp_path / "report.pdf"
        result = _run("report", "--responses", str(sample_dir / "responses.csv"), *args, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert expected in _text(out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--pathway", "no-such"], "unknown pathway 'no-such'"),
        (["--pathway", PATHWAY, "--region", "77"], "unknown region code(s) 77"),
        (["--region", "03"], "no invited persons for region 03"),
        ([], "choose one report"),
    ],
)
def test_report_errors_are_one_clear_line(sample_dir, tmp_path, args, message):
    out = tmp_path / "x.pdf"
    result = _run("report", "--responses", str(sample_dir / "responses.csv"), *args, "--out", str(out))
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_unknown_round_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PREM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prem.sqlite'}")
    result = _run("report", "--round", "2031-höst", "--national", "--out", str(tmp_path / "x.pdf"))
    assert result.exit_code != 0
    assert "2031-höst" in result.output and "Traceback" not in result.output


def test_missing_export_file_is_named(tmp_path):
    result = _run("report", "--responses", str(tmp_path / "nope.csv"), "--national", "--out", str(tmp_path / "x.pdf"))
    assert result.exit_code != 0 and "nope.csv: the responses file does not exist" in result.output


def test_tables_from_an_export(sample_dir, tmp_path):
    result = _run("tables", "--responses", str(sample_dir / "responses.csv"), "--out", str(tmp_path / "tables"))
    assert result.exit_code == 0, result.output
    written = {path.name for path in (tmp_path / "tables").iterdir()}
    assert {"response_rates.csv", "dimension_results.parquet", "data_dictionary.csv"} <= written
    rates = pd.read_csv(tmp_path / "tables" / "response_rates.csv", dtype={"region": "string"})
    assert rates.loc[rates["level"] == "national", "invited"].item() == sum(SIZES.values())


def test_tables_write_the_person_level_file_when_asked(sample_dir, tmp_path):
    import pyreadstat

    result = _run(
        "tables",
        "--responses",
        str(sample_dir / "responses.csv"),
        "--out",
        str(tmp_path / "tables"),
        "--respondents",
        str(tmp_path / "persons"),
        "--labels",
        "en",
    )
    assert result.exit_code == 0, result.output
    assert "not for publication" in result.output
    assert not any(path.name.startswith("respondents") for path in (tmp_path / "tables").iterdir())
    data, meta = pyreadstat.read_dta(str(tmp_path / "persons" / "respondents.dta"))
    assert len(data) == sum(SIZES.values()) and meta.column_names_to_labels["weight"] == "Final weight"
    assert (tmp_path / "persons" / "codebook.md").is_file()
    same = _run(
        "tables",
        "--responses",
        str(sample_dir / "responses.csv"),
        "--out",
        str(tmp_path / "t"),
        "--respondents",
        str(tmp_path / "t"),
    )
    assert same.exit_code != 0 and "a directory of its own" in same.output


def test_report_from_the_database_has_fieldwork_dates_and_flow(sample_dir, tmp_path, monkeypatch):
    """A round imported with `prem fieldwork import` and filled by `prem simulate`: dates and flow from the database."""
    from sampling.access_codes import new_access_code

    monkeypatch.setenv("PREM_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prem.sqlite'}")
    frame_columns = [
        "respondent_id",
        "pathway",
        "region",
        "sex",
        "age",
        "age_group",
        "stratum_population",
        "stratum_sample",
        "design_weight",
    ]
    frame = pd.read_csv(sample_dir / "responses.csv", dtype={"region": "string"})[frame_columns]
    round_dir = tmp_path / "sample"
    round_dir.mkdir()
    frame.to_csv(round_dir / "frame.csv", index=False)
    pd.DataFrame(
        {
            "respondent_id": frame["respondent_id"],
            "access_code": [new_access_code() for _ in frame.index],
            "personnummer": "19121212-1212",
            "name": "Tolvan Tolvansson",
            "street": "Gatan 1",
            "postal_code": "12345",
            "city": "Staden",
        }
    ).to_csv(round_dir / "mailing.csv", index=False)
    for name in ("flow.csv", "manifest.json"):
        (round_dir / name).write_bytes((sample_dir / name).read_bytes())
    imported = _run(
        "fieldwork",
        "import",
        "--round",
        "2026-vår",
        "--frame",
        str(round_dir / "frame.csv"),
        "--mailing",
        str(round_dir / "mailing.csv"),
        "--opens",
        "2026-03-02",
        "--closes",
        "2026-04-12",
    )
    assert imported.exit_code == 0, imported.output
    simulated = _run("simulate", "--round", "2026-vår", "--seed", "5")
    assert simulated.exit_code == 0, simulated.output
    out = tmp_path / "db.pdf"
    result = _run("report", "--round", "2026-vår", "--pathway", PATHWAY, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert "2026-03-02 – 2026-04-12" in text and "2026-vår" in text
    assert "age_18_or_older" in text and "20260301" in text
    assert "Tolvan" not in text and "19121212" not in text


def test_report_before_anyone_has_answered_says_so(sample_dir, tmp_path):
    responses = pd.read_csv(sample_dir / "responses.csv", dtype={"region": "string"})
    items = responses.columns[responses.columns.get_loc("submitted_at") + 1 :]
    responses[items] = pd.NA
    responses[["questionnaire_id", "questionnaire_version", "submitted_at"]] = pd.NA
    responses["status"] = "not_started"
    responses.to_csv(tmp_path / "early.csv", index=False)
    out = tmp_path / "early.pdf"
    result = _run("report", "--responses", str(tmp_path / "early.csv"), "--pathway", PATHWAY, "--out", str(out))
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert "Visas inte: Stockholm (inga svar)" in text and "Sida 1 av" in text


def test_flow_criteria_named_from_the_rules_given(sample_dir, tmp_path):
    rule_file = tmp_path / "ra.yaml"
    rule_file.write_text(
        f"pathway: {PATHWAY}\nversion: local\nqualifying_contacts:\n  diagnoses:\n    - {{position: any, codes: [M05]}}\n"
        "criteria:\n  - {name: age_18_or_older, min_age: 18}\nsample_size: {n: 400}\n",
        encoding="utf-8",
    )
    out = tmp_path / "ra.pdf"
    result = _run(
        "report",
        "--responses",
        str(sample_dir / "responses.csv"),
        "--flow",
        str(sample_dir),
        "--pathway",
        PATHWAY,
        "--rules",
        str(rule_file),
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    text = _text(out)
    assert "Ålder minst 18 år vid periodens slut" in text and "age_18_or_older" not in text


def test_a_broken_rule_file_is_one_clear_line(sample_dir, tmp_path):
    rule_file = tmp_path / "broken.yaml"
    rule_file.write_text("pathway: [\n", encoding="utf-8")
    out = tmp_path / "ra.pdf"
    result = _run(
        "report",
        "--responses",
        str(sample_dir / "responses.csv"),
        "--pathway",
        PATHWAY,
        "--rules",
        str(rule_file),
        "--out",
        str(out),
    )
    assert result.exit_code != 0 and "broken.yaml" in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_tables_of_one_region_hold_only_its_rows(sample_dir, tmp_path):
    region = "12"
    every, one = tmp_path / "every", tmp_path / "one"
    assert _run("tables", "--responses", str(sample_dir / "responses.csv"), "--out", str(every)).exit_code == 0
    result = _run("tables", "--responses", str(sample_dir / "responses.csv"), "--out", str(one), "--region", region)
    assert result.exit_code == 0, result.output
    for path in sorted(one.glob("*.csv")):
        if path.name == "data_dictionary.csv":
            continue
        table = pd.read_csv(path, dtype={"region": "string"})
        whole = pd.read_csv(every / path.name, dtype={"region": "string"})
        if "region" not in table.columns:
            pd.testing.assert_frame_equal(table, whole)
            continue
        assert (table["region"] == region).all(), path.name
        expected = whole[whole["region"] == region].reset_index(drop=True)
        pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    refused = _run(
        "tables",
        "--responses",
        str(sample_dir / "responses.csv"),
        "--out",
        str(one),
        "--region",
        region,
        "--respondents",
        str(tmp_path / "people"),
    )
    assert refused.exit_code != 0 and "--region" in refused.output


def test_standardisation_target_is_chosen_and_stated(sample_dir, tmp_path):
    source = ["--responses", str(sample_dir / "responses.csv")]
    default, weighted = tmp_path / "default.pdf", tmp_path / "population.pdf"
    assert _run("report", *source, "--pathway", PATHWAY, "--out", str(default)).exit_code == 0
    result = _run("report", *source, "--pathway", PATHWAY, "--standardise-to", "population", "--out", str(weighted))
    assert result.exit_code == 0, result.output
    assert "de svarandes patientsammansättning, oviktad" in _text(default)
    assert "rikets viktade patientsammansättning" in _text(weighted)
    tables = _run("tables", *source, "--standardise-to", "population", "--out", str(tmp_path / "tables"))
    assert tables.exit_code == 0, tables.output
    methods = pd.read_csv(tmp_path / "tables" / "methods.csv")
    assert "weighted national case mix" in " ".join(methods.astype(str).to_numpy().ravel())
    bad = _run("tables", *source, "--standardise-to", "everyone", "--out", str(tmp_path / "bad"))
    assert bad.exit_code != 0 and "'everyone' is not one of 'respondents', 'population'" in bad.output


def test_raking_is_chosen_and_stated(sample_dir, tmp_path):
    """``--calibration raking`` through ``prem tables`` and ``prem report``: the raked weights, the margins
    table (published without its totals and counts), the methods table and the appendix say so."""
    source = ["--responses", str(sample_dir / "responses.csv")]
    raked = ["--calibration", "raking", "--raking-trim", "4"]
    tables = _run("tables", *source, *raked, "--out", str(tmp_path / "raked"))
    assert tables.exit_code == 0, tables.output
    default = _run("tables", *source, "--out", str(tmp_path / "default"))
    assert default.exit_code == 0, default.output
    margins = pd.read_csv(tmp_path / "raked" / "raking_margins.csv", dtype={"region": str})
    assert set(margins["margin"]) == {"sex", "age_group"} and set(margins["region"]) == set(SIZES)
    assert margins[["target", "achieved", "respondents", "trimmed"]].isna().all().all()
    assert pd.read_csv(tmp_path / "default" / "raking_margins.csv").empty
    methods = pd.read_csv(tmp_path / "raked" / "methods.csv").set_index("topic")["description"]
    assert "raked (iterative proportional fitting)" in methods["weighting"]
    assert "no adjustment factor above 4 x the median" in methods["weighting"]
    assert (
        "post-stratification factor"
        in pd.read_csv(tmp_path / "default" / "methods.csv").set_index("topic")["description"]["weighting"]
    )
    cells = pd.read_csv(tmp_path / "raked" / "weighting_cells.csv")
    assert cells["weighting_cell"].str.contains(" | ", regex=False).all()
    raked_results = pd.read_csv(tmp_path / "raked" / "dimension_results.csv", dtype={"region": str})
    default_results = pd.read_csv(tmp_path / "default" / "dimension_results.csv", dtype={"region": str})
    weighted = raked_results["weighting"] == "weighted"
    assert not np.allclose(raked_results.loc[weighted, "estimate"], default_results.loc[weighted, "estimate"])

    pdf = tmp_path / "raked.pdf"
    result = _run("report", *source, *raked, "--pathway", PATHWAY, "--out", str(pdf))
    assert result.exit_code == 0, result.output
    text = _text(pdf)
    assert "kalibrering genom raking (iterativ proportionell anpassning)" in text
    assert "får överstiga 4 gånger medianfaktorn" in text and "trunkerades vikten för" in text
    assert "svarande minus vårdförlopp × region i gruppen" in text
    english = tmp_path / "raked_en.pdf"
    assert _run("report", *source, *raked, "--pathway", PATHWAY, "--lang", "en", "--out", str(english)).exit_code == 0
    assert "calibration by raking (iterative proportional fitting)" in _text(english)
    untrimmed = tmp_path / "untrimmed.pdf"
    result = _run(
        "report",
        *source,
        "--calibration",
        "raking",
        "--raking-trim",
        "none",
        "--pathway",
        PATHWAY,
        "--out",
        str(untrimmed),
    )
    assert result.exit_code == 0, result.output
    assert "Vikterna trunkeras inte." in _text(untrimmed)


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--calibration", "rake"], "'rake' is not one of 'poststratification', 'raking'"),
        (["--calibration", "raking", "--raking-trim", "lots"], "'lots' is not a number"),
        (["--calibration", "raking", "--raking-trim", "0.5"], "raking_trim is 0.5; expected a multiple"),
    ],
)
def test_bad_calibration_options_are_clear_errors(sample_dir, tmp_path, option, message):
    result = _run("tables", "--responses", str(sample_dir / "responses.csv"), *option, "--out", str(tmp_path / "t"))
    assert result.exit_code != 0 and message in result.output, result.output
