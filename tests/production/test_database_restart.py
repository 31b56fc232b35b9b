"""PostgreSQL restarted under the running gunicorn server: a calm page while it is down, no error after.

The test's own throwaway cluster is stopped while patients are half-way
through the questionnaire and their workers hold pooled connections. A
request during the outage gets the calm 503 page; once the server is back,
every later request succeeds (connections are pinged when taken from the
pool) and every acknowledged answer is in the database.
"""

from __future__ import annotations

import threading

import pytest

from bench.survey_load import Patient, assert_each_keeps_their_own, import_round, running_server

pytestmark = pytest.mark.postgres

PATIENTS = 6
PAUSE_AT_PAGE = 3


def test_requests_after_a_postgresql_restart_all_succeed(cluster, instance, server_port):
    codes = import_round(cluster.url, instance, PATIENTS + 1)
    arrived = threading.Barrier(PATIENTS + 1, timeout=120)
    resume = threading.Event()
    failures: list[BaseException] = []

    def run(patient: Patient) -> None:
        pages = 0

        def pause() -> None:
            nonlocal pages
            pages += 1
            if pages == PAUSE_AT_PAGE:
                arrived.wait()
                assert resume.wait(timeout=120)

        try:
            patient.complete(pause=pause)
        except BaseException as error:  # reported by the test
            failures.append(error)
            arrived.abort()

    with running_server(cluster.url, instance, server_port, workers=2) as server:
        patients = [Patient(server_port, code, number, seed=3) for number, code in enumerate(codes[:PATIENTS])]
        probe = Patient(server_port, codes[PATIENTS], PATIENTS)
        assert probe.sign_in() == "/introduction"
        threads = [threading.Thread(target=run, args=(patient,)) for patient in patients]
        for thread in threads:
            thread.start()
        arrived.wait()  # everyone has saved two pages; the workers' pools hold connections

        cluster.stop()
        status, _, page = probe.request("GET", "/introduction")
        assert status == 503
        assert "Försök igen om en stund" in page or "try again" in page.lower()
        assert "Traceback" not in page and "psycopg" not in page
        cluster.start()

        resume.set()
        for thread in threads:
            thread.join(timeout=180)
        assert failures == []
        status, _, _ = probe.request("GET", "/introduction")
        assert status == 200
        probe.close()
        assert server.poll() is None
    assert_each_keeps_their_own(cluster.url, patients)
