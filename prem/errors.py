"""Errors a user can cause, with messages for the person who caused them.

The ``prem`` command prints a :class:`PremError`'s (any
:class:`contracts.errors.UserError`'s) message without a
traceback; the web survey turns the survey's errors into calm pages, and a
database that cannot be reached into :func:`database_unavailable`'s page.
"""

from __future__ import annotations

import logging

from contracts.errors import UserError

__all__ = ["PremError", "database_unavailable"]

_log = logging.getLogger("prem.errors")

#: Seconds after which a patient may try again while the database is away.
RETRY_AFTER = 30


class PremError(UserError):
    """Base of every error a user of prem can cause (a bad file, a wrong round name, ...)."""


def database_unavailable(error: Exception):
    """The calm "try again in a moment" page (503) when the database cannot be reached.

    Nothing of the request was stored (its transaction is rolled back), and
    the patient's earlier pages were committed when they were acknowledged,
    so the page says so. The log names the error's class only: a driver's
    message may quote the statement's parameters, i.e. the patient's answers.
    """
    from flask import render_template
    from flask_babel import gettext as _

    _log.error("database error, request answered 503: %s", type(getattr(error, "orig", None) or error).__name__)
    page = render_template(
        "error.html",
        heading=_("Something went wrong"),
        message=_("Your earlier answers are saved. Please try again in a moment."),
        errors=[],
        has_errors=False,
    )
    return page, 503, {"Retry-After": str(RETRY_AFTER)}
