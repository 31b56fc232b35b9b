"""PostgreSQL restarted while patients are saving pages: nothing acknowledged lost or doubled, pages calm.

Unlike ``test_database_restart.py`` (patients paused at a page), here the
patients keep posting while the test's own cluster is restarted twice
(``pg_ctl restart -m fast``). A patient whose request fails presses reload
(a ``resilient`` patient sends it again); every error page it saw must be
the calm 503 page; afterwards each patient's stored answers equal exactly
what it last sent and no item is stored twice. A code entry sent again
after its 503 gets in: the failed request left the cookie as it was
(``tests/web/test_code_entry.py`` pins that case without a restart).
"""

from __future__ import annotations

import threading
import time

import pytest

from bench.survey_load import Patient, assert_each_keeps_their_own, assert_stored_once, import_round, running_server

pytestmark = pytest.mark.postgres

PATIENTS = 8


class RecordingPatient(Patient):
    """A resilient patient that keeps every 5xx page it was shown."""

    def _send(self, method, path, form):
        status, location, content = super()._send(method, path, form)
        if status >= 500:
            self.error_pages = [*getattr(self, "error_pages", []), (status, content)]
        return status, location, content


def test_a_postgresql_restart_mid_run_loses_and_doubles_nothing(cluster, instance, server_port):
    codes = import_round(cluster.url, instance, PATIENTS)
    failures: list[BaseException] = []
    with running_server(cluster.url, instance, server_port, workers=2) as server:
        patients = [RecordingPatient(server_port, code, n, seed=5, resilient=True) for n, code in enumerate(codes)]

        def run(patient: Patient) -> None:
            try:
                patient.complete(pause=lambda: time.sleep(0.05))
            except BaseException as error:  # reported by the test
                failures.append(error)

        threads = [threading.Thread(target=run, args=(patient,)) for patient in patients]
        for thread in threads:
            thread.start()
        outages = []
        for delay in (1.0, 2.0):
            time.sleep(delay)
            started = time.monotonic()
            cluster.restart()
            outages.append(time.monotonic() - started)
        for thread in threads:
            thread.join(timeout=240)
        assert server.poll() is None, "the server died"
    assert failures == []
    assert_each_keeps_their_own(cluster.url, patients)
    assert_stored_once(cluster.url, PATIENTS)
    pages = [page for patient in patients for page in getattr(patient, "error_pages", [])]
    for status, page in pages:
        assert status == 503, status
        assert "Traceback" not in page and "psycopg" not in page and "sqlalchemy" not in page.lower()
    interrupted = sum(patient.interrupted for patient in patients)
    print(f"restarts {[f'{s:.2f} s' for s in outages]}, {len(pages)} calm 503 pages, {interrupted} resent requests")
