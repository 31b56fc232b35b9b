"""Serving the web survey: Flask's server locally, gunicorn in production.

Neither logs a query string or a client address: the QR code's address
carries the patient's access code (``/?code=...``), and prem keeps no
personal data in logs.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, run_simple

__all__ = ["ACCESS_LOG_FORMAT", "run_development", "run_gunicorn"]

#: gunicorn access log: time, method, path without query, status, duration.
ACCESS_LOG_FORMAT = '%(t)s "%(m)s %(U)s" %(s)s %(L)ss'


class _PrivateRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler logging only method, path (no query) and status."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log("info", '"%s %s" %s', self.command, urlsplit(self.path).path, code)

    def address_string(self) -> str:
        return "-"


def run_development(app: Flask, host: str, port: int) -> None:
    """Flask's (Werkzeug's) server, single process, for trying the survey locally."""
    run_simple(host, port, app, threaded=True, request_handler=_PrivateRequestHandler)


def run_gunicorn(app: Flask, host: str, port: int, workers: int) -> None:
    """gunicorn with ``workers`` processes, serving the already configured ``app``."""
    from gunicorn.app.base import BaseApplication

    class _Server(BaseApplication):
        def load_config(self) -> None:
            for name, value in {
                "bind": f"{host}:{port}",
                "workers": workers,
                "accesslog": "-",
                "access_log_format": ACCESS_LOG_FORMAT,
            }.items():
                self.cfg.set(name, value)

        def load(self) -> Flask:
            return app

    _Server().run()
