"""Write standardise.csv: funnel.csv's synthetic respondents with a final weight each (seeded)."""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
data = pd.read_csv(HERE / "funnel.csv", dtype={"region": str})
rng = np.random.default_rng(20261203)
# Weights that differ by age group and sex, so the weighted case mix differs from the respondents'.
base = data["age_group"].map(lambda group: 3.0 if group == "80+" else 1.0) * np.where(data["sex"] == "M", 2.0, 1.0)
data["weight"] = np.round(base * rng.uniform(5, 60, len(data)), 3)
data.to_csv(HERE / "standardise.csv", index=False)
