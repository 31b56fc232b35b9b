"""Read side of the staff pages' rounds: windows, states and counts, only of the regions an account sees."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from prem.fieldwork.models import Respondent, RespondentStatus, SurveyRound

__all__ = ["RoundState", "RoundSummary", "round_state", "round_summaries", "round_summary"]


class RoundState:
    """Where a round is in its life (for the pages; the survey decides with :meth:`SurveyRound.is_open_on`)."""

    PLANNED = "planned"
    OPEN = "open"
    ENDED = "ended"
    CLOSED = "closed"


def round_state(survey_round: SurveyRound, today: date) -> str:
    """``planned`` before the first day, ``open`` in the window, ``ended`` after it, ``closed`` once closed."""
    if survey_round.closed_at is not None:
        return RoundState.CLOSED
    if today < survey_round.opens:
        return RoundState.PLANNED
    return RoundState.OPEN if today <= survey_round.closes else RoundState.ENDED


@dataclass
class CellCounts:
    """Respondents of one pathway in one region, per fieldwork status."""

    pathway: str
    region: str
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def invited(self) -> int:
        return sum(self.statuses.values())

    @property
    def submitted(self) -> int:
        return self.statuses.get(RespondentStatus.SUBMITTED.value, 0)


@dataclass
class RoundSummary:
    """A round as a staff member sees it: only the cells of the regions they may see."""

    survey_round: SurveyRound
    state: str
    cells: list[CellCounts]

    @property
    def invited(self) -> int:
        return sum(cell.invited for cell in self.cells)

    @property
    def submitted(self) -> int:
        return sum(cell.submitted for cell in self.cells)


def _cells(session: Session, round_ids: list[int], regions: Set[str] | None) -> dict[int, list[CellCounts]]:
    query = select(Respondent.round_id, Respondent.pathway, Respondent.region, Respondent.status, func.count()).where(
        Respondent.round_id.in_(round_ids)
    )
    if regions is not None:
        query = query.where(Respondent.region.in_(sorted(regions)))
    query = query.group_by(Respondent.round_id, Respondent.pathway, Respondent.region, Respondent.status)
    cells: dict[tuple[int, str, str], CellCounts] = {}
    for round_id, pathway, region, status, count in session.execute(query):
        cells.setdefault((round_id, pathway, region), CellCounts(pathway, region)).statuses[status] = count
    by_round: dict[int, list[CellCounts]] = {round_id: [] for round_id in round_ids}
    for (round_id, _pathway, _region), cell in sorted(cells.items()):
        by_round[round_id].append(cell)
    return by_round


def round_summaries(session: Session, regions: Set[str] | None, *, today: date) -> list[RoundSummary]:
    """Every round, newest window first, with the counts of ``regions`` (``None``: every region)."""
    survey_rounds = list(
        session.execute(select(SurveyRound).order_by(SurveyRound.opens.desc(), SurveyRound.name)).scalars()
    )
    cells = _cells(session, [survey_round.id for survey_round in survey_rounds], regions)
    return [
        RoundSummary(survey_round, round_state(survey_round, today), cells[survey_round.id])
        for survey_round in survey_rounds
    ]


def round_summary(
    session: Session, survey_round: SurveyRound, regions: Set[str] | None, *, today: date
) -> RoundSummary:
    """One round with the counts of ``regions`` per pathway and region."""
    cells = _cells(session, [survey_round.id], regions)[survey_round.id]
    return RoundSummary(survey_round, round_state(survey_round, today), cells)
