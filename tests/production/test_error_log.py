"""gunicorn's error log names no client address and no query string (the QR code carries the access code)."""

from __future__ import annotations

import socket

import pytest

from bench.survey_load import import_round, running_server

pytestmark = pytest.mark.postgres


def test_invalid_requests_leave_no_client_address_in_the_log(pg_database, instance, server_port):
    import_round(pg_database, instance, 1)
    log = instance / "server.log"
    with running_server(pg_database, instance, server_port, workers=1, log=log):
        for raw in (b"GARBAGE\r\n\r\n", b"GET /?code=ABCD-EFGH HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"):
            with socket.create_connection(("127.0.0.1", server_port), timeout=5) as sock:
                sock.sendall(raw)
                assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    lines = [line for line in log.read_text().splitlines() if "Listening at" not in line]
    assert any("Invalid request" in line for line in lines)
    assert not [line for line in lines if "127.0.0.1" in line or "ABCD" in line]
