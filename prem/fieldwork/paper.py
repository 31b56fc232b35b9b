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
stored (status submitted). Every such case is listed in the result.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from prem.fieldwork.models import Respondent, RespondentStatus
from prem.fieldwork.operations import FieldworkError, get_round, utc_now

__all__ = ["PaperImport", "PaperKeyingError", "compare_keyings", "import_paper_answers", "read_keying"]

_MAX_LISTED = 50
_MULTIPLE = re.compile(r"^\s*\d+\s*(;\s*\d+\s*)+$")


class PaperKeyingError(FieldworkError):
    """A keyed file that cannot be stored as it is (every problem listed, with file, row and column)."""


@dataclass
class PaperImport:
    """What a paper import did: stored responses, the handled cells and the web/paper conflicts."""

    stored: int = 0
    multiple_ticks: list[str] = field(default_factory=list)
    routed_past: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    verified: bool = False


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
                cells = {name: value.strip() for name, value in zip(header, values, strict=True)}
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


def _same(first: str, second: str) -> bool:
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
            if not _same(value, two.cells[column]):
                problems.append(
                    f"{respondent_id}, column {column}: {a} line {one.line} has {value[:40]!r}, "
                    f"{b} line {two.line} has {two.cells[column][:40]!r}"
                )
    return problems


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
    from prem.survey.models import Answer, Response
    from questionnaires import load_questionnaire

    survey_round = get_round(session, round_name)
    if survey_round.closed_at is not None:
        raise FieldworkError(f"The survey round {round_name!r} is closed; paper answers can no longer be added.")
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
        answers: dict[str, int | str] = {}
        for item in q.items:
            value = row.cells[item.id]
            where = f"line {row.line}, column {item.id}"
            if not value:
                continue
            if item.scale is None:
                if item.max_length is not None and len(value) > item.max_length:
                    problems.append(f"{where}: {len(value)} characters (at most {item.max_length})")
                answers[item.id] = value
            elif _MULTIPLE.match(value):
                result.multiple_ticks.append(f"{respondent_id} {item.id}")
            elif value.isdigit() and int(value) in item.scale.codes:
                answers[item.id] = int(value)
            else:
                codes = ", ".join(str(option.code) for option in item.scale.options)
                problems.append(f"{where}: {value[:20]!r} is not an option (codes {codes}; several ticks as 1;2)")
        applicable = q.applicable_answers(answers, respondent.pathway)
        result.routed_past += [f"{respondent_id} {item_id}" for item_id in answers if item_id not in applicable]
        answers_of[respondent_id] = applicable
    _fail(path, problems)

    now = utc_now()
    existing = {
        response.respondent_pk: response
        for response in session.execute(
            select(Response).where(Response.respondent_pk.in_([r.id for r in respondents.values()]))
        ).scalars()
    }
    for respondent_id, answers in answers_of.items():
        respondent = respondents[respondent_id]
        previous = existing.get(respondent.id)
        if previous is not None and previous.submitted_at is not None:
            result.conflicts.append(
                f"{respondent_id}: {previous.mode} response submitted {previous.submitted_at:%Y-%m-%d} counts; "
                "the paper one was not stored"
            )
            continue
        if previous is not None:
            result.conflicts.append(f"{respondent_id}: unfinished {previous.mode} response replaced by the paper one")
            session.execute(delete(Answer).where(Answer.response_id == previous.id))
            session.delete(previous)
            session.flush()
        elif respondent.status not in (RespondentStatus.NOT_STARTED.value, RespondentStatus.STARTED.value):
            result.conflicts.append(f"{respondent_id}: was {respondent.status}, now submitted on paper")
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
        result.stored += 1
    session.flush()
    return result
