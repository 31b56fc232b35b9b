"""analysis.report.sections: the parts of the PDF (summary, dimensions, response, care plan, method appendix)."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
from pypdf import PdfReader

from analysis.config import AnalysisConfig
from analysis.report import build_content, write_pdf
from analysis.report.labels import number
from sampling.reference import regions

from .conftest import (
    BUNDLED_SHA,
    HEALTHCARE_REGIONS,
    SMALL_REGION,
    appendix_text,
    flat,
    render,
    respondents,
)


def test_better_region_is_marked_in_words_on_the_care_plan_page(pathway_pdf):
    _, pages = pathway_pdf
    care_plan = flat([p for p in pages if "Den individuella vårdplanen" in p])
    assert "Har du och vårdpersonalen tillsammans gjort en skriftlig plan" in care_plan
    row = re.search(r"Västra Götaland \d+ \d+ % \d+–\d+ (\w[\w ]+?)(?= [A-ZÅÄÖ]|$)", care_plan)
    assert row is not None and row.group(1) == "bättre än övriga riket"


def test_appendix_shows_the_flow_counts_summed_over_regions(pathway_pdf):
    _, pages = pathway_pdf
    appendix = flat(pages[-3:])
    assert "Minst 2 kontakter på olika dagar" in appendix
    assert f"{900 * 21:,}".replace(",", "\u00a0") in appendix or "18 900" in appendix
    assert "Slumpfrö 4711" in appendix and "Indata / kontakter kontakter_01.csv (sha256 abababababab…)" in appendix
    assert "Programvara / prem 0.1.0" in appendix
    assert f"reumatoid-artrit.yaml (sha256 {BUNDLED_SHA['reumatoid-artrit'][:12]}…)" in appendix
    assert "kol.yaml" not in appendix


def test_english_national_report(tmp_path_factory, results, questionnaire, flow):
    _, pages = render(tmp_path_factory, results, questionnaire, flow, "national", kind="national", lang="en")
    text, cover = flat(pages), flat(pages[:1])
    assert "national overview" in cover and "Page 1 of" in cover
    for heading in (
        "Summary",
        "Overall impression",
        "Response rates and who responded",
        "The individual care plan",
        "Method appendix",
    ):
        assert heading in text
    assert "Sida" not in text


def test_free_text_questions_are_not_in_the_pdf_and_the_cover_says_so(tmp_path_factory, results, questionnaire, flow):
    _, pages = render(tmp_path_factory, results, questionnaire, flow, "nofree", kind="pathway", pathway="ibd-vuxna")
    text = flat(pages)
    assert "Rapporten innehåller inga fritextsvar" in text
    text_items = [item.text["sv"] for item in questionnaire.items if item.kind == "text"]
    assert text_items and not any(question in text for question in text_items)


def test_long_tables_repeat_their_header_on_every_page(tmp_path, results, questionnaire):
    long_flow = pd.DataFrame(
        [
            {
                "pathway": "reumatoid-artrit",
                "region": "01",
                "step": f"rule_{step:03d}",
                "remaining": 10_000 - step,
                "removed": 1,
            }
            for step in range(120)
        ]
    )
    content = build_content(
        results, questionnaire, round_name="2026-vår", kind="pathway", pathway="reumatoid-artrit", flow=long_flow
    )
    pages = [page.extract_text() for page in PdfReader(write_pdf(content, tmp_path / "long.pdf")).pages]
    flow_pages = [page for page in pages if "rule_" in page]
    assert len(flow_pages) >= 2
    assert all(re.search(r"Vårdförlopp\s+Steg\s+Kvar\s+Bortfall", page) for page in flow_pages)


def test_swedish_appendix_states_the_runs_settings_in_swedish(tmp_path_factory, results, questionnaire, flow):
    config = AnalysisConfig(
        min_respondents_shown=40,
        mask_counts_below=4,
        min_cell_respondents=8,
        confidence=0.9,
        include_partial=True,
        complete_share=0.6,
        dimension_weights="pca",
        comparisons=("regions_within_pathway", "pathways_within_region"),
    )
    _, pages = render(
        tmp_path_factory,
        dataclasses.replace(results, config=config),
        questionnaire,
        flow,
        "settings",
        kind="pathway",
        pathway="reumatoid-artrit",
    )
    appendix = appendix_text(pages)
    assert "minst 60 % av kärnfrågorna" in appendix
    assert "fullständiga och de delvisa svaren" in appendix
    assert "Celler med färre än 8 svarande slås ihop" in appendix
    assert "Alla konfidensintervall är 90 %-intervall" in appendix
    assert "90 % konfidensintervall" in flat(pages) and "90 % KI" in flat(pages)
    # 95 % appears only as the funnel's fixed warning limits, never as the run's interval level.
    assert "95 % KI" not in flat(pages) and "95 % konfidensintervall" not in flat(pages)
    assert "99,8 % trattgränser" in flat(pages[1:2])
    assert re.search(r"Metoder: Taylorlinearisering .* och deltametoden för de justerade resultaten", appendix)
    assert "första principalkomponenten" in appendix
    assert (
        "region och åldersgrupp (från urvalsramen), kön (från urvalsramen), självskattad hälsa (enkätsvar) och "
        "utbildning (enkätsvar) som kategoriska"
    ) in appendix
    assert "regioner med färre än 40 svarande ingår inte i skattningen" in appendix
    assert "Analysen har dessutom jämfört vårdförloppen inom varje region" in appendix
    assert "färre än 40 svarande visas inte" in appendix and "Antal personer från 1 till 3 skyddas" in appendix
    assert "RR1 = I / (I + P + R + NC + U)" in appendix
    # the analysis's own English statements are not printed in a Swedish report
    assert "Post-stratified" not in flat(pages) and "Metoderna som de tillämpades" not in appendix


def test_english_appendix_states_the_default_settings(tmp_path_factory, results, questionnaire, flow):
    _, pages = render(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "settings_en",
        kind="pathway",
        pathway="reumatoid-artrit",
        lang="en",
    )
    appendix = appendix_text(pages)
    assert "at least 50 % of the core items" in appendix and "use the complete respondents" in appendix
    assert "All confidence intervals are 95 % intervals" in appendix
    assert "fewer than 30 respondents is not shown" in appendix and "Counts of 1 to 4 persons are protected" in appendix
    assert "The items of a dimension weigh equally" in appendix
    # no pathways-within-region sentence between them
    assert "against the same pathway's national value. How the regions" in appendix
    assert "compared with the rest of the country" in appendix and "Spiegelhalter 2005" in appendix
    assert "above the upper 99.8 % limit" in appendix and "at least 10 regions" in appendix
    assert "Small counts (1–4) are masked" in flat(pages)


def test_healthcare_region_tables_in_the_pdfs(tmp_path_factory, results, questionnaire, flow):
    _, pages = render(tmp_path_factory, results, questionnaire, flow, "national_hr", kind="national")
    response_text = flat([p for p in pages if "Svarsfrekvens per sjukvårdsregion" in p])
    assert "Alla vårdförlopp tillsammans, per sjukvårdsregion" in response_text
    for name in HEALTHCARE_REGIONS:
        assert name in response_text
    regions_text = flat([p for p in pages if "Svarsfrekvens per region" in p])
    assert "Alla vårdförlopp tillsammans, per region." in regions_text
    gotland = 2 * respondents(SMALL_REGION)
    assert flat([f"Gotland {number(2 * gotland + 16, 'sv')} {number(gotland, 'sv')}"]) in regions_text
    complete = 2 * sum(respondents(code) for code, r in regions().items() if r.healthcare_region == "Norra")
    assert flat([f"Norra {number(2 * complete + 17, 'sv')} {number(complete, 'sv')}"]) in response_text
    _, pages = render(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "pathway_hr",
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01", "12"],
    )
    response_text = flat([p for p in pages if "Svarsfrekvens per sjukvårdsregion" in p])
    assert "summerade per sjukvårdsregion" in response_text
    assert "Stockholm-Gotland 190 79 dolt 12" in response_text and "Norra" in response_text
    _, pages = render(tmp_path_factory, results, questionnaire, flow, "region_hr", kind="region", regions=["14"])
    # no healthcare-region table (the method appendix may name healthcare regions in its rules)
    assert "per sjukvårdsregion" not in flat(pages) and "Svarsfrekvens per region" not in flat(pages)


def test_who_responded_says_it_covers_all_regions_when_only_some_are_chosen(
    tmp_path_factory, results, questionnaire, flow, pathway_pdf
):
    _, pages = render(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "some_profile",
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01", "12"],
    )
    profile = flat([p for p in pages if "Vilka svarade?" in p])
    assert "Tabellen gäller vårdförloppets alla regioner, inte bara de regioner som rapporten jämför" in profile
    assert "Kvinnor 18-34" in profile
    assert "Tabellen gäller vårdförloppets alla regioner" not in flat(pathway_pdf[1])


def test_appendix_names_the_unadjusted_wilson_interval_when_the_analysis_used_it(tmp_path, results, questionnaire):
    adjusted = results.adjusted_results.copy()
    adjusted.loc[adjusted.index[0], "ci_method"] = "wilson_unadjusted"
    content = build_content(
        dataclasses.replace(results, adjusted_results=adjusted), questionnaire, kind="national", round_name="r"
    )
    assert "wilson_unadjusted" in content.method.ci_methods
    path = write_pdf(content, tmp_path / "wilson.pdf")
    appendix = appendix_text([page.extract_text() for page in PdfReader(path).pages])
    assert (
        "deltametoden för de justerade resultaten (normalapproximation) och Wilsons intervall utan justering"
        in appendix
    )


def test_appendix_states_raking_its_trimming_and_its_variance(tmp_path_factory, results, questionnaire, flow):
    """A raked run: the appendix names raking, the margins, the trimming rule, the round's trimmed weights
    (a count of 1-4 as "fewer than 5") and the variance, in Swedish and in English."""
    margins = pd.DataFrame(
        {
            "pathway": "reumatoid-artrit",
            "region": ["01", "01", "12"],
            "margin": ["sex", "age_group", "sex"],
            "category": ["K", "65-79..80+", "M"],
            "target": 1.0,
            "achieved": 1.0,
            "respondents": 10,
            "trimmed": [2, 2, 1],
        }
    )
    raked = dataclasses.replace(
        results, config=AnalysisConfig(calibration="raking", raking_trim=2.5), raking_margins=margins
    )
    _, pages = render(tmp_path_factory, raked, questionnaire, flow, "raked", kind="pathway", pathway="reumatoid-artrit")
    appendix = appendix_text(pages)
    assert "kalibrering genom raking (iterativ proportionell anpassning)" in appendix
    assert "efter kön och efter åldersgrupp" in appendix and "efterstratifiering" not in appendix
    assert "får överstiga 2,5 gånger medianfaktorn" in appendix
    assert "trunkerades vikten för färre än 5 svarande" in appendix
    assert "kalibreringens residualer" in appendix
    many = dataclasses.replace(raked, raking_margins=margins.assign(trimmed=[7, 7, 5]))
    _, pages = render(
        tmp_path_factory, many, questionnaire, flow, "raked_en", kind="pathway", pathway="reumatoid-artrit", lang="en"
    )
    appendix = appendix_text(pages)
    assert "calibration by raking (iterative proportional fitting)" in appendix
    assert "the weights of 12 respondents were trimmed" in appendix
    assert "respondents minus pathway × region strata in the group" in appendix
