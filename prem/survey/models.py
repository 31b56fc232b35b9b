"""A respondent's response and its answers, survey sessions, and the counts of access codes tried."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prem.db import Model, UTCDateTime
from prem.fieldwork.models import Respondent

__all__ = ["Answer", "CodeAttemptBucket", "Response", "SurveySession"]


class Response(Model):
    """At most one per respondent (unique), stored against the questionnaire version it was answered on.

    ``resume_page`` is the page id (or ``"review"``) the patient was last
    sent to, so that they continue there with the same code from any browser.
    Once ``submitted_at`` is set the response is frozen.
    """

    __tablename__ = "response"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_pk: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), unique=True)
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    questionnaire_version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resume_page: Mapped[str | None] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(10), default="web", server_default="web")  # web | paper
    language: Mapped[str | None] = mapped_column(String(10))  # the patient's choice, shown when they resume

    respondent: Mapped[Respondent] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", passive_deletes=True)

    @property
    def is_submitted(self) -> bool:
        """Whether the response is final (and therefore frozen)."""
        return self.submitted_at is not None

    def answer_map(self) -> dict[str, int | str]:
        """``{item_id: option code (int) or free text (str)}``, the questionnaire's answer format."""
        return {answer.item_id: answer.value for answer in self.answers}


class Answer(Model):
    """One item's answer: an option code for a closed item, text for a free-text item."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)

    response: Mapped[Response] = relationship(back_populates="answers")

    @property
    def value(self) -> int | str:
        """The stored value: the option code, else the text."""
        return self.code if self.code is not None else (self.text or "")


class CodeAttemptBucket(Model):
    """How many access codes a bucket (one client, or the whole site) had checked in its current window.

    ``bucket`` is ``"client:"`` and a keyed hash of the client's address (never
    the address itself) or ``"site"``. One row per bucket, counted up by a
    single upsert, so that concurrent workers can never let an extra attempt
    through.
    """

    __tablename__ = "code_attempt_bucket"

    bucket: Mapped[str] = mapped_column(String(80), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    count: Mapped[int] = mapped_column(Integer)


class SurveySession(Model):
    """A patient's signed-in session, server-side so that it can be ended.

    The browser's cookie carries only a random token; this row holds the
    SHA-256 of that token (so a copy of the table opens no session), the one
    respondent the session belongs to, and when it started and was last
    used. The row is deleted on save-and-exit, submit, "Avsluta", a refusal,
    a closed round or expiry, after which the cookie opens nothing.
    """

    __tablename__ = "survey_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    respondent_pk: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)

    respondent: Mapped[Respondent] = relationship()
