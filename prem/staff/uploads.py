"""A round's files uploaded through the browser: read once, screened, handed to the import, deleted.

The import (:func:`prem.fieldwork.operations.import_round`, the same one
``prem fieldwork import`` calls) reads a sample directory. The upload builds
one in a private temporary folder (mode 0700, outside anything served), under
fixed names (``frame.csv``, ``mailing.csv``, ...), never the uploaded file's
own name, and deletes it when the import has run:

* the frame is refused outright when a column's name says it holds a name,
  an address or a personnummer, or any cell looks like a personnummer (the
  message names the line and column, never the value);
* of the mailing list only ``respondent_id`` and ``access_code`` are read and
  written: names, personnummer and addresses are never written anywhere;
* the sampling flow and the manifest are copied as they are.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from contracts.messages import Message, replaced
from prem.fieldwork.operations import FieldworkError

__all__ = ["RoundFiles", "sample_directory"]

#: Column names (lower case, without spaces, dashes and underscores) that hold who a person is or where they live.
_PERSONAL_COLUMNS = re.compile(
    r"(personnummer|personnr|pnr|persnr|ssn|samordningsnummer|fodelsedatum|födelsedatum|birth|name|namn|"
    r"fornamn|förnamn|efternamn|address|adress|street|gata|gatuadress|postal|postnummer|postnr|zip|city|ort|"
    r"postort|phone|telefon|mobil|email|epost|e-post)"
)
#: A personnummer or samordningsnummer with or without century and separator: (19|20)YYMMDD[-+]NNNN.
_PERSONNUMMER = re.compile(
    r"(?<![0-9])(?:19|20)?[0-9]{2}(?:0[1-9]|1[0-2])(?:[0-2][0-9]|3[01]|[6-8][0-9]|9[01])[-+]?[0-9]{4}(?![0-9])"
)
_MAILING_COLUMNS = ("respondent_id", "access_code")
_MAX_REPORTED = 10


@dataclass(frozen=True)
class RoundFiles:
    """The uploaded files as binary streams (a werkzeug ``FileStorage``'s ``stream``); flow and manifest optional."""

    frame: IO[bytes]
    mailing: IO[bytes]
    flow: IO[bytes] | None = None
    manifest: IO[bytes] | None = None
    round_info: IO[bytes] | None = None


def _text(stream: IO[bytes]) -> io.TextIOWrapper:
    """The upload as UTF-8 text (a byte-order mark is dropped), decoded as it is read."""
    return io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")


def _personal_column(name: str) -> bool:
    return bool(_PERSONAL_COLUMNS.search(re.sub(r"[\s_\-.]", "", name.lower())))


def _copy_frame(stream: IO[bytes], target: Path) -> None:
    """Copy the frame to ``target`` after checking that it holds no personal data."""
    problems: list[str] = []
    try:
        with target.open("w", newline="", encoding="utf-8") as out:
            reader, writer = csv.reader(_text(stream), strict=True), csv.writer(out)
            header = next(reader, None) or []
            personal = [name for name in header if _personal_column(name)]
            if personal:
                raise FieldworkError(
                    Message(
                        "frame.csv: line 1: the columns %(columns)s hold names, addresses or personnummer, which "
                        "never enter the survey database. Upload the frame.csv that prem sample wrote (respondent_id, "
                        "pathway, region, sex, age, ...), not the mailing list or an extract.",
                        columns=", ".join(map(repr, personal)),
                    )
                )
            writer.writerow(header)
            for fields in reader:
                for column, value in enumerate(fields):
                    if _PERSONNUMMER.search(value):
                        name = header[column] if column < len(header) else f"{column + 1}"
                        problems.append(
                            Message(
                                "line %(line)s, column %(column)s: looks like a personnummer",
                                line=reader.line_num,
                                column=name,
                            )
                        )
                writer.writerow(fields)
    except (UnicodeDecodeError, csv.Error) as error:
        raise FieldworkError(
            Message("frame.csv: cannot be read as a UTF-8 CSV file (%(error)s).", error=error)
        ) from None
    if problems:
        shown: tuple[str, ...] = tuple(problems[:_MAX_REPORTED])
        if len(problems) > _MAX_REPORTED:
            shown += (Message("... and %(count)s more", count=len(problems) - _MAX_REPORTED),)
        raise FieldworkError(
            Message(
                "frame.csv: the frame must hold no personnummer (the values are not shown here):%(problems)s",
                problems=shown,
            )
        )


def _copy_mailing(stream: IO[bytes], target: Path) -> None:
    """Write only the respondent ids and access codes of the mailing list to ``target``."""
    try:
        reader = csv.reader(_text(stream), strict=True)
        header = next(reader, None) or []
        missing = [column for column in _MAILING_COLUMNS if column not in header]
        if missing:
            raise FieldworkError(
                Message(
                    "mailing.csv: line 1: no column %(missing)s "
                    "(expected the mailing list prem sample wrote, with respondent_id and access_code).",
                    missing=", ".join(map(repr, missing)),
                )
            )
        positions = [header.index(column) for column in _MAILING_COLUMNS]
        with target.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(_MAILING_COLUMNS)
            for fields in reader:
                if len(fields) <= max(positions):
                    raise FieldworkError(
                        Message("mailing.csv: line %(line)s: the row ends early.", line=reader.line_num)
                    )
                writer.writerow([fields[position] for position in positions])
    except (UnicodeDecodeError, csv.Error) as error:
        raise FieldworkError(
            Message("mailing.csv: cannot be read as a UTF-8 CSV file (%(error)s).", error=error)
        ) from None


def _copy(stream: IO[bytes], target: Path) -> None:
    with target.open("wb") as out:
        while chunk := stream.read(1 << 16):
            out.write(chunk)


@contextmanager
def sample_directory(files: RoundFiles) -> Iterator[Path]:
    """A private temporary sample directory built from ``files``, deleted when the block ends.

    Messages of :class:`FieldworkError` raised inside the block name the
    files by their role (``frame.csv: line 3 ...``), not by the temporary path.
    """
    with tempfile.TemporaryDirectory(prefix="prem-upload-") as folder:
        directory = Path(folder)
        try:
            _copy_frame(files.frame, directory / "frame.csv")
            _copy_mailing(files.mailing, directory / "mailing.csv")
            if files.flow is not None:
                _copy(files.flow, directory / "flow.csv")
            if files.manifest is not None:
                _copy(files.manifest, directory / "manifest.json")
            if files.round_info is not None:
                _copy(files.round_info, directory / "round-info.yaml")
            yield directory
        except FieldworkError as error:
            raise FieldworkError(replaced(error.message, f"{directory}/", "")) from None
