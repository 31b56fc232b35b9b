"""Benchmark of the analysis: ``python -m bench analysis [-- --respondents N --seed S]``.

Times :func:`analysis.analyse_round` on a synthetic responses export of
1 million invited persons (the questionnaire's items, 21 regions × 4
pathways) next to a bare pandas groupby-mean of the same item scores over
pathway × region, and prints both and their ratio (target: within 3×).

The export is :func:`synthetic_frame` (a vectorised, seeded frame of the
``frame.csv`` columns) answered by ``questionnaires.simulate.simulate_responses``
(the responses-export format of docs/ARCHITECTURE.md). The tests of
``tests/analysis`` build their small rounds the same way from a fixture
frame.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

from sampling.frame import AGE_GROUPS
from sampling.reference import regions

PATHWAYS = ("reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada")


def synthetic_frame(invited: int, *, seed: int, pathways: tuple[str, ...] = PATHWAYS,
                    region_codes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A synthetic sample frame (``frame.csv`` columns) of ``invited`` persons, seeded.

    Persons are spread evenly over pathway × region strata, with older ages
    more common; each stratum's population is 1–6 times its sample, so
    design weights ``N_h / n_h`` differ between strata.
    """
    generator = np.random.default_rng(seed)
    codes = np.array(region_codes or tuple(regions()))
    pathway_index = generator.integers(len(pathways), size=invited)
    region_index = generator.integers(len(codes), size=invited)
    age_index = np.minimum(generator.binomial(5, 0.62, size=invited), 5)
    stratum = pathway_index * len(codes) + region_index
    stratum_sample = np.bincount(stratum, minlength=len(pathways) * len(codes))
    stratum_population = np.ceil(stratum_sample * generator.uniform(1.0, 6.0, size=len(stratum_sample))).astype(int)
    return pd.DataFrame({
        "respondent_id": np.char.add("R", np.char.zfill(np.arange(invited).astype(str), 10)),
        "pathway": np.array(pathways)[pathway_index],
        "region": codes[region_index],
        "sex": np.where(generator.random(invited) < 0.55, "K", "M"),
        "age": np.array([10, 26, 42, 57, 72, 85])[age_index] + generator.integers(-5, 6, size=invited),
        "age_group": np.array(AGE_GROUPS)[age_index],
        "stratum_population": stratum_population[stratum],
        "stratum_sample": stratum_sample[stratum],
        "design_weight": (stratum_population / np.maximum(stratum_sample, 1))[stratum],
    })


def _timed(work) -> dict[str, Any]:
    """Wall-clock and process CPU time of ``work()`` (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "result": result}


def main(argv: list[str]) -> int:
    """Run the benchmark and print the timings."""
    from analysis import analyse_round
    from analysis.scores import score_items
    from questionnaires import load_questionnaire
    from questionnaires.simulate import simulate_responses

    parser = argparse.ArgumentParser(prog="python -m bench analysis")
    parser.add_argument("--respondents", type=int, default=1_000_000, help="invited persons (rows of the export)")
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args(argv)
    q = load_questionnaire("prem-vardforlopp")
    started = time.perf_counter()
    responses = simulate_responses(synthetic_frame(arguments.respondents, seed=arguments.seed), q, seed=arguments.seed)
    print(f"synthetic export: {len(responses):,} rows × {responses.shape[1]} columns in {time.perf_counter() - started:.1f} s")

    item_scores, _ = score_items(responses, q.scoring_table())
    keyed = pd.concat([responses[["pathway", "region"]], item_scores], axis=1)
    bare = _timed(lambda: keyed.groupby(["pathway", "region"]).mean())
    full = _timed(lambda: analyse_round(responses, q))
    results = full.pop("result")
    bare.pop("result")
    print(f"bare pandas groupby-mean of {item_scores.shape[1]} item scores by pathway × region: "
          f"{bare['wall']:.3f} s wall, {bare['cpu']:.3f} s CPU")
    print(f"analyse_round (all tables, weights, intervals, case-mix models): {full['wall']:.2f} s wall, "
          f"{full['cpu']:.2f} s CPU = {full['wall'] / bare['wall']:.1f}× wall, {full['cpu'] / bare['cpu']:.1f}× CPU "
          "of the bare groupby (target ≤ 3×)")
    print("rows: " + ", ".join(f"{name} {len(table):,}" for name, table in results.tables().items()))
    return 0
