"""Write side of the web survey, shared by the views and ``prem simulate``.

Every function takes the caller's session and never commits. They are
idempotent where a patient can repeat themselves: starting twice gives the
same response (one per respondent, enforced by a unique constraint), saving
a page again overwrites that page's answers (one answer per item, upserted),
submitting twice keeps the first submission, and a submitted response is
frozen.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from prem.errors import PremError
from prem.fieldwork.models import Respondent, RespondentStatus
from prem.fieldwork.operations import utc_now
from prem.survey.models import Answer, CodeAttempt, Response

__all__ = [
    "AnswerValue",
    "InvalidAnswer",
    "ResponseFrozen",
    "SurveyError",
    "client_fingerprint",
    "get_response",
    "record_wrong_code",
    "refuse",
    "save_answers",
    "screen_out",
    "start_response",
    "submit",
    "too_many_code_attempts",
]

#: An answer as the questionnaire defines it: an option code, free text, or
#: ``None`` to clear an answer.
AnswerValue = int | str | None

_FINAL = (RespondentStatus.SUBMITTED.value, RespondentStatus.REFUSED.value, RespondentStatus.SCREENED_OUT.value)


class SurveyError(PremError):
    """A survey action that is not possible in the respondent's current state."""


class ResponseFrozen(SurveyError):
    """The respondent has already submitted, refused or been screened out."""


class InvalidAnswer(SurveyError):
    """An answer that does not fit the questionnaire (unknown item, code or too long text)."""


def _insert(session: Session):
    """The dialect's ``INSERT`` with ``ON CONFLICT`` (SQLite and PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def get_response(session: Session, respondent: Respondent, *, for_update: bool = False) -> Response | None:
    """The respondent's response, if they have started; locked for the transaction when ``for_update``."""
    query = select(Response).where(Response.respondent_pk == respondent.id)
    if for_update:
        query = query.with_for_update()
    return session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()


def start_response(session: Session, respondent: Respondent, questionnaire) -> Response:
    """The respondent's response, created on first use against ``questionnaire``'s id and version.

    Two browsers starting at once still give one response: the row is
    inserted with ``ON CONFLICT DO NOTHING`` on the unique respondent and
    then read back (locked for the rest of the transaction).
    """
    if respondent.status in _FINAL:
        raise ResponseFrozen(f"respondent {respondent.respondent_id} is {respondent.status}")
    now = utc_now()
    insert = _insert(session)
    session.execute(
        insert(Response)
        .values(
            respondent_pk=respondent.id,
            questionnaire_id=questionnaire.id,
            questionnaire_version=questionnaire.version,
            started_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["respondent_pk"])
    )
    response = get_response(session, respondent, for_update=True)
    if response.is_submitted:
        raise ResponseFrozen(f"respondent {respondent.respondent_id} has already submitted")
    if respondent.status != RespondentStatus.STARTED.value:
        _set_status(session, respondent, RespondentStatus.STARTED)
    return response


def _checked(questionnaire, item_id: str, value: AnswerValue) -> tuple[int | None, str | None]:
    """``(code, text)`` to store for one answer, or :class:`InvalidAnswer`."""
    try:
        item = questionnaire.item(item_id)
    except KeyError:
        raise InvalidAnswer(f"{questionnaire.id} has no item {item_id!r}") from None
    if value is None or value == "":
        return None, None
    if item.kind == "choice":
        codes = {option.code for option in item.scale.options}
        try:
            code = int(value)
        except (TypeError, ValueError):
            raise InvalidAnswer(f"item {item_id!r}: {value!r} is not an option code") from None
        if code not in codes or isinstance(value, bool):
            raise InvalidAnswer(f"item {item_id!r}: {code} is not one of the options {sorted(codes)}")
        return code, None
    text = str(value).strip()
    max_length = getattr(item, "max_length", None)
    if max_length is not None and len(text) > max_length:
        raise InvalidAnswer(f"item {item_id!r}: the text is longer than {max_length} characters")
    return None, text or None


def save_answers(
    session: Session,
    respondent: Respondent,
    page_answers: Mapping[str, AnswerValue],
    questionnaire,
    *,
    resume_page: str | None = None,
) -> Response:
    """Store one page's answers and drop the answers that routing now skips.

    Parameters
    ----------
    session
        The caller's session; nothing is committed here.
    respondent
        Who is answering; their status becomes ``started``.
    page_answers
        ``{item_id: option code | text | None}``; ``None`` (or an empty
        string) clears that item's answer. Items not mentioned are kept.
    questionnaire
        The loaded questionnaire the response is stored against.
    resume_page
        Where the patient is going next (a page id or ``"review"``), to
        continue there when they come back with their code.

    Returns
    -------
    Response
        The respondent's (single) response.

    Raises
    ------
    ResponseFrozen
        The response is submitted, or the respondent refused or was screened out.
    InvalidAnswer
        An unknown item, an option code not on the item's scale, or a text
        longer than the item allows (nothing is stored then).
    """
    checked = {item_id: _checked(questionnaire, item_id, value) for item_id, value in page_answers.items()}
    response = start_response(session, respondent, questionnaire)
    stored = dict(session.execute(select(Answer.item_id, Answer).where(Answer.response_id == response.id)).all())
    merged: dict[str, int | str] = {item_id: answer.value for item_id, answer in stored.items()}
    for item_id, (code, text) in checked.items():
        merged.pop(item_id, None)
        if code is not None or text is not None:
            merged[item_id] = code if code is not None else text
    shown = {item.id for item in questionnaire.visible_items(merged, respondent.pathway)}
    routed_past = [item_id for item_id in merged if item_id not in shown]
    removed = [item_id for item_id, (code, text) in checked.items() if code is None and text is None]
    if routed_past or removed:
        session.execute(
            delete(Answer).where(Answer.response_id == response.id, Answer.item_id.in_(routed_past + removed))
        )
    rows = [
        {"response_id": response.id, "item_id": item_id, "code": code, "text": text}
        for item_id, (code, text) in checked.items()
        if (code is not None or text is not None) and item_id in shown
    ]
    if rows:
        insert = _insert(session)
        statement = insert(Answer).values(rows)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["response_id", "item_id"],
                set_={"code": statement.excluded.code, "text": statement.excluded.text},
            )
        )
    response.updated_at = utc_now()
    if resume_page is not None:
        response.resume_page = resume_page
    session.flush()
    session.expire(response, ["answers"])
    return response


def submit(session: Session, respondent: Respondent, questionnaire, *, at: datetime | None = None) -> Response:
    """Make the response final; submitting again returns the first submission unchanged.

    Raises :class:`ResponseFrozen` for a respondent who refused or was
    screened out.
    """
    response = get_response(session, respondent, for_update=True)
    if response is not None and response.is_submitted:
        return response
    if response is None:
        response = start_response(session, respondent, questionnaire)
    if respondent.status in (RespondentStatus.REFUSED.value, RespondentStatus.SCREENED_OUT.value):
        raise ResponseFrozen(f"respondent {respondent.respondent_id} is {respondent.status}")
    response.submitted_at = at or utc_now()
    response.resume_page = None
    _set_status(session, respondent, RespondentStatus.SUBMITTED)
    session.flush()
    return response


def _leave(session: Session, respondent: Respondent, status: RespondentStatus) -> None:
    if respondent.status == status.value:
        return
    if respondent.status in _FINAL:
        raise ResponseFrozen(f"respondent {respondent.respondent_id} is already {respondent.status}")
    _set_status(session, respondent, status)


def refuse(session: Session, respondent: Respondent) -> None:
    """Record that the respondent does not want to take part, and delete any answers given.

    Only the refusal is kept (so that no reminders are sent); answers given
    before changing one's mind are deleted with the response, as the refusal
    page tells the patient. Repeating it is harmless; after a submission it is
    refused with :class:`ResponseFrozen`.
    """
    _leave(session, respondent, RespondentStatus.REFUSED)
    response_ids = select(Response.id).where(Response.respondent_pk == respondent.id).scalar_subquery()
    session.execute(delete(Answer).where(Answer.response_id.in_(response_ids)))
    session.execute(delete(Response).where(Response.respondent_pk == respondent.id))


def screen_out(session: Session, respondent: Respondent) -> None:
    """Record that the invitation's pathway does not describe the respondent's care."""
    _leave(session, respondent, RespondentStatus.SCREENED_OUT)


def _set_status(session: Session, respondent: Respondent, status: RespondentStatus) -> None:
    session.execute(
        update(Respondent)
        .where(Respondent.id == respondent.id)
        .values(status=status.value, status_changed_at=utc_now())
    )
    session.refresh(respondent, ["status", "status_changed_at"])


def client_fingerprint(client_address: str, key: bytes) -> str:
    """A keyed hash of the client's address: enough to count attempts, useless to identify anyone."""
    return hmac.new(key, b"client:" + client_address.encode("utf-8", "replace"), hashlib.sha256).hexdigest()


def too_many_code_attempts(
    session: Session, client_hash: str, *, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """Whether this client entered ``limit`` or more wrong codes within ``window``."""
    since = (now or utc_now()) - window
    count = session.execute(
        select(func.count())
        .select_from(CodeAttempt)
        .where(CodeAttempt.client_hash == client_hash, CodeAttempt.attempted_at >= since)
    ).scalar_one()
    return count >= limit


def record_wrong_code(session: Session, client_hash: str, *, window: timedelta, now: datetime | None = None) -> None:
    """Remember a wrong code from this client and forget attempts older than ``window``."""
    now = now or utc_now()
    session.execute(delete(CodeAttempt).where(CodeAttempt.attempted_at < now - window))
    session.add(CodeAttempt(client_hash=client_hash, attempted_at=now))
    session.flush()
