"""Domain exceptions: errors a region's analyst can cause and fix.

Every message names the file, and where it applies the row and column, and
says what was expected, so that the command line can print it as one line
without a traceback.
"""

from __future__ import annotations

from contracts.errors import UserError

__all__ = ["ExtractError", "RuleFileError", "SamplingError"]


class SamplingError(UserError):
    """Base class of every user-facing sampling error."""


class ExtractError(SamplingError):
    """A contacts extract, population lookup, mapping or previous mailing list is unusable."""


class RuleFileError(SamplingError):
    """A rule file is not valid YAML or breaks the rule language."""
