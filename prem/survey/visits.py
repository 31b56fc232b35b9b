"""Who is in this browser: the signed-in respondent, their response and questionnaire, loaded once a request.

The cookie holds only a random session token (:func:`sign_in`); the
respondent comes from the server-side session row it names, so that ending
the session on the server (:func:`sign_out`) makes the cookie open nothing.
A patient who is done keeps in the cookie only what the last page shows
(:func:`finish`, :func:`finished_visit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, session
from sqlalchemy.orm import Session

from prem.db import db
from prem.fieldwork.models import Respondent, RespondentStatus, SurveyRound
from prem.i18n import available_languages, current_language
from prem.survey import operations
from prem.survey.models import Response
from prem.survey.questionnaire import questionnaire_version
from prem.survey.router import Router
from questionnaires.model import Item, Page, Questionnaire

__all__ = [
    "CARRY_MAX_AGE",
    "FinishedVisit",
    "Visit",
    "current_visit",
    "db_session",
    "finish",
    "finished_visit",
    "is_finished",
    "load_visit",
    "sign_in",
    "sign_out",
]

_SESSION_TOKEN = "sid"
_FINISHED = "finished"
#: How long answers typed over an ended session may be carried through the code page (seconds).
CARRY_MAX_AGE = 24 * 3600


def db_session() -> Session:
    """The request's database session (the scoped session's current one)."""
    return db.session()


def _lang_of(questionnaire: Questionnaire) -> str:
    """The page language if the questionnaire has it, else its first language."""
    wanted = current_language()
    return wanted if wanted in questionnaire.languages else questionnaire.languages[0]


@dataclass
class Visit:
    """The respondent in this browser session, their response so far and its questionnaire."""

    respondent: Respondent
    response: Response | None
    questionnaire: Questionnaire

    @property
    def answers(self) -> dict[str, int | str]:
        return self.response.answer_map() if self.response else {}

    @property
    def survey_round(self) -> SurveyRound:
        return self.respondent.survey_round

    @property
    def status(self) -> str:
        return self.respondent.status

    @property
    def router(self) -> Router:
        """Where this respondent may go from here (:mod:`prem.survey.router`), given their answers."""
        return Router(self.questionnaire, self.answers, self.respondent.pathway)

    def visible_pages(self) -> tuple[Page, ...]:
        """The pages this respondent is asked, given their answers and pathway."""
        return self.questionnaire.visible_pages(self.answers, self.respondent.pathway)

    def shown_items(self, page: Page) -> list[Item]:
        """The items of ``page`` this respondent is asked."""
        answers, pathway = self.answers, self.respondent.pathway
        return [item for item in page.items if self.questionnaire.is_shown(item, answers, pathway)]

    @property
    def lang(self) -> str:
        return _lang_of(self.questionnaire)


@dataclass(frozen=True)
class FinishedVisit:
    """What the thank-you page needs after the session ended: no respondent, no answers."""

    status: RespondentStatus
    questionnaire: Questionnaire
    survey_round: SurveyRound | None

    @property
    def lang(self) -> str:
        return _lang_of(self.questionnaire)


def load_visit(respondent: Respondent) -> Visit:
    """The visit of ``respondent``: their response (one query) and its questionnaire (cached)."""
    response = operations.get_response(db_session(), respondent)
    source = response or respondent.survey_round
    return Visit(respondent, response, questionnaire_version(source.questionnaire_id, source.questionnaire_version))


def current_visit() -> Visit | None:
    """The visit of the live server-side session this cookie names; every answer goes through it."""
    token = session.get(_SESSION_TOKEN)
    if not isinstance(token, str):
        return None
    config = current_app.config
    respondent = operations.session_respondent(
        db_session(), token, lifetime=config["SURVEY_SESSION_LIFETIME"], idle=config["SURVEY_SESSION_IDLE"]
    )
    return load_visit(respondent) if respondent is not None else None


def session_owner() -> int | None:
    """The respondent id of the session this cookie named, live or expired (to bind carried answers)."""
    token = session.get(_SESSION_TOKEN)
    return operations.session_owner(db_session(), token) if isinstance(token, str) else None


def sign_in(visit: Visit) -> None:
    """A fresh server-side session for the visit's respondent; the cookie (ending with the browser) holds its token.

    The language chosen in this browser is kept with the response; a browser
    where none was chosen shows the language the patient chose before.
    """
    language = session.get("lang") if session.get("lang") in available_languages() else None
    if language:
        operations.remember_language(db_session(), visit.respondent, language)
    else:
        chosen = visit.response.language if visit.response is not None else None
        language = chosen if chosen in available_languages() else None
    sign_out()
    session.clear()  # not permanent: the cookie has no Expires and ends with the browser
    lifetime = current_app.config["SURVEY_SESSION_LIFETIME"]
    forget_before = operations.utc_now() - lifetime - timedelta(seconds=CARRY_MAX_AGE)
    session[_SESSION_TOKEN] = operations.begin_session(db_session(), visit.respondent, forget_before=forget_before)
    if language:
        session["lang"] = language


def sign_out() -> None:
    """End this browser's server-side session: its cookie opens nothing afterwards.

    Another browser's session of the same respondent ends at its next
    request, when the views find the respondent finished or the round closed.
    """
    token = session.pop(_SESSION_TOKEN, None)
    if isinstance(token, str):
        operations.end_session(db_session(), token)


def finish(visit: Visit) -> None:
    """End the sessions of a respondent who is done; the cookie keeps only what the last page shows."""
    sign_out()
    source = visit.response or visit.survey_round
    session[_FINISHED] = {
        "status": str(visit.respondent.status),
        "questionnaire": [source.questionnaire_id, source.questionnaire_version],
        "round": visit.survey_round.id,
    }


def is_finished() -> bool:
    """Whether this browser's patient is done (the thank-you page is all it shows)."""
    return bool(session.get(_FINISHED))


def forget_finished() -> None:
    """After "Avsluta": the browser shows nothing of the patient any more, not even the thank-you page."""
    session.pop(_FINISHED, None)


def finished_visit() -> FinishedVisit | None:
    """What the thank-you page needs after the session ended, from the cookie."""
    finished = session.get(_FINISHED) or {}
    try:
        questionnaire = questionnaire_version(*finished["questionnaire"])
        status = RespondentStatus(finished["status"])
    except (KeyError, TypeError, ValueError):
        return None
    round_pk = finished.get("round")
    survey_round = db_session().get(SurveyRound, round_pk) if isinstance(round_pk, int) else None
    return FinishedVisit(status, questionnaire, survey_round)
