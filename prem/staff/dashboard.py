"""The fieldwork dashboard's figures: dispositions per pathway × region and completions per day.

The dispositions and rates are the analysis library's own
(:func:`analysis.dispositions.classify_dispositions`,
:func:`~analysis.dispositions.rates_from_counts`), so the dashboard and the
report count alike. They need, per invited person, only the pathway, region,
status, submission time and how many core items have an answer: one query
reads those (the database counts the answers), not the whole responses export
with every item. Only the regions an account may see are read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analysis.dispositions import classify_dispositions, rates_from_counts
from analysis.tables import DISPOSITIONS
from prem.fieldwork.export import utc_iso
from prem.fieldwork.models import Respondent, RespondentStatus
from prem.staff.models import AuditEvent
from prem.staff.operations import AuditAction
from prem.survey.models import Answer, Response
from prem.survey.questionnaire import questionnaire_version

__all__ = ["DashboardRow", "Fieldwork", "ReminderWave", "fieldwork"]


@dataclass(frozen=True)
class DashboardRow:
    """One pathway in one region (or a total): invited, started, each disposition, the rates so far."""

    pathway: str | None
    region: str | None
    invited: int
    started: int
    dispositions: dict[str, int]
    response_rate: float | None  # the adjusted rate: complete / (invited − ineligible − undeliverable), percent
    rr1: float | None  # AAPOR RR1, percent


@dataclass(frozen=True)
class ReminderWave:
    """One reminder list produced for a region: when, by whom, its number in the region and how many ids."""

    at: datetime
    actor: str | None
    region: str
    wave: int
    count: int


@dataclass(frozen=True)
class Fieldwork:
    """Everything the dashboard shows for the visible regions of one round."""

    rows: list[DashboardRow]
    total: DashboardRow
    completions: list[tuple[date, int]]  # per day with at least one submission, in order
    reminders: list[ReminderWave]


def _counts(responses: pd.DataFrame) -> pd.DataFrame:
    """Invited, started and each disposition per pathway × region (sorted), one line each."""
    keys = [responses["pathway"], responses["region"]]
    table = pd.crosstab(keys, responses["disposition"]).reindex(columns=list(DISPOSITIONS), fill_value=0)
    table.insert(0, "invited", table.sum(axis=1))
    table.insert(1, "started", (responses["status"] == RespondentStatus.STARTED.value).groupby(keys).sum())
    return table.astype("int64")


def _row(pathway: str | None, region: str | None, counts: pd.Series, rates: pd.Series) -> DashboardRow:
    return DashboardRow(
        pathway=pathway,
        region=region,
        invited=int(counts["invited"]),
        started=int(counts["started"]),
        dispositions={name: int(counts[name]) for name in DISPOSITIONS},
        response_rate=None if pd.isna(rates["adjusted_rate"]) else float(rates["adjusted_rate"]),
        rr1=None if pd.isna(rates["rr1"]) else float(rates["rr1"]),
    )


_COUNT = re.compile(r": ([0-9]+) respondent ids$")


def _waves(events: Iterable[AuditEvent]) -> list[ReminderWave]:
    """The recorded reminder lists, numbered per region in the order they were produced."""
    waves, numbers = [], Counter[str]()
    for event in events:
        region = event.region or ""
        numbers[region] += 1
        found = _COUNT.search(event.detail or "")
        waves.append(ReminderWave(event.at, event.actor, region, numbers[region], int(found.group(1)) if found else 0))
    return waves


def fieldwork(session: Session, round_name: str, regions: Set[str] | None, *, timezone: str) -> Fieldwork:
    """The dashboard of ``round_name`` for ``regions`` (``None``: every region)."""
    from prem.fieldwork.operations import get_round

    survey_round = get_round(session, round_name)
    q = questionnaire_version(survey_round.questionnaire_id, survey_round.questionnaire_version)
    core = [item.id for item in q.core_items]
    answered = (
        select(Answer.response_id, func.count().label("core_answered"))
        .where(Answer.item_id.in_(core), Answer.code.is_not(None))
        .group_by(Answer.response_id)
        .subquery()
    )
    statement = (
        select(
            Respondent.respondent_id,
            Respondent.pathway,
            Respondent.region,
            Respondent.status,
            Response.submitted_at,
            func.coalesce(answered.c.core_answered, 0),
        )
        .outerjoin(Response, Response.respondent_pk == Respondent.id)
        .outerjoin(answered, answered.c.response_id == Response.id)
        .where(Respondent.round_id == survey_round.id)
        .order_by(Respondent.respondent_id)
    )
    if regions is not None:
        statement = statement.where(Respondent.region.in_(sorted(regions)))
    columns = ["respondent_id", "pathway", "region", "status", "submitted_at", "core_answered"]
    responses = pd.DataFrame.from_records([tuple(row) for row in session.execute(statement)], columns=columns)
    responses["submitted_at"] = pd.array(
        [utc_iso(moment) for moment in responses["submitted_at"].astype(object)], dtype="string"
    )
    responses["disposition"] = classify_dispositions(
        responses["status"], responses["core_answered"], len(core), respondent_id=responses["respondent_id"]
    )
    counts = _counts(responses)
    rates = rates_from_counts(counts)
    total = counts.sum().to_frame().T  # every visible person is in one pathway × region
    submitted = pd.to_datetime(responses["submitted_at"].dropna(), utc=True, format="ISO8601")
    days = submitted.dt.tz_convert(timezone).dt.date.value_counts().sort_index()
    reminders = select(AuditEvent).where(
        AuditEvent.action == AuditAction.REMINDERS_PRODUCED, AuditEvent.round_name == round_name
    )
    if regions is not None:
        reminders = reminders.where(AuditEvent.region.in_(sorted(regions)))
    return Fieldwork(
        rows=[
            _row(pathway, region, counts.loc[(pathway, region)], rates.loc[(pathway, region)])
            for pathway, region in counts.index
        ],
        total=_row(None, None, total.iloc[0], rates_from_counts(total).iloc[0]),
        completions=[(day, int(count)) for day, count in days.items()],
        reminders=_waves(session.execute(reminders.order_by(AuditEvent.at, AuditEvent.id)).scalars()),
    )
