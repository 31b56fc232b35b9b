"""Slow clients (slowloris) must not stall the site: gunicorn's threaded workers, and nginx in front.

Two slow clients hold connections open – one dribbling its headers, one its
body – while a normal patient loads the code page. Straight to gunicorn the
threaded workers still answer; through the shipped nginx configuration
(``deploy/nginx``) gunicorn never even sees the slow requests. Bounded: a
handful of sockets for a few seconds, loopback only.
"""

from __future__ import annotations

import http.client
import http.server
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from bench.survey_load import free_port, import_round, running_server

pytestmark = pytest.mark.postgres

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"
SLOW_SECONDS = 4


class SlowClients:
    """Two slowloris connections to ``port``: one sends headers, one a body, a byte a second."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.threads = [
            threading.Thread(target=self._dribble, args=(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n", b"X-a: b\r\n")),
            threading.Thread(
                target=self._dribble,
                args=(
                    b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n\r\n",
                    b"a",
                ),
            ),
        ]

    def _dribble(self, start: bytes, more: bytes) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=SLOW_SECONDS + 5) as sock:
            sock.sendall(start)
            while not self.stop.wait(0.5):
                try:
                    sock.sendall(more)
                except OSError:
                    return

    def __enter__(self) -> SlowClients:
        for thread in self.threads:
            thread.start()
        time.sleep(0.5)
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=SLOW_SECONDS + 10)


def normal_page_seconds(port: int, path: str = "/") -> float:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=SLOW_SECONDS + 25)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        response.read()
        assert response.status == 200
    finally:
        connection.close()
    return time.perf_counter() - started


def assert_normal_pages_fast_while_slow_clients(port: int) -> None:
    with SlowClients(port):
        deadline = time.monotonic() + SLOW_SECONDS
        while time.monotonic() < deadline:
            assert normal_page_seconds(port) < 2.0
            time.sleep(0.3)


def test_slow_clients_do_not_stall_gunicorn(pg_database, instance, server_port):
    import_round(pg_database, instance, 2)
    with running_server(pg_database, instance, server_port, workers=2):
        assert_normal_pages_fast_while_slow_clients(server_port)


def nginx_config(folder: Path, listen: int, upstream: int) -> Path:
    """A loopback nginx.conf that includes the shipped http/server/proxy parts."""
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    server_conf = (
        (DEPLOY / "server.conf").read_text().replace("/var/log/nginx/prem-access.log", str(folder / "access.log"))
    )
    (folder / "server.conf").write_text(server_conf)
    config = folder / "nginx.conf"
    config.write_text(
        f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log crit;
events {{ worker_connections 64; }}
http {{
    include {DEPLOY}/http.conf;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    upstream prem_gunicorn {{ server 127.0.0.1:{upstream}; keepalive 4; }}
    server {{
        listen 127.0.0.1:{listen};
        include {folder}/server.conf;
        location / {{ include {DEPLOY}/proxy.conf; }}
    }}
}}
"""
    )
    return config


@pytest.fixture
def nginx(tmp_path):
    """Start nginx with the shipped configuration in front of ``upstream``; yields its port."""
    binary = shutil.which("nginx") or ("/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else None)
    if binary is None:
        if os.environ.get("PREM_REQUIRE_POSTGRES") == "1":
            pytest.fail("nginx is not installed (apt-get install nginx)")
        pytest.skip("nginx is not installed (apt-get install nginx)")
    processes = []

    def start(upstream: int) -> int:
        listen = free_port(7040, 7050)
        folder = tmp_path / f"nginx-{listen}"
        config = nginx_config(folder, listen, upstream)
        with open(folder / "stderr.log", "wb") as stderr:
            process = subprocess.Popen(
                [binary, "-p", str(folder), "-c", str(config), "-e", str(folder / "error.log")],
                stdout=subprocess.DEVNULL,
                stderr=stderr,
            )
        processes.append(process)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                return listen
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError((folder / "stderr.log").read_text()) from None
                time.sleep(0.1)
        raise RuntimeError("nginx did not start")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def test_slow_clients_through_nginx_never_reach_gunicorn(pg_database, instance, server_port, nginx, tmp_path):
    import_round(pg_database, instance, 2)
    with running_server(pg_database, instance, server_port, workers=2):
        port = nginx(server_port)
        assert_normal_pages_fast_while_slow_clients(port)
        normal_page_seconds(port, "/?code=ABCD-EFGH-JKLM")
    access = next(tmp_path.glob("nginx-*/access.log")).read_text()
    assert '"GET /" 200' in access
    assert "ABCD" not in access and "127.0.0.1" not in access


class _EchoForwardedFor(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = (self.headers.get("X-Forwarded-For") or "none").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def test_nginx_overwrites_a_client_supplied_x_forwarded_for(nginx):
    """PREM_TRUSTED_PROXIES=1 is safe only if the proxy replaces the header, not appends to it."""
    echo = http.server.ThreadingHTTPServer(("127.0.0.1", free_port(7030, 7040)), _EchoForwardedFor)
    thread = threading.Thread(target=echo.serve_forever)
    thread.start()
    try:
        port = nginx(echo.server_address[1])
        wait_for_port_open = time.monotonic() + 5
        while time.monotonic() < wait_for_port_open:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/", headers={"X-Forwarded-For": "203.0.113.9, 198.51.100.7"})
                seen = connection.getresponse().read().decode()
                connection.close()
                break
            except OSError:
                time.sleep(0.1)
        assert seen == "127.0.0.1"
    finally:
        echo.shutdown()
        echo.server_close()
        thread.join()
