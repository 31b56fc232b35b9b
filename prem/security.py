"""Secrets, cookie flags and the HTTP security headers of the web survey.

Two secrets live outside the code and the database: Flask's ``SECRET_KEY``
(signs the session cookie and CSRF tokens) and the access-code key (the
app-wide half of the HMAC key under which access codes are stored). Each
comes from the environment (``PREM_SECRET_KEY``, ``PREM_ACCESS_CODE_KEY``)
or ``instance/config.py``, else from a file in ``instance/`` created with
:mod:`secrets` on first use. The other half, one random key per round, lives
in the round-key folder (``PREM_ROUND_KEY_DIR``, :func:`code_keys`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask, Response, current_app

from prem.fieldwork.codekeys import CodeKeys

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "access_code_key",
    "code_keys",
    "finalise_config",
    "init_app",
    "read_or_create_key",
]

#: No scripts at all, styles and images only from the app itself, forms only
#: back to the app, never framed.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def read_or_create_key(path: str | os.PathLike[str]) -> bytes:
    """The key stored in ``path``, created there (mode 0600) when missing.

    Written to a temporary file and renamed, so two processes starting at the
    same time never see half a key; the first one to rename wins and both read
    the same file.
    """
    key_file = Path(path)
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        partial = key_file.with_name(f".{key_file.name}.{secrets.token_hex(4)}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        try:
            os.link(partial, key_file)
        except FileExistsError:
            pass
        finally:
            partial.unlink()
    return key_file.read_text(encoding="ascii").strip().encode("ascii")


def access_code_key(app: Flask | None = None) -> bytes:
    """The HMAC key for access codes: the ``ACCESS_CODE_KEY`` setting or ``instance/access_code.key``."""
    app = app or current_app
    configured = app.config.get("ACCESS_CODE_KEY")
    if configured:
        return configured if isinstance(configured, bytes) else str(configured).encode("utf-8")
    return read_or_create_key(os.path.join(app.instance_path, "access_code.key"))


def code_keys(app: Flask | None = None) -> CodeKeys:
    """The access-code key and the round-key folder: ``ROUND_KEY_DIR`` or ``instance/round-keys``."""
    app = app or current_app
    directory = app.config.get("ROUND_KEY_DIR") or os.path.join(app.instance_path, "round-keys")
    return CodeKeys(access_code_key(app), Path(directory))


def finalise_config(app: Flask) -> None:
    """Fill in the secret key and the production cookie flags after all config is read."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = read_or_create_key(os.path.join(app.instance_path, "secret.key")).decode()
    if app.config.get("PRODUCTION"):
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"


def init_app(app: Flask) -> None:
    """Add the security headers to every response; trust ``TRUSTED_PROXIES`` proxies' client address.

    Behind a TLS-terminating reverse proxy set ``TRUSTED_PROXIES = 1`` (in
    ``instance/config.py`` or ``PREM_TRUSTED_PROXIES``) so that code-entry
    rate limiting counts per patient's address, not per proxy.
    """
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # Flask's documented way
    app.after_request(_add_security_headers)


def _add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # The QR code's address carries the access code: never send it onwards.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cache-Control", "no-store")
    if current_app.config.get("PRODUCTION"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response
