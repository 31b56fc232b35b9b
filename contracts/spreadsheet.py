"""CSV files that a person may open in a spreadsheet: formula injection neutralised, written privately.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and,
in some programs, a tab or carriage return) as a formula, so free text such as
``=HYPERLINK(...)`` typed by a patient would run on a reviewer's computer.
Following OWASP's rule, every *text* cell that begins with one of those
characters gets a single quote in front; numeric columns are written as they
are, so ``-1.5`` stays a number.

To recover the original value, a program strips one leading ``'`` from a text
cell that matches ``^'+[=+\\-@\\t\\r]``. A value that itself begins with quotes
and then a trigger character (``'=x``) is given one more quote (``''=x``), so
this rule gives back exactly what was there.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import IO

import pandas as pd

from contracts.files import write_privately

__all__ = [
    "FORMULA_TRIGGERS",
    "neutralise_formula",
    "recover_formula",
    "spreadsheet_csv",
    "spreadsheet_safe",
    "write_private_csv",
]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_TRIGGERS = "=+-@\t\r"
_NEUTRALISED = re.compile(r"'*[=+\-@\t\r]")


def neutralise_formula(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return f"'{value}" if _NEUTRALISED.match(value) else value


def recover_formula(cell: str) -> str:
    """The value :func:`neutralise_formula` was given (what a program reading the file does)."""
    return cell[1:] if cell.startswith("'") and _NEUTRALISED.match(cell[1:]) else cell


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells are neutralised; numeric, boolean and missing cells are kept."""
    safe = table.copy()
    for column in safe.columns:
        values = safe[column]
        if pd.api.types.is_string_dtype(values) or values.dtype == object:
            safe[column] = values.map(lambda cell: neutralise_formula(cell) if isinstance(cell, str) else cell)
    safe.columns = [neutralise_formula(str(name)) for name in safe.columns]
    return safe


def spreadsheet_csv(table: pd.DataFrame, out: str | os.PathLike[str] | IO[str] | None = None) -> str | None:
    """``table`` as spreadsheet-safe CSV text (or written to ``out``), without the index.

    Rows end in CRLF (RFC 4180): Python's csv writer then quotes every cell
    holding a CR or LF, so a bare CR in free text cannot start a new row
    whose first cell a spreadsheet would run.
    """
    text: str | None = spreadsheet_safe(table).to_csv(out, index=False, lineterminator="\r\n")
    return text


def write_private_csv(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``table`` spreadsheet-safe to ``path`` (UTF-8), mode 0600, atomically (:func:`write_privately`)."""

    def write(partial: Path) -> None:
        with partial.open("w", encoding="utf-8", newline="") as out:
            spreadsheet_csv(table, out)

    return write_privately(path, write)
