"""Flask-Login bound to the server-side staff sessions, and the staff settings' defaults.

Flask-Login keeps the "who is signed in" bookkeeping (``current_user``, the
login and logout calls); what it stores in the signed cookie is the random
token of a :class:`~prem.staff.models.StaffSession` row, which
:func:`_load_user` looks up on every request. Logging out or expiry deletes
the row, and the cookie opens nothing afterwards. Flask-Login's "remember
me" cookie is never set.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask, current_app
from flask_login import LoginManager
from sqlalchemy.orm import Session

from prem.db import db
from prem.staff import operations
from prem.staff.models import StaffUser

__all__ = ["DEFAULTS", "init_app", "login_manager"]

login_manager = LoginManager()
# No "session protection": a staff session is already a server-side row (hashed token, idle and absolute
# lifetimes, deleted at logout). Flask-Login's "basic" mode would also write ``_fresh`` into every browser
# session whenever a page is rendered (its context processor loads the user), patients' sessions included:
# it changed a patient's cookie even on a failed request, which must leave the cookie as it was.
login_manager.session_protection = None

#: Settings of the staff pages; ``instance/config.py`` or the test config may set each.
DEFAULTS = {
    # A staff session ends this long after sign-in whatever the activity, and after this long unused.
    "STAFF_SESSION_LIFETIME": timedelta(hours=10),
    "STAFF_SESSION_IDLE": timedelta(minutes=30),
    # Failed logins: per client address and per account, at most this many per window.
    "STAFF_LOGIN_CLIENT_LIMIT": 20,
    "STAFF_LOGIN_ACCOUNT_LIMIT": 10,
    "STAFF_LOGIN_WINDOW": timedelta(minutes=15),
    # A password-reset link works once, for this long.
    "STAFF_RESET_LIFETIME": timedelta(hours=24),
    # argon2id cost: RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes).
    "STAFF_PASSWORD_TIME_COST": 3,
    "STAFF_PASSWORD_MEMORY_KIB": 64 * 1024,
    "STAFF_PASSWORD_PARALLELISM": 4,
    # The largest upload of a round's files (frame and mailing list of up to some 500,000 people).
    "STAFF_UPLOAD_MAX_BYTES": 128 * 1024 * 1024,
}


def init_app(app: Flask) -> None:
    """Fill in the staff settings not set already and bind the login manager."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    login_manager.init_app(app)
    login_manager.user_loader(_load_user)


def _session() -> Session:
    """The request's database session (the scoped session's current one)."""
    return db.session()


def _load_user(token: str) -> StaffUser | None:
    config = current_app.config
    user = operations.session_user(
        _session(), token, lifetime=config["STAFF_SESSION_LIFETIME"], idle=config["STAFF_SESSION_IDLE"]
    )
    if user is not None:
        user.session_token = token
    return user
