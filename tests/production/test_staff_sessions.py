"""Staff sessions and the login limit in the production shape: gunicorn, three workers, PostgreSQL."""

from __future__ import annotations

import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.survey_load import Patient, prem_env, running_server

pytestmark = pytest.mark.postgres

PASSWORD = "production staff passphrase"
_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _create_admin(database_url, instance) -> None:
    subprocess.run(
        [sys.executable, "-m", "prem", "users", "create", "anna", "--role", "administrator", "--password", PASSWORD],
        env=prem_env(database_url, instance),
        check=True,
        capture_output=True,
    )


def _log_in(client: Patient, password: str = PASSWORD) -> int:
    _, page = client.get("/staff/login")
    status, _, _ = client.request(
        "POST",
        "/staff/login",
        {"csrf_token": _TOKEN.search(page).group(1), "username": "anna", "password": password},
    )
    return status


def test_a_logout_ends_the_session_on_every_worker(pg_database, instance, server_port):
    _create_admin(pg_database, instance)
    with running_server(pg_database, instance, server_port, workers=3):
        admin = Patient(server_port, code="", number=1)
        assert _log_in(admin) == 302
        for _ in range(12):  # new connections: the requests spread over the workers
            admin.close()
            admin.get("/staff/rounds")
        copied = dict(admin.cookies)
        _, page = admin.get("/staff/rounds")
        admin.post("/staff/logout", {"csrf_token": _TOKEN.search(page).group(1)})
        admin.close()
        for _ in range(12):
            replay = Patient(server_port, code="", number=2)
            replay.cookies = dict(copied)
            status, location, _ = replay.request("GET", "/staff/rounds")
            replay.close()
            assert status == 302 and location.startswith("/staff/login")


def test_failed_logins_over_three_workers_never_pass_the_account_limit(pg_database, instance, server_port):
    _create_admin(pg_database, instance)
    with running_server(pg_database, instance, server_port, workers=3, PREM_TRUSTED_PROXIES="0"):
        clients = [Patient(server_port, code="", number=n) for n in range(16)]
        for client in clients:
            client.get("/staff/login")

        def wrong(client: Patient) -> int:
            return _log_in(client, "not the password, sorry")

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(wrong, clients))
        late = Patient(server_port, code="", number=99)
        right_password = _log_in(late)
        for client in [*clients, late]:
            client.close()
        assert statuses.count(200) == 10 and statuses.count(429) == 6  # STAFF_LOGIN_ACCOUNT_LIMIT
        assert right_password == 429  # the right password waits out the window too
