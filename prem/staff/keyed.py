"""Keyed entry of one paper questionnaire in the staff web: two keyings, compared, then stored.

The page does for one questionnaire what ``prem fieldwork paper --file ...
--second-keying ...`` does for a batch, with the same rules
(:func:`prem.fieldwork.paper.check_keying` and
:func:`prem.fieldwork.paper.store_paper_response`):

1. A region coordinator (or an administrator) enters the respondent id printed
   on the paper and keys every item as it is ticked: the keying is checked and
   kept as the first keying (:class:`prem.fieldwork.models.PaperKeying`), not
   yet as a response.
2. A second keying of the same paper, ideally by another person and without
   seeing the first, is compared item by item (as the file import compares
   cells). When both agree the response is stored with mode ``paper``.
3. When they differ, every discrepancy is listed with both values, and a
   person looking at the paper decides each one (the first, the second, or
   keys it again); only then is the response stored.

Storing applies "the first complete response counts" and records any
conflict. Every keying and every store is recorded in the audit log, never
with the respondent id or an answer (the audit log's rule). As everywhere in
prem, these functions take the caller's session and never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from contracts.messages import Message
from prem.fieldwork.models import PaperKeying, Respondent, SurveyRound
from prem.fieldwork.operations import utc_now
from prem.fieldwork.paper import (
    CONFLICT_RULES,
    CheckedKeying,
    Conflict,
    check_keying,
    same_keying,
    store_paper_response,
)
from prem.staff.operations import StaffError, record
from prem.survey.operations import lock_respondent
from questionnaires import Item, Questionnaire

__all__ = [
    "DISCARDED",
    "KEYED",
    "STORED",
    "KeyingMoved",
    "KeyingOutcome",
    "KeyingState",
    "PendingKeying",
    "cells_from_form",
    "discard_keyings",
    "discrepant_items",
    "keyed_items",
    "keying_state",
    "pending_keyings",
    "region_respondent",
    "resolve_keyings",
    "save_keying",
]

#: The audit log's actions of keyed entry (``AuditEvent.action``).
KEYED = "paper_keyed"
STORED = "paper_stored"
DISCARDED = "paper_keying_discarded"


class KeyingMoved(StaffError):
    """The questionnaire's keyings changed since the page was shown (someone else keyed it meanwhile)."""


@dataclass(frozen=True)
class KeyingState:
    """Where a respondent's paper questionnaire is: its pending keyings and any response already stored."""

    first: PaperKeying | None
    second: PaperKeying | None
    response_mode: str | None
    response_submitted: bool

    @property
    def next_keying(self) -> int:
        """1 or 2: the keying the page asks for next; 0 when both are in and differ (resolve them)."""
        if self.first is None:
            return 1
        return 2 if self.second is None else 0


@dataclass
class KeyingOutcome:
    """What saving a keying did: ``invalid`` (nothing saved), ``first_saved``, ``discrepant`` or ``stored``."""

    kind: str
    checked: CheckedKeying
    discrepancies: list[str] = field(default_factory=list)
    conflict: Conflict | None = None
    same_person: bool = False

    @property
    def stored(self) -> bool:
        """Whether the paper answers were stored as the response (a conflict may have kept an earlier one)."""
        return self.kind == "stored" and (self.conflict is None or self.conflict.rule != CONFLICT_RULES[0])


def keyed_items(q: Questionnaire, pathway: str) -> list[tuple[int, Item]]:
    """The items printed on a paper questionnaire of ``pathway``, numbered as printed (1, 2, ...)."""
    return list(enumerate((item for item in q.items if item.is_for(pathway)), start=1))


def cells_from_form(q: Questionnaire, pathway: str, form: Mapping[str, list[str]]) -> dict[str, str]:
    """The keyed file's cells from a posted keying: ticked codes joined by ``;``, free text as typed.

    ``form`` maps a field name to every value posted under it. A choice item
    whose boxes were all left empty is an empty cell; several ticked boxes are
    ``1;3`` (what the file import calls several ticks). Values are passed on
    unchecked: :func:`prem.fieldwork.paper.check_keying` judges them.
    """
    cells: dict[str, str] = {}
    for _, item in keyed_items(q, pathway):
        values = [value.strip() for value in form.get(item.id, []) if value.strip()]
        if item.scale is None:  # a browser sends a text area's line breaks as CRLF: kept as plain line breaks
            cells[item.id] = values[0].replace("\r\n", "\n").replace("\r", "\n") if values else ""
        else:
            ordered = sorted(set(values), key=lambda value: (not value.isdigit(), int(value) if value.isdigit() else 0))
            cells[item.id] = ";".join(ordered)
    return cells


def discrepant_items(q: Questionnaire, first: Mapping[str, str], second: Mapping[str, str]) -> list[str]:
    """The item ids whose two keyings differ, in questionnaire order (as the file import compares cells)."""
    return [item.id for item in q.items if not same_keying(first.get(item.id, ""), second.get(item.id, ""))]


def region_respondent(
    session: Session, survey_round: SurveyRound, region: str, respondent_id: str, *, for_update: bool = False
) -> Respondent | None:
    """The round's respondent ``respondent_id`` if they are in ``region`` (else ``None``, unknown or not).

    The id is matched as typed, else in capitals (as prem's ids are printed). With ``for_update`` the
    respondent is locked as the survey locks them for a save (:func:`prem.survey.operations.lock_respondent`,
    on both databases), so a keying and the patient's own web answers act one after the other.
    """
    typed = respondent_id.strip()
    for candidate in dict.fromkeys((typed, typed.upper())):
        query = select(Respondent).where(
            Respondent.round_id == survey_round.id,
            Respondent.region == region,
            Respondent.respondent_id == candidate,
        )
        found = session.execute(query).scalar_one_or_none()
        if found is not None:
            if for_update:
                lock_respondent(session, found)
            return found
    return None


def keying_state(session: Session, respondent: Respondent) -> KeyingState:
    """The respondent's pending keyings and response."""
    from prem.survey.models import Response

    keyings = {
        row.keying: row
        for row in session.execute(select(PaperKeying).where(PaperKeying.respondent_pk == respondent.id)).scalars()
    }
    response = session.execute(select(Response).where(Response.respondent_pk == respondent.id)).scalar_one_or_none()
    return KeyingState(
        keyings.get(1),
        keyings.get(2),
        response.mode if response is not None else None,
        response is not None and response.submitted_at is not None,
    )


@dataclass(frozen=True)
class PendingKeying:
    """A questionnaire of the region keyed once (waiting for the second keying) or twice with discrepancies."""

    respondent_id: str
    keyings: tuple[PaperKeying, ...]

    @property
    def next_keying(self) -> int:
        return 2 if len(self.keyings) == 1 else 0


def pending_keyings(session: Session, survey_round: SurveyRound, region: str) -> list[PendingKeying]:
    """The region's questionnaires keyed but not yet stored, by respondent id."""
    rows = session.execute(
        select(Respondent.respondent_id, PaperKeying)
        .join(PaperKeying, PaperKeying.respondent_pk == Respondent.id)
        .where(PaperKeying.round_id == survey_round.id, Respondent.region == region)
        .order_by(Respondent.respondent_id, PaperKeying.keying)
    ).all()
    grouped: dict[str, list[PaperKeying]] = {}
    for respondent_id, keying in rows:
        grouped.setdefault(respondent_id, []).append(keying)
    return [PendingKeying(respondent_id, tuple(keyings)) for respondent_id, keyings in grouped.items()]


def _open_round(survey_round: SurveyRound) -> None:
    if survey_round.closed_at is not None:
        raise StaffError(
            Message("The round %(name)s is closed; paper answers can no longer be added.", name=repr(survey_round.name))
        )


def _store(
    session: Session,
    survey_round: SurveyRound,
    q: Questionnaire,
    respondent: Respondent,
    checked: CheckedKeying,
    *,
    actor: str,
    how: str,
) -> Conflict | None:
    """Store the verified answers under the first-complete-response rule; the keyings are done with."""
    conflict = store_paper_response(session, survey_round, q, respondent, checked.answers)
    session.execute(delete(PaperKeying).where(PaperKeying.respondent_pk == respondent.id))
    if conflict is not None and conflict.rule == CONFLICT_RULES[0]:
        outcome = f"not stored: the {conflict.counted} response submitted earlier counts"
    else:
        outcome = "stored as a paper response" + (f" ({conflict.rule.replace('_', ' ')})" if conflict else "")
    ticks = f"; {len(checked.multiple_ticks)} with several ticks" if checked.multiple_ticks else ""
    routed = f"; {len(checked.routed_past)} routed-past dropped" if checked.routed_past else ""
    record(
        session,
        actor,
        STORED,
        round_name=survey_round.name,
        region=respondent.region,
        detail=f"{outcome}, {how}{ticks}{routed}",
    )
    return conflict


def save_keying(
    session: Session,
    survey_round: SurveyRound,
    q: Questionnaire,
    respondent: Respondent,
    cells: Mapping[str, str],
    *,
    keying: int,
    actor: str,
) -> KeyingOutcome:
    """Check and save keying ``keying`` (1 or 2) of ``respondent``'s paper questionnaire.

    The first keying is kept; the second is compared with it: the response is
    stored when they agree, else the second is kept too and the discrepancies
    returned for resolving. A keying with a cell the rules refuse saves
    nothing (``invalid``). ``respondent`` must be locked by the caller
    (:func:`region_respondent` with ``for_update``).

    Raises
    ------
    KeyingMoved
        ``keying`` is not the keying this questionnaire waits for.
    StaffError
        The round is closed.
    """
    _open_round(survey_round)
    state = keying_state(session, respondent)
    if keying != state.next_keying:
        raise KeyingMoved("This questionnaire was keyed by someone else meanwhile; nothing was saved.")
    checked = check_keying(q, respondent.pathway, cells)
    if checked.problems:
        return KeyingOutcome("invalid", checked)
    now = utc_now()
    if keying == 1:
        session.add(
            PaperKeying(
                round_id=survey_round.id,
                respondent_pk=respondent.id,
                keying=1,
                keyed_by=actor,
                keyed_at=now,
                cells=dict(cells),
            )
        )
        session.flush()
        record(session, actor, KEYED, round_name=survey_round.name, region=respondent.region, detail="first keying")
        return KeyingOutcome("first_saved", checked)
    assert state.first is not None
    same_person = state.first.keyed_by == actor
    discrepancies = discrepant_items(q, state.first.cells, cells)
    who = "by the same person as the first" if same_person else "by another person"
    if discrepancies:
        session.add(
            PaperKeying(
                round_id=survey_round.id,
                respondent_pk=respondent.id,
                keying=2,
                keyed_by=actor,
                keyed_at=now,
                cells=dict(cells),
            )
        )
        session.flush()
        record(
            session,
            actor,
            KEYED,
            round_name=survey_round.name,
            region=respondent.region,
            detail=f"second keying {who}: {len(discrepancies)} discrepancies with the first",
        )
        return KeyingOutcome("discrepant", checked, discrepancies, same_person=same_person)
    record(
        session,
        actor,
        KEYED,
        round_name=survey_round.name,
        region=respondent.region,
        detail=f"second keying {who}: agrees with the first",
    )
    conflict = _store(
        session,
        survey_round,
        q,
        respondent,
        checked,
        actor=actor,
        how=f"two keyings agree (by {state.first.keyed_by} and {actor})",
    )
    return KeyingOutcome("stored", checked, conflict=conflict, same_person=same_person)


def resolve_keyings(
    session: Session,
    survey_round: SurveyRound,
    q: Questionnaire,
    respondent: Respondent,
    decided: Mapping[str, str],
    *,
    actor: str,
) -> KeyingOutcome:
    """Store the questionnaire with each discrepancy decided from the paper (``decided``: item id → cell).

    Every discrepant item must be decided; the other items are as both
    keyings agree. The result is checked by the same rules as a keying; a
    refused cell stores nothing (``invalid``). ``respondent`` must be locked.
    """
    _open_round(survey_round)
    state = keying_state(session, respondent)
    if state.first is None or state.second is None:
        raise KeyingMoved("This questionnaire's keyings changed meanwhile; nothing was saved.")
    discrepancies = discrepant_items(q, state.first.cells, state.second.cells)
    undecided = [item_id for item_id in discrepancies if item_id not in decided]
    if undecided:
        raise StaffError(Message("Decide every discrepancy (%(items)s).", items=", ".join(undecided)))
    cells = dict(state.second.cells) | {item_id: decided[item_id] for item_id in discrepancies}
    checked = check_keying(q, respondent.pathway, cells)
    if checked.problems:
        return KeyingOutcome("invalid", checked, discrepancies)
    conflict = _store(
        session,
        survey_round,
        q,
        respondent,
        checked,
        actor=actor,
        how=(
            f"keyed by {state.first.keyed_by} and {state.second.keyed_by}, "
            f"{len(discrepancies)} discrepancies decided from the paper by {actor}"
        ),
    )
    return KeyingOutcome("stored", checked, discrepancies, conflict=conflict)


def discard_keyings(session: Session, survey_round: SurveyRound, respondent: Respondent, *, actor: str) -> int:
    """Throw away a questionnaire's pending keyings (keyed under the wrong id, say); how many there were."""
    _open_round(survey_round)
    pending = PaperKeying.respondent_pk == respondent.id
    count = session.execute(select(func.count()).select_from(PaperKeying).where(pending)).scalar_one()
    session.execute(delete(PaperKeying).where(pending))
    if count:
        record(
            session,
            actor,
            DISCARDED,
            round_name=survey_round.name,
            region=respondent.region,
            detail=f"{count} pending keyings discarded",
        )
    return count
