"""Simulated rounds: fill a demo round with simulated answers (``prem simulate``, ``prem demo``).

The answers come from :func:`questionnaires.simulate.simulate_responses`;
this module only writes them through the web survey's models. It inserts in
bulk (one statement per table) rather than calling the per-respondent survey
operations, so that a round of 50 000 respondents takes seconds: those
operations lock and re-read one response at a time, as a patient's request
needs, which would take minutes here.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import Table, bindparam, exists, func, select
from sqlalchemy.orm import Session

from contracts.formats import FRAME_COLUMNS
from prem.errors import PremError
from prem.fieldwork.models import Respondent, RespondentStatus
from prem.fieldwork.operations import get_round
from prem.survey.models import Answer, Response
from prem.survey.questionnaire import questionnaire_version
from questionnaires import Questionnaire
from questionnaires.simulate import simulate_comments, simulate_responses

__all__ = ["store_simulated_round"]

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
