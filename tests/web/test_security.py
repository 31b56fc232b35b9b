"""Security headers, no scripts, no access codes or addresses in logs, keys created with secrets."""

from __future__ import annotations

import logging
import os
import stat

from prem import create_app
from prem.db import db
from prem.security import CONTENT_SECURITY_POLICY, read_or_create_key
from prem.server import ACCESS_LOG_FORMAT, _PrivateRequestHandler

from .conftest import same_code_keys


def test_every_page_has_a_strict_policy_and_no_scripts(client, make_round, start):
    sample = make_round()
    pages = [client.get("/"), start(client, next(iter(sample.codes.values()))), client.get("/review")]
    for page in pages:
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert "no-store" in page.headers["Cache-Control"]
        assert "<script" not in page.text and " style=" not in page.text and "onclick" not in page.text
    assert "script-src" not in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY


def test_key_file_is_created_once_private_and_reused(tmp_path):
    path = tmp_path / "instance" / "access_code.key"
    first = read_or_create_key(path)
    assert len(first) == 64 and read_or_create_key(path) == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["access_code.key"]


def test_request_logs_leave_out_query_strings_and_addresses(caplog):
    handler = _PrivateRequestHandler.__new__(_PrivateRequestHandler)
    handler.command, handler.path = "GET", "/?code=K7QH-M3WX-9TPA"
    handler.client_address = ("203.0.113.9", 5000)
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(200)
    assert "K7QH" not in caplog.text and "203.0.113.9" not in caplog.text and '"GET /"' in caplog.text
    assert "%(U)s" in ACCESS_LOG_FORMAT and "%(h)s" not in ACCESS_LOG_FORMAT and "%(r)s" not in ACCESS_LOG_FORMAT


def test_behind_a_trusted_proxy_attempts_count_per_forwarded_address(app, make_round, sign_in, database_url):
    make_round()
    proxied = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "s",
            **same_code_keys(app),
            "TRUSTED_PROXIES": 1,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "CODE_ATTEMPT_LIMIT": 2,
        }
    )
    first = proxied.test_client()
    first.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    second = proxied.test_client()
    second.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"
    for _ in range(2):
        sign_in(first, "ABCD-EFGH-JKMN")
    assert sign_in(first, "ABCD-EFGH-JKMN").status_code == 429
    assert sign_in(second, "ABCD-EFGH-JKMN").status_code == 200
    with proxied.app_context():
        db.engine.dispose()
