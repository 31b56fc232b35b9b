"""Write side of fieldwork: import a round, returned mail, reminders, closing.

These functions take a SQLAlchemy session and never commit: the caller (a
``prem fieldwork`` command or a test) owns the transaction, so an import that
fails half-way leaves nothing behind.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import CursorResult, event, func, insert, select, update
from sqlalchemy.orm import Session

from contracts.formats import FLOW_COLUMNS, FRAME_COLUMNS
from contracts.messages import Message
from contracts.round_info import RoundInfo, patient_info
from prem.errors import PremError
from prem.fieldwork.codekeys import CodeKeys, RoundKeyMissing
from prem.fieldwork.models import SCREEN_OUT_REASONS, FlowStep, Respondent, RespondentStatus, SurveyRound
from sampling.access_codes import ALPHABET, CODE_LENGTH, hash_access_code, normalise_access_code

__all__ = [
    "FLOW_COLUMNS",
    "FRAME_COLUMNS",
    "CodeKeys",
    "FieldworkError",
    "RoundKeyMissing",
    "RoundSummary",
    "close_round",
    "find_respondent_by_code",
    "get_round",
    "import_round",
    "list_rounds",
    "open_round_exists",
    "record_returned_mail",
    "reminder_respondent_ids",
    "utc_now",
]

RETURNED_STATUSES = (RespondentStatus.UNDELIVERABLE.value, RespondentStatus.DECEASED.value)
_OPEN_STATUSES = (RespondentStatus.NOT_STARTED.value, RespondentStatus.STARTED.value)
_MAX_REPORTED = 10


class FieldworkError(PremError):
    """A fieldwork file or request that cannot be used as it is (the message says where and why)."""


@dataclass(frozen=True)
class RoundSummary:
    """A round and how many respondents are in each fieldwork status."""

    name: str
    questionnaire: str
    opens: date
    closes: date
    closed: bool
    invited: int
    status_counts: dict[str, int]
    #: Screened-out respondents by the reason they gave (``SCREEN_OUT_REASONS``, then ``"not_given"``).
    screen_out_reasons: dict[str, int] = field(default_factory=dict)
    #: ``round`` (its own key file), ``legacy`` (the app-wide key, imported before round keys),
    #: ``missing`` (open, but its key file is gone) or ``destroyed`` (closed, key destroyed).
    code_key: str = "round"
    #: When closing destroyed the round's code key (``None`` while open, and for legacy rounds).
    codes_destroyed_at: datetime | None = None


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC (the database stores UTC)."""
    return datetime.now(UTC)


def survey_today(timezone: str) -> date:
    """Today's date where the survey runs (``SURVEY_TIMEZONE``): a round's opening and closing days are
    days there, for the survey pages and for closing the round alike."""
    return datetime.now(ZoneInfo(timezone)).date()


def get_round(session: Session, round_name: str) -> SurveyRound:
    """The round called ``round_name``; :class:`FieldworkError` when there is none."""
    survey_round = session.execute(select(SurveyRound).where(SurveyRound.name == round_name)).scalar_one_or_none()
    if survey_round is None:
        known = ", ".join(session.execute(select(SurveyRound.name).order_by(SurveyRound.name)).scalars()) or Message(
            "none"
        )
        raise FieldworkError(
            Message("There is no survey round called %(name)s (rounds: %(known)s).", name=repr(round_name), known=known)
        )
    return survey_round


def _read_csv(path: Path, what: str, usecols: tuple[str, ...]) -> pd.DataFrame:
    """Read only ``usecols`` of a CSV file as text, with errors that name the file."""
    if not path.is_file():
        raise FieldworkError(Message("%(file)s: the %(what)s file does not exist.", file=path, what=what))
    try:
        header = pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8").columns
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise FieldworkError(_unreadable(path, what, error)) from None
    missing = [column for column in usecols if column not in header]
    if missing:
        raise FieldworkError(
            Message(
                "%(file)s: the %(what)s file has no column %(missing)s (expected the columns %(expected)s).",
                file=path,
                what=what,
                missing=", ".join(map(repr, missing)),
                expected=", ".join(usecols),
            )
        )
    try:
        return pd.read_csv(path, usecols=list(usecols), dtype=str, keep_default_na=False, encoding="utf-8")[
            list(usecols)
        ]
    except (UnicodeDecodeError, pd.errors.ParserError) as error:
        raise FieldworkError(_unreadable(path, what, error)) from None


def _unreadable(path: Path, what: str, error: Exception) -> Message:
    return Message(
        "%(file)s: cannot be read as a UTF-8 CSV %(what)s file (%(error)s).", file=path, what=what, error=error
    )


def _raise_problems(path: Path, problems: Sequence[str]) -> None:
    """Refuse the file with its first problems, one per line (each a :class:`Message` or text)."""
    if problems:
        shown: tuple[str, ...] = tuple(problems[:_MAX_REPORTED])
        if len(problems) > _MAX_REPORTED:
            shown += (Message("... and %(count)s more", count=len(problems) - _MAX_REPORTED),)
        raise FieldworkError(Message("%(file)s:%(problems)s", file=path, problems=shown))


def _line(index: int) -> str:
    """Row ``index`` of a DataFrame as the line number an editor shows (header is line 1)."""
    return Message("line %(line)s", line=index + 2)


def _at(place: str, text: str) -> Message:
    """``place: text``, the shape of every problem of a file (``line 3, column sex: 'X' (expected M or K)``)."""
    return Message("%(place)s: %(problem)s", place=place, problem=text)


def _cell(where: str, column: str) -> Message:
    """``line N, column C`` of a file, the place every problem of a row starts with."""
    return Message("%(where)s, column %(column)s", where=where, column=column)


#: ``R`` and ten capitals or digits: the shape of ``prem sample``'s opaque ids (its alphabet is a subset).
_RESPONDENT_ID = re.compile(r"R[0-9A-Z]{10}")
#: Ten digits that read as ``YYMMDDNNNC`` with a real month and day (day + 60 for samordningsnummer).
_PERSONNUMMER_LIKE = re.compile(r"[0-9]{2}(0[1-9]|1[0-2])([0-2][0-9]|3[01]|[6-8][0-9]|9[01])[0-9]{4}")
_MAX_AGE = 120
_MAX_COUNT = 100_000_000
_SHOWN_CHARACTERS = 40


def _shown(value: str) -> str:
    """A cell as an error message quotes it: shortened, so that a long value cannot flood the terminal."""
    if len(value) > _SHOWN_CHARACTERS:
        return f"{value[:_SHOWN_CHARACTERS]!r}... ({len(value)} characters)"
    return repr(value)


def _check_respondent_id(value: str) -> str | None:
    """Why ``value`` is not an id ``prem sample`` makes, or ``None``; a personnummer is never quoted back."""
    if not value:
        return Message("empty (expected the frame's respondent id)")
    if _PERSONNUMMER_LIKE.search(value) or re.search(r"[0-9]{6,8}[-+][0-9]{4}", value):
        return Message("looks like a personnummer (expected prem sample's opaque id, R and ten capitals or digits)")
    if not _RESPONDENT_ID.fullmatch(value):
        return Message(
            "%(value)s is not a respondent id (expected R and ten capitals or digits, as prem sample makes)",
            value=_shown(value),
        )
    return None


def _whole_number(value: str, low: int, high: int) -> int | None:
    """``value`` as an int in ``[low, high]``, or ``None`` (ASCII digits only: no 1e3, no ١٢)."""
    if not re.fullmatch(r"-?[0-9]{1,12}", value):
        return None
    number = int(value)
    return number if low <= number <= high else None


def _positive_weight(value: str) -> float | None:
    """``value`` as a finite number above zero, or ``None`` (``nan``, ``inf``, 0 and negatives are refused)."""
    if len(value) > 40:
        return None
    try:
        weight = float(value)
    except ValueError:
        return None
    return weight if math.isfinite(weight) and weight > 0 else None


def _frame_row_problems(row: dict[str, str], where: str) -> tuple[dict, list[str]]:
    """One frame row typed for :class:`Respondent`, and what is wrong with it (each naming its column)."""
    from sampling.frame import AGE_GROUPS
    from sampling.reference import pathways, regions

    problems: list[str] = []

    def problem(column: str, text: str) -> None:
        problems.append(_at(_cell(where, column), text))

    reason = _check_respondent_id(row["respondent_id"])
    if reason:
        problem("respondent_id", reason)
    if row["pathway"] not in pathways():
        problem("pathway", Message("%(value)s is not a pathway slug of pathways.csv", value=_shown(row["pathway"])))
    if row["region"] not in regions():
        problem("region", Message("%(value)s is not a region code of regions.csv", value=_shown(row["region"])))
    if row["sex"] not in ("M", "K"):
        problem("sex", Message("%(value)s (expected M or K)", value=_shown(row["sex"])))
    if row["age_group"] not in AGE_GROUPS:
        known = ", ".join(AGE_GROUPS)
        problem(
            "age_group", Message("%(value)s (expected one of %(known)s)", value=_shown(row["age_group"]), known=known)
        )
    typed: dict = dict(row)
    typed["age"] = _whole_number(row["age"], 0, _MAX_AGE)
    if typed["age"] is None:
        problem(
            "age",
            Message("%(value)s (expected whole years from 0 to %(most)s)", value=_shown(row["age"]), most=_MAX_AGE),
        )
    for column in ("stratum_population", "stratum_sample"):
        typed[column] = _whole_number(row[column], 1, _MAX_COUNT)
        if typed[column] is None:
            expected = Message(
                "%(value)s (expected a whole number from 1 to %(most)s)", value=_shown(row[column]), most=_MAX_COUNT
            )
            problem(column, expected)
    if (
        typed["stratum_population"]
        and typed["stratum_sample"]
        and typed["stratum_sample"] > typed["stratum_population"]
    ):
        problem("stratum_sample", Message("larger than stratum_population"))
    typed["design_weight"] = _positive_weight(row["design_weight"])
    if typed["design_weight"] is None:
        problem(
            "design_weight", Message("%(value)s (expected a finite number above 0)", value=_shown(row["design_weight"]))
        )
    return typed, problems


def _parse_frame(path: Path) -> list[dict]:
    """Validate ``frame.csv`` and return its rows as typed dicts for :class:`Respondent`.

    Only what a frame from ``prem sample`` can hold gets in: exactly its
    columns in every row, its opaque respondent ids (never a personnummer),
    known pathways and regions, plausible ages, finite positive weights.
    Anything else is a personal-data leak or a broken file, so the whole file
    is refused with every problem's line and column.
    """
    if not path.is_file():
        raise FieldworkError(
            Message("%(file)s: the %(what)s file does not exist.", file=path, what=Message("sample frame"))
        )
    problems: list[str] = []
    rows: list[dict] = []
    seen: set[str] = set()
    try:
        with open(path, newline="", encoding="utf-8-sig") as lines:
            reader = csv.reader(lines, strict=True)
            header = next(reader, None)
            if header is None or tuple(header) != FRAME_COLUMNS:
                raise FieldworkError(
                    Message(
                        "%(file)s: line 1: the sample frame must have exactly the columns %(expected)s (found %(found)s).",
                        file=path,
                        expected=", ".join(FRAME_COLUMNS),
                        found=", ".join(_shown(column) for column in header or []),
                    )
                )
            for fields in reader:
                where = Message("line %(line)s", line=reader.line_num)
                if len(fields) > len(FRAME_COLUMNS):
                    extra = Message(
                        "an extra field (expected exactly the %(count)s columns %(expected)s)",
                        count=len(FRAME_COLUMNS),
                        expected=", ".join(FRAME_COLUMNS),
                    )
                    problems.append(
                        _at(
                            _cell(where, Message("%(number)s (after design_weight)", number=len(FRAME_COLUMNS) + 1)),
                            extra,
                        )
                    )
                    continue
                if len(fields) < len(FRAME_COLUMNS):
                    ends = Message("missing (the row ends early)")
                    problems.append(_at(_cell(where, FRAME_COLUMNS[len(fields)]), ends))
                    continue
                row = dict(zip(FRAME_COLUMNS, fields, strict=True))
                typed, row_problems = _frame_row_problems(row, where)
                if not row_problems and row["respondent_id"] in seen:
                    twice = Message("%(value)s appears more than once", value=repr(row["respondent_id"]))
                    row_problems.append(_at(_cell(where, "respondent_id"), twice))
                seen.add(row["respondent_id"])
                problems.extend(row_problems)
                rows.append(typed)
    except (UnicodeDecodeError, csv.Error) as error:
        raise FieldworkError(_unreadable(path, Message("sample frame"), error)) from None
    if not rows and not problems:
        problems.append(Message("the sample frame has no rows"))
    _raise_problems(path, problems)
    return rows


def _parse_mailing(path: Path, frame_ids: set[str]) -> dict[str, str]:
    """``{respondent_id: normalised access code}`` from the mailing list, reading only those two columns.

    Names, personnummer and addresses are never read (``usecols``); the codes
    are held in memory until they are hashed and never appear in messages.
    """
    mailing = _read_csv(path, Message("mailing list"), ("respondent_id", "access_code"))
    problems: list[str] = []
    codes: dict[str, str] = {}
    valid = set(ALPHABET)
    for index, (respondent_id, access_code) in enumerate(mailing.itertuples(index=False)):
        code = normalise_access_code(access_code)
        if respondent_id not in frame_ids:
            absent = Message("%(value)s is not in the sample frame", value=repr(respondent_id))
            problems.append(_at(_cell(_line(index), "respondent_id"), absent))
        elif respondent_id in codes:
            twice = Message("%(value)s appears more than once", value=repr(respondent_id))
            problems.append(_at(_cell(_line(index), "respondent_id"), twice))
        elif len(code) != CODE_LENGTH or not set(code) <= valid:
            not_a_code = Message(
                "not an access code (%(length)s characters of %(alphabet)s)", length=CODE_LENGTH, alphabet=ALPHABET
            )
            problems.append(_at(_cell(_line(index), "access_code"), not_a_code))
        else:
            codes[respondent_id] = code
    missing = sorted(frame_ids - set(mailing["respondent_id"]))
    if missing:
        problems.append(
            Message(
                "%(count)s respondents of the frame have no access code, e.g. %(example)s",
                count=len(missing),
                example=repr(missing[0]),
            )
        )
    duplicated = [code for code, count in Counter(codes.values()).items() if count > 1]
    if duplicated:
        problems.append(Message("%(count)s access codes are given to more than one respondent", count=len(duplicated)))
    _raise_problems(path, problems)
    return codes


def _parse_flow(path: Path) -> list[dict]:
    flow = _read_csv(path, Message("sampling flow"), FLOW_COLUMNS)
    problems: list[str] = []
    rows = []
    for index, row in enumerate(flow.to_dict("records")):
        for column in ("remaining", "removed"):
            try:
                row[column] = int(row[column])
            except ValueError:
                not_whole = Message("%(value)s (expected a whole number)", value=repr(row[column]))
                problems.append(_at(_cell(_line(index), column), not_whole))
        rows.append({"position": index, **row})
    _raise_problems(path, problems)
    return rows


def _parse_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise FieldworkError(Message("%(file)s: not a JSON manifest (%(error)s).", file=path, error=error)) from None
    if not isinstance(manifest, dict):
        raise FieldworkError(Message("%(file)s: expected a JSON object at the top level.", file=path))
    return manifest


def _round_questionnaire(questionnaire_id: str | None, round_info: RoundInfo | None) -> tuple[str, str | None]:
    """The questionnaire id and version a round is fielded on: the round information's, agreeing with the caller's."""
    from prem.settings import DEFAULT_QUESTIONNAIRE

    if round_info is None:
        return questionnaire_id or DEFAULT_QUESTIONNAIRE, None
    stated = round_info.questionnaire or DEFAULT_QUESTIONNAIRE
    if questionnaire_id is not None and questionnaire_id != stated:
        raise FieldworkError(
            f"{round_info.source}: the round information is for questionnaire {stated!r}, not {questionnaire_id!r}: "
            "its letters and paper questionnaires would not match the web survey."
        )
    return stated, round_info.questionnaire_version


def import_round(
    session: Session,
    round_name: str,
    frame_path: str | os.PathLike[str],
    mailing_path: str | os.PathLike[str],
    opens: date,
    closes: date,
    keys: CodeKeys,
    questionnaire_id: str | None = None,
    round_info: RoundInfo | None = None,
) -> SurveyRound:
    """Create a survey round from a sample directory's frame and mailing list.

    Stores the frame rows and, from the mailing list, only the keyed hash of
    each access code under a fresh round key (:mod:`prem.fieldwork.codekeys`),
    plus ``flow.csv`` and ``manifest.json`` when they lie beside the frame.
    Everything is validated before anything is written; the round key's file
    is written before the rows (so the database never names a key that was
    never stored) and removed again if the caller's transaction rolls back.

    Parameters
    ----------
    session
        The caller's session; nothing is committed here.
    round_name
        A new round's name; importing a name that exists is refused.
    frame_path, mailing_path
        ``frame.csv`` and ``mailing.csv`` as written by ``prem sample``.
    opens, closes
        The fieldwork window, both days inclusive.
    keys
        The app-wide key and the round-key folder (:func:`prem.security.code_keys`).
    questionnaire_id
        The questionnaire the round uses (default: the round information's,
        else ``prem-vardforlopp``), in the version the round information
        names (``questionnaire_version``, what its letters and paper
        questionnaires are printed from), else its newest version.
    round_info
        The round information file (:func:`contracts.round_info.load_round_info`)
        whose patient-facing parts (period of care, sender, contact) the
        introduction shows; its ``round`` must be ``round_name``.

    Returns
    -------
    SurveyRound
        The new round (flushed, not committed).

    Raises
    ------
    FieldworkError
        The round exists, the window is empty, or a file is unusable (the
        message names the file, line and column).
    RoundKeyMissing
        An open round's key is missing, so its codes cannot be checked for
        clashes with these.
    """
    from questionnaires import QuestionnaireError, load_questionnaire

    round_name = round_name.strip()
    if not round_name:
        raise FieldworkError(Message("A survey round needs a name."))
    if session.execute(select(SurveyRound.id).where(SurveyRound.name == round_name)).first():
        raise FieldworkError(
            Message("The survey round %(name)s has already been imported; choose another name.", name=repr(round_name))
        )
    if closes < opens:
        raise FieldworkError(
            Message("The round closes (%(closes)s) before it opens (%(opens)s).", closes=closes, opens=opens)
        )
    if round_info is not None and round_info.round != round_name:
        raise FieldworkError(
            Message(
                "%(file)s: the round information is for round %(stated)s, not %(name)s.",
                file=round_info.source,
                stated=repr(round_info.round),
                name=repr(round_name),
            )
        )
    frame_path, mailing_path = Path(frame_path), Path(mailing_path)
    frame_rows = _parse_frame(frame_path)
    codes = _parse_mailing(mailing_path, {row["respondent_id"] for row in frame_rows})
    flow_path, manifest_path = frame_path.with_name("flow.csv"), frame_path.with_name("manifest.json")
    flow_rows = _parse_flow(flow_path) if flow_path.is_file() else []
    manifest = _parse_manifest(manifest_path) if manifest_path.is_file() else None
    try:
        questionnaire = load_questionnaire(*_round_questionnaire(questionnaire_id, round_info))
    except QuestionnaireError as error:
        where = f"{round_info.source}: " if round_info is not None and round_info.questionnaire_version else ""
        raise FieldworkError(f"{where}{error}") from None

    in_use = _codes_in_use(session, list(codes.values()), keys)
    if in_use:
        raise FieldworkError(
            Message(
                "%(file)s: %(count)s of these access codes are already used by another round.",
                file=mailing_path,
                count=in_use,
            )
        )
    key_id = keys.create()
    _discard_key_on_rollback(session, keys, key_id)
    hashing_key = keys.hashing_key(key_id, round_name)
    survey_round = SurveyRound(
        name=round_name,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        opens=opens,
        closes=closes,
        imported_at=utc_now(),
        manifest=manifest,
        patient_info=patient_info(round_info) if round_info is not None else None,
        code_key_id=key_id,
    )
    session.add(survey_round)
    session.flush()
    session.execute(
        insert(Respondent),
        [
            {
                **row,
                "round_id": survey_round.id,
                "code_hash": hash_access_code(codes[row["respondent_id"]], hashing_key),
                "status": RespondentStatus.NOT_STARTED.value,
            }
            for row in frame_rows
        ],
    )
    if flow_rows:
        session.execute(insert(FlowStep), [{**row, "round_id": survey_round.id} for row in flow_rows])
    session.flush()
    return survey_round


def _open_round_keys(session: Session) -> list[tuple[int, str, str | None]]:
    """``(id, name, code_key_id)`` of every round not yet closed: the rounds whose codes still work."""
    return [
        (round_id, name, key_id)
        for round_id, name, key_id in session.execute(
            select(SurveyRound.id, SurveyRound.name, SurveyRound.code_key_id)
            .where(SurveyRound.closed_at.is_(None))
            .order_by(SurveyRound.id)
        )
    ]


def _codes_in_use(session: Session, codes: list[str], keys: CodeKeys) -> int:
    """How many of ``codes`` already open a survey of a round not yet closed (hashed under each one's key)."""
    in_use = 0
    for round_id, name, key_id in _open_round_keys(session):
        hashing_key = keys.hashing_key(key_id, name)
        hashes = [hash_access_code(code, hashing_key) for code in codes]
        in_use += sum(
            session.execute(
                select(func.count())
                .select_from(Respondent)
                .where(Respondent.round_id == round_id, Respondent.code_hash.in_(hashes[start : start + 5000]))
            ).scalar_one()
            for start in range(0, len(hashes), 5000)
        )
    return in_use


def _discard_key_on_rollback(session: Session, keys: CodeKeys, key_id: str) -> None:
    """Destroy a new round's key file again if the transaction that stores the round rolls back."""
    committed = False

    def on_commit(_session: Session) -> None:
        nonlocal committed
        committed = True

    def on_rollback(_session: Session) -> None:
        if not committed:
            keys.destroy(key_id)

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_rollback", on_rollback, once=True)


def find_respondent_by_code(session: Session, entered_code: str, keys: CodeKeys) -> Respondent | None:
    """The respondent whose access code the patient typed, or ``None``.

    The entered code is normalised (case, spaces, dashes) and hashed once
    per round not yet closed, under that round's key; one query looks for
    any of these hashes. Only hashes are compared, so the code itself is
    never stored or logged. A closed round's codes match nothing: their
    hashes are gone and so is the key they were made with.

    Raises
    ------
    RoundKeyMissing
        The code matched no round that could be checked, and an open round's
        key file is missing: the code may be right, so it is neither accepted
        nor called wrong, and no other key is tried in its place.
    """
    code = normalise_access_code(entered_code)
    if len(code) != CODE_LENGTH:
        return None
    hashes: dict[str, int] = {}
    missing: list[str] = []
    for round_id, name, key_id in _open_round_keys(session):
        try:
            hashes[keys.hash_code(code, key_id, name)] = round_id
        except RoundKeyMissing:
            missing.append(name)
    if hashes:
        respondent = session.execute(select(Respondent).where(Respondent.code_hash.in_(list(hashes)))).scalar()
        if respondent is not None and hashes.get(respondent.code_hash or "") == respondent.round_id:
            return respondent
    if missing:
        raise RoundKeyMissing(missing, keys.directory)
    return None


def record_returned_mail(session: Session, round_name: str, path: str | os.PathLike[str]) -> dict[str, int]:
    """Mark respondents whose letter came back (``undeliverable``) or who have died (``deceased``).

    The file is a CSV with the columns ``respondent_id`` and ``reason``
    (``undeliverable`` or ``deceased``), from the region. Respondents who
    have already submitted keep that status.

    Returns
    -------
    dict
        ``{"undeliverable": n, "deceased": n, "kept_submitted": n}``.
    """
    survey_round = get_round(session, round_name)
    path = Path(path)
    returned = _read_csv(path, Message("returned-mail"), ("respondent_id", "reason"))
    known = dict(
        session.execute(
            select(Respondent.respondent_id, Respondent.status).where(Respondent.round_id == survey_round.id)
        ).all()
    )
    problems = []
    for index, (respondent_id, reason) in enumerate(returned.itertuples(index=False)):
        if respondent_id not in known:
            absent = Message("%(value)s is not in round %(name)s", value=repr(respondent_id), name=repr(round_name))
            problems.append(_at(_cell(_line(index), "respondent_id"), absent))
        if reason.strip().lower() not in RETURNED_STATUSES:
            unknown = Message("%(value)s (expected undeliverable or deceased)", value=repr(reason))
            problems.append(_at(_cell(_line(index), "reason"), unknown))
    _raise_problems(path, problems)
    counts = {status: 0 for status in RETURNED_STATUSES} | {"kept_submitted": 0}
    now = utc_now()
    for respondent_id, reason in returned.itertuples(index=False):
        if known[respondent_id] == RespondentStatus.SUBMITTED.value:
            counts["kept_submitted"] += 1
            continue
        status = reason.strip().lower()
        session.execute(
            update(Respondent)
            .where(Respondent.round_id == survey_round.id, Respondent.respondent_id == respondent_id)
            .values(status=status, status_changed_at=now)
        )
        counts[status] += 1
    return counts


def reminder_respondent_ids(session: Session, round_name: str) -> list[str]:
    """Respondent ids to remind: not yet submitted, not refused, screened out or returned."""
    survey_round = get_round(session, round_name)
    return list(
        session.execute(
            select(Respondent.respondent_id)
            .where(Respondent.round_id == survey_round.id, Respondent.status.in_(_OPEN_STATUSES))
            .order_by(Respondent.respondent_id)
        ).scalars()
    )


def close_round(session: Session, round_name: str, *, keys: CodeKeys, today: date, force: bool = False) -> int:
    """Close a round and destroy its code key and access-code hashes; returns how many hashes were cleared.

    ``today`` is the date where the survey runs (:func:`survey_today`).
    Closing before the round's last day needs ``force=True``: afterwards no
    code of the round works any more, and that cannot be undone.

    The round key's file is destroyed first, before the caller commits: if
    the commit then fails the round is still open in the database but none
    of its codes can be checked (:class:`RoundKeyMissing`), and closing it
    again finishes the job. The other order could leave a closed round whose
    key still verifies what the database's storage keeps of its hashes.
    ``codes_destroyed_at`` records the destruction; a legacy round (hashed
    under the shared app-wide key) gets no such record, as its key lives on.
    """
    survey_round = get_round(session, round_name)
    if survey_round.closed_at is not None:
        raise FieldworkError(Message("The survey round %(name)s is already closed.", name=repr(round_name)))
    if today <= survey_round.closes and not force:
        raise FieldworkError(
            Message(
                "The survey round %(name)s runs until %(closes)s; closing it now would stop every code from working "
                "(use --force to close it anyway).",
                name=repr(round_name),
                closes=survey_round.closes,
            )
        )
    now = utc_now()
    if survey_round.code_key_id is not None:
        keys.destroy(survey_round.code_key_id)
        survey_round.codes_destroyed_at = now
    destroyed = cast(
        CursorResult[Any],  # what an UPDATE returns
        session.execute(
            update(Respondent)
            .where(Respondent.round_id == survey_round.id, Respondent.code_hash.is_not(None))
            .values(code_hash=None)
        ),
    ).rowcount
    survey_round.closed_at = now
    session.flush()
    return destroyed


def open_round_exists(session: Session, day: date) -> bool:
    """Whether any round takes answers on ``day`` (so that a code not found is a wrong code, not a late one)."""
    return (
        session.execute(
            select(SurveyRound.id).where(
                SurveyRound.closed_at.is_(None), SurveyRound.opens <= day, SurveyRound.closes >= day
            )
        ).first()
        is not None
    )


def _code_key_state(survey_round: SurveyRound, keys: CodeKeys | None) -> str:
    if survey_round.code_key_id is None:
        return "legacy"
    if survey_round.codes_destroyed_at is not None:
        return "destroyed"
    if keys is not None and survey_round.closed_at is None and not keys.usable(survey_round.code_key_id):
        return "missing"
    return "round"


def list_rounds(session: Session, keys: CodeKeys | None = None) -> list[RoundSummary]:
    """Every round with its window, the number of respondents per status and its code key's state."""
    counts: dict[int, dict[str, int]] = {}
    for round_id, status, count in session.execute(
        select(Respondent.round_id, Respondent.status, func.count()).group_by(Respondent.round_id, Respondent.status)
    ):
        counts.setdefault(round_id, {})[status] = count
    reasons: dict[int, dict[str, int]] = {}
    for round_id, reason, count in session.execute(
        select(Respondent.round_id, Respondent.screen_out_reason, func.count())
        .where(Respondent.status == RespondentStatus.SCREENED_OUT.value)
        .group_by(Respondent.round_id, Respondent.screen_out_reason)
    ):
        reasons.setdefault(round_id, {})[reason or "not_given"] = count
    summaries = []
    for survey_round in session.execute(select(SurveyRound).order_by(SurveyRound.opens, SurveyRound.name)).scalars():
        status_counts = counts.get(survey_round.id, {})
        summaries.append(
            RoundSummary(
                name=survey_round.name,
                questionnaire=f"{survey_round.questionnaire_id} {survey_round.questionnaire_version}",
                opens=survey_round.opens,
                closes=survey_round.closes,
                closed=survey_round.closed_at is not None,
                invited=sum(status_counts.values()),
                status_counts={status.value: status_counts.get(status.value, 0) for status in RespondentStatus},
                screen_out_reasons={
                    reason: reasons.get(survey_round.id, {}).get(reason, 0)
                    for reason in (*SCREEN_OUT_REASONS, "not_given")
                },
                code_key=_code_key_state(survey_round, keys),
                codes_destroyed_at=survey_round.codes_destroyed_at,
            )
        )
    return summaries
