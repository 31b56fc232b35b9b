"""Errors an analyst can cause with the input (a bad export, an unknown code)."""

from __future__ import annotations

from contracts.errors import UserError

__all__ = ["AnalysisInputError"]


class AnalysisInputError(UserError, ValueError):
    """The responses export or a setting does not fit what the analysis expects.

    The message names the column, the first offending row (by
    ``respondent_id``) and what was expected, for the analyst to fix the input.
    """
