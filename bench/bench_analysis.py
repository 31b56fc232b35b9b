"""Benchmark of the analysis: ``python -m bench analysis [-- --respondents N --seed S]``.

Times :func:`analysis.analyse_round` on a synthetic responses export of
1 million invited persons (the questionnaire's items, 21 regions × 4
pathways) next to a bare pandas groupby-mean of the same item scores over
pathway × region, and prints both and their ratio (target: within 3×).

The export comes from :func:`synthetic_responses`, a vectorised, seeded
generator of the responses-export format (docs/ARCHITECTURE.md); the tests
of ``tests/analysis`` use it for small rounds too.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

from sampling.reference import regions

AGE_GROUPS = ("0-17", "18-34", "35-49", "50-64", "65-79", "80+")
PATHWAYS = ("reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada")
STATUS_SHARES = {
    "submitted": 0.48, "started": 0.05, "not_started": 0.34, "refused": 0.05,
    "screened_out": 0.03, "deceased": 0.01, "undeliverable": 0.04,
}


def synthetic_responses(q: Any, invited: int, *, seed: int, pathways: tuple[str, ...] = PATHWAYS,
                        region_codes: tuple[str, ...] | None = None) -> pd.DataFrame:
    """A synthetic responses export: ``invited`` rows in the export format, seeded.

    Experience is a latent per-person trait plus region, pathway and
    dimension effects (so items within a dimension correlate); women and
    older people respond more; about 5 % "don't know", some items left
    blank, a few submitted questionnaires with few answers, routing
    respected (items with ``show_if`` only when the controlling answer allows).
    """
    generator = np.random.default_rng(seed)
    codes = np.array(region_codes or tuple(regions()))
    pathway_index = generator.integers(len(pathways), size=invited)
    region_index = generator.integers(len(codes), size=invited)
    sex = np.where(generator.random(invited) < 0.55, "K", "M")
    age_index = np.minimum(generator.binomial(5, 0.62, size=invited), 5)
    age = np.array([10, 26, 42, 57, 72, 85])[age_index] + generator.integers(-5, 6, size=invited)
    stratum = pathway_index * len(codes) + region_index
    stratum_sample = np.bincount(stratum, minlength=len(pathways) * len(codes))
    stratum_population = np.ceil(stratum_sample * generator.uniform(1.0, 6.0, size=len(stratum_sample))).astype(int)
    shares = np.array(list(STATUS_SHARES.values()))
    tilt = 0.06 * (age_index - 3) / 3 + np.where(sex == "K", 0.03, -0.03)
    draw = generator.random(invited)
    submitted_cut = shares[0] + tilt
    rest = np.searchsorted(np.cumsum(shares[1:]) / shares[1:].sum(), (draw - submitted_cut) / (1 - submitted_cut))
    status = np.where(draw < submitted_cut, "submitted", np.array(list(STATUS_SHARES))[1:][np.minimum(rest, 5)])
    export = pd.DataFrame({
        "respondent_id": np.char.add("R", np.char.zfill(np.arange(invited).astype(str), 10)),
        "pathway": np.array(pathways)[pathway_index],
        "region": codes[region_index],
        "sex": sex,
        "age": age,
        "age_group": np.array(AGE_GROUPS)[age_index],
        "stratum_population": stratum_population[stratum],
        "stratum_sample": stratum_sample[stratum],
        "design_weight": (stratum_population / stratum_sample)[stratum],
        "status": status,
        "questionnaire_id": np.where(np.isin(status, ["started", "submitted"]), q.id, None),
        "questionnaire_version": np.where(np.isin(status, ["started", "submitted"]), q.version, None),
        "submitted_at": np.where(status == "submitted", "2026-10-15T10:00:00+00:00", None),
    })
    answering = np.isin(status, ["started", "submitted"])
    few_answers = answering & (generator.random(invited) < np.where(status == "started", 0.5, 0.04))
    trait = generator.normal(size=invited) + generator.normal(0, 0.25, len(codes))[region_index] \
        + generator.normal(0, 0.2, len(pathways))[pathway_index] + 0.1 * (age_index - 3)
    health = np.clip(np.round(2.5 + 0.3 * (age_index - 3) - 0.4 * trait + generator.normal(0, 1, invited)), 1, 5)
    dimension_effect = {dimension.id: generator.normal(0, 0.3) for dimension in q.dimensions}
    columns: dict[str, Any] = {}
    for item in q.items:
        if item.kind != "choice":
            continue
        options = item.scale.options
        scored = sorted((option for option in options if option.score is not None), key=lambda option: option.score)
        value = np.full(invited, np.nan)
        if item.role == "age_group":
            value = np.array([next(o.code for o in options if o.value == group) for group in AGE_GROUPS])[age_index].astype(float)
        elif item.role == "sex":
            value = np.where(sex == "K", *(next(o.code for o in options if o.value == s) for s in ("K", "M"))).astype(float)
        elif item.role == "self_rated_health":
            value = health
        elif scored:
            latent = trait + dimension_effect.get(item.dimension, 0.0) + 0.5 * generator.normal(size=invited) + 0.6
            cuts = np.linspace(-1.2, 1.2, len(scored) - 1)
            value = np.array([option.code for option in scored], dtype=float)[np.searchsorted(cuts, latent)]
            unscored = [option.code for option in options if option.score is None]
            if unscored:
                value[generator.random(invited) < 0.05] = unscored[0]
        else:
            value = generator.choice([option.code for option in options], size=invited).astype(float)
        blank = ~answering | (generator.random(invited) < 0.03) | (few_answers & (generator.random(invited) < 0.8))
        value[blank] = np.nan
        if item.show_if is not None:
            allowed = np.isin(columns[item.show_if.item], list(item.show_if.codes))
            value[~allowed] = np.nan
        columns[item.id] = value
    answers = pd.DataFrame({item_id: pd.arrays.IntegerArray(np.nan_to_num(value).astype("int64"), np.isnan(value))
                            for item_id, value in columns.items()})
    return pd.concat([export, answers], axis=1)


def main(argv: list[str]) -> int:
    """Run the benchmark and print the timings."""
    from analysis import analyse_round
    from analysis.scores import score_items
    from questionnaires import load_questionnaire

    parser = argparse.ArgumentParser(prog="python -m bench analysis")
    parser.add_argument("--respondents", type=int, default=1_000_000, help="invited persons (rows of the export)")
    parser.add_argument("--seed", type=int, default=2026)
    arguments = parser.parse_args(argv)
    q = load_questionnaire("prem-vardforlopp")
    started = time.perf_counter()
    responses = synthetic_responses(q, arguments.respondents, seed=arguments.seed)
    print(f"synthetic export: {len(responses):,} rows × {responses.shape[1]} columns in {time.perf_counter() - started:.1f} s")

    item_scores, _ = score_items(responses, q.scoring_table())
    keyed = pd.concat([responses[["pathway", "region"]], item_scores], axis=1)
    started = time.perf_counter()
    keyed.groupby(["pathway", "region"]).mean()
    bare = time.perf_counter() - started

    started = time.perf_counter()
    results = analyse_round(responses, q)
    full = time.perf_counter() - started
    print(f"bare pandas groupby-mean of {item_scores.shape[1]} item scores by pathway × region: {bare:.3f} s")
    print(f"analyse_round (all tables, weights, intervals, case-mix models): {full:.2f} s "
          f"= {full / bare:.1f}× the bare groupby (target ≤ 3×)")
    print("rows: " + ", ".join(f"{name} {len(table):,}" for name, table in results.tables().items()))
    return 0
