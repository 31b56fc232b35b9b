"""Benchmark ``prem sample`` on a national synthetic extract against DuckDB.

``python -m bench sampling`` (options after ``--``: ``python -m bench sampling
-- --rows 1000000``). Generates, once and cached under ``bench/output/``, a
national contacts CSV (canonical columns, UTF-8) and its population file;
times ``prem sample`` on it as a subprocess (wall time, rows per second, peak
memory of the process tree); computes the same eligibility counts with DuckDB
SQL as the reference time; and checks that both agree.

Targets: ``prem sample`` within 1.5 times DuckDB's time, under 6 GiB.

``--stages`` adds one more run, in this process, that prints when each step
of :func:`sampling.draw_sample` ran on which thread (the register is read
in a background thread while the contacts are checked), so a reader sees
the critical path.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import psutil

from sampling.synth import scale_for_rows, write_synthetic_extracts

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = Path(__file__).resolve().parent / "output"
RULES = ROOT / "sampling" / "rules"
PERIOD_START = dt.date(2025, 1, 1)
PERIOD_END = dt.date(2025, 12, 31)
SAMPLING_DATE = dt.date(2026, 2, 1)
SEED = 20260201
TARGET_RATIO = 1.5
TARGET_MEMORY = 6 * 2**30
PATHWAYS = ("reumatoid-artrit", "ibd-vuxna", "osteoporos-sekundarprevention", "traumatisk-hjarnskada")

# Eligibility per SAMPLING.md, independent of prem's code. Codes are upper
# case without dots and spaces; other diagnoses are matched as a string in
# which each code starts after the beginning or a separator (, ; | space).
# The scan first keeps a cheap superset of the rows that can qualify (any
# case, dots or spaces between characters), so that normalising and matching
# exactly run on a few per cent of the rows, as a careful analyst would write it.
ELIGIBILITY_SQL = """
WITH scanned AS (
    SELECT personnummer, care_level, contact_date,
           upper(replace(replace(main_diagnosis, '.', ''), ' ', '')) AS main,
           upper(replace(coalesce(other_diagnoses, ''), '.', '')) AS others
    FROM read_csv($contacts, header = true, all_varchar = true, delim = ',', quote = '"')
    WHERE regexp_matches(main_diagnosis, '(?i)(M[ .]*0[ .]*[56]|K[ .]*5[ .]*[01]|S[ .]*[2-7]|M[ .]*8[ .]*0|S[ .]*0[ .]*6)')
       OR regexp_matches(other_diagnoses, '(?i)(M[ .]*0[ .]*[56]|K[ .]*5[ .]*[01]|M[ .]*8[ .]*0|S[ .]*0[ .]*6)')
),
flagged AS (
    SELECT personnummer, care_level, contact_date,
           regexp_matches(main, '^(M05|M06)') OR regexp_matches(others, '(^|[,;| ])(M05|M06)') AS ra,
           regexp_matches(main, '^(K50|K51)') OR regexp_matches(others, '(^|[,;| ])(K50|K51)') AS ibd,
           regexp_matches(main, '^(S720|S721|S722|S220|S221|S320|S422|S525|S526|M80)')
               OR regexp_matches(others, '(^|[,;| ])M80') AS osteoporosis,
           regexp_matches(main, '^S06([^0]|$)') OR regexp_matches(others, '(^|[,;| ])S06([^0]|$)') AS tbi
    FROM scanned
),
raw AS (
    SELECT personnummer, ra, ibd, osteoporosis, tbi,
           CASE lower(care_level)
                WHEN 'primärvård' THEN 'primary' WHEN 'specialiserad öppenvård' THEN 'specialist'
                WHEN 'slutenvård' THEN 'inpatient' ELSE lower(care_level) END AS care_level,
           CAST(CASE WHEN length(contact_date) = 8
                     THEN substr(contact_date, 1, 4) || '-' || substr(contact_date, 5, 2) || '-' || substr(contact_date, 7, 2)
                     ELSE contact_date END AS DATE) AS contact_date
    FROM flagged
    WHERE ra OR ibd OR osteoporosis OR tbi
),
numbers AS (
    SELECT personnummer,
           replace(replace(personnummer, '-', ''), '+', '') AS digits,
           contains(personnummer, '+') AS plus
    FROM (SELECT DISTINCT personnummer FROM raw)
),
parts AS (
    SELECT personnummer, plus, digits,
           CASE WHEN length(digits) = 12 THEN substr(digits, 3, 10) ELSE digits END AS ten,
           CASE WHEN length(digits) = 12 THEN CAST(substr(digits, 1, 4) AS INTEGER) END AS given_year
    FROM numbers
),
dated AS (
    SELECT personnummer, ten, given_year, plus,
           CAST(substr(ten, 3, 2) AS INTEGER) AS month,
           CAST(substr(ten, 5, 2) AS INTEGER) % 60 AS day,
           CAST(substr(ten, 1, 2) AS INTEGER) AS yy
    FROM parts
),
people AS (
    SELECT personnummer,
           make_date(birth_year, month, day) AS birth,
           CAST(birth_year AS BIGINT) * 10000000000 + CAST(ten AS BIGINT) AS person
    FROM (
        SELECT *, coalesce(given_year,
            year_guess - CASE WHEN make_date(year_guess, month, day) > $sampling_date THEN 100 ELSE 0 END
                       - CASE WHEN plus THEN 100 ELSE 0 END) AS birth_year
        FROM (SELECT *, $century + yy AS year_guess FROM dated)
    )
    WHERE (10 - (
        (2 * CAST(substr(ten, 1, 1) AS INTEGER)) // 10 + (2 * CAST(substr(ten, 1, 1) AS INTEGER)) % 10
        + CAST(substr(ten, 2, 1) AS INTEGER)
        + (2 * CAST(substr(ten, 3, 1) AS INTEGER)) // 10 + (2 * CAST(substr(ten, 3, 1) AS INTEGER)) % 10
        + CAST(substr(ten, 4, 1) AS INTEGER)
        + (2 * CAST(substr(ten, 5, 1) AS INTEGER)) // 10 + (2 * CAST(substr(ten, 5, 1) AS INTEGER)) % 10
        + CAST(substr(ten, 6, 1) AS INTEGER)
        + (2 * CAST(substr(ten, 7, 1) AS INTEGER)) // 10 + (2 * CAST(substr(ten, 7, 1) AS INTEGER)) % 10
        + CAST(substr(ten, 8, 1) AS INTEGER)
        + (2 * CAST(substr(ten, 9, 1) AS INTEGER)) // 10 + (2 * CAST(substr(ten, 9, 1) AS INTEGER)) % 10
    ) % 10) % 10 = CAST(substr(ten, 10, 1) AS INTEGER)
),
contacts AS (
    SELECT people.person, people.birth, raw.*
    FROM raw JOIN people USING (personnummer)
    WHERE raw.contact_date BETWEEN $period_start AND $period_end
),
ra AS (
    SELECT count(DISTINCT contact_date) >= 2 AS two_dates, bool_or(care_level = 'specialist') AS specialist,
           any_value(birth) AS birth
    FROM contacts WHERE ra GROUP BY person
),
ibd AS (
    SELECT bool_or(care_level IN ('specialist', 'inpatient')) AS specialist_or_inpatient, any_value(birth) AS birth
    FROM contacts WHERE ibd GROUP BY person
),
osteoporosis AS (
    SELECT min(contact_date) AS first_contact, any_value(birth) AS birth
    FROM contacts WHERE osteoporosis GROUP BY person
),
tbi AS (
    SELECT bool_or(care_level = 'inpatient') AS inpatient, any_value(birth) AS birth
    FROM contacts WHERE tbi GROUP BY person
)
SELECT 'reumatoid-artrit', count(*),
       count(*) FILTER (WHERE two_dates AND specialist AND completed_years(birth, $period_end) >= 18) FROM ra
UNION ALL
SELECT 'ibd-vuxna', count(*),
       count(*) FILTER (WHERE specialist_or_inpatient AND completed_years(birth, $period_end) >= 18) FROM ibd
UNION ALL
SELECT 'osteoporos-sekundarprevention', count(*),
       count(*) FILTER (WHERE completed_years(birth, first_contact) >= 50) FROM osteoporosis
UNION ALL
SELECT 'traumatisk-hjarnskada', count(*),
       count(*) FILTER (WHERE inpatient AND completed_years(birth, $period_end) >= 18) FROM tbi
"""

# Completed years between a birth date and a day (a birthday on 29 February
# counts as reached on 1 March in common years).
AGE_MACRO = """
CREATE OR REPLACE MACRO completed_years(birth, day) AS
    year(day) - year(birth) - CASE WHEN month(day) * 100 + day(day) < month(birth) * 100 + day(birth) THEN 1 ELSE 0 END
"""


def synthetic_extract(rows: int, seed: int, *, regenerate: bool = False) -> tuple[Path, Path, float | None]:
    """The cached national extract for ``rows`` and ``seed``: (contacts, population, seconds to generate or None)."""
    generator = hashlib.sha256((ROOT / "sampling" / "synth.py").read_bytes()).hexdigest()[:10]
    folder = OUTPUT / f"extract-{rows}-{seed}-{generator}"
    contacts, population = folder / "contacts.csv", folder / "population.csv"
    if contacts.exists() and population.exists() and not regenerate:
        return contacts, population, None
    for stale in OUTPUT.glob(f"extract-{rows}-{seed}-*"):  # made by an earlier version of the generator
        shutil.rmtree(stale)
    started = time.perf_counter()
    write_synthetic_extracts(folder, seed=seed, scale=scale_for_rows(rows), national=True, extract_date=SAMPLING_DATE)
    return contacts, population, time.perf_counter() - started


class _PeakMemory:
    """Polls the resident memory of a process and all its children."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self._process = psutil.Process(pid)
        self._interval = interval
        self.peak = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._done.is_set():
            try:
                tree = [self._process, *self._process.children(recursive=True)]
                self.peak = max(self.peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            self._done.wait(self._interval)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def run_prem_sample(contacts: Path, population: Path, out_dir: Path) -> dict:
    """Time ``prem sample`` as a subprocess; returns wall time, peak memory and the exit status."""
    command = [
        sys.executable,
        "-m",
        "prem",
        "sample",
        "--rules",
        str(RULES),
        "--contacts",
        str(contacts),
        "--population",
        str(population),
        "--period-start",
        PERIOD_START.isoformat(),
        "--period-end",
        PERIOD_END.isoformat(),
        "--sampling-date",
        SAMPLING_DATE.isoformat(),
        "--seed",
        str(SEED),
        "--out",
        str(out_dir),
        "--code-key",
        str(OUTPUT / "sampling-code.key"),
    ]
    shutil.rmtree(out_dir, ignore_errors=True)  # prem sample wants a new folder
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    memory = _PeakMemory(process.pid)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "cpu": _children_cpu() - cpu_before,
        "peak_rss": memory.stop(),
        "returncode": process.returncode,
        "output": (stdout + stderr).strip(),
        "command": command,
    }


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def duckdb_counts(contacts: Path) -> tuple[dict[str, tuple[int, int]], float, float]:
    """Per pathway (persons with qualifying contacts, persons meeting every criterion); wall and CPU seconds.

    CPU seconds (all threads) are less disturbed than wall time by other work on the machine.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    connection.execute(AGE_MACRO)
    result = connection.execute(
        ELIGIBILITY_SQL,
        {
            "contacts": str(contacts),
            "period_start": PERIOD_START,
            "period_end": PERIOD_END,
            "sampling_date": SAMPLING_DATE,
            "century": SAMPLING_DATE.year // 100 * 100,
        },
    ).fetchall()
    connection.close()
    counts = {pathway: (qualifying, eligible) for pathway, qualifying, eligible in result}
    return counts, time.perf_counter() - started, time.process_time() - cpu_started


STEPS: dict[str, tuple[str, ...]] = {
    "sampling.engine": (
        "scan_contacts",
        "check_contacts",
        "scan_population",
        "check_population",
        "_persons",
        "needed_population",
        "read_previous",
        "_draw_pathway",
        "_mailing",
        "build_manifest",
    ),
    "sampling.output": ("write_sample",),
}
"""Functions timed by ``--stages``, by the module whose namespace they are looked up in."""


@contextlib.contextmanager
def _step_times() -> Iterator[list[tuple[str, str, float, float]]]:
    """(thread, function, start, end) of each call of the :data:`STEPS` functions, for the duration of the block.

    Wraps the functions where the engine looks them up; the library itself has no timing code.
    """
    import importlib

    calls: list[tuple[str, str, float, float]] = []

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                calls.append((threading.current_thread().name, name, started, time.perf_counter()))

        return wrapper

    originals = [(importlib.import_module(module), name) for module, names in STEPS.items() for name in names]
    saved = [getattr(module, name) for module, name in originals]
    try:
        for (module, name), function in zip(originals, saved, strict=False):
            setattr(module, name, timed(name, function))
        yield calls
    finally:
        for (module, name), function in zip(originals, saved, strict=False):
            setattr(module, name, function)


def print_stages(contacts: Path, population: Path, out_dir: Path) -> None:
    """One in-process ``draw_sample`` and ``write_sample`` with the time line of its steps."""
    from sampling import draw_sample, load_code_key, output

    shutil.rmtree(out_dir, ignore_errors=True)
    started, cpu = time.perf_counter(), time.process_time()
    with _step_times() as calls:
        result = draw_sample(
            RULES,
            [contacts],
            population=population,
            period_start=PERIOD_START,
            period_end=PERIOD_END,
            sampling_date=SAMPLING_DATE,
            seed=SEED,
            code_key=load_code_key(OUTPUT / "sampling-code.key"),
        )
        output.write_sample(result, out_dir)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"stages       one more run in this process (imports done): {wall:.2f} s wall, {cpu:.1f} s CPU; "
        "seconds from its start, per thread:"
    )
    for thread, name, start, end in sorted(calls, key=lambda call: call[2]):
        print(f"  {thread[:18]:<18} {name:<20} {start - started:6.2f} → {end - started:6.2f}  ({end - start:5.2f})")


def flow_counts(flow_csv: Path) -> dict[str, tuple[int, int]]:
    """From prem's flow.csv: per pathway, ``remaining`` after the qualifying step and after the last criterion.

    The last population criterion is the step just before ``deceased`` in each
    pathway and region; both are summed over regions.
    """
    steps: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    with flow_csv.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            steps[row["pathway"], row["region"]].append((row["step"], int(row["remaining"])))
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (pathway, _region), sequence in steps.items():
        names = [name for name, _ in sequence]
        if "persons_with_qualifying_contacts" not in names or "deceased" not in names:
            continue
        counts[pathway][0] += sequence[names.index("persons_with_qualifying_contacts")][1]
        counts[pathway][1] += sequence[names.index("deceased") - 1][1]
    return {pathway: (qualifying, eligible) for pathway, (qualifying, eligible) in counts.items()}


def _gib(size: int) -> str:
    return f"{size / 2**30:.2f} GiB"


def _seconds(values) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in psutil.getloadavg())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench sampling -- ", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000, help="contact rows to generate (default 10 million)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the synthetic extract")
    parser.add_argument(
        "--repeat", type=int, default=1, help="alternate DuckDB and prem this many times and keep the fastest of each"
    )
    parser.add_argument("--regenerate", action="store_true", help="generate the extract even if cached")
    parser.add_argument("--skip-prem", action="store_true", help="only generate and run the DuckDB reference")
    parser.add_argument(
        "--stages", action="store_true", help="one more run in this process, printing when each step ran"
    )
    args = parser.parse_args(argv)

    contacts, population, generated = synthetic_extract(args.rows, args.seed, regenerate=args.regenerate)
    lines = sum(1 for _ in contacts.open("rb")) - 1
    made = f"generated in {generated:.1f} s" if generated is not None else "cached"
    print(
        f"extract      {lines:,} contact rows, {contacts.stat().st_size / 2**20:,.0f} MiB ({made}): {contacts.parent}"
    )
    print(f"machine      {psutil.cpu_count()} cores, load average {_load()} (other work slows both sides)")
    run_prem = not args.skip_prem and RULES.is_dir()
    if not args.skip_prem and not run_prem:
        print(f"prem sample  not run: no bundled rules at {RULES} (the sampling engine has not landed)")

    sample_dir = OUTPUT / f"sample-{args.rows}-{args.seed}"
    reference_times, reference_cpu, prem_runs = [], [], []
    for _ in range(max(1, args.repeat)):
        reference, seconds, cpu = duckdb_counts(contacts)
        reference_times.append(seconds)
        reference_cpu.append(cpu)
        if run_prem:
            prem_runs.append(run_prem_sample(contacts, population, sample_dir))
            if prem_runs[-1]["returncode"] != 0:
                break
    reference_seconds = min(reference_times)
    print(
        f"duckdb       {reference_seconds:.2f} s wall, {min(reference_cpu):.1f} s CPU "
        f"(reference: the eligibility counts from the CSV; runs {_seconds(reference_times)})"
    )
    results = {
        "rows": lines,
        "duckdb_seconds": reference_times,
        "duckdb_cpu": reference_cpu,
        "duckdb_counts": reference,
        "load": _load(),
    }

    status = 0
    prem_counts = None
    if prem_runs and prem_runs[-1]["returncode"] != 0:
        failed = prem_runs[-1]
        print(
            f"prem sample  FAILED (exit {failed['returncode']}) after {failed['seconds']:.1f} s:\n{failed['output'][-3000:]}"
        )
        status = 1
    elif prem_runs:
        seconds = min(run["seconds"] for run in prem_runs)
        cpu = min(run["cpu"] for run in prem_runs)
        peak = max(run["peak_rss"] for run in prem_runs)
        ratio = seconds / reference_seconds
        print(
            f"prem sample  {seconds:.2f} s wall, {cpu:.1f} s CPU, {lines / seconds:,.0f} rows/s, peak RSS {_gib(peak)} "
            f"(target < {_gib(TARGET_MEMORY)}: {'yes' if peak < TARGET_MEMORY else 'NO'}; "
            f"runs {_seconds(run['seconds'] for run in prem_runs)})"
        )
        print(
            f"ratio        {ratio:.2f}× DuckDB wall time (target ≤ {TARGET_RATIO}×: "
            f"{'yes' if ratio <= TARGET_RATIO else 'NO'}); {cpu / min(reference_cpu):.2f}× its CPU time"
        )
        prem_counts = flow_counts(sample_dir / "flow.csv")
        results.update(
            prem_seconds=[run["seconds"] for run in prem_runs],
            prem_cpu=[run["cpu"] for run in prem_runs],
            peak_rss=peak,
            ratio=ratio,
            prem_counts=prem_counts,
        )

    print(f"{'pathway':32} {'qualifying (duckdb/prem)':>26} {'all criteria (duckdb/prem)':>28}")
    for pathway in PATHWAYS:
        duck = reference.get(pathway, (0, 0))
        prem = prem_counts.get(pathway) if prem_counts is not None else None
        shown = [f"{d:,} / {p:,}" if prem else f"{d:,} / –" for d, p in zip(duck, prem or (0, 0), strict=False)]
        print(f"{pathway:32} {shown[0]:>26} {shown[1]:>28}")
    if prem_counts is not None:
        agree = all(prem_counts.get(pathway) == reference.get(pathway) for pathway in PATHWAYS)
        print(f"counts       {'agree' if agree else 'DISAGREE'}")
        results["counts_agree"] = agree
        status |= 0 if agree else 1
    (OUTPUT / f"sampling-results-{args.rows}.json").write_text(json.dumps(results, indent=2, default=str))
    if args.stages and run_prem and status == 0:
        print_stages(contacts, population, OUTPUT / f"stages-{args.rows}-{args.seed}")
    return status
