"""The comparison PDF: scopes chosen from the results, and what the pages say.

The results here are built by hand (seeded) in the published table schemas,
so that the expected figures are known: a small region (Gotland, 12
respondents) must be suppressed with its reason, a region far above the
national value must carry the "better" band, and so on. The text of each
PDF is read back with pypdf.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.config import AnalysisConfig
from analysis.report import ReportError, build_content, write_pdf
from analysis.report.content import CARE_PLAN_ITEM
from analysis.report.labels import number
from analysis.results import RoundResults
from analysis.tables import conform
from questionnaires import load_questionnaire
from sampling.reference import regions
from sampling.rules import load_rule, load_rules

PATHWAYS = ("reumatoid-artrit", "ibd-vuxna")
SMALL_REGION = "09"  # Gotland
BEST_REGION = "14"  # Västra Götaland: far above national everywhere


BUNDLED_SHA = {rule.pathway: rule.sha256 for rule in load_rules()}
MANIFEST = {  # the shape `prem sample` writes (sampling.manifest.build_manifest)
    "software": {"prem": "0.1.0", "numpy": "2.1.3"},
    "seed": 4711,
    "period_start": "2025-01-01",
    "inputs": {"contacts": [{"file": "kontakter_01.csv", "sha256": "ab" * 32}], "population": None, "previous": []},
    "rules": [
        {
            "pathway": p,
            "version": "2026.1",
            "file": f"{p}.yaml",
            "sha256": BUNDLED_SHA.get(p, "cd" * 32),
            "quarantine_months": 12,
        }
        for p in ("reumatoid-artrit", "ibd-vuxna", "kol")
    ],
    "strata": [{"pathway": "reumatoid-artrit", "region": "01", "population": 900, "sample": 400}],
}


@pytest.fixture(scope="module")
def questionnaire():
    return load_questionnaire("prem-vardforlopp")


def _estimates(rng: np.random.Generator, n: int, centre: float, min_n: int = 30) -> dict[str, object]:
    """One estimate row's figures; suppressed (no estimate) below ``min_n``."""
    if n < min_n:
        return {
            "n": n,
            "estimate": np.nan,
            "se": np.nan,
            "lower": np.nan,
            "upper": np.nan,
            "suppressed": True,
            "suppression_reason": "too_few_respondents",
        }
    value = float(np.clip(centre + rng.normal(0, 3), 5, 95))
    half = 100 / np.sqrt(n)
    return {
        "n": n,
        "estimate": value,
        "se": half / 1.96,
        "lower": max(0.0, value - half),
        "upper": min(100.0, value + half),
        "suppressed": False,
        "suppression_reason": pd.NA,
    }


def _respondents(region: str) -> int:
    return 12 if region == SMALL_REGION else 60 + 7 * int(region)


def _results(q) -> RoundResults:
    """Results for two pathways in all 21 regions, in the published schemas."""
    rng = np.random.default_rng(20261122)
    groups = (
        [("pathway_region", p, r) for p in PATHWAYS for r in regions()]
        + [("pathway", p, pd.NA) for p in PATHWAYS]
        + [("national", pd.NA, pd.NA)]
    )

    def n_of(level, pathway, region):
        if level == "pathway_region":
            return _respondents(region)
        return sum(_respondents(r) for r in regions()) * (1 if level == "pathway" else len(PATHWAYS))

    response, profile, dims, items, adjusted = [], [], [], [], []
    for level, pathway, region in groups + [("region", pd.NA, r) for r in regions()]:
        complete = n_of(level, pathway, region) if level != "region" else len(PATHWAYS) * _respondents(region)
        counts = {
            "complete": complete,
            "partial": 4,
            "refusal": 6,
            "screened_out": 3,
            "deceased": 1,
            "undeliverable": 2,
            "no_response": complete,
        }
        invited = sum(counts.values())
        if level == "pathway_region" and region == SMALL_REGION:  # deceased (1) masked with the next smallest
            counts.update(deceased=pd.NA, partial=pd.NA)
        response.append(
            {
                "level": level,
                "pathway": pathway,
                "region": region,
                "healthcare_region": pd.NA if pd.isna(region) else regions()[region].healthcare_region,
                "invited": invited,
                **counts,
                "rr1": 100 * complete / (invited - 4),
                "adjusted_rate": 100 * complete / (invited - 6),
                "rate_rounding": 1.0,
                "masked_columns": "",
            }
        )
        if level in ("pathway", "region", "national"):
            for sex in ("K", "M"):
                for age_group in ("18-34", "35-49", "50-64", "65-79", "80+"):
                    profile.append(
                        {
                            "level": level,
                            "pathway": pathway,
                            "region": region,
                            "sex": sex,
                            "age_group": age_group,
                            "invited": invited // 10,
                            "complete": complete // 10,
                            "frame_population": 1000.0,
                            "frame_share": 10.0,
                            "respondent_share": 10.0,
                            "response_rate": 48.0,
                            "masked_columns": "",
                        }
                    )
    for name in dict.fromkeys(r.healthcare_region for r in regions().values()):
        complete = len(PATHWAYS) * sum(
            _respondents(code) for code, r in regions().items() if r.healthcare_region == name
        )
        response.append(
            {
                "level": "healthcare_region",
                "pathway": pd.NA,
                "region": pd.NA,
                "healthcare_region": name,
                "invited": 2 * complete + 17,
                "complete": complete,
                "partial": 4,
                "refusal": 6,
                "screened_out": 3,
                "deceased": 1,
                "undeliverable": 2,
                "no_response": complete + 1,
                "rr1": 100 * complete / (2 * complete + 13),
                "adjusted_rate": 100 * complete / (2 * complete + 11),
                "rate_rounding": 1.0,
                "masked_columns": "",
            }
        )
    keys = {"healthcare_region": pd.NA, "weighting": "weighted", "ci_method": "taylor_linearisation"}
    for level, pathway, region in groups:
        n = n_of(level, pathway, region)
        for dim in q.dimensions:
            dims.append(
                {
                    "level": level,
                    "pathway": pathway,
                    "region": region,
                    "dimension": dim.id,
                    "measure": "mean_score",
                    **keys,
                    **_estimates(rng, n, 70),
                }
            )
        for item in q.scored_items:
            centre = 50 if item.id == CARE_PLAN_ITEM else 75
            items.append(
                {
                    "level": level,
                    "pathway": pathway,
                    "region": region,
                    "dimension": item.dimension,
                    "item_id": item.id,
                    "measure": "share_positive",
                    **keys,
                    **_estimates(rng, n, centre),
                }
            )
    for pathway in PATHWAYS:
        for region in regions():
            n = _respondents(region)
            targets = [(d.id, pd.NA, "mean_score", 70.0) for d in q.dimensions]
            targets.append(("involvement", CARE_PLAN_ITEM, "share_positive", 50.0))
            for dimension, item_id, measure, reference in targets:
                shift = 15 if region == BEST_REGION else 0
                figures = _estimates(rng, n, reference + shift)
                band = (
                    pd.NA
                    if figures["suppressed"]
                    else (
                        "better"
                        if figures["lower"] > reference
                        else "worse"
                        if figures["upper"] < reference
                        else "as_expected"
                    )
                )
                adjusted.append(
                    {
                        "comparison": "regions_within_pathway",
                        "pathway": pathway,
                        "region": region,
                        "dimension": dimension,
                        "item_id": item_id,
                        "measure": measure,
                        "observed": figures["estimate"],
                        "reference": reference,
                        "band": band,
                        "ci_method": "delta_method",
                        **figures,
                    }
                )
    return RoundResults(
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        response_rates=conform("response_rates", pd.DataFrame(response)),
        response_by_sex_age=conform("response_by_sex_age", pd.DataFrame(profile)),
        dimension_results=conform("dimension_results", pd.DataFrame(dims)),
        item_results=conform("item_results", pd.DataFrame(items)),
        adjusted_results=conform("adjusted_results", pd.DataFrame(adjusted)),
        methods=conform(
            "methods", pd.DataFrame({"topic": ["weighting"], "description": ["Post-stratified by sex x age."]})
        ),
    )


@pytest.fixture(scope="module")
def results(questionnaire) -> RoundResults:
    return _results(questionnaire)


@pytest.fixture(scope="module")
def flow() -> pd.DataFrame:
    steps = [
        ("persons_with_qualifying_contacts", 900, 0),
        ("two_contact_dates", 700, 200),
        ("adult", 695, 5),
        ("deceased", 690, 10),
        ("sampled", 400, 290),
    ]
    return pd.DataFrame(
        [
            {"pathway": p, "region": r, "step": s, "remaining": rem, "removed": rm}
            for p in PATHWAYS
            for r in regions()
            for s, rem, rm in steps
        ]
    )


def _pdf(tmp_path_factory, results, questionnaire, flow, name: str, **scope) -> tuple[Path, list[str]]:
    content = build_content(
        results,
        questionnaire,
        round_name="2026-vår",
        flow=flow,
        manifest=MANIFEST,
        fieldwork=(dt.date(2026, 3, 2), dt.date(2026, 4, 26)),
        **scope,
    )
    path = write_pdf(content, tmp_path_factory.mktemp("pdf") / f"{name}.pdf")
    return path, [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture(scope="module")
def pathway_pdf(tmp_path_factory, results, questionnaire, flow):
    return _pdf(tmp_path_factory, results, questionnaire, flow, "pathway", kind="pathway", pathway="reumatoid-artrit")


def _flat(pages: list[str]) -> str:
    """All text with whitespace runs collapsed (pypdf breaks lines where the layout does)."""
    return re.sub(r"\s+", " ", " ".join(pages))


def test_pathway_report_has_cover_summary_every_dimension_and_appendix(pathway_pdf, questionnaire):
    _, pages = pathway_pdf
    text, cover = _flat(pages), _flat(pages[:1])
    assert "Patienters upplevelse av vårdförloppet: Reumatoid artrit (RA)" in cover
    assert "Jämförelse mellan regioner" in cover
    assert "2026-03-02 – 2026-04-26" in cover and "2026-vår" in cover
    assert "Sida 1 av" in pages[0] and f"Sida {len(pages)} av {len(pages)}" in pages[-1]
    for heading in (
        "Sammanfattning",
        "Svarsfrekvens och vilka som svarade",
        "Den individuella vårdplanen",
        "Metodbilaga",
    ):
        assert heading in text
    for dim in questionnaire.dimensions:
        assert any(page.lstrip().startswith(dim.label["sv"]) for page in pages), dim.label["sv"]
    assert "Östergötland" in text and "Jämtland Härjedalen" in text and "Västra Götaland" in text


def test_pathway_report_metadata_names_title_and_author(pathway_pdf):
    path, _ = pathway_pdf
    metadata = PdfReader(path).metadata
    assert metadata.title == "Patienters upplevelse av vårdförloppet: Reumatoid artrit (RA)"
    assert metadata.author == "prem"


def test_small_region_is_suppressed_with_its_reason(pathway_pdf):
    _, pages = pathway_pdf
    dimension_page = next(p for p in pages if p.lstrip().startswith("Helhetsintryck"))
    assert "Visas inte: Gotland (färre än 30 svar)" in _flat([dimension_page])
    assert "färre än 30 svar" in _flat(pages[1:2])  # the summary


def test_better_region_is_marked_in_words_on_the_care_plan_page(pathway_pdf):
    _, pages = pathway_pdf
    care_plan = _flat([p for p in pages if "Den individuella vårdplanen" in p])
    assert "Har du och vårdpersonalen tillsammans gjort en skriftlig plan" in care_plan
    row = re.search(r"Västra Götaland \d+ \d+ % \d+–\d+ (\w[\w ]+?)(?= [A-ZÅÄÖ]|$)", care_plan)
    assert row is not None and row.group(1) == "bättre än riket"


def test_appendix_shows_the_flow_counts_summed_over_regions(pathway_pdf):
    _, pages = pathway_pdf
    appendix = _flat(pages[-3:])
    assert "Minst 2 kontakter på olika dagar" in appendix
    assert f"{900 * 21:,}".replace(",", "\u00a0") in appendix or "18 900" in appendix
    assert "Slumpfrö 4711" in appendix and "Indata / kontakter kontakter_01.csv (sha256 abababababab…)" in appendix
    assert "Programvara / prem 0.1.0" in appendix
    assert f"reumatoid-artrit.yaml (sha256 {BUNDLED_SHA['reumatoid-artrit'][:12]}…)" in appendix
    assert "kol.yaml" not in appendix


def test_region_report_compares_pathways_against_their_national_values(tmp_path_factory, results, questionnaire, flow):
    _, pages = _pdf(tmp_path_factory, results, questionnaire, flow, "region", kind="region", regions=["14"])
    text, cover = _flat(pages), _flat(pages[:1])
    assert "Patienters upplevelse av vårdförloppen i regionen: Västra Götaland" in cover
    assert "Jämförelse mellan vårdförlopp" in cover
    assert "Reumatoid artrit (RA)" in text and "Inflammatorisk tarmsjukdom" in text
    assert "Streck på varje rad: rikets värde för samma vårdförlopp" in text


def test_english_national_report(tmp_path_factory, results, questionnaire, flow):
    _, pages = _pdf(tmp_path_factory, results, questionnaire, flow, "national", kind="national", lang="en")
    text, cover = _flat(pages), _flat(pages[:1])
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


def test_pathway_report_for_chosen_regions_only(tmp_path_factory, results, questionnaire, flow):
    _, pages = _pdf(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "some",
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01", "12", SMALL_REGION],
    )
    text = _flat(pages)
    assert "Stockholm" in text and "Skåne" in text and "Gotland (färre än 30 svar)" in text
    assert "Uppsala" not in text


def test_free_text_questions_are_not_in_the_pdf_and_the_cover_says_so(tmp_path_factory, results, questionnaire, flow):
    _, pages = _pdf(tmp_path_factory, results, questionnaire, flow, "nofree", kind="pathway", pathway="ibd-vuxna")
    text = _flat(pages)
    assert "Rapporten innehåller inga fritextsvar" in text
    text_items = [item.text["sv"] for item in questionnaire.items if item.kind == "text"]
    assert text_items and not any(question in text for question in text_items)


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


def test_failed_drawing_leaves_no_file(tmp_path, results, questionnaire, monkeypatch):
    content = build_content(results, questionnaire, round_name="2026-vår", kind="national")
    from analysis.report import sections

    def broken(*args, **kwargs):
        raise RuntimeError("drawing failed")

    monkeypatch.setattr(sections, "appendix", broken)
    with pytest.raises(RuntimeError):
        write_pdf(content, tmp_path / "report.pdf")
    assert list(tmp_path.iterdir()) == []


def test_without_dejavu_the_standard_font_still_writes_swedish(tmp_path, results, questionnaire):
    content = build_content(results, questionnaire, round_name="2026-vår", kind="region", regions=["05"])
    path = write_pdf(content, tmp_path / "helvetica.pdf", font_dir=tmp_path / "no-fonts")
    reader = PdfReader(path)
    text = _flat([page.extract_text() for page in reader.pages])
    assert "Östergötland" in text and "Sammanfattning" in text and "Sida 1 av" in text
    fonts_used = {font["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts_used <= {"/Helvetica", "/Helvetica-Bold", "/Symbol"}  # standard fonts only, nothing embedded


def test_dejavu_is_embedded_when_present(pathway_pdf):
    path, _ = pathway_pdf
    reader = PdfReader(path)
    fonts_used = {str(font["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("PremSans" in name or "DejaVu" in name for name in fonts_used)


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


def _appendix(pages: list[str]) -> str:
    """The method appendix's text (from its heading to the end)."""
    text = _flat(pages)
    return text[text.rindex("Metodbilaga" if "Metodbilaga" in text else "Method appendix") :]


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
    _, pages = _pdf(
        tmp_path_factory,
        dataclasses.replace(results, config=config),
        questionnaire,
        flow,
        "settings",
        kind="pathway",
        pathway="reumatoid-artrit",
    )
    appendix = _appendix(pages)
    assert "minst 60 % av kärnfrågorna" in appendix
    assert "fullständiga och de delvisa svaren" in appendix
    assert "Celler med färre än 8 svarande slås ihop" in appendix
    assert "Alla konfidensintervall är 90 %-intervall" in appendix
    assert "med 90 % säkerhet" in _flat(pages[1:2]) and "90 % KI" in _flat(pages) and "95 %" not in _flat(pages)
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
    assert "Post-stratified" not in _flat(pages) and "Metoderna som de tillämpades" not in appendix


def test_english_appendix_states_the_default_settings(tmp_path_factory, results, questionnaire, flow):
    _, pages = _pdf(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "settings_en",
        kind="pathway",
        pathway="reumatoid-artrit",
        lang="en",
    )
    appendix = _appendix(pages)
    assert "at least 50 % of the core items" in appendix and "use the complete respondents" in appendix
    assert "All confidence intervals are 95 % intervals" in appendix
    assert "fewer than 30 respondents is not shown" in appendix and "Counts of 1 to 4 persons are protected" in appendix
    assert "The items of a dimension weigh equally" in appendix
    assert "against the same pathway's national value. Better" in appendix  # no pathways-within-region sentence
    assert "Small counts (1–4) are masked" in _flat(pages)


def test_flow_steps_are_named_in_words_from_the_bundled_rule_files_labels(pathway_pdf):
    _, pages = pathway_pdf
    appendix = _appendix(pages)
    for text in (
        "Personer med minst en vårdkontakt med vårdförloppets diagnoser under perioden",
        "Minst 2 kontakter på olika dagar",
        "18 år eller äldre vid periodens slut",
        "Avlidna",
        "Dragna i urvalet",
    ):
        assert text in appendix, text
    assert "two_contact_dates" not in appendix and "persons_with_qualifying_contacts" not in appendix


def test_flow_steps_of_another_rule_file_keep_their_ids(tmp_path_factory, results, questionnaire, flow):
    """The manifest records another version of the rule file: its criteria are not described from ours."""
    changed = {**MANIFEST, "rules": [{**MANIFEST["rules"][0], "sha256": "ef" * 32}]}
    content = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="2026-vår",
        flow=flow,
        manifest=changed,
    )
    steps = {row.step: row.label for row in content.flow}
    assert steps["two_contact_dates"] == "two_contact_dates" and steps["deceased"] == "Avlidna"
    path = write_pdf(content, tmp_path_factory.mktemp("pdf") / "other_rules.pdf")
    assert "steg som inte finns i den visas med sitt namn" in _flat([p.extract_text() for p in PdfReader(path).pages])


def test_flow_criteria_from_a_given_rule_file_in_english(tmp_path, results, questionnaire, flow):
    rule_file = tmp_path / "ra.yaml"
    rule_file.write_text(
        "pathway: reumatoid-artrit\nversion: test\nqualifying_contacts:\n  diagnoses:\n"
        "    - {position: any, codes: [M05]}\ncriteria:\n"
        "  - {name: two_contact_dates, min_contact_dates: 3, any_contact_at: [specialist, inpatient]}\n"
        "  - {name: adult, min_age: 18, max_age: 64, age_at: first_qualifying_contact}\n"
        "sample_size: {n: 100}\n",
        encoding="utf-8",
    )
    content = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="r",
        flow=flow,
        lang="en",
        rules=[load_rule(rule_file)],
    )
    steps = {row.step: row.label for row in content.flow}
    assert steps["two_contact_dates"] == (
        "At least 3 qualifying contacts on different dates; at least one qualifying "
        "contact in specialist outpatient care or inpatient care"
    )
    assert steps["adult"] == "Aged 18 to 64 at the first qualifying contact"
    assert steps["sampled"] == "Sampled (eligible population → sample)"


HEALTHCARE_REGIONS = ["Stockholm-Gotland", "Mellansverige", "Sydöstra", "Södra", "Västra", "Norra"]


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
    complete = _respondents("13") + _respondents("14")
    assert västra.dispositions["complete"] == complete and västra.dispositions["deceased"] == 2
    assert västra.rr1 == round(100 * complete / (2 * complete + 24)) and västra.rate_rounding == 1


def test_healthcare_region_tables_in_the_pdfs(tmp_path_factory, results, questionnaire, flow):
    _, pages = _pdf(tmp_path_factory, results, questionnaire, flow, "national_hr", kind="national")
    response_text = _flat([p for p in pages if "Svarsfrekvens per sjukvårdsregion" in p])
    assert "Alla vårdförlopp tillsammans, per sjukvårdsregion" in response_text
    for name in HEALTHCARE_REGIONS:
        assert name in response_text
    regions_text = _flat([p for p in pages if "Svarsfrekvens per region" in p])
    assert "Alla vårdförlopp tillsammans, per region." in regions_text
    gotland = 2 * _respondents(SMALL_REGION)
    assert _flat([f"Gotland {number(2 * gotland + 16, 'sv')} {number(gotland, 'sv')}"]) in regions_text
    complete = 2 * sum(_respondents(code) for code, r in regions().items() if r.healthcare_region == "Norra")
    assert _flat([f"Norra {number(2 * complete + 17, 'sv')} {number(complete, 'sv')}"]) in response_text
    _, pages = _pdf(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "pathway_hr",
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01", "12"],
    )
    response_text = _flat([p for p in pages if "Svarsfrekvens per sjukvårdsregion" in p])
    assert "summerade per sjukvårdsregion" in response_text
    assert "Stockholm-Gotland 190 79 dolt 12" in response_text and "Norra" in response_text
    _, pages = _pdf(tmp_path_factory, results, questionnaire, flow, "region_hr", kind="region", regions=["14"])
    # no healthcare-region table (the method appendix may name healthcare regions in its rules)
    assert "per sjukvårdsregion" not in _flat(pages) and "Svarsfrekvens per region" not in _flat(pages)


def test_who_responded_says_it_covers_all_regions_when_only_some_are_chosen(
    tmp_path_factory, results, questionnaire, flow, pathway_pdf
):
    _, pages = _pdf(
        tmp_path_factory,
        results,
        questionnaire,
        flow,
        "some_profile",
        kind="pathway",
        pathway="ibd-vuxna",
        regions=["01", "12"],
    )
    profile = _flat([p for p in pages if "Vilka svarade?" in p])
    assert "Tabellen gäller vårdförloppets alla regioner, inte bara de regioner som rapporten jämför" in profile
    assert "Kvinnor 18-34" in profile
    assert "Tabellen gäller vårdförloppets alla regioner" not in _flat(pathway_pdf[1])


def test_appendix_names_the_unadjusted_wilson_interval_when_the_analysis_used_it(tmp_path, results, questionnaire):
    adjusted = results.adjusted_results.copy()
    adjusted.loc[adjusted.index[0], "ci_method"] = "wilson_unadjusted"
    content = build_content(
        dataclasses.replace(results, adjusted_results=adjusted), questionnaire, kind="national", round_name="r"
    )
    assert "wilson_unadjusted" in content.method.ci_methods
    path = write_pdf(content, tmp_path / "wilson.pdf")
    appendix = _appendix([page.extract_text() for page in PdfReader(path).pages])
    assert (
        "deltametoden för de justerade resultaten (normalapproximation) och Wilsons intervall utan justering"
        in appendix
    )


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
    text = _flat([page.extract_text() for page in PdfReader(path).pages])
    assert re.search(r"Stockholm 150 67 4 6 67 3 1 2 – ≈45", text)
    assert content.healthcare_regions[0].rr1 is None  # the pooled RR1 cannot be formed either


def test_flow_criteria_labels_recorded_in_the_manifest_come_first(results, questionnaire, flow):
    """The manifest records the labels of the rule file the sample used, even one prem does not ship."""
    recorded = {
        **MANIFEST["rules"][0],
        "sha256": "ef" * 32,
        "criteria": [
            {"name": "two_contact_dates", "label": {"sv": "Två besöksdagar"}},
            {"name": "adult", "label": None},
        ],
    }
    content = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="r",
        flow=flow,
        manifest={**MANIFEST, "rules": [recorded]},
    )
    steps = {row.step: row.label for row in content.flow}
    assert steps["two_contact_dates"] == "Två besöksdagar" and steps["adult"] == "adult"
    english = build_content(
        results,
        questionnaire,
        kind="pathway",
        pathway="reumatoid-artrit",
        round_name="r",
        flow=flow,
        manifest={**MANIFEST, "rules": [recorded]},
        lang="en",
    )
    assert {row.step: row.label for row in english.flow}["two_contact_dates"] == "Två besöksdagar"  # no en label


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
    care_plan = _flat(
        [p.extract_text() for p in PdfReader(path).pages if "Den individuella vårdplanen" in p.extract_text()]
    )
    assert re.search(r"Stockholm dolt \d+ %", care_plan)  # its complete count is masked in the response table
    assert "Uppsala dolt färre än 30 svar" in care_plan  # 3 respondents
    assert f"Södermanland {_respondents('04')} " in care_plan
