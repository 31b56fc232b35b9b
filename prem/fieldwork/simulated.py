"""Simulated rounds: fill a demo round with simulated answers (``prem simulate``, ``prem demo``),
and simulate a batch of paper questionnaires keyed twice (``prem demo``'s paper step).

The answers come from :func:`questionnaires.simulate.simulate_responses`;
this module only writes them through the web survey's models. It inserts in
bulk (one statement per table) rather than calling the per-respondent survey
operations, so that a round of 50 000 respondents takes seconds: those
operations lock and re-read one response at a time, as a patient's request
needs, which would take minutes here.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, bindparam, exists, func, select
from sqlalchemy.orm import Session

from contracts.formats import AGE_GROUPS, FRAME_COLUMNS
from contracts.spreadsheet import write_private_csv
from prem.errors import PremError
from prem.fieldwork.models import Respondent, RespondentStatus
from prem.fieldwork.operations import get_round
from prem.survey.models import Answer, Response
from prem.survey.questionnaire import questionnaire_version
from questionnaires import Questionnaire
from questionnaires.simulate import simulate_comments, simulate_responses

__all__ = ["simulated_paper_keying", "store_simulated_round", "with_keying_slips", "write_keying"]

_MINUTES_TO_ANSWER = 12


def _resume_pages(q: Questionnaire, answers: pd.DataFrame) -> list[str]:
    """Where each respondent who stopped would continue: the page after their last answer."""
    page_index = np.array([q.page_index(q.item(item_id).page_id) for item_id in answers.columns])
    last = np.where(answers.notna().to_numpy(), page_index[None, :], -1).max(axis=1, initial=-1)
    pages = [page.id for page in q.pages] + ["review"]
    return [pages[index + 1] for index in last]


def _started_at(rng: np.random.Generator, n: int, opens: date, closes: date) -> list[datetime]:
    """Moments spread over the fieldwork window, for those who did not submit."""
    start = datetime.combine(opens, time(7), tzinfo=UTC)
    span = max((closes - opens).days, 1) * 86400 - 16 * 3600
    return [start + timedelta(seconds=int(s)) for s in rng.integers(0, span, n)]


def _insert_many(session: Session, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert plain tuples as fast as the database allows.

    Hundreds of thousands of answers pass SQLAlchemy's per-row parameter
    processing in several seconds; PostgreSQL takes them with ``COPY``,
    SQLite with the driver's ``executemany`` of the tuples as they are.
    """
    connection = session.connection()
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        psycopg_connection: Any = connection.connection.dbapi_connection  # psycopg's: cursors are contexts
        with psycopg_connection.cursor() as cursor:
            with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([marker] * len(columns))})", rows
    )


def store_simulated_round(session: Session, round_name: str, *, seed: int) -> Counter:
    """Simulate answers for every respondent of a fresh round, and store them.

    Only a round in which nobody has answered, refused or been recorded
    yet is filled, so that a round and a seed always give the same data
    (and a second run cannot mix two simulations).

    Parameters
    ----------
    session
        The caller's session; nothing is committed here.
    round_name
        An imported survey round.
    seed
        Seed of the simulation (same round, same seed: same answers).

    Returns
    -------
    collections.Counter
        Number of simulated respondents by resulting status.

    Raises
    ------
    prem.errors.PremError
        No such round, or the round already has answers or statuses.
    """
    survey_round = get_round(session, round_name)
    touched = session.execute(
        select(func.count())
        .select_from(Respondent)
        .where(
            Respondent.round_id == survey_round.id,
            (Respondent.status != RespondentStatus.NOT_STARTED.value)
            | exists().where(Response.respondent_pk == Respondent.id),
        )
    ).scalar_one()
    if touched:
        raise PremError(
            f"Round {round_name!r} already has {touched} respondents who answered or have a status; "
            "prem simulate only fills a fresh round (import the sample again under a new name)."
        )
    q = questionnaire_version(survey_round.questionnaire_id, survey_round.questionnaire_version)
    rows = session.execute(
        select(Respondent.id, *(getattr(Respondent, column) for column in FRAME_COLUMNS))
        .where(Respondent.round_id == survey_round.id)
        .order_by(Respondent.respondent_id)
    ).all()
    frame = pd.DataFrame(rows, columns=["pk", *FRAME_COLUMNS])
    simulated = simulate_responses(
        frame.drop(columns="pk"), q, seed=seed, opens=survey_round.opens, closes=survey_round.closes
    )
    simulated.insert(0, "pk", frame["pk"].to_numpy())
    rng = np.random.default_rng([seed, 1])
    simulated["started_at"] = _started_at(rng, len(simulated), survey_round.opens, survey_round.closes)
    submitted = simulated.status == RespondentStatus.SUBMITTED.value
    submitted_at = pd.to_datetime(simulated.submitted_at, utc=True)
    simulated.loc[submitted, "started_at"] = submitted_at[submitted] - timedelta(minutes=_MINUTES_TO_ANSWER)

    respondents, responses, answers = (cast(Table, model.__table__) for model in (Respondent, Response, Answer))
    changed = simulated[simulated.status != RespondentStatus.NOT_STARTED.value]
    if len(changed):
        session.execute(
            respondents.update()
            .where(respondents.c.id == bindparam("pk"))
            .values(status=bindparam("new_status"), status_changed_at=bindparam("changed_at")),
            [
                {"pk": int(pk), "new_status": status, "changed_at": moment.to_pydatetime()}
                for pk, status, moment in zip(changed.pk, changed.status, changed.started_at, strict=True)
            ],
        )
    item_ids = [item.id for item in q.closed_items]
    answering = simulated[simulated.questionnaire_id.notna()]
    if len(answering):
        is_submitted = (answering.status == RespondentStatus.SUBMITTED.value).to_numpy()
        ended = submitted_at[answering.index]
        resume = _resume_pages(q, answering[item_ids])
        session.execute(
            responses.insert(),
            [
                {
                    "respondent_pk": int(pk),
                    "questionnaire_id": q.id,
                    "questionnaire_version": q.version,
                    "started_at": started.to_pydatetime(),
                    "updated_at": (end if final else started).to_pydatetime(),
                    "submitted_at": end.to_pydatetime() if final else None,
                    "resume_page": None if final else page,
                }
                for pk, started, end, final, page in zip(
                    answering.pk, answering.started_at, ended, is_submitted, resume, strict=True
                )
            ],
        )
        response_of: dict[int, int] = dict(
            session.execute(
                select(responses.c.respondent_pk, responses.c.id)
                .join(respondents, respondents.c.id == responses.c.respondent_pk)
                .where(respondents.c.round_id == survey_round.id)
            ).all()
        )
        codes = answering[["pk", *item_ids]].melt(id_vars="pk", var_name="item_id", value_name="code").dropna()
        codes["response_id"] = codes.pk.map(response_of)
        codes = codes.sort_values(["response_id", "item_id"])  # index order: far faster inserts
        no_text: list[str | None] = [None] * len(codes)
        answer_rows: list[tuple[int, str, int | None, str | None]] = list(
            zip(
                codes.response_id.tolist(),
                codes.item_id.tolist(),
                codes.code.astype("int64").tolist(),
                no_text,
                strict=False,
            )
        )
        text_items = [item for item in q.items if item.kind == "text"]
        if text_items:
            comments = simulate_comments(answering, q, seed=seed)
            pk_of = dict(zip(answering.respondent_id, answering.pk.tolist(), strict=True))
            answer_rows += sorted(
                (response_of[pk_of[rid]], text_items[-1].id, None, text) for rid, text in comments.items()
            )
        _insert_many(session, answers, ("response_id", "item_id", "code", "text"), answer_rows)
    return Counter(simulated.status)


def simulated_paper_keying(
    session: Session, round_name: str, respondent_ids: list[str], *, seed: int, size: int
) -> pd.DataFrame:
    """The keyed file of a simulated batch of paper questionnaires sent back by some of ``respondent_ids``.

    Who sends one back, and what they tick, comes from
    :func:`questionnaires.simulate.simulate_responses` on those respondents'
    frame rows (the same response propensity and answer model as the web
    answers); at most ``size`` of those who would answer are kept. Cells are
    keyed as ``prem fieldwork paper`` reads them: option codes as text,
    empty for no answer; two of the batch's ticks are keyed as several
    ticks (``"1;3"``), as a real batch has some. Only ids and answers: no
    name or address is read or written.

    Returns
    -------
    pandas.DataFrame
        ``respondent_id`` and one text column per item of the round's
        questionnaire, sorted by ``respondent_id``.
    """
    survey_round = get_round(session, round_name)
    q = questionnaire_version(survey_round.questionnaire_id, survey_round.questionnaire_version)
    rows = session.execute(
        select(*(getattr(Respondent, column) for column in FRAME_COLUMNS))
        .where(Respondent.round_id == survey_round.id, Respondent.respondent_id.in_(respondent_ids))
        .order_by(Respondent.respondent_id)
    ).all()
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    simulated = simulate_responses(frame, q, seed=seed, opens=survey_round.opens, closes=survey_round.closes)
    returned = simulated[simulated.status == RespondentStatus.SUBMITTED.value]
    rng = np.random.default_rng([seed, 2])
    if len(returned) > size:
        # Paper is what reaches the oldest: the batch leans old (a weight per age group, 0-17 to 80+).
        lean = pd.Series([1.0, 1.0, 1.5, 2.0, 3.0, 4.0], index=list(AGE_GROUPS))
        chance = returned.age_group.map(lean).fillna(1.0).to_numpy(dtype=float)
        chosen = rng.choice(len(returned), size=size, replace=False, p=chance / chance.sum())
        returned = returned.iloc[np.sort(chosen)]
    keyed = pd.DataFrame({"respondent_id": returned.respondent_id.astype(str).to_numpy()})
    for item in q.items:
        if item.kind == "text":
            comments = simulate_comments(returned, q, seed=seed) if len(returned) else {}
            keyed[item.id] = [comments.get(rid, "") for rid in keyed.respondent_id]
        else:
            codes = returned[item.id].astype("Int64")
            keyed[item.id] = [("" if pd.isna(code) else str(code)) for code in codes]
    scored = [item for item in q.scored_items if item.scale is not None and len(item.scale.codes) > 2]
    answered = [(row, item) for item in scored for row in np.flatnonzero(keyed[item.id].to_numpy() != "")]
    ticked_twice = (
        rng.choice(len(answered), size=min(2, len(answered)), replace=False) if answered else np.array([], int)
    )
    for index in ticked_twice:
        row, item = answered[index]
        low, high = sorted(item.scale.codes)[:2]
        keyed.iloc[row, keyed.columns.get_loc(item.id)] = f"{low};{high}"
    return keyed.sort_values("respondent_id", ignore_index=True)


def with_keying_slips(keyed: pd.DataFrame, *, seed: int, slips: int) -> pd.DataFrame:
    """A second keying of ``keyed`` with ``slips`` cells keyed wrongly (another digit), as double entry catches."""
    second = keyed.copy()
    rng = np.random.default_rng([seed, 3])
    cells = [
        (row, column)
        for column in range(1, second.shape[1])
        for row in np.flatnonzero(second.iloc[:, column].str.fullmatch(r"[1-4]").to_numpy())
    ]
    for index in rng.choice(len(cells), size=min(slips, len(cells)), replace=False):
        row, column = cells[index]
        second.iloc[row, column] = str(int(second.iloc[row, column]) % 4 + 1)
    return second


def write_keying(keyed: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write a keyed file (UTF-8 CSV) as a keying vendor delivers it, owner-only (it holds answers).

    Its free text is written spreadsheet-safe, as every CSV prem writes
    (:func:`contracts.spreadsheet.write_private_csv`): a comment keyed from
    paper that a spreadsheet would run as a formula gets a leading ``'``,
    which :func:`prem.fieldwork.paper.read_keying` removes again.
    """
    return write_private_csv(keyed, path)
