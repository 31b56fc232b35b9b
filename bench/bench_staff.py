"""Staff dashboard of a 50,000-invited round, served by the production server on PostgreSQL.

A round of ``--invited`` persons is imported with ``prem fieldwork import``
(one pathway, region 01), an administrator and region 01's coordinator are
created with ``prem users create``, ``prem serve --production`` is started
on loopback, and each account logs in and fetches the round's dashboard
``--requests`` times, one request after the other. Prints the median and the
slowest whole-request time per account (the client's wall clock: the page
is rendered in full, the chart and table included).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy.engine import make_url

from bench.bench_survey import DEFAULT_URL, _database, _drop
from bench.survey_load import free_port, import_round, prem_env, running_server

ROUND = "dashboard-bench"
PASSWORD = "bench-password-0123"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Client:
    """One staff member's keep-alive connection with its session cookie."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def request(self, method: str, path: str, body: dict[str, str] | None = None) -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=data, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text

    def log_in(self, username: str) -> None:
        status, page = self.request("GET", "/staff/login")
        match = _CSRF.search(page)
        if status != 200 or match is None:
            raise RuntimeError(f"login page: {status}")
        form = {"csrf_token": match.group(1), "username": username, "password": PASSWORD}
        status, _ = self.request("POST", "/staff/login", form)
        if status != 302:
            raise RuntimeError(f"{username} could not log in ({status})")


def _create_user(database_url: str, instance: Path, username: str, role: str, *regions: str) -> None:
    command = [sys.executable, "-m", "prem", "users", "create", username, "--role", role, "--password", PASSWORD]
    for region in regions:
        command += ["--region", region]
    subprocess.run(command, env=prem_env(database_url, instance), check=True, capture_output=True)


def time_dashboard(port: int, username: str, requests: int) -> list[float]:
    """Seconds of each of ``requests`` dashboard requests by ``username`` (after one warm-up request)."""
    client = Client(port)
    client.log_in(username)
    path = f"/staff/rounds/{ROUND}/dashboard"
    seconds = []
    for index in range(requests + 1):
        started = time.perf_counter()
        status, _page = client.request("GET", path)
        elapsed = time.perf_counter() - started
        if status != 200:
            raise RuntimeError(f"{username}: dashboard answered {status}")
        if index:
            seconds.append(elapsed)
    return seconds


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench staff", description=__doc__.split("\n\n")[0])
    parser.add_argument("--invited", type=int, default=50_000, help="persons invited in the round")
    parser.add_argument("--requests", type=int, default=10, help="dashboard requests per account")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--ports", default="7000-7049", help="loopback port range for the server")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PREM_BENCH_POSTGRES_URL") or os.environ.get("PREM_TEST_POSTGRES_URL") or DEFAULT_URL,
        help="a PostgreSQL server on which the bench creates (and drops) a database of its own",
    )
    args = parser.parse_args(argv)
    if not (0 < args.invited <= 200_000 and 0 < args.requests <= 100):
        parser.error("invited (1-200000) and requests (1-100) are bounded")
    low, _, high = args.ports.partition("-")
    database_url = _database(args.database_url)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  ({os.cpu_count()} cores)")
    print(f"prem serve --production --workers {args.workers} on PostgreSQL {make_url(database_url).database}")
    try:
        with tempfile.TemporaryDirectory(prefix="prem-bench-staff-") as folder:
            instance = Path(folder)
            started = time.perf_counter()
            import_round(database_url, instance, args.invited, name=ROUND)
            print(f"round of {args.invited} invited imported in {time.perf_counter() - started:.1f} s")
            _create_user(database_url, instance, "bench-admin", "administrator")
            _create_user(database_url, instance, "bench-coordinator", "coordinator", "01")
            port = free_port(int(low), int(high) + 1)
            with running_server(database_url, instance, port, workers=args.workers):
                for role, username in (("coordinator", "bench-coordinator"), ("administrator", "bench-admin")):
                    seconds = time_dashboard(port, username, args.requests)
                    print(
                        f"dashboard, {role:<13} {args.invited} invited: median {statistics.median(seconds) * 1000:.0f} ms, "
                        f"slowest {max(seconds) * 1000:.0f} ms ({len(seconds)} requests)",
                        flush=True,
                    )
    finally:
        _drop(database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
