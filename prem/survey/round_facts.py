"""What the pages say of the patient's round: the period of care, who sends it, whom to ask, how long.

From the round information stored at import (``--round-info``); the period
else from the sample's manifest, sender and contact else from the app's
``SURVEY_SENDER``/``SURVEY_CONTACT`` (the footer of pages where no round is
known uses those too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from flask import current_app

from prem.fieldwork.models import SurveyRound
from questionnaires.model import Questionnaire

__all__ = ["RoundFacts", "Sender"]


@dataclass(frozen=True)
class Sender:
    """Who sends the survey and whom to ask, for the footer and the introduction (``None``: not known)."""

    sender: str | None
    contact: str | None

    @classmethod
    def of(cls, survey_round: SurveyRound | None, lang: str) -> Sender:
        """The round's sender and contact where its information gives them, else the app-wide ones."""
        info: dict[str, Any] = (survey_round.patient_info if survey_round is not None else None) or {}
        config = current_app.config
        sender = ", ".join(info.get("sender", {}).values()) or config["SURVEY_SENDER"]
        contact = info.get("contact", {})
        phone = contact.get("phone")
        hours = contact.get("hours", {}).get(lang)
        reach = [f"{phone} ({hours})" if phone and hours else phone, contact.get("email")]
        return cls(sender or None, ", ".join(part for part in reach if part) or config["SURVEY_CONTACT"] or None)


@dataclass(frozen=True)
class RoundFacts:
    """What the introduction says of the round; ``period`` is ``None`` where neither source names it."""

    period: tuple[date, date] | None
    sender: str | None
    contact: str | None
    minutes: int

    #: About how long one closed question takes to read and answer, and one free-text question.
    SECONDS_PER_CHOICE: ClassVar[int] = 12
    SECONDS_PER_TEXT: ClassVar[int] = 120

    @classmethod
    def of(cls, survey_round: SurveyRound, questionnaire: Questionnaire, lang: str) -> RoundFacts:
        info = survey_round.patient_info or {}
        manifest = survey_round.manifest or {}
        period_text = info.get("period") or {"start": manifest.get("period_start"), "end": manifest.get("period_end")}
        try:
            period = (date.fromisoformat(period_text["start"]), date.fromisoformat(period_text["end"]))
        except (KeyError, TypeError, ValueError):
            period = None
        seconds = sum(
            cls.SECONDS_PER_TEXT if item.kind == "text" else cls.SECONDS_PER_CHOICE for item in questionnaire.items
        )
        who = Sender.of(survey_round, lang)
        return cls(period, who.sender, who.contact, minutes=max(5, 5 * math.ceil(seconds / 300)))
