"""Make funnel.csv, the fixed data set of the funnel-comparison reference (funnel_reference.R).

Run once from the repository root: ``python tests/analysis/reference/make_funnel_data.py``, then
``Rscript tests/analysis/reference/funnel_reference.R``. 1,500-odd synthetic respondents of one
pathway in 16 regions (seeded): true region effects that differ more than chance (overdispersion),
sex, age group and self-rated health (with a "missing" level) as case mix, a 0/1 ``positive`` and a
0–100 ``score``, both with missing values. Region 24 has 20 respondents (below the publication
minimum of 30), region 03 is an outlier, and region 25 has 32 respondents who are all positive (outside the logistic model).
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261203)
regions = ["01", "03", "04", "05", "06", "07", "08", "09", "10", "12", "13", "14", "17", "18", "24", "25"]
sizes = [140, 60, 75, 90, 120, 45, 110, 80, 65, 130, 100, 55, 95, 85, 20, 32]
effect = dict(zip(regions, rng.normal(0, 0.35, len(regions)), strict=True))
effect["03"] = -2.0  # an outlier that the 99.8 % limits flag
region = np.repeat(regions, sizes)
n = len(region)
sex = rng.choice(["K", "M"], size=n)
age_group = rng.choice(["35-49", "50-64", "65-79", "80+"], size=n, p=[0.2, 0.3, 0.35, 0.15])
health = rng.choice(["1", "2", "3", "missing"], size=n, p=[0.3, 0.4, 0.2, 0.1])
linear = (
    0.9
    + np.vectorize(effect.get)(region)
    + 0.3 * (sex == "K")
    + np.select([age_group == "65-79", age_group == "80+"], [0.4, 0.2], 0.0)
    - np.select([health == "2", health == "3"], [0.5, 1.0], 0.0)
)
positive = (rng.random(n) < 1 / (1 + np.exp(-linear))).astype(float)
positive[region == "25"] = 1.0
positive[rng.random(n) < 0.04] = np.nan
score = np.clip(50 + 12 * linear + rng.normal(0, 20, n), 0, 100).round(4)
score[rng.random(n) < 0.04] = np.nan
frame = pd.DataFrame(
    {"region": region, "sex": sex, "age_group": age_group, "health": health, "positive": positive, "score": score}
)
frame.to_csv(Path(__file__).with_name("funnel.csv"), index=False)
