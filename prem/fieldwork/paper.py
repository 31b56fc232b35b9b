"""Answers keyed from paper questionnaires: double-entry check, validation, one transaction.

The keyed file (UTF-8 CSV) has ``respondent_id`` and one column per item of
the round's questionnaire (its item ids; every item a column, no others). A
cell holds what was ticked, keyed as follows, each with a fixed handling:

- empty: no answer;
- an option code of the item's scale (``1``, ``9``): that answer;
- several ticks, keyed as the ticked codes joined by ``;`` (``1;3``): stored
  as no answer (the respondent's intent is unknown), counted in the result;
- anything else (a code the scale does not have, a word): an error naming
  file, row and column; nothing is stored until it is corrected;
- an answer to an item routing skips (``municipality_coordination`` when
  ``municipality_contact`` is not *Ja*), or to another pathway's item: dropped,
  as the web survey drops it (``Questionnaire.applicable_answers``), counted;
- free text longer than the item's limit: an error.

With a second keying, both files are compared cell by cell (after trimming
spaces; free text with runs of white space made one space) and every
discrepancy is listed before anything is validated or stored.

A respondent who answers on both the web and paper: the first complete
response counts. A web response already submitted is kept and the paper one
not stored; a web response started but not submitted is replaced by the
paper one (which is complete). Respondents recorded as refused, screened
out, undeliverable or deceased who sent back a paper questionnaire get it
stored (status submitted). Every such case is listed in the result and
recorded (:class:`prem.fieldwork.models.ModeConflict`), so that the region
sees it afterwards and the analysis counts it.

The rules of one keyed questionnaire are :func:`check_keying` and
:func:`store_paper_response`: the file import and the staff web's
keyed-entry page (:mod:`prem.staff.keyed`) both call them.

A keyed file written by prem (the demo's simulated batch) neutralises free
text a spreadsheet would run as a formula, as every CSV prem writes does
(:mod:`contracts.spreadsheet`); :func:`read_keying` gives such a cell back
as it was keyed.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from contracts.messages import Message
from contracts.spreadsheet import recover_formula
from prem.fieldwork.models import ModeConflict, Respondent, RespondentStatus, SurveyRound
from prem.fieldwork.operations import FieldworkError, get_round, utc_now

if TYPE_CHECKING:
    from questionnaires import Questionnaire

__all__ = [
    "CONFLICT_RULES",
    "CellProblem",
    "CheckedKeying",
    "Conflict",
    "PaperImport",
    "PaperKeyingError",
    "check_keying",
    "compare_keyings",
    "import_paper_answers",
    "read_keying",
    "same_keying",
    "store_paper_response",
]

#: Why a response counts when a person answered more than once (the ``rule`` of a recorded conflict):
#: an earlier complete response counts; an unfinished web response was replaced by the paper one;
#: a paper questionnaire came back from someone recorded as refused, screened out, deceased or undeliverable.
CONFLICT_RULES = ("first_complete_counts", "unfinished_replaced", "paper_overrides_status")

_MAX_LISTED = 50
_MULTIPLE = re.compile(r"^\s*\d+\s*(;\s*\d+\s*)+$")


class PaperKeyingError(FieldworkError):
    """A keyed file that cannot be stored as it is (every problem listed, with file, row and column)."""


@dataclass(frozen=True)
class Conflict:
    """A person who answered more than once: which mode counts, what did not, by which rule."""

    respondent_id: str
    counted: str
    other: str
    rule: str
    counted_at: datetime | None = None

    def __str__(self) -> str:
        if self.rule == "first_complete_counts":
            day = f" {self.counted_at:%Y-%m-%d}" if self.counted_at is not None else ""
            return f"{self.respondent_id}: {self.counted} response submitted{day} counts; the paper one was not stored"
        if self.rule == "unfinished_replaced":
            return f"{self.respondent_id}: unfinished {self.other} response replaced by the paper one"
        return f"{self.respondent_id}: was {self.other}, now submitted on paper"


@dataclass
class PaperImport:
    """What a paper import did: stored responses, the handled cells and the web/paper conflicts."""

    stored: int = 0
    multiple_ticks: list[str] = field(default_factory=list)
    routed_past: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    verified: bool = False


@dataclass(frozen=True)
class CellProblem:
    """A keyed cell that cannot be stored: the item, what is wrong (``not_an_option``, ``too_long``), a message."""

    item_id: str
    kind: str
    message: str


@dataclass
class CheckedKeying:
    """One keyed questionnaire checked: the answers to store and the cells handled by rule (item ids)."""

    answers: dict[str, int | str]
    multiple_ticks: list[str]
    routed_past: list[str]
    problems: list[CellProblem]


@dataclass(frozen=True)
class _Keyed:
    line: int
    cells: dict[str, str]


def _fail(path: Path | str, problems: list[str]) -> None:
    if problems:
        more = f"\n  ... and {len(problems) - _MAX_LISTED} more" if len(problems) > _MAX_LISTED else ""
        raise PaperKeyingError(f"{path}:\n  " + "\n  ".join(problems[:_MAX_LISTED]) + more)


def read_keying(path: str | os.PathLike[str], columns: tuple[str, ...]) -> dict[str, _Keyed]:
    """``{respondent_id: keyed row}`` of a keyed file whose header is ``respondent_id`` and ``columns``."""
    path = Path(path)
    if not path.is_file():
        raise PaperKeyingError(f"{path}: the keyed file does not exist.")
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [name.strip() for name in next(reader, [])]
            expected = ("respondent_id", *columns)
            unknown = [name for name in header if name not in expected]
            missing = [name for name in expected if name not in header]
            problems = [f"column {name!r}: not an item of the questionnaire" for name in unknown]
            problems += [f"column {name!r}: missing" for name in missing]
            _fail(path, problems)
            rows: dict[str, _Keyed] = {}
            for values in reader:
                line = reader.line_num
                if not any(value.strip() for value in values):
                    continue
                if len(values) != len(header):
                    problems.append(f"line {line}: {len(values)} fields (the header has {len(header)})")
                    continue
                cells = {name: recover_formula(value.strip()) for name, value in zip(header, values, strict=True)}
                respondent_id = cells.pop("respondent_id")
                if not respondent_id:
                    problems.append(f"line {line}, column respondent_id: empty")
                elif respondent_id in rows:
                    problems.append(
                        f"line {line}, column respondent_id: {respondent_id!r} also on line {rows[respondent_id].line}"
                    )
                else:
                    rows[respondent_id] = _Keyed(line, cells)
    except UnicodeDecodeError as error:
        raise PaperKeyingError(f"{path}: not a UTF-8 CSV file ({error}).") from None
    except csv.Error as error:
        raise PaperKeyingError(f"{path}: cannot be read as CSV ({error}).") from None
    _fail(path, problems)
    return rows


def same_keying(first: str, second: str) -> bool:
    """Whether two keyings of a cell agree (spaces around trimmed, runs of white space one space)."""
    return " ".join(first.split()) == " ".join(second.split())


def compare_keyings(first: dict[str, _Keyed], second: dict[str, _Keyed], names: tuple[str, str]) -> list[str]:
    """Every discrepancy between two keyings of the same questionnaires, as lines naming rows and columns."""
    a, b = names
    problems = []
    for respondent_id in sorted(first.keys() - second.keys()):
        problems.append(f"{respondent_id}: in {a} (line {first[respondent_id].line}) but not in {b}")
    for respondent_id in sorted(second.keys() - first.keys()):
        problems.append(f"{respondent_id}: in {b} (line {second[respondent_id].line}) but not in {a}")
    for respondent_id in sorted(first.keys() & second.keys()):
        one, two = first[respondent_id], second[respondent_id]
        for column, value in one.cells.items():
            if not same_keying(value, two.cells[column]):
                problems.append(
                    f"{respondent_id}, column {column}: {a} line {one.line} has {value[:40]!r}, "
                    f"{b} line {two.line} has {two.cells[column][:40]!r}"
                )
    return problems


def check_keying(q: Questionnaire, pathway: str, cells: Mapping[str, str]) -> CheckedKeying:
    """Check one keyed questionnaire of a respondent on ``pathway`` by the rules of the module's docstring.

    ``cells`` maps item ids to what was keyed (a missing item is an empty
    cell). Returns the answers to store (routed-past ones dropped), the
    items keyed with several ticks and those routed past, and every cell that
    cannot be stored.
    """
    answers: dict[str, int | str] = {}
    checked = CheckedKeying(answers={}, multiple_ticks=[], routed_past=[], problems=[])
    for item in q.items:
        value = cells.get(item.id, "").strip()
        if not value:
            continue
        if item.scale is None:
            if item.max_length is not None and len(value) > item.max_length:
                checked.problems.append(
                    CellProblem(item.id, "too_long", f"{len(value)} characters (at most {item.max_length})")
                )
            answers[item.id] = value
        elif _MULTIPLE.match(value):
            checked.multiple_ticks.append(item.id)
        elif value.isdigit() and int(value) in item.scale.codes:
            answers[item.id] = int(value)
        else:
            codes = ", ".join(str(option.code) for option in item.scale.options)
            checked.problems.append(
                CellProblem(
                    item.id, "not_an_option", f"{value[:20]!r} is not an option (codes {codes}; several ticks as 1;2)"
                )
            )
    checked.answers = q.applicable_answers(answers, pathway)
    checked.routed_past = [item_id for item_id in answers if item_id not in checked.answers]
    return checked


def store_paper_response(
    session: Session,
    survey_round: SurveyRound,
    q: Questionnaire,
    respondent: Respondent,
    answers: Mapping[str, int | str],
) -> Conflict | None:
    """Store one checked paper questionnaire under "the first complete response counts"; the conflict, if any.

    The respondent is locked first, as the web survey locks them for every
    change (:func:`prem.survey.operations.lock_respondent`), and their response
    and status are read after it: a web submission committed meanwhile is seen
    and counts. A submitted response counts and the paper answers are not
    stored; an unfinished one is replaced. Every conflict is recorded as a
    :class:`ModeConflict` row.
    """
    from prem.survey.models import Answer, Response
    from prem.survey.operations import lock_respondent

    lock_respondent(session, respondent)
    previous = session.execute(select(Response).where(Response.respondent_pk == respondent.id)).scalar_one_or_none()
    now = utc_now()
    conflict: Conflict | None = None
    if previous is not None and previous.submitted_at is not None:
        conflict = Conflict(respondent.respondent_id, previous.mode, "paper", CONFLICT_RULES[0], previous.submitted_at)
    elif previous is not None:
        conflict = Conflict(respondent.respondent_id, "paper", previous.mode, CONFLICT_RULES[1], now)
        session.execute(delete(Answer).where(Answer.response_id == previous.id))
        session.delete(previous)
        session.flush()
    elif respondent.status not in (RespondentStatus.NOT_STARTED.value, RespondentStatus.STARTED.value):
        conflict = Conflict(respondent.respondent_id, "paper", respondent.status, CONFLICT_RULES[2], now)
    if conflict is not None:
        session.add(
            ModeConflict(
                round_id=survey_round.id,
                respondent_pk=respondent.id,
                counted=conflict.counted,
                other=conflict.other,
                rule=conflict.rule,
                counted_at=conflict.counted_at,
                recorded_at=now,
            )
        )
    if conflict is not None and conflict.rule == CONFLICT_RULES[0]:
        session.flush()
        return conflict
    response = Response(
        respondent_pk=respondent.id,
        questionnaire_id=q.id,
        questionnaire_version=q.version,
        started_at=now,
        updated_at=now,
        submitted_at=now,
        mode="paper",
    )
    session.add(response)
    session.flush()
    session.add_all(
        Answer(
            response_id=response.id,
            item_id=item_id,
            code=value if isinstance(value, int) else None,
            text=value if isinstance(value, str) else None,
        )
        for item_id, value in answers.items()
    )
    respondent.status = RespondentStatus.SUBMITTED.value
    respondent.status_changed_at = now
    session.flush()
    return conflict


def import_paper_answers(
    session: Session,
    round_name: str,
    path: str | os.PathLike[str],
    second_keying: str | os.PathLike[str] | None = None,
) -> PaperImport:
    """Store a keyed batch of paper questionnaires in ``round_name`` (the caller commits, once).

    Raises :class:`PaperKeyingError` listing every discrepancy between the
    keyings, or every invalid cell, before anything is written.
    """
    from questionnaires import load_questionnaire

    survey_round = get_round(session, round_name)
    if survey_round.closed_at is not None:
        raise FieldworkError(
            Message("The survey round %(name)s is closed; paper answers can no longer be added.", name=repr(round_name))
        )
    q = load_questionnaire(survey_round.questionnaire_id, version=survey_round.questionnaire_version)
    columns = tuple(item.id for item in q.items)
    path = Path(path)
    keyed = read_keying(path, columns)
    result = PaperImport(verified=second_keying is not None)
    if second_keying is not None:
        second_path = Path(second_keying)
        discrepancies = compare_keyings(keyed, read_keying(second_path, columns), (path.name, second_path.name))
        if discrepancies:
            raise PaperKeyingError(
                f"{path} and {second_path}: the two keyings differ in {len(discrepancies)} places; "
                "correct them and import again (nothing was stored):\n  " + "\n  ".join(discrepancies)
            )
    respondents = {
        respondent.respondent_id: respondent
        for respondent in session.execute(
            select(Respondent).where(Respondent.round_id == survey_round.id, Respondent.respondent_id.in_(list(keyed)))
        ).scalars()
    }
    problems: list[str] = []
    answers_of: dict[str, dict[str, int | str]] = {}
    for respondent_id, row in keyed.items():
        respondent = respondents.get(respondent_id)
        if respondent is None:
            problems.append(f"line {row.line}, column respondent_id: {respondent_id!r} is not in round {round_name!r}")
            continue
        checked = check_keying(q, respondent.pathway, row.cells)
        problems += [f"line {row.line}, column {cell.item_id}: {cell.message}" for cell in checked.problems]
        result.multiple_ticks += [f"{respondent_id} {item_id}" for item_id in checked.multiple_ticks]
        result.routed_past += [f"{respondent_id} {item_id}" for item_id in checked.routed_past]
        answers_of[respondent_id] = checked.answers
    _fail(path, problems)

    # One respondent after the other in id order, so that two imports at once lock in the same order.
    for respondent_id, answers in sorted(answers_of.items(), key=lambda pair: respondents[pair[0]].id):
        conflict = store_paper_response(session, survey_round, q, respondents[respondent_id], answers)
        if conflict is not None:
            result.conflicts.append(conflict)
        if conflict is None or conflict.rule != CONFLICT_RULES[0]:
            result.stored += 1
    session.flush()
    return result
