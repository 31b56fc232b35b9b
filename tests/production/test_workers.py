"""Several gunicorn workers on PostgreSQL, many patients at once: each keeps exactly their own answers.

The first invariant of the web app – a patient never sees or changes another
patient's answers – tested in the shape that runs for real: ``prem serve
--production --workers 3`` as a subprocess, concurrent patients with their
own cookie jars, and the database read afterwards.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import psutil
import pytest

from bench.survey_load import Patient, assert_each_keeps_their_own, assert_stored_once, import_round, running_server

pytestmark = pytest.mark.postgres

PATIENTS = 12


def _run_patients(patients: list[Patient]) -> list[BaseException]:
    failures: list[BaseException] = []

    def run(patient: Patient) -> None:
        try:
            patient.complete()
        except BaseException as error:  # reported by the test
            failures.append(error)

    threads = [threading.Thread(target=run, args=(patient,)) for patient in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return failures


def test_three_workers_keep_every_patients_answers_apart(pg_database, instance, server_port):
    codes = import_round(pg_database, instance, PATIENTS)
    with running_server(pg_database, instance, server_port, workers=3) as server:
        patients = [Patient(server_port, code, number, seed=1) for number, code in enumerate(codes)]
        failures = _run_patients(patients)
        assert server.poll() is None, "the server died"
    assert failures == []
    assert_each_keeps_their_own(pg_database, patients)
    log = (instance / f"server-{server_port}.log").read_text()
    assert "Traceback" not in log and "Segmentation" not in log


def _workers(server) -> list[psutil.Process]:
    """The gunicorn workers (not the `prem jobs work` runner `prem serve` starts beside them)."""
    return [child for child in psutil.Process(server.pid).children() if "jobs" not in child.cmdline()]


def test_a_worker_killed_mid_save_or_submit_loses_and_duplicates_nothing(pg_database, instance, server_port):
    """SIGKILL workers while patients save and submit: reload-and-resend gives every answer once.

    A patient whose request dies with its worker sends it again, as a person
    pressing reload would; gunicorn starts a new worker; nothing that was
    acknowledged is lost, nothing is stored twice, and everyone finishes.
    """
    codes = import_round(pg_database, instance, 8)
    with running_server(pg_database, instance, server_port, workers=3) as server:
        patients = [Patient(server_port, code, number, seed=2, resilient=True) for number, code in enumerate(codes)]
        done = threading.Event()
        kills = 0

        def killer() -> None:
            nonlocal kills
            time.sleep(0.5)
            while not done.is_set() and kills < 12:
                workers = _workers(server)
                if workers:
                    os.kill(workers[kills % len(workers)].pid, signal.SIGKILL)
                    kills += 1
                time.sleep(0.7)

        thread = threading.Thread(target=killer)
        thread.start()
        failures = _run_patients(patients)
        done.set()
        thread.join()
        assert failures == []
        deadline = time.monotonic() + 30
        while len(_workers(server)) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_workers(server)) == 3, "gunicorn did not restart the killed workers"
        assert server.poll() is None
    assert kills >= 3
    assert sum(patient.interrupted for patient in patients) >= 1, "no request was caught by a kill"
    assert_each_keeps_their_own(pg_database, patients)
    assert_stored_once(pg_database, len(patients))
