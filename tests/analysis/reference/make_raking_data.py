"""Make raking.csv, the fixed data set of the raking (R survey ``calibrate``) reference.

Run once from the repository root: ``python tests/analysis/reference/make_raking_data.py``, then
``Rscript tests/analysis/reference/raking_reference.R``. 400 synthetic invited persons in 2 strata
(seeded), sex and age group, a design weight, respondent and eligible flags; response depends on
sex and age so the raked factors differ, and one small age group makes the trimming bind.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261204)
rows = []
for pathway, region, invited, weight in (("kol", "01", 240, 5.0), ("kol", "03", 160, 1.5)):
    sex = rng.choice(["K", "M"], size=invited)
    age = rng.choice(["18-34", "35-49", "50-64", "65-79", "80+"], size=invited, p=[0.1, 0.15, 0.3, 0.3, 0.15])
    propensity = 0.25 + 0.15 * (sex == "K") + 0.08 * np.searchsorted(["18-34", "35-49", "50-64", "65-79", "80+"], age)
    propensity = np.where(age == "18-34", 0.3, propensity)
    respondent = rng.random(invited) < propensity
    eligible = ~(~respondent & (rng.random(invited) < 0.06))
    for i in range(invited):
        rows.append((pathway, region, sex[i], age[i], weight, bool(respondent[i]), bool(eligible[i])))
data = pd.DataFrame(rows, columns=["pathway", "region", "sex", "age_group", "design_weight", "respondent", "eligible"])
data.to_csv(Path(__file__).with_name("raking.csv"), index=False)
