"""Time writing a 21-region comparison PDF (target: under 10 s).

``python -m bench report`` builds a seeded synthetic frame (one pathway, 21
regions, 300 invited per region, Gotland small enough to be suppressed),
simulates its answers (:func:`questionnaires.simulate.simulate_responses`),
analyses it once with
:func:`analysis.analyse_round`, then times choosing the content and drawing
the PDF (:func:`analysis.report.build_content` + :func:`~analysis.report.write_pdf`),
the median of a few runs. Options after ``--``: ``--invited N`` per region,
``--repeat N``, ``--keep FILE.pdf`` to keep the last PDF.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from sampling.reference import regions

PATHWAY = "reumatoid-artrit"
SMALL_REGION = "09"
AGE_GROUPS = ("18-34", "35-49", "50-64", "65-79", "80+")


def synthetic_frame(invited_per_region: int, seed: int) -> pd.DataFrame:
    """A sample frame (``frame.csv`` columns) for one pathway in all 21 regions; Gotland small."""
    rng = np.random.default_rng(seed)
    sizes = {code: (40 if code == SMALL_REGION else invited_per_region) for code in regions()}
    region = np.repeat(list(sizes), list(sizes.values()))
    sample = pd.Series(region).map(sizes).to_numpy()
    population = 20 * sample
    return pd.DataFrame(
        {
            "respondent_id": [f"R{index:010d}" for index in range(len(region))],
            "pathway": PATHWAY,
            "region": region,
            "sex": rng.choice(["K", "M"], size=len(region), p=(0.6, 0.4)),
            "age": rng.integers(18, 95, size=len(region)),
            "age_group": rng.choice(AGE_GROUPS, size=len(region), p=(0.1, 0.15, 0.25, 0.3, 0.2)),
            "stratum_population": population,
            "stratum_sample": sample,
            "design_weight": population / sample,
        }
    )


def main(argv: list[str]) -> int:
    from analysis import analyse_round
    from analysis.report import build_content, write_pdf
    from questionnaires import load_questionnaire
    from questionnaires.simulate import simulate_responses

    parser = argparse.ArgumentParser(prog="python -m bench report -- ")
    parser.add_argument("--invited", type=int, default=300, help="invited per region")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None)
    options = parser.parse_args(argv)
    q = load_questionnaire("prem-vardforlopp")
    responses = simulate_responses(synthetic_frame(options.invited, seed=20261122), q, seed=20261122)
    started = time.perf_counter()
    results = analyse_round(responses, q)
    analysed = time.perf_counter() - started
    timings = []
    with tempfile.TemporaryDirectory() as scratch:
        out = options.keep or Path(scratch) / "report.pdf"
        for _ in range(options.repeat):
            started = time.perf_counter()
            content = build_content(results, q, kind="pathway", pathway=PATHWAY, round_name="bench")
            write_pdf(content, out)
            timings.append(time.perf_counter() - started)
        size = out.stat().st_size
    median = statistics.median(timings)
    print(f"respondents invited: {len(responses)} in 21 regions; analyse_round {analysed:.2f} s (not in the figure)")
    print(
        f"21-region comparison PDF: median {median:.2f} s over {options.repeat} runs "
        f"(min {min(timings):.2f} s), {size / 1024:.0f} KiB; target < 10 s: {'met' if median < 10 else 'NOT met'}"
    )
    return 0 if median < 10 else 1
