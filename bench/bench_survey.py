"""Load benchmark of the web survey: ``python -m bench survey [-- --patients 200 --p99-patients 50]``.

Loopback only, bounded in count and time. Creates a database of its own on
a PostgreSQL server (``--database-url``, default the ``PREM_BENCH_POSTGRES_URL``
or ``PREM_TEST_POSTGRES_URL`` server), imports a round with ``prem fieldwork
import``, starts ``prem serve --production`` on 127.0.0.1 and then, with the
same server:

1. the trivial route: ``--patients`` keep-alive clients GET ``/healthz``
   back to back (``--trivial-requests`` each) – the server's ceiling;
2. page saves: the same number of patients, each with its own code and
   cookie jar, sign in and save the first question page ``--saves`` times
   with new answers (POSTs only) – throughput and p50/p95/p99;
3. the whole questionnaire: those patients resume in a fresh jar and
   complete it (realistic answers and free text, back once, save and exit,
   resume in a fresh jar, submit) – p50/p95/p99 of every page save;
4. steps 2 and 3 again with ``--p99-patients`` other patients (the p99
   target is for 50 concurrent patients).

Afterwards every patient's stored answers (read from the database, not from
the responses) must equal exactly what that patient last sent. Targets (issue
#10): page saves ≥ 50 % of the trivial route's throughput, p99 < 100 ms at 50
concurrent patients, zero errors, every answer exact. The exit status is 1
when a correctness target fails (errors, answers); timing figures are printed
with the load average, since they depend on what else the machine runs.

What the two rates measure: ``GET /healthz`` goes through the same gunicorn
workers and the whole Flask app (routing, the after-request hooks: the
request's commit, with nothing to commit, and the security headers) but
reads no cookie, no database and no template – the ceiling of the server's
HTTP path. A page save adds the session cookie, the CSRF check, the page's
form built and validated, five SQL statements and a commit (pinned by
``tests/web/test_survey_flow.py``). Each phase also prints the CPU per
request of the server's processes, the PostgreSQL backends and this client
(psutil): on a shared machine the rates follow the neighbours, the CPU per
request far less, and the ratio of the server + database CPU per request
is the share of the trivial route's rate saves reach when CPU-bound.

The patients send their requests back to back (a closed loop): by Little's
law each waits about patients / throughput, so at 50 patients the p99 is
the queue at saturation, below 100 ms only above ~500 requests/s.
``--think S`` pauses S seconds before each page of the whole questionnaire,
as patients reading would, which measures the save rather than the queue.

Measured on 2 cores shared with other work (load average 13-17), this
bench for both sides, run back to back (``--patients 50 --p99-patients 20``):
the app before and after a save went from 13 SQL statements to 5 and the
languages were read once per app instead of on every call:

    per page save, 50 patients        before        after         ratio
    server CPU                        19.4 ms       11.1 ms       0.57
    PostgreSQL backends' CPU          2.8 ms        1.6 ms        0.56
    whole questionnaire, server + db  52.3 ms       27.8 ms       0.53  (per save, with its GETs)
    save rate (POST only)             16.8 req/s    26.5 req/s    1.6
    save p50 / p95 / p99              2.3/3.8/3.8 s 1.4/3.1/3.4 s
    save rate, p99 at 20 patients     14 req/s, 1.9 s  67 req/s, 0.5 s

``/healthz`` cost 0.7-0.8 ms of server CPU per request throughout, so saves
reach about 6 % of its rate when CPU-bound (4 % before): the ≥ 50 % target
would need a save in about 1.6 ms of CPU. With ``--think 2`` (50 patients)
the whole questionnaire's saves took p50 55 ms, p95 339 ms, p99 470 ms on
that machine. Quiet-machine figures are still to be taken.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from bench.survey_load import (
    Patient,
    expected_answers,
    free_port,
    import_round,
    respondent_ids,
    running_server,
    stored_answers,
)

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:55432/postgres"


@dataclass
class Phase:
    """What one phase of concurrent clients did."""

    name: str
    clients: int
    seconds: float = 0.0
    requests: int = 0
    timings: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # seconds of CPU by side: server, database, client

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """The ``share`` quantile of the timings in milliseconds (nearest rank)."""
        if not self.timings:
            return float("nan")
        ordered = sorted(self.timings)
        return 1000 * ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]

    def line(self) -> str:
        figures = f"{self.name:<34} {self.clients:>4} clients {self.requests:>6} requests {self.seconds:7.2f} s"
        figures += f" {self.rate:8.1f} req/s"
        if self.timings and self.name != "trivial route GET /healthz":
            figures += (
                f"  p50 {self.percentile(0.50):6.1f} ms  p95 {self.percentile(0.95):6.1f} ms"
                f"  p99 {self.percentile(0.99):6.1f} ms"
            )
        return figures + f"  errors {len(self.errors)}"

    def cpu_per_request(self, side: str) -> float:
        """Milliseconds of CPU ``side`` spent per request of the phase (NaN when not measured)."""
        return 1000 * self.cpu[side] / self.requests if side in self.cpu and self.requests else float("nan")

    def cpu_line(self) -> str:
        sides = ", ".join(f"{side} {self.cpu_per_request(side):.2f}" for side in self.cpu)
        return f"{'':<34} CPU ms per request: {sides}"


class CpuMeter:
    """CPU seconds used so far by the server's processes, its database backends and this client.

    Throughput on a shared machine depends on what else runs; CPU time per
    request does not, so it is what an A/B comparison can rest on. The
    server is ``prem serve``'s process group (gunicorn's master and
    workers); the database side is the PostgreSQL backends serving the
    bench's database, when that server runs on this machine (else not
    measured); the client is this process (every simulated patient's thread).
    """

    def __init__(self, server_pid: int, database_url: str) -> None:
        self.server_pid = server_pid
        self.engine = create_engine(database_url, poolclass=NullPool)

    def _server(self) -> float:
        total = 0.0
        for process in psutil.process_iter(["pid"]):
            try:
                if os.getpgid(process.pid) == self.server_pid:
                    times = process.cpu_times()
                    total += times.user + times.system
            except (OSError, psutil.Error):
                continue  # gone meanwhile
        return total

    def _database(self) -> float | None:
        with self.engine.connect() as connection:
            pids = connection.execute(
                text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).scalars()
            total = 0.0
            for pid in pids:
                try:
                    times = psutil.Process(pid).cpu_times()
                except psutil.Error:
                    return None  # not on this machine (or not visible): not measured
                total += times.user + times.system
        return total

    def sample(self) -> dict[str, float]:
        client = psutil.Process().cpu_times()
        figures = {"server": self._server()}
        database = self._database()
        if database is not None:
            figures["database"] = database
        figures["client"] = client.user + client.system
        return figures

    def measure(self, step: Callable[[], Phase]) -> Phase:
        """Run ``step`` and note on its phase the CPU each side used meanwhile."""
        before = self.sample()
        phase = step()
        after = self.sample()
        phase.cpu = {side: after[side] - before[side] for side in after if side in before}
        return phase


def _concurrently(name: str, work: list[Callable[[], None]], timeout: float) -> tuple[float, list[str]]:
    """Run every callable in its own thread, all released at once; wall seconds and error messages."""
    errors: list[str] = []
    barrier = threading.Barrier(len(work) + 1)

    def run(job: Callable[[], None]) -> None:
        barrier.wait()
        try:
            job()
        except Exception as error:  # counted and reported, the others go on
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=run, args=(job,), daemon=True) for job in work]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    deadline = started + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()))
    seconds = time.perf_counter() - started
    stuck = sum(thread.is_alive() for thread in threads)
    if stuck:
        errors.append(f"{name}: {stuck} client(s) still running after {timeout:.0f} s")
    return seconds, errors


def trivial_route(port: int, clients: int, requests: int, timeout: float) -> Phase:
    """``clients`` keep-alive connections, each GETting ``/healthz`` ``requests`` times."""
    phase = Phase("trivial route GET /healthz", clients)
    counts = [0] * clients

    def client(index: int) -> Callable[[], None]:
        def run() -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                for _ in range(requests):
                    connection.request("GET", "/healthz", headers={"Host": "127.0.0.1"})
                    response = connection.getresponse()
                    response.read()
                    if response.status != 200:
                        raise AssertionError(f"/healthz answered {response.status}")
                    counts[index] += 1
                    if response.getheader("Connection", "").lower() == "close":
                        connection.close()
                        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            finally:
                connection.close()

        return run

    phase.seconds, phase.errors = _concurrently(phase.name, [client(i) for i in range(clients)], timeout)
    phase.requests = sum(counts)
    return phase


def open_first_pages(patients: list[Patient], timeout: float) -> list[str]:
    """Each patient signs in and opens its first question page (not a measured phase)."""
    return _concurrently("sign in", [patient.open_first_page for patient in patients], timeout)[1]


def page_saves(patients: list[Patient], saves: int, timeout: float) -> Phase:
    """Each patient (signed in, its page open) saves its first question page ``saves`` times, back to back."""
    phase = Phase("page saves (POST only)", len(patients))
    before = [len(patient.timings) for patient in patients]
    phase.seconds, phase.errors = _concurrently(
        phase.name, [functools.partial(patient.save_repeatedly, saves) for patient in patients], timeout
    )
    for patient, start in zip(patients, before, strict=True):
        phase.timings.extend(patient.timings[start:])
    phase.requests = len(phase.timings)
    return phase


def whole_questionnaire(patients: list[Patient], timeout: float, think: float = 0.0) -> Phase:
    """Each patient resumes in a fresh jar and completes the questionnaire (back, save and exit, resume, submit)."""
    phase = Phase("whole questionnaire (page saves)", len(patients))
    before = [(len(patient.timings), patient.requests) for patient in patients]
    pause = functools.partial(time.sleep, think) if think else None
    jobs: list[Callable[[], None]] = [functools.partial(patient.complete, pause=pause) for patient in patients]
    phase.seconds, phase.errors = _concurrently(phase.name, jobs, timeout)
    requests = 0
    for patient, (start, sent) in zip(patients, before, strict=True):
        phase.timings.extend(patient.timings[start:])
        requests += patient.requests - sent
    phase.requests = len(phase.timings)
    phase.name = f"whole questionnaire ({requests} requests)"
    return phase


def check_answers(database_url: str, patients: list[Patient], size: int) -> list[str]:
    """From the database: each patient is submitted and holds exactly what it last sent."""
    stored = stored_answers(database_url)
    ids = respondent_ids(size)
    wrong = []
    for patient in patients:
        submitted, answers = stored.get(ids[patient.number], (False, {}))
        if not submitted:
            wrong.append(f"patient {patient.number} is not submitted")
        elif answers != expected_answers(patient):
            wrong.append(f"patient {patient.number}'s stored answers differ from what it last sent")
        elif patient.reviewed_markers - {patient.marker}:
            wrong.append(f"patient {patient.number} saw another patient's free text")
    return wrong


@dataclass
class Result:
    """Every phase of a bench run and the database check."""

    phases: list[Phase]
    wrong_answers: list[str]

    @property
    def errors(self) -> list[str]:
        return [error for phase in self.phases for error in phase.errors]


def run_load(
    database_url: str,
    instance: Path,
    port: int,
    *,
    patients: int,
    p99_patients: int = 0,
    saves: int = 5,
    trivial_requests: int = 20,
    workers: int = 2,
    timeout: float = 300.0,
    think: float = 0.0,
    report: Callable[[str], None] = lambda line: None,
) -> Result:
    """The bench's core: import, serve, the phases, the database check. ``report`` gets each figure line."""
    size = patients + p99_patients
    codes = import_round(database_url, instance, size)
    everyone = [Patient(port, code, number, seed=3) for number, code in enumerate(codes)]
    groups = [everyone[:patients]] + ([everyone[patients:]] if p99_patients else [])
    phases: list[Phase] = []
    with running_server(database_url, instance, port, workers=workers) as server:
        meter = CpuMeter(server.pid, database_url)

        def measured(step: Callable[[], Phase], sign_in_errors: Sequence[str] = ()) -> None:
            phase = meter.measure(step)
            phase.errors[:0] = sign_in_errors
            phases.append(phase)
            report(phase.line())
            report(phase.cpu_line())

        for group in groups:
            report(f"-- {len(group)} concurrent patients")
            measured(functools.partial(trivial_route, port, len(group), trivial_requests, timeout))
            signed_in = open_first_pages(group, timeout)
            measured(functools.partial(page_saves, group, saves, timeout), signed_in)
            measured(functools.partial(whole_questionnaire, group, timeout, think))
        meter.engine.dispose()
        if server.poll() is not None:
            phases[-1].errors.append(f"the server exited with {server.returncode}")
    return Result(phases, check_answers(database_url, everyone, size))


def _database(url: str) -> str:
    """A new database on ``url``'s server, named after ``url``'s database (a prefix of its own)."""
    base = make_url(url).database
    name = f"{base if base and base != 'postgres' else 'prem'}_bench_survey_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _drop(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench survey", description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=200, help="concurrent patients of the main run")
    parser.add_argument("--p99-patients", type=int, default=50, help="concurrent patients of the p99 run (0: none)")
    parser.add_argument("--saves", type=int, default=5, help="page saves per patient in the POST-only phase")
    parser.add_argument("--trivial-requests", type=int, default=20, help="GET /healthz per client")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds each phase may take at most")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds each patient pauses before each page of the whole questionnaire (0: back to back)",
    )
    parser.add_argument("--ports", default="7000-7049", help="loopback port range for the server")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PREM_BENCH_POSTGRES_URL") or os.environ.get("PREM_TEST_POSTGRES_URL") or DEFAULT_URL,
        help="a PostgreSQL server on which the bench creates (and drops) a database of its own",
    )
    args = parser.parse_args(argv)
    if not (0 < args.patients <= 1000 and 0 <= args.p99_patients <= 1000 and 0 < args.saves <= 100):
        parser.error("patients (1-1000), p99 patients (0-1000) and saves (1-100) are bounded")
    if not 0 <= args.think <= 30:
        parser.error("--think is bounded (0-30 s)")
    low, _, high = args.ports.partition("-")
    database_url = _database(args.database_url)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} cores)")
    print(f"prem serve --production --workers {args.workers} on PostgreSQL {make_url(database_url).database}")
    try:
        with tempfile.TemporaryDirectory(prefix="prem-bench-survey-") as folder:
            result = run_load(
                database_url,
                Path(folder),
                free_port(int(low), int(high) + 1),
                patients=args.patients,
                p99_patients=args.p99_patients,
                saves=args.saves,
                trivial_requests=args.trivial_requests,
                workers=args.workers,
                timeout=args.timeout,
                think=args.think,
                report=lambda line: print(line, flush=True),
            )
    finally:
        _drop(database_url)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for error in sorted(set(result.errors))[:10]:
        print(f"error: {error}")
    for wrong in result.wrong_answers[:10]:
        print(f"wrong: {wrong}")
    main_trivial, main_saves = result.phases[0], result.phases[1]
    share = main_saves.rate / main_trivial.rate if main_trivial.rate else 0.0
    print(
        f"target page saves >= 50 % of the trivial route: {100 * share:.0f} % ({'met' if share >= 0.5 else 'NOT met'})"
    )
    cost = {
        phase.name: sum(phase.cpu_per_request(side) for side in ("server", "database") if side in phase.cpu)
        for phase in (main_trivial, main_saves)
    }
    if all(cost.values()):
        print(
            f"server + database CPU per request: trivial route {cost[main_trivial.name]:.2f} ms,"
            f" page save {cost[main_saves.name]:.2f} ms: CPU-bound, saves reach"
            f" {100 * cost[main_trivial.name] / cost[main_saves.name]:.0f} % of the trivial route's rate"
        )
    if args.p99_patients:
        late = Phase("p99 run", args.p99_patients, timings=[t for phase in result.phases[4:] for t in phase.timings])
        p99 = late.percentile(0.99)
        print(
            f"target p99 < 100 ms at {args.p99_patients} patients: {p99:.1f} ms ({'met' if p99 < 100 else 'NOT met'})"
        )
    print(f"target zero errors: {len(result.errors)} ({'met' if not result.errors else 'NOT met'})")
    print(
        f"target stored answers exact: {len(result.wrong_answers)} of {args.patients + args.p99_patients} wrong"
        f" ({'met' if not result.wrong_answers else 'NOT met'})"
    )
    timings = [t for phase in result.phases for t in phase.timings]
    if timings:
        print(f"all page saves: {len(timings)}, mean {1000 * statistics.fmean(timings):.1f} ms")
    return 1 if result.errors or result.wrong_answers else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
