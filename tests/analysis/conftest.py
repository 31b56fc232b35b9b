"""Fixtures of the analysis tests: the bundled questionnaire and small synthetic rounds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import AnalysisConfig, analyse_round
from analysis.config import COMPARISONS
from questionnaires import load_questionnaire
from questionnaires.simulate import simulate_responses
from sampling.frame import AGE_GROUPS
from sampling.reference import regions


@pytest.fixture(scope="session")
def q():
    """The PREM questionnaire for care pathways (prem-vardforlopp)."""
    return load_questionnaire("prem-vardforlopp")


def invited_frame(invited: int, pathways: tuple[str, ...], region_codes: tuple[str, ...], *, seed: int) -> pd.DataFrame:
    """A seeded sample frame (``frame.csv`` columns) of ``invited`` synthetic persons.

    Each person gets a pathway and region at random and an age group that leans old; each
    stratum's population is 1-6 times its sample, so design weights differ between strata.
    """
    rng = np.random.default_rng(seed)
    pathway, region = rng.integers(len(pathways), size=invited), rng.integers(len(region_codes), size=invited)
    age = np.minimum(rng.binomial(5, 0.62, size=invited), 5)
    stratum = pathway * len(region_codes) + region
    sample = np.bincount(stratum, minlength=len(pathways) * len(region_codes))
    population = np.ceil(sample * rng.uniform(1.0, 6.0, size=len(sample))).astype(int)
    return pd.DataFrame(
        {
            "respondent_id": [f"R{i:010d}" for i in range(invited)],
            "pathway": np.array(pathways)[pathway],
            "region": np.array(region_codes)[region],
            "sex": np.where(rng.random(invited) < 0.55, "K", "M"),
            "age": np.array([10, 26, 42, 57, 72, 85])[age] + rng.integers(-5, 6, size=invited),
            "age_group": np.array(AGE_GROUPS)[age],
            "stratum_population": population[stratum],
            "stratum_sample": sample[stratum],
            "design_weight": (population / np.maximum(sample, 1))[stratum],
        }
    )


@pytest.fixture(scope="session")
def small_round(q) -> pd.DataFrame:
    """A synthetic export: 2 400 invited in 2 pathways × 3 regions (seeded), answered by
    ``questionnaires.simulate.simulate_responses``."""
    frame = invited_frame(2400, ("reumatoid-artrit", "ibd-vuxna"), ("01", "12", "25"), seed=41)
    return simulate_responses(frame, q, seed=41)


@pytest.fixture(scope="session")
def national_round(q) -> pd.DataFrame:
    """A synthetic export: 3 000 invited in 4 pathways × all 21 regions (seeded)."""
    pathways = ("reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada")
    return simulate_responses(invited_frame(3000, pathways, tuple(regions()), seed=8), q, seed=8)


@pytest.fixture(scope="session")
def small_results(small_round, q):
    """``analyse_round`` of ``small_round`` with ``care_plan`` adjusted and both comparisons."""
    return analyse_round(small_round, q, config=AnalysisConfig(adjusted_items=("care_plan",), comparisons=COMPARISONS))


@pytest.fixture
def blank_export(q):
    """Factory of an export of ``n`` persons in one stratum, every item unanswered."""

    def make(n: int, *, pathway: str = "kol", region: str = "01") -> pd.DataFrame:
        frame = pd.DataFrame(
            {
                "respondent_id": [f"R{i:010d}" for i in range(n)],
                "pathway": pathway,
                "region": region,
                "sex": "K",
                "age": 60,
                "age_group": "50-64",
                "stratum_population": 2 * n,
                "stratum_sample": n,
                "design_weight": 2.0,
                "status": "not_started",
                "questionnaire_id": None,
                "questionnaire_version": None,
                "submitted_at": None,
            }
        )
        items = pd.DataFrame({item.id: pd.array([pd.NA] * n, dtype="Int64") for item in q.closed_items})
        return pd.concat([frame, items], axis=1)

    return make
