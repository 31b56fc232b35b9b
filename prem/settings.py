"""Default settings of the web application and the ``prem`` command.

Secrets and the database address never live in code: ``SECRET_KEY`` comes
from ``PREM_SECRET_KEY`` or ``instance/config.py`` (or, for a local
installation, a key file created in ``instance/`` on first use); the database
from ``DATABASE_URL`` (``postgresql+psycopg://...``), else SQLite in
``instance/prem.sqlite``.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

__all__ = ["DEFAULT_QUESTIONNAIRE", "database_uri", "default_config"]

#: The questionnaire a round uses unless the import names another.
DEFAULT_QUESTIONNAIRE = "prem-vardforlopp"


def database_uri(url: str | None) -> str | None:
    """``DATABASE_URL`` as SQLAlchemy needs it: plain ``postgres://``/``postgresql://`` use psycopg 3."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def default_config(instance_path: str) -> dict[str, Any]:
    """Settings before ``instance/config.py`` and the test config are applied."""
    database_url = database_uri(os.environ.get("DATABASE_URL")) or "sqlite:///" + os.path.join(
        instance_path, "prem.sqlite"
    )
    return {
        "SECRET_KEY": os.environ.get("PREM_SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "ACCESS_CODE_KEY": os.environ.get("PREM_ACCESS_CODE_KEY"),
        # One key file per round, destroyed when the round closes (default instance/round-keys).
        "ROUND_KEY_DIR": os.environ.get("PREM_ROUND_KEY_DIR"),
        "PRODUCTION": os.environ.get("PREM_PRODUCTION") == "1",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=2),
        # Survey sessions live server-side: at most this long after the code was
        # entered, whatever the activity, and this long after the last request.
        "SURVEY_SESSION_LIFETIME": timedelta(hours=2),
        "SURVEY_SESSION_IDLE": timedelta(minutes=45),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "prem_session",
        # The CSRF token lives as long as the session; an expired session is
        # handled by the survey views (answers carried through code re-entry).
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        # Code entry (README, "Wrong-code limit"): at most CODE_ATTEMPT_LIMIT wrong
        # codes per client address per window (generous: a care home shares one
        # address). An address's first CODE_ATTEMPT_FRESH wrong codes in its window
        # count against a site-wide budget of their own (CODE_ATTEMPT_FRESH_SITE_LIMIT
        # per CODE_ATTEMPT_SITE_WINDOW), the rest against CODE_ATTEMPT_SITE_LIMIT:
        # together they bound what any number of addresses can guess, and an
        # attacker spending the second budget never throttles a patient who has
        # mistyped a code once or twice.
        "CODE_ATTEMPT_LIMIT": 30,
        "CODE_ATTEMPT_WINDOW": timedelta(minutes=15),
        "CODE_ATTEMPT_FRESH": 5,
        "CODE_ATTEMPT_FRESH_SITE_LIMIT": 240,
        "CODE_ATTEMPT_SITE_LIMIT": 60,
        "CODE_ATTEMPT_SITE_WINDOW": timedelta(minutes=1),
        "SURVEY_TIMEZONE": "Europe/Stockholm",
        # Who sends the survey and how patients reach them (footer of every page).
        "SURVEY_SENDER": os.environ.get("PREM_SURVEY_SENDER"),
        "SURVEY_CONTACT": os.environ.get("PREM_SURVEY_CONTACT"),
        "TRUSTED_PROXIES": int(os.environ.get("PREM_TRUSTED_PROXIES", "0")),
        "MAX_CONTENT_LENGTH": 256 * 1024,
    }
