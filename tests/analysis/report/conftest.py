"""Fixtures of the comparison-PDF tests (one test file per module of analysis/report).

The results here are built by hand (seeded) in the published table schemas,
so that the expected figures are known: a small region (Gotland, 12
respondents) must be suppressed with its reason, a region far above the
national value must carry the "better" band, and so on. The text of each
PDF is read back with pypdf.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pypdf import PdfReader

from analysis.report import build_content, write_pdf
from analysis.report.content import CARE_PLAN_ITEM
from analysis.results import RoundResults
from analysis.tables import conform
from questionnaires import load_questionnaire
from sampling.reference import regions
from sampling.rules import load_rules

PATHWAYS = ("reumatoid-artrit", "ibd-vuxna")
SMALL_REGION = "09"  # Gotland
BEST_REGION = "14"  # Västra Götaland: far above national everywhere


BUNDLED_RULES = load_rules()  # what `prem report` passes without --rules
BUNDLED_SHA = {rule.pathway: rule.sha256 for rule in BUNDLED_RULES}
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


@pytest.fixture(scope="package")
def questionnaire():
    return load_questionnaire("prem-vardforlopp")


_NO_DESIGN_FIGURES = {"df": np.nan, "design_effect": np.nan, "effective_n": np.nan}


def _funnel(figures: dict[str, object], rest: float, tau2: float = 1.0) -> dict[str, object]:
    """The funnel columns of an adjusted row around ``rest`` (see analysis.comparison), consistent with its band."""
    se = float(figures["se"])  # type: ignore[arg-type]
    spread = np.sqrt(se**2 + tau2)
    columns: dict[str, object] = {
        "rest_value": rest,
        "difference": float(figures["estimate"]) - rest,  # type: ignore[arg-type]
        "difference_se": se,
        "z_score": (float(figures["estimate"]) - rest) / spread,  # type: ignore[arg-type]
        "tau2": tau2,
        "phi": 1.5,
        "separation": pd.NA,
    }
    for suffix, quantile in (("_95", 1.959964), ("", 3.090232)):
        columns[f"expected_lower{suffix}"] = max(0.0, rest - quantile * spread)
        columns[f"expected_upper{suffix}"] = min(100.0, rest + quantile * spread)
        z = columns["z_score"]
        columns[f"band{suffix}"] = (
            pd.NA if np.isnan(z) else "better" if z > quantile else "worse" if z < -quantile else "as_expected"
        )
    return columns


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
            **_NO_DESIGN_FIGURES,
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
        **_NO_DESIGN_FIGURES,
    }


def respondents(region: str) -> int:
    return 12 if region == SMALL_REGION else 60 + 7 * int(region)


def synthetic_results(q) -> RoundResults:
    """Results for two pathways in all 21 regions, in the published schemas."""
    rng = np.random.default_rng(20261122)
    groups = (
        [("pathway_region", p, r) for p in PATHWAYS for r in regions()]
        + [("pathway", p, pd.NA) for p in PATHWAYS]
        + [("national", pd.NA, pd.NA)]
    )

    def n_of(level, pathway, region):
        if level == "pathway_region":
            return respondents(region)
        return sum(respondents(r) for r in regions()) * (1 if level == "pathway" else len(PATHWAYS))

    response, profile, dims, items, adjusted = [], [], [], [], []
    for level, pathway, region in groups + [("region", pd.NA, r) for r in regions()]:
        complete = n_of(level, pathway, region) if level != "region" else len(PATHWAYS) * respondents(region)
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
            respondents(code) for code, r in regions().items() if r.healthcare_region == name
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
            n = respondents(region)
            targets = [(d.id, pd.NA, "mean_score", 70.0) for d in q.dimensions]
            targets.append(("involvement", CARE_PLAN_ITEM, "share_positive", 50.0))
            for dimension, item_id, measure, reference in targets:
                shift = 20 if region == BEST_REGION else 0
                figures = _estimates(rng, n, reference + shift)
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
                        "ci_method": "delta_method",
                        **figures,
                        **_funnel(figures, reference),  # the band from the funnel's z
                    }
                )
    return RoundResults(
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        response_rates=conform("response_rates", pd.DataFrame(response).assign(eligibility_rate=np.nan, rr3=np.nan)),
        response_by_sex_age=conform("response_by_sex_age", pd.DataFrame(profile)),
        dimension_results=conform("dimension_results", pd.DataFrame(dims)),
        item_results=conform("item_results", pd.DataFrame(items)),
        adjusted_results=conform("adjusted_results", pd.DataFrame(adjusted)),
        methods=conform(
            "methods", pd.DataFrame({"topic": ["weighting"], "description": ["Post-stratified by sex x age."]})
        ),
    )


@pytest.fixture(scope="package")
def results(questionnaire) -> RoundResults:
    return synthetic_results(questionnaire)


@pytest.fixture(scope="package")
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


def render(tmp_path_factory, results, questionnaire, flow, name: str, **scope) -> tuple[Path, list[str]]:
    content = build_content(
        results,
        questionnaire,
        round_name="2026-vår",
        flow=flow,
        manifest=MANIFEST,
        rules=BUNDLED_RULES,
        fieldwork=(dt.date(2026, 3, 2), dt.date(2026, 4, 26)),
        **scope,
    )
    path = write_pdf(content, tmp_path_factory.mktemp("pdf") / f"{name}.pdf")
    return path, [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture(scope="package")
def pathway_pdf(tmp_path_factory, results, questionnaire, flow):
    return render(tmp_path_factory, results, questionnaire, flow, "pathway", kind="pathway", pathway="reumatoid-artrit")


def flat(pages: list[str]) -> str:
    """All text with whitespace runs collapsed (pypdf breaks lines where the layout does)."""
    return re.sub(r"\s+", " ", " ".join(pages))


def appendix_text(pages: list[str]) -> str:
    """The method appendix's text (from its heading to the end)."""
    text = flat(pages)
    return text[text.rindex("Metodbilaga" if "Metodbilaga" in text else "Method appendix") :]


HEALTHCARE_REGIONS = ["Stockholm-Gotland", "Mellansverige", "Sydöstra", "Södra", "Västra", "Norra"]
