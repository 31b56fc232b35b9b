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
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache
from typing import cast

from sqlalchemy import Select, Update, bindparam, case, delete, literal, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from prem.db import UTCDateTime
from prem.errors import PremError
from prem.fieldwork.models import SCREEN_OUT_REASONS, Respondent, RespondentStatus
from prem.fieldwork.operations import utc_now
from prem.survey.models import Answer, CodeAttemptBucket, Response, SurveySession

__all__ = [
    "AnswerValue",
    "InvalidAnswer",
    "ResponseFrozen",
    "SurveyError",
    "client_fingerprint",
    "count_code_attempt",
    "get_response",
    "give_back_code_attempt",
    "lock_respondent",
    "refuse",
    "remember_language",
    "save_answers",
    "screen_out",
    "session_token_hash",
    "start_response",
    "submit",
    "take_code_attempt",
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
    return _dialect_insert(session.get_bind().dialect.name)


def _dialect_insert(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


# The statements of every request are built once: SQLAlchemy then reuses each one's cache key and
# compiled form instead of building and hashing a new statement for every request (a statement
# holds only bound-parameter names, never a value).


@cache
def _response_query() -> Select:
    return (
        select(Response)
        .where(Response.respondent_pk == bindparam("respondent_pk"))
        .options(joinedload(Response.answers))
        .execution_options(populate_existing=True)
    )


@cache
def _respondent_lock() -> Update:
    return (
        update(Respondent)
        .where(Respondent.id == bindparam("respondent"))
        .values(status=Respondent.status)
        .returning(Respondent.status)
        .execution_options(synchronize_session=False)
    )


def lock_respondent(session: Session, respondent: Respondent) -> None:
    """Take the respondent's row lock for the rest of the transaction and read their status afresh.

    Every change of one respondent's answers or status (a save, a submission,
    a refusal, a screening out) takes this lock first, so that two tabs of one
    patient act one after the other and each decides on what the other
    stored: a save after a refusal in another tab is refused like any save
    after a refusal, a refusal after a submission likewise, and a save routes
    on the answers the other tab just stored. It is an ``UPDATE`` that changes
    nothing, one statement that locks on both databases: PostgreSQL waits for
    the row and returns its last committed version; SQLite, which has no row
    locks, takes the database's write lock. What the transaction reads after
    it is read after the other's commit (a new statement in READ COMMITTED).
    """
    status = session.execute(_respondent_lock(), {"respondent": respondent.id}).scalar_one()
    set_committed_value(respondent, "status", status)


def get_response(session: Session, respondent: Respondent, *, for_update: bool = False) -> Response | None:
    """The respondent's response with its answers, if they have started (one statement).

    With ``for_update`` the respondent is locked first (:func:`lock_respondent`, one more statement),
    so the response and its answers are those the other tabs of the patient last stored.
    """
    if for_update:
        lock_respondent(session, respondent)
    return session.execute(_response_query(), {"respondent_pk": respondent.id}).unique().scalar_one_or_none()


def start_response(session: Session, respondent: Respondent, questionnaire) -> Response:
    """The respondent's response with its answers, the respondent locked (:func:`lock_respondent`),
    created on first use against ``questionnaire``.

    Two browsers starting at once wait for each other at the lock and give one
    response (the insert's ``ON CONFLICT DO NOTHING`` on the unique respondent
    is a second guard). A response that exists costs two statements: the lock
    and the read.
    """
    response = get_response(session, respondent, for_update=True)  # the respondent's status read afresh too
    if respondent.status in _FINAL:
        raise ResponseFrozen(f"respondent {respondent.respondent_id} is {respondent.status}")
    if response is None:
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
        response = get_response(session, respondent)  # the lock is held
    assert response is not None, "the insert made it, or it was there"
    if response.is_submitted:
        raise ResponseFrozen(f"respondent {respondent.respondent_id} has already submitted")
    if respondent.status != RespondentStatus.STARTED.value:
        _set_status(session, respondent, RespondentStatus.STARTED)
    return response


#: Control characters other than tab, newline and carriage return: nothing a
#: patient types, and PostgreSQL refuses NUL in text. They are dropped.
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


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
    text = _CONTROL_CHARACTERS.sub("", str(value)).strip()
    max_length = getattr(item, "max_length", None)
    if max_length is not None and len(text) > max_length:
        raise InvalidAnswer(f"item {item_id!r}: the text is longer than {max_length} characters")
    return None, text or None


@cache
def _answer_upsert(dialect: str):
    """One page's answers in one statement: inserted, or overwritten where the item was answered before.

    The rows are passed as parameters (SQLAlchemy sends them as one multi-row
    ``INSERT``), so the statement is built and compiled once, not per save.
    """
    statement = _dialect_insert(dialect)(Answer)
    return statement.on_conflict_do_update(
        index_elements=["response_id", "item_id"],
        set_={"code": statement.excluded.code, "text": statement.excluded.text},
    ).returning(Answer)


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
    kept = {answer.item_id: answer for answer in response.answers}
    merged: dict[str, int | str] = {item_id: answer.value for item_id, answer in kept.items()}
    for item_id, (code, text) in checked.items():
        merged.pop(item_id, None)
        if code is not None or text is not None:
            merged[item_id] = code if code is not None else cast(str, text)
    shown = {item.id for item in questionnaire.visible_items(merged, respondent.pathway)}
    routed_past = [item_id for item_id in merged if item_id not in shown]
    removed = [item_id for item_id, (code, text) in checked.items() if code is None and text is None]
    dropped = [item_id for item_id in routed_past + removed if item_id in kept]
    if dropped:
        session.execute(delete(Answer).where(Answer.response_id == response.id, Answer.item_id.in_(dropped)))
        for item_id in dropped:
            del kept[item_id]
    rows = [
        {"response_id": response.id, "item_id": item_id, "code": code, "text": text}
        for item_id, (code, text) in checked.items()
        if (code is not None or text is not None) and item_id in shown
    ]
    if rows:
        statement = _answer_upsert(session.get_bind().dialect.name)
        stored = session.scalars(statement, rows, execution_options={"populate_existing": True})
        kept.update((answer.item_id, answer) for answer in stored)
    # The answers are now known without reading them back: the stored rows are the response's answers.
    set_committed_value(response, "answers", list(kept.values()))
    response.updated_at = utc_now()  # written at the commit, with the caller's changes to the response
    if resume_page is not None:
        response.resume_page = resume_page
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
    lock_respondent(session, respondent)
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


def screen_out(session: Session, respondent: Respondent, reason: str | None = None) -> None:
    """Record that the invitation's pathway does not describe the respondent's care.

    ``reason`` is the patient's optional short choice (one of
    :data:`prem.fieldwork.models.SCREEN_OUT_REASONS`), kept to be counted.
    """
    if reason is not None and reason not in SCREEN_OUT_REASONS:
        raise InvalidAnswer(f"{reason!r} is not one of the screen-out reasons {list(SCREEN_OUT_REASONS)}")
    _leave(session, respondent, RespondentStatus.SCREENED_OUT)
    if reason is not None:
        session.execute(update(Respondent).where(Respondent.id == respondent.id).values(screen_out_reason=reason))


def remember_language(session: Session, respondent: Respondent, language: str) -> None:
    """Keep the patient's language with their response, so that resuming anywhere shows it."""
    session.execute(
        update(Response)
        .where(Response.respondent_pk == respondent.id, Response.language.is_distinct_from(language))
        .values(language=language)
    )


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


def take_code_attempt(
    session: Session, bucket: str, *, limit: int, window: timedelta, now: datetime | None = None
) -> bool:
    """Count one code check against ``bucket``; whether it is within ``limit`` for the current ``window``."""
    return count_code_attempt(session, bucket, window=window, now=now) <= limit


def count_code_attempt(session: Session, bucket: str, *, window: timedelta, now: datetime | None = None) -> int:
    """Count one code check against ``bucket``; the bucket's count in its current ``window``, this one included.

    One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement: the
    bucket's row is locked until the request commits, so attempts from any
    number of workers are counted one after the other and never more than
    the limit are let through in a window. A window older than ``window``
    starts again at this attempt.
    """
    now = now or utc_now()
    stale = CodeAttemptBucket.window_start < now - window
    insert = _insert(session)
    statement = insert(CodeAttemptBucket).values(bucket=bucket, window_start=now, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["bucket"],
        set_={
            "count": case((stale, 1), else_=CodeAttemptBucket.count + 1),
            "window_start": case((stale, literal(now, UTCDateTime)), else_=CodeAttemptBucket.window_start),
        },
    ).returning(CodeAttemptBucket.count)
    return session.execute(statement).scalar_one()


def give_back_code_attempt(session: Session, bucket: str) -> None:
    """Uncount an attempt that was no wrong code (the right code, or an empty or expired form)."""
    session.execute(
        update(CodeAttemptBucket)
        .where(CodeAttemptBucket.bucket == bucket, CodeAttemptBucket.count > 0)
        .values(count=CodeAttemptBucket.count - 1)
    )


def session_token_hash(token: str) -> str:
    """What the database keeps of a session or reset token: its SHA-256 (the token has 256 random bits)."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def begin_session(
    session: Session, respondent: Respondent, *, forget_before: datetime, now: datetime | None = None
) -> str:
    """A new server-side session for ``respondent``; returns the random token for the cookie.

    Only the token's SHA-256 is stored: the token has 256 random bits, so a
    plain hash is enough to make a copy of the table useless for signing in.
    """
    now = now or utc_now()
    session.execute(delete(SurveySession).where(SurveySession.started_at < forget_before))
    token = secrets.token_urlsafe(32)
    session.add(
        SurveySession(
            token_hash=session_token_hash(token), respondent_pk=respondent.id, started_at=now, last_seen_at=now
        )
    )
    session.flush()
    return token


#: How stale a session's ``last_seen_at`` may get before a request writes it again: the idle limit
#: holds to the minute without a write on every page.
SESSION_TOUCH_INTERVAL = timedelta(minutes=1)


@cache
def _session_query() -> Select:
    return (
        select(SurveySession)
        .where(SurveySession.token_hash == bindparam("token_hash"))
        .options(
            joinedload(SurveySession.respondent, innerjoin=True).joinedload(Respondent.survey_round, innerjoin=True)
        )
    )


def session_respondent(
    session: Session,
    token: str,
    *,
    lifetime: timedelta,
    idle: timedelta,
    now: datetime | None = None,
) -> Respondent | None:
    """The respondent (with their round) whose live session ``token`` names, else ``None``; one query.

    A session is live for at most ``lifetime`` after the code was entered and
    ``idle`` after its last request (noted at most every
    :data:`SESSION_TOUCH_INTERVAL`). An expired row is kept (until a later
    sign-in forgets old rows) only to bind answers posted over it to its
    respondent; it opens nothing.
    """
    now = now or utc_now()
    row = session.execute(_session_query(), {"token_hash": session_token_hash(token)}).scalar_one_or_none()
    if row is None:
        return None
    if now - row.started_at > lifetime or now - row.last_seen_at > idle:
        return None
    if now - row.last_seen_at >= SESSION_TOUCH_INTERVAL:
        row.last_seen_at = now
    return row.respondent


def session_owner(session: Session, token: str) -> int | None:
    """The respondent id of the session ``token`` named, live or expired (for carried answers)."""
    row = session.get(SurveySession, session_token_hash(token))
    return row.respondent_pk if row is not None else None


def end_session(session: Session, token: str) -> None:
    """End the session ``token`` names: its cookie opens nothing afterwards."""
    session.execute(delete(SurveySession).where(SurveySession.token_hash == session_token_hash(token)))
