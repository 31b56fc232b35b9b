"""Make mode_export.csv and mode_model_frame.csv, the data of the R reference for mode as case mix.

Run once from the repository root: ``python tests/analysis/reference/make_mode_data.py``, then
``Rscript tests/analysis/reference/mode_reference.R`` (Debian r-cran-survey's R).

``mode_export.csv``: a responses export of 1 500 invited in one pathway × 3 regions (seeded frame,
``questionnaires.simulate``), with a ``mode`` column: paper for a share of the submitted responses that
rises with age, differs by region and is higher among those who rated the care well (so that mode is
related to the outcome and to the units, as it is when older patients answer on paper).
``mode_model_frame.csv``: the complete respondents of that export with the ``involvement`` dimension's
score and positive indicator (from ``analyse_round``'s persons table) and the case-mix variables taken
from the export's own columns (age group, sex, self-rated health, education, mode; an unanswered
question as the level ``missing``), which R's glm fits.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import AnalysisConfig, analyse_round
from questionnaires import load_questionnaire
from questionnaires.simulate import simulate_responses

HERE = Path(__file__).parent
PATHWAY, REGIONS, DIMENSION = "reumatoid-artrit", ("01", "12", "25"), "involvement"
AGE_GROUPS = ("0-17", "18-34", "35-49", "50-64", "65-79", "80+")


def mode_export() -> pd.DataFrame:
    """The seeded export with a mode column."""
    rng = np.random.default_rng(20261203)
    invited = 1500
    region = rng.integers(len(REGIONS), size=invited)
    age = np.clip(rng.binomial(5, 0.7, size=invited), 1, 5)
    sample = np.bincount(region, minlength=len(REGIONS))
    frame = pd.DataFrame(
        {
            "respondent_id": [f"R{i:010d}" for i in range(invited)],
            "pathway": PATHWAY,
            "region": np.array(REGIONS)[region],
            "sex": np.where(rng.random(invited) < 0.55, "K", "M"),
            "age": np.array([10, 26, 42, 57, 72, 85])[age],
            "age_group": np.array(AGE_GROUPS)[age],
            "stratum_population": (sample * 4)[region],
            "stratum_sample": sample[region],
            "design_weight": 4.0,
        }
    )
    export = simulate_responses(frame, load_questionnaire("prem-vardforlopp", version="2026.1"), seed=20261203)
    submitted = (export["status"] == "submitted").to_numpy()
    good = export["overall_rating"].fillna(0).to_numpy() >= 4
    logit = -2.0 + 0.55 * (age - 3) + 0.9 * (region == 2) + 0.8 * good
    paper = submitted & (rng.random(invited) < 1 / (1 + np.exp(-logit)))
    export["mode"] = np.where(export["questionnaire_id"].notna(), np.where(paper, "paper", "web"), None)
    return export


def model_frame(export: pd.DataFrame) -> pd.DataFrame:
    """The complete respondents' outcome and case-mix columns, built from the export's own columns."""
    q = load_questionnaire("prem-vardforlopp", version="2026.1")
    persons = analyse_round(export, q, config=AnalysisConfig(casemix_mode=True)).persons
    respondents = (persons["disposition"] == "complete").to_numpy()
    role_item = {item.role: item.id for item in q.background_items if item.role in ("self_rated_health", "education")}
    answers = export.loc[respondents]
    frame = pd.DataFrame(
        {
            "region": answers["region"].to_numpy(),
            "age_group": answers["age_group"].to_numpy(),
            "sex": answers["sex"].to_numpy(),
            **{
                role: answers[item_id].astype("Int64").astype("string").fillna("missing").to_numpy()
                for role, item_id in role_item.items()
            },
            "mode": answers["mode"].to_numpy(),
            "score": persons.loc[respondents, f"score_{DIMENSION}"].to_numpy(),
            "positive": persons.loc[respondents, f"positive_{DIMENSION}"].to_numpy(),
        }
    )
    return frame[["region", "age_group", "sex", "self_rated_health", "education", "mode", "score", "positive"]]


if __name__ == "__main__":
    export = mode_export()
    export.to_csv(HERE / "mode_export.csv", index=False)
    model_frame(export).to_csv(HERE / "mode_model_frame.csv", index=False)
