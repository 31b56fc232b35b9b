"""Benchmark of the analysis: ``python -m bench analysis [-- --respondents N --seed S --runs R --r-invited M]``.

Times :func:`analysis.analyse_round` (default settings: the comparisons the
report reads) on a synthetic responses export of 1 million invited persons
(the questionnaire's items, 21 regions × 4 pathways; target: under 5 s on
2 cores), next to a bare pandas groupby-mean of the same item scores over
pathway × region (best of ``--runs``, CPU and wall time, with the load
average); then one more run's CPU seconds per stage (checks, dispositions,
weighting, scores, estimates, case-mix models, response tables,
suppression), so a reader sees where the time goes.

Then the comparison with R ``survey`` on a round of ``--r-invited``
(100,000) invited: prem's whole analysis with its tables written
(:func:`analysis.write_tables`, what ``prem tables`` does after reading the
export) against ``svyby(~x, ~pathway + region, design, svymean)`` for 59
estimates (every item's mean score and share positive, every dimension's
mean score) × 84 pathway × region groups, no case mix and no suppression
(``bench/svyby_comparison.R``, run with ``Rscript``; skipped with a message
when R or its ``survey`` package is missing). Target: prem at least 10×
faster.

The export is :func:`synthetic_frame` (a vectorised, seeded frame of the
``frame.csv`` columns) answered by ``questionnaires.simulate.simulate_responses``
(the responses-export format of docs/ARCHITECTURE.md). The tests of
``tests/analysis`` build their small rounds the same way from a fixture
frame.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sampling.frame import AGE_GROUPS
from sampling.reference import regions

PATHWAYS = ("reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada")


def synthetic_frame(
    invited: int, *, seed: int, pathways: tuple[str, ...] = PATHWAYS, region_codes: tuple[str, ...] | None = None
) -> pd.DataFrame:
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
    return pd.DataFrame(
        {
            "respondent_id": np.char.add("R", np.char.zfill(np.arange(invited).astype(str), 10)),
            "pathway": np.array(pathways)[pathway_index],
            "region": codes[region_index],
            "sex": np.where(generator.random(invited) < 0.55, "K", "M"),
            "age": np.array([10, 26, 42, 57, 72, 85])[age_index] + generator.integers(-5, 6, size=invited),
            "age_group": np.array(AGE_GROUPS)[age_index],
            "stratum_population": stratum_population[stratum],
            "stratum_sample": stratum_sample[stratum],
            "design_weight": (stratum_population / np.maximum(stratum_sample, 1))[stratum],
        }
    )


STAGES: dict[str, tuple[str, ...]] = {
    "checks and option codes": ("checked_persons",),
    "dispositions": ("classify_dispositions",),
    "weighting": ("poststratify",),
    "scores": ("score_states", "dimension_item_weights", "dimension_states"),
    "estimates and intervals": (
        "weight_classes",
        "class_counts",
        "state_stratum_sums",
        "estimates_from_sums",
        "grouped_estimates",
    ),
    "case-mix models": ("respondents_casemix", "adjusted_comparisons"),
    "response tables": ("response_rates_table", "response_by_sex_age_table"),
    "suppression and masking": (
        "suppress_small_results",
        "mask_response_rates",
        "mask_response_by_sex_age",
        "mask_respondents",
        "mask_adjusted_respondents",
        "mask_cell_respondents",
    ),
}
"""Stages of ``analyse_round`` and the functions of the :mod:`analysis` modules each covers."""


def _timed(work: Callable[[], Any]) -> dict[str, Any]:
    """Wall-clock and process CPU time of ``work()`` (CPU time is steadier on a shared machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "result": result}


def _best_of(runs: int, work: Callable[[], Any]) -> dict[str, Any]:
    """The run with the least CPU time of ``runs`` runs of ``work()`` (the least disturbed by other load)."""
    return min((_timed(work) for _ in range(runs)), key=lambda timing: timing["cpu"])


@contextlib.contextmanager
def _stage_times() -> Iterator[dict[str, float]]:
    """CPU seconds per stage of ``analyse_round``, each function's own time (nested stages subtracted).

    Wraps the functions named in :data:`STAGES` in every :mod:`analysis` module that looks them up
    (where each is defined and where it is imported), for the duration of the block; the library itself
    has no timing code.
    """
    import sys

    import analysis.round  # noqa: F401 (every module of the pipeline loaded)

    modules = [module for name, module in sys.modules.items() if name.startswith("analysis.") and module is not None]
    found: dict[str, Callable[..., Any]] = {}
    for module in modules:
        for name in (name for names in STAGES.values() for name in names):
            if name not in found and hasattr(module, name):
                found[name] = getattr(module, name)
    missing = [name for names in STAGES.values() for name in names if name not in found]
    if missing:
        raise RuntimeError(f"no analysis module has {', '.join(missing)}: update bench STAGES")
    originals = found
    holders = [
        (module, name)
        for module in modules
        for name, function in originals.items()
        if getattr(module, name, None) is function
    ]

    spent = dict.fromkeys(STAGES, 0.0)
    running: list[list[float]] = []  # per active stage: [start CPU time, CPU time of nested stages]

    def timed(stage: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            running.append([time.process_time(), 0.0])
            try:
                return function(*args, **kwargs)
            finally:
                started, nested = running.pop()
                elapsed = time.process_time() - started
                spent[stage] += elapsed - nested
                if running:
                    running[-1][1] += elapsed

        return wrapper

    stage_of = {name: stage for stage, names in STAGES.items() for name in names}
    wrapped = {name: timed(stage_of[name], function) for name, function in originals.items()}
    try:
        for module, name in holders:
            setattr(module, name, wrapped[name])
        yield spent
    finally:
        for module, name in holders:
            setattr(module, name, originals[name])


def _r_comparison(q: Any, invited: int, seed: int, runs: int) -> None:
    """prem's analysis and tables of a round of ``invited`` against R survey's svyby on 59 × 84 estimates."""
    from analysis import analyse_round, write_tables
    from analysis.scores import score_items
    from questionnaires.simulate import simulate_responses

    responses = simulate_responses(synthetic_frame(invited, seed=seed), q, seed=seed)
    with tempfile.TemporaryDirectory(prefix="prem-bench-") as folder:
        tables = Path(folder) / "tables"

        def prem_tables() -> Any:
            results = analyse_round(responses, q)
            write_tables(results, tables)
            return results

        prem = _best_of(runs, prem_tables)
        print(
            f"prem on {invited:,} invited (analyse_round + write_tables, every table): "
            f"{prem['wall']:.2f} s wall, {prem['cpu']:.2f} s CPU"
        )
        rscript = shutil.which("Rscript")
        if rscript is None:
            print("R comparison skipped: Rscript not found (apt-get install -y r-cran-survey)")
            return
        persons = prem["result"].persons
        respondents = persons["weight"].notna().to_numpy()
        scores, positive = score_items(responses, q.scoring_table())
        data = pd.DataFrame(
            {
                "pathway": persons["pathway"].astype(str).to_numpy(),
                "region": persons["region"].astype(str).to_numpy(),
                "weight": persons["weight"].to_numpy(),
                **{f"score_{item}": scores[item].to_numpy() for item in scores},
                **{f"positive_{item}": positive[item].to_numpy() for item in positive},
                **{name: persons[name].to_numpy() for name in persons if name.startswith("score_")},
            }
        )[respondents]
        path = Path(folder) / "respondents.csv"
        data.to_csv(path, index=False)
        script = Path(__file__).with_name("svyby_comparison.R")
        run = subprocess.run([rscript, str(script), str(path)], capture_output=True, text=True, check=False)
        found = re.search(r"estimates (\d+) groups (\d+) seconds ([0-9.]+)", run.stdout)
        if run.returncode != 0 or found is None:
            print(f"R comparison skipped: Rscript failed ({(run.stderr or run.stdout).strip()[-300:]})")
            return
        estimates, groups, seconds = int(found[1]), int(found[2]), float(found[3])
        print(
            f"R survey svyby, {estimates} estimates × {groups} groups on the same round's {len(data):,} "
            f"respondents: {seconds:.1f} s elapsed (one run) = {seconds / prem['wall']:.0f}× prem's wall time "
            "(target ≥ 10×)"
        )


def main(argv: list[str]) -> int:
    """Run the benchmark and print the timings."""
    from analysis import analyse_round
    from analysis.scores import score_items
    from questionnaires import load_questionnaire
    from questionnaires.simulate import simulate_responses

    parser = argparse.ArgumentParser(prog="python -m bench analysis")
    parser.add_argument("--respondents", type=int, default=1_000_000, help="invited persons (rows of the export)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each; the best (least CPU) is shown")
    parser.add_argument("--r-invited", type=int, default=100_000, help="invited of the R comparison's round; 0: none")
    arguments = parser.parse_args(argv)
    q = load_questionnaire("prem-vardforlopp")
    started = time.perf_counter()
    responses = simulate_responses(synthetic_frame(arguments.respondents, seed=arguments.seed), q, seed=arguments.seed)
    print(
        f"synthetic export: {len(responses):,} rows × {responses.shape[1]} columns in {time.perf_counter() - started:.1f} s"
    )

    item_scores, _ = score_items(responses, q.scoring_table())
    keyed = pd.concat([responses[["pathway", "region"]], item_scores], axis=1)
    load_before = os.getloadavg()
    bare = _best_of(arguments.runs, lambda: keyed.groupby(["pathway", "region"]).mean())
    full = _best_of(arguments.runs, lambda: analyse_round(responses, q))
    load_after = os.getloadavg()
    results = full.pop("result")
    print(
        f"load average (1, 5, 15 min) before {', '.join(f'{x:.2f}' for x in load_before)}; "
        f"after {', '.join(f'{x:.2f}' for x in load_after)} ({os.cpu_count()} CPUs); best of {arguments.runs} runs"
    )
    print(
        f"bare pandas groupby-mean of {item_scores.shape[1]} item scores by pathway × region: "
        f"{bare['wall']:.3f} s wall, {bare['cpu']:.3f} s CPU"
    )
    print(
        f"analyse_round (all tables, weights, intervals, case-mix models): {full['wall']:.2f} s wall, "
        f"{full['cpu']:.2f} s CPU on {len(responses):,} invited (target: under 5 s on 2 cores) = "
        f"{full['wall'] / bare['wall']:.0f}× wall of the bare groupby"
    )
    with _stage_times() as spent:
        staged = _timed(lambda: analyse_round(responses, q))
    print(f"where the time goes (CPU s, one more run: {staged['cpu']:.2f} s in all):")
    for stage, seconds in [*spent.items(), ("other (assembly, tables)", staged["cpu"] - sum(spent.values()))]:
        print(f"  {stage:<26} {seconds:6.2f}  {100 * seconds / staged['cpu']:4.0f} %")
    print("rows: " + ", ".join(f"{name} {len(table):,}" for name, table in results.tables().items()))
    if arguments.r_invited:
        _r_comparison(q, arguments.r_invited, arguments.seed, arguments.runs)
    return 0
