"""Make twophase.csv, the fixed data set of the two-phase (R survey ``twophase``) reference.

Run once from the repository root:
``python tests/analysis/reference/make_twophase_data.py``, then
``Rscript tests/analysis/reference/twophase_reference.R`` (Debian r-cran-survey).
360 synthetic invited persons in 2 pathways × 3 regions (6 strata, seeded): each stratum's
frame population N_h (one stratum drawn whole, n_h = N_h), three weighting cells per stratum,
a disposition group (respondent, nonrespondent, or ineligible: deceased or screened out), and for
respondents a 0–100 ``score`` and a 0/1 ``positive`` with missing values.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261203)
rows = []
strata = [
    ("kol", "01", 80, 400),
    ("kol", "03", 60, 60),
    ("kol", "12", 40, 130),
    ("reumatoid-artrit", "01", 70, 900),
    ("reumatoid-artrit", "03", 50, 75),
    ("reumatoid-artrit", "12", 60, 240),
]
for pathway, region, invited, population in strata:
    cell = rng.choice(["a", "b", "c"], size=invited, p=[0.3, 0.45, 0.25])
    group = rng.choice(["respondent", "nonrespondent", "ineligible"], size=invited, p=[0.55, 0.38, 0.07])
    for position in range(invited):
        rows.append((pathway, region, population, invited, f"{pathway} {region} {cell[position]}", group[position]))
data = pd.DataFrame(rows, columns=["pathway", "region", "N_h", "n_h", "wcell", "group"])
respondent = (data["group"] == "respondent").to_numpy()
# every cell needs two respondents for a phase-2 variance: the design is drawn until it has them
per_cell = data[respondent].groupby("wcell").size()
assert per_cell.min() >= 2 and len(per_cell) == 18, per_cell
score = rng.choice([0.0, 25.0, 50.0, 75.0, 100.0], size=len(data), p=[0.08, 0.12, 0.25, 0.3, 0.25])
score[rng.random(len(data)) < 0.12] = np.nan
positive = np.where(np.isnan(score), np.nan, (score >= 75).astype(float))
positive[rng.random(len(data)) < 0.04] = np.nan
data["score"] = np.where(respondent, score, np.nan)
data["positive"] = np.where(respondent, positive, np.nan)
data.to_csv(Path(__file__).with_name("twophase.csv"), index=False)
