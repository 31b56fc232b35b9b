"""The wrong-code limit under gunicorn on PostgreSQL: one counter row per bucket, atomic across workers."""

from __future__ import annotations

import re
import threading

import pytest

from bench.survey_load import Patient, _csrf, import_round, running_server

pytestmark = pytest.mark.postgres

LIMIT = 5
BURST = 40


def test_a_burst_of_wrong_codes_over_three_workers_checks_no_more_than_the_limit(pg_database, instance, server_port):
    """40 wrong codes at once from one address: exactly ``LIMIT`` are checked, the rest answered 429."""
    import_round(pg_database, instance, 2)
    (instance / "config.py").write_text(f"CODE_ATTEMPT_LIMIT = {LIMIT}\nCODE_ATTEMPT_SITE_LIMIT = 1000\n")
    with running_server(pg_database, instance, server_port, workers=3) as server:
        clients = [Patient(server_port, "ABCD-EFGH-JKMN", number) for number in range(BURST)]
        forms = []
        for client in clients:  # every client holds its form before the burst starts
            _, page = client.get("/")
            forms.append({"csrf_token": _csrf(page), "code": client.code})
        start = threading.Barrier(BURST)
        statuses: list[int] = []

        def attempt(client: Patient, form: dict[str, str]) -> None:
            start.wait(timeout=30)
            status, _, _ = client.request("POST", "/", form)
            statuses.append(status)

        threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, forms, strict=True)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        for client in clients:
            client.close()
        assert server.poll() is None
    assert len(statuses) == BURST
    assert statuses.count(200) == LIMIT  # "we cannot find a survey with that code"
    assert statuses.count(429) == BURST - LIMIT


def test_attackers_spending_the_site_budget_lock_no_patient_out(pg_database, instance, server_port):
    """Four addresses hammer wrong codes over three workers; patients at other addresses still get in."""
    right, other = import_round(pg_database, instance, 2)
    (instance / "config.py").write_text(
        "CODE_ATTEMPT_LIMIT = 10\nCODE_ATTEMPT_FRESH = 2\nCODE_ATTEMPT_SITE_LIMIT = 6\n"
        "CODE_ATTEMPT_FRESH_SITE_LIMIT = 1000\n"
    )

    def client(address: str, code: str, number: int) -> Patient:
        return Patient(server_port, code, number, headers={"X-Forwarded-For": address})

    with running_server(pg_database, instance, server_port, workers=3, PREM_TRUSTED_PROXIES="1") as server:
        attackers = [client(f"198.51.100.{number}", "ABCD-EFGH-JKMN", number) for number in range(4)]
        statuses: list[int] = []

        def attack(attacker: Patient) -> None:
            for _ in range(8):
                _, page = attacker.get("/")
                status, _, _ = attacker.request("POST", "/", {"csrf_token": _csrf(page), "code": attacker.code})
                statuses.append(status)

        threads = [threading.Thread(target=attack, args=(attacker,)) for attacker in attackers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        patient = client("203.0.113.10", right, 10)
        mistyping = client("203.0.113.11", other, 11)
        try:
            assert _enter(patient, right) == (302, "/introduction")
            assert _enter(mistyping, "ABCD-EFGH-JKMN")[0] == 200  # "we cannot find a survey with that code"
            assert _enter(mistyping, other) == (302, "/introduction")
        finally:
            for each in (*attackers, patient, mistyping):
                each.close()
        assert server.poll() is None
    # each attacker address: 2 fresh wrong codes checked, then together the 6 of the shared budget
    assert len(statuses) == 32 and statuses.count(200) == 4 * 2 + 6 and statuses.count(429) == 32 - 14


def _enter(patient: Patient, code: str) -> tuple[int, str]:
    """Enter ``code`` on the code page; the status and where it leads (the page's text on a 429)."""
    _, page = patient.get("/")
    status, location, body = patient.request("POST", "/", {"csrf_token": _csrf(page), "code": code})
    if status == 429:
        location = " ".join(re.findall(r"Vänta[^<]*", body)) or body[:500]
    return status, location
