"""Every table of the analysis on nine reference rounds, written out and compared.

A refactoring of :mod:`analysis` must leave every published table as it was.
``python -m bench.reference_rounds dump DIR`` analyses nine seeded synthetic
rounds (1 million invited down to one stratum; the settings the CLI uses,
both comparisons, PCA weights with partial respondents, per-person design
weights, small rounds with failed and separated fits) and writes each
table, the persons table included, as Parquet to ``DIR/<round>/``.
``python -m bench.reference_rounds compare OLD NEW`` compares two such dumps
column by column: text, counts and flags exactly, floats by their largest
relative difference, and exits 1 when any float differs by more than
``--rtol`` (default 1e-10) or anything else differs at all.

The synthetic exports are cached in ``--cache`` (default: a folder in the
system's temporary directory) so that a second dump only re-runs the analysis.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bench.bench_analysis import PATHWAYS, synthetic_frame


@dataclass(frozen=True)
class ReferenceRound:
    """A seeded synthetic round and the settings it is analysed with."""

    invited: int
    seed: int
    config: dict
    pathways: tuple[str, ...] = PATHWAYS
    region_codes: tuple[str, ...] | None = None
    frame_change: Callable[[pd.DataFrame, np.random.Generator], pd.DataFrame] | None = None


def _per_person_weights(frame: pd.DataFrame, generator: np.random.Generator) -> pd.DataFrame:
    """Design weights that differ within a stratum: the estimates' path for continuous weights."""
    return frame.assign(design_weight=frame["design_weight"] * generator.uniform(0.9, 1.1, len(frame)))


BOTH = ("regions_within_pathway", "pathways_within_region")
SMALL_UNITS = {"adjusted_items": ("care_plan",), "min_respondents_shown": 10}
ROUNDS: dict[str, ReferenceRound] = {
    "1m": ReferenceRound(1_000_000, 2026, {"adjusted_items": ("care_plan",)}),
    "200k-both": ReferenceRound(200_000, 7, {"adjusted_items": ("care_plan",), "comparisons": BOTH}),
    "20k-pca-partial": ReferenceRound(
        20_000, 11, {"dimension_weights": "pca", "include_partial": True, "comparisons": BOTH}
    ),
    "20k-continuous": ReferenceRound(20_000, 13, {"comparisons": BOTH}, frame_change=_per_person_weights),
    "3k-national": ReferenceRound(3_000, 8, {"adjusted_items": ("care_plan",), "comparisons": BOTH}),
    "2400-small": ReferenceRound(
        2_400,
        41,
        {"adjusted_items": ("care_plan",), "comparisons": BOTH},
        pathways=("reumatoid-artrit", "ibd-vuxna"),
        region_codes=("01", "12", "25"),
    ),
    "one-stratum": ReferenceRound(400, 3, {"comparisons": BOTH}, pathways=("kol",), region_codes=("12",)),
    # Small units shown from 10 respondents: ill-conditioned, nearly separated and failed fits.
    "1200-min10": ReferenceRound(
        1_200,
        2,
        {**SMALL_UNITS, "comparisons": BOTH},
        pathways=("kol", "ibd-vuxna"),
        region_codes=("01", "03", "04", "05"),
    ),
    "800-min10": ReferenceRound(
        800, 1, {**SMALL_UNITS, "comparisons": BOTH}, pathways=("kol", "ibd-vuxna"), region_codes=("01", "03", "04")
    ),
}


def _responses(name: str, spec: ReferenceRound, q, cache: Path) -> pd.DataFrame:
    from questionnaires.simulate import simulate_responses

    path = cache / f"{name}.parquet"
    if path.is_file():
        return pd.read_parquet(path)
    frame = synthetic_frame(spec.invited, seed=spec.seed, pathways=spec.pathways, region_codes=spec.region_codes)
    if spec.frame_change is not None:
        frame = spec.frame_change(frame, np.random.default_rng(spec.seed))
    responses = simulate_responses(frame, q, seed=spec.seed)
    cache.mkdir(parents=True, exist_ok=True)
    responses.to_parquet(path, index=False)
    return pd.read_parquet(path)  # as a second dump reads it


def dump(out: Path, cache: Path, names: list[str]) -> None:
    """Analyse the rounds ``names`` and write every table of each to ``out/<round>/<table>.parquet``."""
    from analysis import AnalysisConfig, analyse_round
    from questionnaires import load_questionnaire

    q = load_questionnaire("prem-vardforlopp")
    for name in names:
        spec = ROUNDS[name]
        responses = _responses(name, spec, q, cache)
        started = time.perf_counter()
        results = analyse_round(responses, q, config=AnalysisConfig(**spec.config))
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for table_name, table in {**results.tables(), "persons": results.persons}.items():
            table.to_parquet(folder / f"{table_name}.parquet", index=False)
        print(f"{name}: {len(responses):,} invited, analysed in {time.perf_counter() - started:.2f} s", flush=True)


def _column_difference(old: pd.Series, new: pd.Series) -> tuple[str, float]:
    """('equal' | 'float' | 'differs', largest relative difference of floats)."""
    if old.dtype != new.dtype:
        return f"dtype {old.dtype} -> {new.dtype}", np.inf
    if old.dtype.kind == "f":
        a, b = old.to_numpy(), new.to_numpy()
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            return "missing values differ", np.inf
        given = ~np.isnan(a)
        if np.array_equal(a[given], b[given]):
            return "equal", 0.0
        scale = np.maximum(np.abs(a[given]), np.abs(b[given]))
        relative = np.abs(a[given] - b[given]) / np.where(scale > 0, scale, 1.0)
        return "float", float(relative.max())
    return ("equal", 0.0) if old.equals(new) else ("differs", np.inf)


def compare(old_dir: Path, new_dir: Path, rtol: float) -> int:
    """Print every column that is not identical; 1 when any differs beyond ``rtol``."""
    status = 0
    for old_round in sorted(p for p in old_dir.iterdir() if p.is_dir()):
        new_round = new_dir / old_round.name
        for old_path in sorted(old_round.glob("*.parquet")):
            new_path = new_round / old_path.name
            label = f"{old_round.name}/{old_path.stem}"
            if not new_path.is_file():
                print(f"{label}: missing in {new_dir}")
                status = 1
                continue
            old, new = pd.read_parquet(old_path), pd.read_parquet(new_path)
            if list(old.columns) != list(new.columns) or len(old) != len(new):
                print(f"{label}: columns or rows differ ({old.shape} -> {new.shape})")
                status = 1
                continue
            differences = []
            for column in old.columns:
                kind, relative = _column_difference(old[column], new[column])
                if kind != "equal":
                    differences.append(f"{column} {kind} {relative:.1e}" if kind == "float" else f"{column} {kind}")
                    status |= int(relative > rtol)
            print(f"{label}: {'identical' if not differences else '; '.join(differences)}")
    return status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reference_rounds")
    commands = parser.add_subparsers(dest="command", required=True)
    dumping = commands.add_parser("dump", help="analyse the reference rounds and write every table")
    dumping.add_argument("out", type=Path)
    dumping.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "prem-reference-rounds")
    dumping.add_argument("--round", dest="rounds", action="append", choices=list(ROUNDS), help="default: all")
    comparing = commands.add_parser("compare", help="compare two dumps")
    comparing.add_argument("old", type=Path)
    comparing.add_argument("new", type=Path)
    comparing.add_argument("--rtol", type=float, default=1e-10)
    arguments = parser.parse_args(argv)
    if arguments.command == "dump":
        dump(arguments.out, arguments.cache, arguments.rounds or list(ROUNDS))
        return 0
    return compare(arguments.old, arguments.new, arguments.rtol)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
