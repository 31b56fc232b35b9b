"""Errors a user can cause, with messages for the person who caused them.

The ``prem`` command prints a :class:`PremError`'s message without a
traceback; the web survey turns the survey's errors into calm pages.
"""

from __future__ import annotations

__all__ = ["PremError"]


class PremError(Exception):
    """Base of every error a user of prem can cause (a bad file, a wrong round name, ...)."""
