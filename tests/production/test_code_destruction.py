"""Closing a round makes its codes unverifiable in what the database's storage still holds (issue 10.10).

Clearing ``code_hash`` is not enough: PostgreSQL's heap and index pages and
its WAL, and SQLite's pages and WAL, keep the old values. These tests read
the raw files, take every 64-hex string in them and try every key still
around – the app-wide key, every key file on disk, the key derived from
both – against all 200 codes of the round: before the close the hashes
verify (the check is real), after it none does.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text

from bench.survey_load import Patient, _csrf, import_round, prem_env, running_server
from prem.fieldwork.codekeys import CodeKeys
from sampling.access_codes import hash_access_code, normalise_access_code

ROUND = "last-2026"
SIZE = 200
_HEX_RUN = re.compile(rb"[0-9a-f]{64,}")


def _hex_strings(paths: list[Path]) -> set[str]:
    """Every 64-hex string in the bytes of ``paths`` (the shape of a stored code hash).

    A stored hash may touch other hex digits (the respondent id before it in
    a row), so every 64-character window of every longer run counts.
    """
    found: set[str] = set()
    for path in paths:
        for run in _HEX_RUN.findall(path.read_bytes()):
            found.update(run[start : start + 64].decode() for start in range(len(run) - 63))
    return found


def _candidate_keys(keys: CodeKeys) -> list[bytes]:
    """Every key an attacker holding the server's files and secrets could try."""
    candidates = [keys.app_key]
    for key_file in sorted(keys.directory.glob("*.key")) if keys.directory.exists() else []:
        raw = key_file.read_text().strip()
        candidates += [raw.encode(), bytes.fromhex(raw), keys.hashing_key(key_file.stem, "on disk")]
    return candidates


def _verified(stored: set[str], codes: list[str], keys: CodeKeys) -> set[str]:
    """The stored strings that some candidate key and one of ``codes`` reproduce."""
    normalised = [normalise_access_code(code) for code in codes]
    return stored & {hash_access_code(code, key) for key in _candidate_keys(keys) for code in normalised}


def _prem(database_url: str, instance: Path, *arguments: str) -> str:
    """Run ``prem ARGUMENTS`` as a separate process, as an administrator would; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "prem", *arguments],
        env=prem_env(database_url, instance),
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout


def _keys(instance: Path) -> CodeKeys:
    return CodeKeys(prem_env("", instance)["PREM_ACCESS_CODE_KEY"].encode(), instance / "round-keys")


@pytest.mark.parametrize("secure_delete", ["build default", "off"])
def test_sqlite_storage_verifies_no_code_after_close(instance, secure_delete):
    """The SQLite file and its WAL after close and a checkpoint: nothing verifies any code.

    Debian's SQLite is built with SECURE_DELETE and zeroes freed cells; other
    builds (``secure_delete`` off) keep the old hashes' bytes in free space,
    which is the case that shows the round key is what protects them.
    """
    from prem import create_app
    from prem.db import db, transaction
    from prem.fieldwork.operations import close_round, survey_today

    database = instance / "prem.sqlite"
    url = f"sqlite:///{database}"
    codes = import_round(url, instance, SIZE, ROUND)
    keys = _keys(instance)

    def storage() -> list[Path]:
        return [path for path in instance.glob("prem.sqlite*") if path.is_file()]

    before = _hex_strings(storage())
    assert len(_verified(before, codes, keys)) == SIZE  # every code's hash is readable and verifies
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "s",
            "ACCESS_CODE_KEY": keys.app_key,
            "ROUND_KEY_DIR": str(keys.directory),
        }
    )
    with app.app_context():
        if secure_delete == "off":
            event.listen(db.engine, "connect", lambda connection, _: connection.execute("PRAGMA secure_delete=OFF"))
    with transaction(app, upgrade=False) as session:
        close_round(session, ROUND, keys=keys, today=survey_today("Europe/Stockholm"), force=True)
    with app.app_context():
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(FULL)")
        db.engine.dispose()
    after = _hex_strings(storage())
    if secure_delete == "off":
        assert len(after & before) >= SIZE  # the old hashes are still in the file's free space ...
    assert _verified(after, codes, keys) == set()  # ... and nothing left verifies any code
    assert not list((instance / "round-keys").iterdir())


@pytest.mark.postgres
def test_postgresql_heap_indexes_and_wal_verify_no_code_after_close_and_vacuum(cluster, instance):
    """The database's relation files (heap, index, TOAST) and every WAL segment of a cluster of our own."""
    codes = import_round(cluster.url, instance, SIZE, ROUND)
    keys = _keys(instance)
    admin = create_engine(cluster.url, isolation_level="AUTOCOMMIT")

    def storage() -> list[Path]:
        with admin.connect() as connection:
            connection.execute(text("CHECKPOINT"))
            relation = connection.execute(text("SELECT pg_relation_filepath('respondent')")).scalar_one()
            index = connection.execute(text("SELECT pg_relation_filepath('uq_respondent_code_hash')")).scalar_one()
        assert (cluster.data / relation).is_file() and (cluster.data / index).is_file()
        database_folder = (cluster.data / relation).parent
        return [
            path
            for folder in (database_folder, cluster.data / "pg_wal")
            for path in sorted(folder.iterdir())
            if path.is_file()
        ]

    before_files = storage()
    before = _hex_strings(before_files)
    assert len(_verified(before, codes, keys)) == SIZE
    assert "destroyed" in _prem(cluster.url, instance, "fieldwork", "close", "--round", ROUND, "--force")
    with admin.connect() as connection:
        connection.execute(text("VACUUM (FULL, ANALYZE) respondent"))
        connection.execute(text("VACUUM respondent"))
        nulls = connection.execute(text("SELECT count(*) FROM respondent WHERE code_hash IS NULL")).scalar_one()
    assert nulls == SIZE
    after = _hex_strings(storage())
    admin.dispose()
    assert len(after & before) >= SIZE  # the WAL (at least) still holds every old hash ...
    assert _verified(after, codes, keys) == set()  # ... and no key still around verifies one
    assert not list((instance / "round-keys").iterdir())


@pytest.mark.postgres
def test_after_close_no_worker_accepts_a_code(pg_database, instance, server_port):
    """Workers that checked codes of the round before it closed refuse them all after, and end its sessions."""
    codes = import_round(pg_database, instance, 12, ROUND)
    with running_server(pg_database, instance, server_port, workers=3) as server:
        signed_in = Patient(server_port, codes[0], 0)
        assert signed_in.sign_in() == "/introduction"
        for number, code in enumerate(codes[1:6], start=1):  # fresh connections: spread over the workers
            patient = Patient(server_port, code, number)
            assert patient.sign_in() == "/introduction"
            patient.close()
        assert "destroyed" in _prem(pg_database, instance, "fieldwork", "close", "--round", ROUND, "--force")
        statuses = []
        for number, code in enumerate(codes * 2):
            patient = Patient(server_port, code, 100 + number)
            _, page = patient.get("/")
            status, _, body = patient.request("POST", "/", {"csrf_token": _csrf(page), "code": code})
            statuses.append(status)
            assert "Enkäten är stängd" in body
            patient.close()
        assert statuses == [403] * len(codes) * 2
        status, _, body = signed_in.request("GET", "/introduction")
        signed_in.close()
        assert status == 403 and "Enkäten är stängd" in body
        assert server.poll() is None
