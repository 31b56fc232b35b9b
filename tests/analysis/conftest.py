"""Fixtures of the analysis tests: the bundled questionnaire and small synthetic rounds."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import AnalysisConfig, analyse_round
from analysis.config import COMPARISONS
from bench.bench_analysis import synthetic_responses
from questionnaires import load_questionnaire


@pytest.fixture(scope="session")
def q():
    """The PREM questionnaire for care pathways (prem-vardforlopp)."""
    return load_questionnaire("prem-vardforlopp")


@pytest.fixture(scope="session")
def small_round(q) -> pd.DataFrame:
    """A synthetic export: 2 400 invited in 2 pathways × 3 regions (seeded)."""
    return synthetic_responses(q, 2400, seed=41, pathways=("reumatoid-artrit", "ibd-vuxna"), region_codes=("01", "12", "25"))


@pytest.fixture(scope="session")
def small_results(small_round, q):
    """``analyse_round`` of ``small_round`` with ``care_plan`` adjusted and both comparisons."""
    return analyse_round(small_round, q, config=AnalysisConfig(adjusted_items=("care_plan",), comparisons=COMPARISONS))


@pytest.fixture
def blank_export(q):
    """Factory of an export of ``n`` persons in one stratum, every item unanswered."""

    def make(n: int, *, pathway: str = "kol", region: str = "01") -> pd.DataFrame:
        frame = pd.DataFrame({
            "respondent_id": [f"R{i:010d}" for i in range(n)],
            "pathway": pathway, "region": region, "sex": "K", "age": 60, "age_group": "50-64",
            "stratum_population": 2 * n, "stratum_sample": n, "design_weight": 2.0, "status": "not_started",
            "questionnaire_id": None, "questionnaire_version": None, "submitted_at": None,
        })
        items = pd.DataFrame({item.id: pd.array([pd.NA] * n, dtype="Int64") for item in q.closed_items})
        return pd.concat([frame, items], axis=1)

    return make
