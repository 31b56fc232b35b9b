"""The one base of errors a user can cause (a bad extract, rule file, export, option).

Every package's own error (``SamplingError``, ``QuestionnaireError``,
``AnalysisInputError``, ``PremError``, ``SynthError``, ...) derives from
:class:`UserError`; the ``prem`` command turns any of them into a one-line
``Error: ...`` without a traceback in one place (``prem.cli``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from contracts.messages import Message, from_data, to_data, translated

__all__ = ["UserError"]


class UserError(Exception):
    """An error the user caused and can fix, with where it is when there is a where.

    ``file``, ``row`` and ``column`` are optional; when given they lead the
    message as ``file: row 12, column sex: message``, so that every error
    names its place in one way. Errors raised with a message that already
    names its place (most of the existing ones) pass only the message.
    """

    #: True for errors in how the command was called (an unknown region, a bad scale):
    #: the command line shows them as a usage error (exit status 2) rather than 1.
    usage: ClassVar[bool] = False

    def __init__(
        self,
        message: str = "",
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.message = message
        self.file = None if file is None else str(file)
        self.row = row
        self.column = column
        super().__init__(self.formatted())

    def formatted(self) -> str:
        """The message led by its place: ``file: row R, column C: message``."""
        place = ", ".join(
            part
            for part in (
                f"row {self.row}" if self.row is not None else "",
                f"column {self.column}" if self.column is not None else "",
            )
            if part
        )
        where = ": ".join(part for part in (self.file or "", place) if part)
        return f"{where}: {self.message}" if where else self.message

    def to_data(self) -> dict[str, Any]:
        """The error as plain JSON data (to be stored, a failed job's reason say); :meth:`from_data` makes
        an error of it again that formats and translates as this one does."""
        return {"message": to_data(self.message), "file": self.file, "row": self.row, "column": self.column}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> UserError:
        """An error made from :meth:`to_data`'s data."""
        return cls(from_data(data["message"]), file=data.get("file"), row=data.get("row"), column=data.get("column"))

    def translated(self, gettext: Callable[[str], str]) -> str:
        """:meth:`formatted` in the language of ``gettext`` (a :class:`~contracts.messages.Message` message
        and the place's words translated; file names, values and older plain messages as they are)."""
        place = ", ".join(
            translated(part, gettext)
            for part in (
                Message("row %(row)s", row=self.row) if self.row is not None else "",
                Message("column %(column)s", column=self.column) if self.column is not None else "",
            )
            if part
        )
        where = ": ".join(part for part in (self.file or "", place) if part)
        message = translated(self.message, gettext)
        return f"{where}: {message}" if where else message
