"""The production shape: ``prem serve --production`` (gunicorn, several workers) on PostgreSQL.

Each test gets a database of its own on the ``PREM_TEST_POSTGRES_URL``
server, or – for the tests that restart PostgreSQL – a throwaway cluster of
its own (``initdb``/``pg_ctl``, run as the ``postgres`` user when root) on
a free loopback port. Servers listen on 127.0.0.1, ports 7000-7049; clusters
on 7050-7099. Without PostgreSQL these tests skip, unless
``PREM_REQUIRE_POSTGRES=1``.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.survey_load import free_port

# Loopback port ranges; PREM_TEST_PORTS=LOW-HIGH moves both (servers in the
# lower half, clusters in the upper) when several checkouts test side by side.
_LOW, _HIGH = (int(part) for part in os.environ.get("PREM_TEST_PORTS", "7000-7100").split("-"))
SERVER_PORTS = (_LOW, (_LOW + _HIGH) // 2)
CLUSTER_PORTS = ((_LOW + _HIGH) // 2, _HIGH)


def _missing(reason: str):
    if os.environ.get("PREM_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PREM_REQUIRE_POSTGRES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def instance(tmp_path) -> Path:
    """The server's instance folder (keys, logs, the sample it imported)."""
    folder = tmp_path / "instance"
    folder.mkdir()
    return folder


@pytest.fixture
def server_port() -> int:
    return free_port(*SERVER_PORTS)


@pytest.fixture
def pg_database() -> str:
    """A fresh database on the PREM_TEST_POSTGRES_URL server, dropped afterwards."""
    url = os.environ.get("PREM_TEST_POSTGRES_URL")
    if not url:
        _missing("PREM_TEST_POSTGRES_URL is not set")
    name = f"prem_prod_{secrets.token_hex(4)}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@dataclass
class Cluster:
    """A throwaway PostgreSQL cluster that a test may stop, start and restart."""

    bin: Path
    data: Path
    port: int
    user: str | None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/prem"

    def _run(self, *command: str) -> None:
        argv = [str(self.bin / command[0]), *command[1:]]
        if self.user:
            argv = ["su", self.user, "-s", "/bin/sh", "-c", " ".join(f"'{part}'" for part in argv)]
        subprocess.run(argv, check=True, capture_output=True, timeout=60)

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.data / "log"), "-w", action, *extra)

    def stop(self) -> None:
        self.pg_ctl("stop", "-m", "fast")

    def start(self) -> None:
        self.pg_ctl("start")

    def restart(self) -> None:
        self.pg_ctl("restart", "-m", "fast")


@pytest.fixture
def cluster(tmp_path_factory) -> Cluster:
    """A PostgreSQL cluster of the test's own, with an empty database ``prem``."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = Path(found[-1]) if found else (Path(p) if (p := shutil.which("initdb")) else None)
    if initdb is None:
        _missing("no initdb found (PostgreSQL server binaries) to start a throwaway cluster")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            _missing("running as root and there is no postgres user to own a throwaway cluster")
        user = "postgres"
    data = Path(f"/tmp/prem-pg-{secrets.token_hex(4)}")
    data.mkdir(mode=0o700)
    if user:
        shutil.chown(data, user)
    cluster = Cluster(initdb.parent, data, free_port(*CLUSTER_PORTS), user)
    cluster._run("initdb", "-D", str(data), "-A", "trust", "-U", "postgres")
    cluster.start()
    try:
        engine = create_engine(
            f"postgresql+psycopg://postgres@127.0.0.1:{cluster.port}/postgres", isolation_level="AUTOCOMMIT"
        )
        with engine.connect() as connection:
            connection.execute(text("CREATE DATABASE prem"))
        engine.dispose()
        yield cluster
    finally:
        try:
            cluster.pg_ctl("stop", "-m", "immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(data, ignore_errors=True)
