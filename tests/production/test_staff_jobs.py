"""Staff jobs in the production shape: gunicorn with three workers, PostgreSQL, the runner `prem serve` starts.

The web workers only queue a job; the runner makes it. Killing every web
worker while a job waits or runs loses nothing, and a runner killed outright
(SIGKILL, no chance to give its job back) has its job taken over by the next
runner once the heartbeat is stale.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time

import psutil
import pytest

from bench.survey_load import Patient, import_round, prem_env, running_server

pytestmark = pytest.mark.postgres

PASSWORD = "production analyst passphrase"
ROUND = "last-2026"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _prem(database_url, instance, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "prem", *args], env=prem_env(database_url, instance), check=True, capture_output=True
    )


@pytest.fixture
def analyst_round(pg_database, instance):
    """A round of 60 patients with simulated answers, and an analyst account; jobs go stale after 3 seconds."""
    (instance / "config.py").write_text("from datetime import timedelta\nSTAFF_JOB_STALE = timedelta(seconds=3)\n")
    import_round(pg_database, instance, 60, ROUND)
    _prem(pg_database, instance, "simulate", "--round", ROUND)
    _prem(pg_database, instance, "users", "create", "ana", "--role", "analyst", "--password", PASSWORD)


def _log_in(port: int) -> Patient:
    client = Patient(port, code="", number=1)
    _, page = client.get("/staff/login")
    form = {"csrf_token": _TOKEN.search(page).group(1), "username": "ana", "password": PASSWORD}
    status, _, _ = client.request("POST", "/staff/login", form)
    assert status == 302
    return client


def _order(client: Patient, **fields: str) -> str:
    _, page = client.get("/staff/reports")
    form = {"csrf_token": _TOKEN.search(page).group(1), "round_name": ROUND, "lang": "sv", **fields}
    status, location, _ = client.request("POST", "/staff/reports", form)
    assert status == 302 and location.startswith("/staff/jobs/"), (status, location)
    return location


def _wait_until_ready(client: Patient, location: str, timeout: float = 180.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client.close()  # a new connection each time: any worker may answer
        _, page = client.get(location)
        if "Klar." in page:
            return
        assert "kunde inte göras" not in page, page
        time.sleep(0.5)
    raise AssertionError(f"{location} was not ready in {timeout} s")


def _download(client: Patient, location: str) -> tuple[int, bytes]:
    """The job's file as bytes (Patient reads pages as text)."""
    connection = http.client.HTTPConnection("127.0.0.1", client.port, timeout=60)
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    connection.request("GET", location + "/download", headers={"Host": "127.0.0.1", "Cookie": cookie})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, body


def _children(server) -> tuple[list[psutil.Process], list[psutil.Process]]:
    children = psutil.Process(server.pid).children()
    runners = [child for child in children if "jobs" in child.cmdline()]
    return [child for child in children if child not in runners], runners


def test_a_report_survives_its_web_workers_and_a_killed_runner(pg_database, instance, server_port, analyst_round):
    with running_server(pg_database, instance, server_port, workers=3) as server:
        client = _log_in(server_port)
        workers, runners = _children(server)
        assert len(workers) == 3 and len(runners) == 1
        first = _order(client, product="report", kind="national")
        for worker in workers:  # every web worker dies right after the order
            os.kill(worker.pid, signal.SIGKILL)
        _wait_until_ready(client, first)
        status, body = _download(client, first)
        assert status == 200 and body.startswith(b"%PDF")
        # The runner dies without a word, the next job half made or waiting; a new runner takes it over.
        second = _order(client, product="tables")
        os.kill(runners[0].pid, signal.SIGKILL)
        runners[0].wait(10)
        time.sleep(4)  # past STAFF_JOB_STALE
        _prem(pg_database, instance, "jobs", "work", "--once")
        _wait_until_ready(client, second, timeout=10)
        status, body = _download(client, second)
        assert status == 200 and body.startswith(b"PK")
        client.close()
