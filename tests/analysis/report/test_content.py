"""analysis.report.content: what a report of each scope shows, chosen from the round's results."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.report import ReportError, build_content, write_pdf

from .conftest import (
    BEST_REGION,
    HEALTHCARE_REGIONS,
    SMALL_REGION,
    flat,
    render,
    respondents,
)


def test_small_region_is_suppressed_with_its_reason(pathway_pdf):
    _, pages = pathway_pdf
    dimension_page = next(p for p in pages if p.lstrip().startswith("Helhetsintryck"))
    assert "Visas inte: Gotland (färre än 30 svar)" in flat([dimension_page])
    assert "färre än 30 svar" in flat(pages[1:2])  # the summary


def test_region_report_compares_pathways_against_their_national_values(tmp_path_factory, results, questionnaire, flow):
    _, pages = render(tmp_path_factory, results, questionnaire, flow, "region", kind="region", regions=["14"])
    text, cover = flat(pages), flat(pages[:1])
    assert "Patienters upplevelse av vårdförloppen i regionen: Västra Götaland" in cover
    assert "Jämförelse mellan vårdförlopp" in cover
    assert "Reumatoid artrit (RA)" in text and "Inflammatorisk tarmsjukdom" in text
    assert "Streck på varje rad: rikets värde för samma vårdförlopp" in text


def test_pathway_report_for_chosen_regions_only(tmp_path_factory, results, questionnaire, flow):
    _, pages = render(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "some",
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01", "12", SMALL_REGION],
    )
    text = flat(pages)
    assert "Stockholm" in text and "Skåne" in text and "Gotland (färre än 30 svar)" in text
    assert "Uppsala" not in text


@pytest.mark.parametrize(
    ("scope", "message"),
    [
        ({"kind": "pathway", "pathway": "no-such-pathway"}, "unknown pathway 'no-such-pathway'"),
        ({"kind": "pathway", "pathway": "reumatoid-artrit", "regions": ["99"]}, "unknown region code(s) 99"),
        ({"kind": "pathway", "pathway": "kol"}, "no invited persons for pathway kol"),
        ({"kind": "region", "regions": ["01", "03"]}, "exactly one region"),
        ({"kind": "national", "lang": "de"}, "unknown report language 'de'"),
    ],
)
def test_impossible_scopes_are_refused_with_a_clear_message(results, questionnaire, scope, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        build_content(results, questionnaire, round_name="2026-vår", **scope)


def test_chosen_regions_are_held_against_the_whole_pathway(results, questionnaire):
    content = build_content(
        results, questionnaire, round_name="2026-vår", kind="pathway", pathway="ibd-vuxna", regions=["01", "12"]
    )
    rates = results.response_rates
    pathway_row = rates[(rates["level"] == "pathway") & (rates["pathway"] == "ibd-vuxna")].iloc[0]
    assert [row.unit for row in content.response] == ["01", "12"]
    assert content.response_total.invited == pathway_row["invited"]
    assert content.national_rate == pytest.approx(pathway_row["adjusted_rate"])
    assert all(row.reference == 70.0 for dim in content.dimensions for row in dim.rows)
    assert [dim.national.value for dim in content.dimensions] == [70.0] * 7


def test_region_report_rows_carry_each_pathways_national_value(results, questionnaire):
    content = build_content(results, questionnaire, round_name="2026-vår", kind="region", regions=[BEST_REGION])
    overall = content.dimensions[0]
    assert [row.unit for row in overall.rows] == ["reumatoid-artrit", "ibd-vuxna"]
    assert all(row.estimate.band == "better" for row in overall.rows)
    rates = results.response_rates
    national_row = rates[rates["level"] == "national"].iloc[0]
    assert content.national_rate == pytest.approx(national_row["adjusted_rate"])
    assert content.response_total.label == "Totalt"


def test_pathway_report_sums_its_strata_per_healthcare_region(results, questionnaire):
    content = build_content(results, questionnaire, kind="pathway", pathway="reumatoid-artrit", round_name="r")
    rows = {row.unit: row for row in content.healthcare_regions}
    assert sorted(rows) == sorted(HEALTHCARE_REGIONS)
    # Stockholm (67 complete, 150 invited) and Gotland (12 complete, 40 invited, partial and deceased masked)
    stockholm_gotland = rows["Stockholm-Gotland"]
    assert stockholm_gotland.invited == 190 and stockholm_gotland.dispositions["complete"] == 79
    assert stockholm_gotland.dispositions["partial"] is None and stockholm_gotland.dispositions["deceased"] is None
    assert stockholm_gotland.dispositions["refusal"] == 12
    # pooled from the strata's rates (a count is masked): whole percent, marked approximate
    assert stockholm_gotland.rr1 == round(100 * 79 / (146 + 36))
    assert stockholm_gotland.adjusted_rate == round(100 * 79 / (144 + 34))
    assert stockholm_gotland.rate_rounding > 1
    västra = rows["Västra"]  # Halland 13 and Västra Götaland 14, nothing masked: rates from the summed counts
    complete = respondents("13") + respondents("14")
    assert västra.dispositions["complete"] == complete and västra.dispositions["deceased"] == 2
    assert västra.rr1 == round(100 * complete / (2 * complete + 24)) and västra.rate_rounding == 1


def test_rates_read_in_whole_percent_coarse_ones_marked_and_undefined_ones_a_dash(tmp_path, results, questionnaire):
    rates = results.response_rates.copy()
    stockholm = (rates["level"] == "pathway_region") & (rates["region"] == "01") & (rates["pathway"] == "ibd-vuxna")
    rates.loc[stockholm, "rr1"] = pd.NA  # undefined (no denominator); the analysis never hides a rate
    rates.loc[stockholm, ["adjusted_rate", "rate_rounding"]] = [45.0, 5.0]  # a unit with a masked count
    content = build_content(
        dataclasses.replace(results, response_rates=rates),
        questionnaire,
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01"],
        round_name="r",
    )
    path = write_pdf(content, tmp_path / "hidden.pdf")
    text = flat([page.extract_text() for page in PdfReader(path).pages])
    assert re.search(r"Stockholm 150 67 4 6 67 3 1 2 – ≈45", text)
    assert content.healthcare_regions[0].rr1 is None  # the pooled RR1 cannot be formed either


def test_respondent_counts_are_masked_where_the_response_table_masks_them(tmp_path, results, questionnaire):
    rates, adjusted = results.response_rates.copy(), results.adjusted_results.copy()
    rates.loc[
        (rates["level"] == "pathway_region") & (rates["pathway"] == "ibd-vuxna") & (rates["region"] == "01"),
        ["complete", "no_response"],
    ] = pd.NA
    uppsala = (adjusted["pathway"] == "ibd-vuxna") & (adjusted["region"] == "03")
    adjusted.loc[uppsala, ["n", "estimate", "lower", "upper", "band"]] = [3, np.nan, np.nan, np.nan, pd.NA]
    adjusted.loc[uppsala, ["suppressed", "suppression_reason"]] = [True, "too_few_respondents"]
    content = build_content(
        dataclasses.replace(results, response_rates=rates, adjusted_results=adjusted),
        questionnaire,
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01", "03", "04"],
        round_name="r",
    )
    path = write_pdf(content, tmp_path / "masked_n.pdf")
    care_plan = flat(
        [p.extract_text() for p in PdfReader(path).pages if "Den individuella vårdplanen" in p.extract_text()]
    )
    assert re.search(r"Stockholm dolt \d+ %", care_plan)  # its complete count is masked in the response table
    assert "Uppsala dolt färre än 30 svar" in care_plan  # 3 respondents
    assert f"Södermanland {respondents('04')} " in care_plan
