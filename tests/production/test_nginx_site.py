"""The shipped TLS site (``deploy/nginx/prem.conf``) is a configuration nginx accepts.

The slow-client tests run the http/server/proxy parts in front of gunicorn on
loopback; this checks the whole site as an operator installs it – the TLS
server block, the port-80 redirect and the includes – with ``nginx -t``,
after pointing its paths at a throwaway folder and a self-signed certificate.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

DEPLOY = Path(__file__).resolve().parents[2] / "deploy" / "nginx"


def _tool(name: str) -> str:
    found = shutil.which(name) or (f"/usr/sbin/{name}" if os.path.exists(f"/usr/sbin/{name}") else None)
    if found is None:
        if os.environ.get("PREM_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{name} is not installed")
        pytest.skip(f"{name} is not installed")
    return found


def _relocate(text: str, folder: Path) -> str:
    return (
        text.replace("/etc/nginx/prem/", f"{folder}/prem/")
        .replace("/etc/ssl/prem/", f"{folder}/ssl/")
        .replace("/var/log/nginx/", f"{folder}/logs/")
    )


def test_shipped_site_passes_nginx_config_test(tmp_path):
    nginx, openssl = _tool("nginx"), _tool("openssl")
    for sub in ("prem", "ssl", "logs"):
        (tmp_path / sub).mkdir()
    for part in ("http.conf", "server.conf", "proxy.conf"):
        (tmp_path / "prem" / part).write_text(_relocate((DEPLOY / part).read_text(), tmp_path))
    site = (DEPLOY / "prem.conf").read_text()
    assert "ssl_certificate " in site and "return 301 https://" in site
    (tmp_path / "prem.conf").write_text(_relocate(site, tmp_path))
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=survey.test",
         "-keyout", str(tmp_path / "ssl" / "privkey.pem"), "-out", str(tmp_path / "ssl" / "fullchain.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\n"
        f"events {{}}\nhttp {{\n    include {tmp_path}/prem.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(main)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
