"""A respondent's response and its answers, and the record of wrong access codes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prem.db import UTCDateTime, db
from prem.fieldwork.models import Respondent

__all__ = ["Answer", "CodeAttempt", "Response"]


class Response(db.Model):
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

    respondent: Mapped[Respondent] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", passive_deletes=True)

    @property
    def is_submitted(self) -> bool:
        """Whether the response is final (and therefore frozen)."""
        return self.submitted_at is not None

    def answer_map(self) -> dict[str, int | str]:
        """``{item_id: option code (int) or free text (str)}``, the questionnaire's answer format."""
        return {answer.item_id: answer.value for answer in self.answers}


class Answer(db.Model):
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


class CodeAttempt(db.Model):
    """A wrong access code entered by a client, for rate limiting across server processes.

    ``client_hash`` is a keyed hash of the client's address, never the
    address itself; rows older than the rate-limit window are deleted.
    """

    __tablename__ = "code_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_hash: Mapped[str] = mapped_column(String(64), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
