"""The fieldwork dashboard's figures: dispositions per pathway × region and completions per day.

The dispositions and rates are the analysis library's own
(:func:`analysis.dispositions.classify_dispositions`,
:func:`~analysis.dispositions.rates_from_counts`) applied to the responses
export (:func:`prem.fieldwork.export.responses_dataframe`), so the
dashboard and the report count alike. Only the regions an account may see
are kept, before anything is counted.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.dispositions import classify_dispositions, rates_from_counts
from analysis.tables import DISPOSITIONS
from prem.fieldwork.export import responses_dataframe
from prem.fieldwork.models import RespondentStatus
from prem.staff.models import AuditEvent
from prem.staff.operations import AuditAction
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


def _row(pathway: str | None, region: str | None, group: pd.DataFrame) -> DashboardRow:
    counts = group["disposition"].value_counts().reindex(list(DISPOSITIONS), fill_value=0)
    table = pd.DataFrame([{"invited": len(group), **counts.to_dict()}])
    rates = rates_from_counts(table).iloc[0]
    return DashboardRow(
        pathway=pathway,
        region=region,
        invited=len(group),
        started=int((group["status"] == RespondentStatus.STARTED.value).sum()),
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
    responses = responses_dataframe(session, round_name)
    if regions is not None:
        responses = responses[responses["region"].isin(sorted(regions))].reset_index(drop=True)
    q = questionnaire_version(survey_round.questionnaire_id, survey_round.questionnaire_version)
    core = [item.id for item in q.core_items]
    responses["disposition"] = classify_dispositions(
        responses["status"], responses[core].notna().sum(axis=1), len(core), respondent_id=responses["respondent_id"]
    )
    rows = [
        _row(pathway, region, group)
        for (pathway, region), group in responses.groupby(["pathway", "region"], sort=True, observed=True)
    ]
    submitted = pd.to_datetime(responses["submitted_at"].dropna(), utc=True, format="ISO8601")
    days = submitted.dt.tz_convert(timezone).dt.date.value_counts().sort_index()
    reminders = select(AuditEvent).where(
        AuditEvent.action == AuditAction.REMINDERS_PRODUCED, AuditEvent.round_name == round_name
    )
    if regions is not None:
        reminders = reminders.where(AuditEvent.region.in_(sorted(regions)))
    return Fieldwork(
        rows=rows,
        total=_row(None, None, responses),
        completions=[(day, int(count)) for day, count in days.items()],
        reminders=_waves(session.execute(reminders.order_by(AuditEvent.at, AuditEvent.id)).scalars()),
    )
