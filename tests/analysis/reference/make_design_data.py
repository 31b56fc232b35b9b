"""Make design.csv, the fixed data set of the R survey-package reference.

Run once from the repository root:
``python tests/analysis/reference/make_design_data.py``, then
``Rscript tests/analysis/reference/survey_reference.R`` (Debian r-cran-survey).
80 synthetic respondents in 2 pathways × 3 regions (6 strata), final weights,
a 0–100 score with missing values and a 0/1 positive indicator with missing
values; plus background variables for the glm case-mix reference.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261122)
n = 80
pathway = rng.choice(["kol", "reumatoid-artrit"], size=n)
region = rng.choice(["01", "03", "12"], size=n, p=[0.5, 0.3, 0.2])
weight = np.round(rng.uniform(5, 60, size=n), 3)
score = rng.choice([0.0, 100 / 3, 200 / 3, 100.0], size=n, p=[0.1, 0.2, 0.4, 0.3])
score[rng.random(n) < 0.15] = np.nan
positive = np.where(np.isnan(score), np.nan, (score > 50).astype(float))
positive[rng.random(n) < 0.05] = np.nan
design = pd.DataFrame(
    {
        "pathway": pathway,
        "region": region,
        "weight": weight,
        "score": np.round(score, 6),
        "positive": positive,
        "age_group": rng.choice(["35-49", "50-64", "65-79"], size=n),
        "sex": rng.choice(["K", "M"], size=n),
        "health": rng.choice(["good", "fair", "missing"], size=n, p=[0.5, 0.35, 0.15]),
    }
)
design.to_csv(Path(__file__).with_name("design.csv"), index=False)
