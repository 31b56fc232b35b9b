"""A survey round, its invited respondents and the sampling flow it came with."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prem.db import Model, UTCDateTime

__all__ = [
    "SCREEN_OUT_REASONS",
    "FlowStep",
    "ModeConflict",
    "PaperKeying",
    "Respondent",
    "RespondentStatus",
    "SurveyRound",
]

#: Why the survey does not describe a patient's care, as they may say when screening out (stored codes).
SCREEN_OUT_REASONS = ("wrong_diagnosis", "not_in_period", "other")


class RespondentStatus(enum.StrEnum):
    """Fieldwork status of one invited person (the export's ``status`` column)."""

    NOT_STARTED = "not_started"
    STARTED = "started"
    SUBMITTED = "submitted"
    REFUSED = "refused"
    SCREENED_OUT = "screened_out"
    DECEASED = "deceased"
    UNDELIVERABLE = "undeliverable"


class SurveyRound(Model):
    """One fieldwork round: a sample frame, a questionnaire and a window in which codes work."""

    __tablename__ = "survey_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    questionnaire_version: Mapped[str] = mapped_column(String(40))
    opens: Mapped[date] = mapped_column(Date)
    closes: Mapped[date] = mapped_column(Date)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The id of the round's key file (:mod:`prem.fieldwork.codekeys`); ``None`` for a round imported
    #: before round keys existed, whose hashes are under the app-wide key alone.
    code_key_id: Mapped[str | None] = mapped_column(String(32))
    #: When closing destroyed the round key: from then on nothing in storage verifies any of its codes.
    codes_destroyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manifest: Mapped[dict | None] = mapped_column(JSON)
    #: What patients are told about the round (``contracts.round_info.patient_info``): period, sender, contact.
    patient_info: Mapped[dict | None] = mapped_column(JSON)

    respondents: Mapped[list[Respondent]] = relationship(back_populates="survey_round", passive_deletes=True)
    flow_steps: Mapped[list[FlowStep]] = relationship(order_by="FlowStep.position", passive_deletes=True)

    def is_open_on(self, day: date) -> bool:
        """Whether access codes work on ``day`` (``opens`` and ``closes`` inclusive, not closed)."""
        return self.closed_at is None and self.opens <= day <= self.closes

    def __repr__(self) -> str:
        return f"<SurveyRound {self.name!r} {self.opens}..{self.closes}>"


class Respondent(Model):
    """One invited person: the frame row and the keyed hash of their access code.

    Never a name, personnummer or address; ``respondent_id`` is the frame's
    opaque random id, ``code_hash`` the HMAC of the access code under the
    round's code key (set to ``None`` when the round is closed, and the key
    destroyed).
    """

    __tablename__ = "respondent"
    __table_args__ = (UniqueConstraint("round_id", "respondent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    respondent_id: Mapped[str] = mapped_column(String(40))
    code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    pathway: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(2))
    sex: Mapped[str] = mapped_column(String(1))
    age: Mapped[int] = mapped_column(Integer)
    age_group: Mapped[str] = mapped_column(String(10))
    stratum_population: Mapped[int] = mapped_column(Integer)
    stratum_sample: Mapped[int] = mapped_column(Integer)
    design_weight: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(20), default=RespondentStatus.NOT_STARTED.value)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why a screened-out patient said the survey does not describe their care (optional; SCREEN_OUT_REASONS).
    screen_out_reason: Mapped[str | None] = mapped_column(String(20))

    survey_round: Mapped[SurveyRound] = relationship(back_populates="respondents")

    def __repr__(self) -> str:
        return f"<Respondent {self.respondent_id} {self.status}>"


class FlowStep(Model):
    """One row of the sampling flow (``flow.csv``) kept for the report's method appendix."""

    __tablename__ = "flow_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    pathway: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(2))
    step: Mapped[str] = mapped_column(String(200))
    remaining: Mapped[int] = mapped_column(Integer)
    removed: Mapped[int] = mapped_column(Integer)


class ModeConflict(Model):
    """A person who answered on paper and also another way, and which answer counts (README, "Paper").

    Recorded when a paper questionnaire is stored or refused under the rule
    "the first complete response counts", so that the region sees the case
    afterwards (the staff web's list, ``prem fieldwork conflicts``) and the
    analysis can count them. ``counted`` is the mode of the response that
    counts; ``other`` what did not count: ``web`` or ``paper`` (a response),
    or the disposition a paper questionnaire overrode (``refused``, ...).
    ``rule`` is one of :data:`prem.fieldwork.paper.CONFLICT_RULES`.
    """

    __tablename__ = "mode_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    respondent_pk: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    counted: Mapped[str] = mapped_column(String(10))
    other: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(30))
    #: When the response that counts was submitted (the first complete response).
    counted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)

    respondent: Mapped[Respondent] = relationship()


class PaperKeying(Model):
    """One keying of a paper questionnaire in the staff web, waiting for the second one to compare with.

    Staff data, never a name or address: the respondent (by the round's
    opaque id) and the cells as keyed (``{item_id: "1" | "1;3" | text}``,
    the keyed file's format). Keying 1 waits for keying 2; when both are in
    and agree (or their discrepancies are resolved from the paper), the
    response is stored and both rows are deleted.
    """

    __tablename__ = "paper_keying"
    __table_args__ = (UniqueConstraint("respondent_pk", "keying"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"), index=True)
    respondent_pk: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"))
    keying: Mapped[int] = mapped_column(Integer)
    keyed_by: Mapped[str] = mapped_column(String(80))
    keyed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cells: Mapped[dict] = mapped_column(JSON)

    respondent: Mapped[Respondent] = relationship()
