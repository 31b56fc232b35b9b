"""Make raking_round.csv and raking_round_design.csv, the raked round of the R survey reference.

Run once from the repository root:
``python tests/analysis/reference/make_raking_round_data.py``, then
``Rscript tests/analysis/reference/raking_round_reference.R`` (Debian r-cran-survey).

``raking_round.csv`` is a responses export (``prem export responses`` columns) of 540 synthetic
invited persons (seed 20261205) in 2 pathways x 2 regions, one stratum drawn whole (n_h = N_h),
answered by ``questionnaires.simulate.simulate_responses``; ages in four groups, so that every sex
and age group of every stratum has at least 5 respondents and no margin is merged.
``raking_round_design.csv`` is the same persons for R: stratum, N_h, sex, age group, a disposition
group (respondent = complete, nonrespondent, ineligible = deceased or screened out) and the
respondents' ``score`` and ``positive`` of one dimension as prem scores them (scoring is checked
elsewhere; here only weights and variance are).
"""

from pathlib import Path

import numpy as np
import pandas as pd

from analysis import AnalysisConfig, analyse_round
from questionnaires import load_questionnaire
from questionnaires.simulate import simulate_responses

HERE = Path(__file__).parent
DIMENSION = "information"
rng = np.random.default_rng(20261205)
strata = [
    ("reumatoid-artrit", "01", 170, 520),
    ("reumatoid-artrit", "12", 120, 120),  # drawn whole
    ("ibd-vuxna", "01", 120, 260),
    ("ibd-vuxna", "12", 130, 900),
]
parts = []
for pathway, region, invited, population in strata:
    parts.append(
        pd.DataFrame(
            {
                "pathway": pathway,
                "region": region,
                "sex": np.where(rng.random(invited) < 0.55, "K", "M"),
                "age_group": rng.choice(["35-49", "50-64", "65-79", "80+"], size=invited, p=[0.3, 0.27, 0.27, 0.16]),
                "stratum_population": population,
                "stratum_sample": invited,
                "design_weight": population / invited,
            }
        )
    )
frame = pd.concat(parts, ignore_index=True)
lower = {"35-49": 35, "50-64": 50, "65-79": 65, "80+": 80}
frame.insert(0, "respondent_id", [f"R{i:010d}" for i in range(len(frame))])
frame.insert(4, "age", [lower[group] + int(rng.integers(0, 15)) for group in frame["age_group"]])
q = load_questionnaire("prem-vardforlopp")
responses = simulate_responses(frame, q, seed=20261205)
responses.to_csv(HERE / "raking_round.csv", index=False)

persons = analyse_round(responses, q, config=AnalysisConfig(calibration="raking")).persons
group = np.where(
    persons["disposition"] == "complete",
    "respondent",
    np.where(persons["disposition"].isin(["deceased", "screened_out"]), "ineligible", "nonrespondent"),
)
design = pd.DataFrame(
    {
        "row": np.arange(1, len(persons) + 1),
        "pathway": persons["pathway"].astype(str),
        "region": persons["region"].astype(str),
        "N_h": responses["stratum_population"],
        "sex": persons["sex"].astype(str),
        "age_group": persons["age_group"].astype(str),
        "group": group,
        "score": persons[f"score_{DIMENSION}"],
        "positive": persons[f"positive_{DIMENSION}"],
    }
)
counts = design[design["group"] == "respondent"].groupby(["pathway", "region", "sex"]).size()
ages = design[design["group"] == "respondent"].groupby(["pathway", "region", "age_group"]).size()
assert counts.min() >= 5 and ages.min() >= 5 and len(ages) == 16, (counts, ages)
design.to_csv(HERE / "raking_round_design.csv", index=False)
print(design["group"].value_counts().to_dict(), design.groupby(["pathway", "region"])["group"].value_counts())
