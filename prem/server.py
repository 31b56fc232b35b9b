"""Serving the web survey: Flask's server locally, gunicorn in production.

Neither logs a query string or a client address: the QR code's address
carries the patient's access code (``/?code=...``), and prem keeps no
personal data in logs. gunicorn's own error log names the client of an
invalid request; the logger class used here takes addresses and query strings
out of every line it writes.

In production the app is built (and migrated) once in gunicorn's master and
then forked into the workers. Database connections must never cross that
fork – two processes on one socket mix up patients' answers – so the master
closes its pool before forking and every worker starts with an empty pool
of its own (:func:`_fresh_pool_after_fork`).
"""

from __future__ import annotations

import ipaddress
import logging
import re
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

__all__ = ["ACCESS_LOG_FORMAT", "GUNICORN_SETTINGS", "init_app", "run_development", "run_gunicorn", "scrub"]

#: gunicorn access log: time, method, path without query, status, duration.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(L)ss'

#: gunicorn settings for real traffic behind a buffering reverse proxy
#: (``deploy/nginx.conf``). Threaded workers: a slow or stalled client ties
#: up one thread, not a whole worker, and the proxy absorbs slow uploads
#: before they reach gunicorn at all. ``timeout`` kills a worker that is
#: stuck for 30 s; ``keepalive`` holds idle proxy connections briefly.
GUNICORN_SETTINGS: dict[str, Any] = {
    "worker_class": "gthread",
    "threads": 4,
    "timeout": 30,
    "graceful_timeout": 20,
    "keepalive": 5,
    "limit_request_line": 4094,
    "limit_request_fields": 50,
}

_ADDRESS_LIKE = re.compile(
    r"(?<![\w.:])(?:\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}\]?)(?![\w.])"
)
_QUERY = re.compile(r"(/[^\s?'\"]*)\?[^\s'\"]*")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


def scrub(message: str) -> str:
    """``message`` without IP addresses and without query strings (which may carry an access code)."""
    message = _QUERY.sub(r"\1", message)
    return _ADDRESS_LIKE.sub(_hide_address, message)


def _hide_address(match: re.Match) -> str:
    found = match.group(0)
    core = found.rstrip(":")  # "ip=2001:db8::1: message" – the colon after it is the message's
    return "-" + found[len(core) :] if _is_address(core) else found


#: gunicorn's messages that name its own listening address, not a client's.
_OWN_ADDRESS_MESSAGES = frozenset({"Listening at: %s (%s)"})


class _ScrubFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg not in _OWN_ADDRESS_MESSAGES:
            record.msg = scrub(record.getMessage())
            record.args = None
        return True


def _gunicorn_logger_class():
    from gunicorn.glogging import Logger

    class _PrivateLogger(Logger):
        """gunicorn's logger, its error log free of client addresses and query strings."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            self.error_log.addFilter(_ScrubFilter())

    return _PrivateLogger


def init_app(app: Flask) -> None:
    """Add ``/healthz``: "the process answers", for the proxy's and the load test's checks (no database)."""

    def healthz():
        return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}

    app.add_url_rule("/healthz", "healthz", healthz)


class _PrivateRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler logging only method, path (no query) and status."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s %s" %s', self.command, urlsplit(self.path).path, code)

    def address_string(self) -> str:
        return "-"


def run_development(app: Flask, host: str, port: int) -> None:
    """Flask's (Werkzeug's) server, single process, for trying the survey locally."""
    run_simple(host, port, app, threaded=True, request_handler=_PrivateRequestHandler)


def _close_pools(app: Flask, *, close: bool) -> None:
    """Drop every pooled connection of the app's engines.

    ``close=False`` (in a freshly forked worker) forgets the inherited
    connections without touching their sockets, which still belong to the
    master; the worker then opens its own.
    """
    from prem.db import db

    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=close)


def run_gunicorn(app: Flask, host: str, port: int, workers: int, **settings: Any) -> None:
    """gunicorn with ``workers`` processes, serving the already configured ``app``.

    ``settings`` override :data:`GUNICORN_SETTINGS` (gunicorn setting names).
    """
    from gunicorn.app.base import BaseApplication

    def post_fork(server, worker) -> None:
        _close_pools(app, close=False)

    _close_pools(app, close=True)

    class _Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in {
                **GUNICORN_SETTINGS,
                "bind": f"{host}:{port}",
                "workers": workers,
                "accesslog": "-",
                "errorlog": "-",
                "access_log_format": ACCESS_LOG_FORMAT,
                "logger_class": _gunicorn_logger_class(),
                "post_fork": post_fork,
                **settings,
            }.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return app

    _Server().run()
