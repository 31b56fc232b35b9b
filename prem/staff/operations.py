"""Write side of the staff web: accounts, sign-in and sessions, password resets, the audit log.

As everywhere in prem, these functions take the caller's session and never
commit; the request (or the ``prem users`` command) owns the transaction.
Every action a person takes is recorded with :func:`record` by the
operation that performs it, never by the view.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import IO

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from contracts.messages import Message
from contracts.round_info import RoundInfoError, load_round_info
from prem.errors import PremError
from prem.fieldwork.codekeys import CodeKeys
from prem.fieldwork.models import Respondent, SurveyRound
from prem.fieldwork.operations import get_round, utc_now
from prem.staff import passwords
from prem.staff.models import AuditEvent, PasswordReset, Role, StaffSession, StaffUser, StaffUserRegion
from prem.staff.uploads import RoundFiles, sample_directory
from prem.survey.operations import give_back_code_attempt, session_token_hash, take_code_attempt

__all__ = [
    "AuditAction",
    "LoginFailed",
    "LoginThrottled",
    "StaffError",
    "Throttle",
    "close_round",
    "complete_password_reset",
    "create_round",
    "create_user",
    "end_session",
    "find_reset",
    "list_users",
    "log_in",
    "open_round",
    "record",
    "record_returned",
    "reminder_list",
    "session_user",
    "set_active",
    "start_password_reset",
]

_USERNAME = re.compile(r"[a-z0-9][a-z0-9._@-]{1,79}")


class StaffError(PremError):
    """A staff action that cannot be done as asked (the message says why)."""


class LoginFailed(StaffError):
    """Wrong user name or password (deliberately not saying which)."""


class LoginThrottled(StaffError):
    """Too many failed logins from this client or for this account in the current window."""

    def __init__(self, minutes: int) -> None:
        super().__init__(f"too many failed logins; try again in {minutes} minutes")
        self.minutes = minutes


class AuditAction:
    """The actions the audit log records (the ``action`` column)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    USER_CREATED = "user_created"
    PASSWORD_RESET_ISSUED = "password_reset_issued"
    PASSWORD_RESET_USED = "password_reset_used"
    ROUND_CREATED = "round_created"
    ROUND_OPENED = "round_opened"
    ROUND_CLOSED = "round_closed"
    CODES_DESTROYED = "codes_destroyed"
    REMINDERS_PRODUCED = "reminders_produced"
    RETURNED_MAIL_RECORDED = "returned_mail_recorded"
    AUDIT_EXPORTED = "audit_exported"
    USER_DEACTIVATED = "user_deactivated"
    USER_REACTIVATED = "user_reactivated"
    REPORT_REQUESTED = "report_requested"
    REPORT_DOWNLOADED = "report_downloaded"


def record(
    session: Session,
    actor: str | None,
    action: str,
    *,
    round_name: str | None = None,
    region: str | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Append one event to the audit log (no respondent id, answer or code ever goes in ``detail``)."""
    event = AuditEvent(
        at=utc_now(), actor=actor, action=action, round_name=round_name, region=region, detail=(detail or None)
    )
    session.add(event)
    session.flush()
    return event


def normalise_username(username: str) -> str:
    """User names are compared without case and surrounding spaces."""
    return username.strip().lower()


def get_user(session: Session, username: str) -> StaffUser | None:
    """The account called ``username`` (any case), or ``None``."""
    return session.execute(
        select(StaffUser).where(StaffUser.username == normalise_username(username))
    ).scalar_one_or_none()


def create_user(
    session: Session,
    username: str,
    role: str,
    regions: Sequence[str] = (),
    *,
    password: str | None = None,
    actor: str | None = None,
) -> StaffUser:
    """A new staff account; a coordinator needs at least one region, the other roles none.

    Without ``password`` the account cannot sign in until an administrator
    gives it a reset link (:func:`start_password_reset`).
    """
    from sampling.reference import regions as known_regions

    username = normalise_username(username)
    if not _USERNAME.fullmatch(username):
        raise StaffError(
            Message(
                "%(name)s cannot be a user name (2 to 80 lower-case letters a-z, digits and . _ @ -, "
                "starting with a letter or digit).",
                name=repr(username),
            )
        )
    try:
        role = Role(role).value
    except ValueError:
        raise StaffError(
            Message("%(role)s is not a role (expected one of %(roles)s).", role=repr(role), roles=", ".join(Role))
        ) from None
    region_codes = sorted({region.strip() for region in regions if region.strip()})
    unknown = [region for region in region_codes if region not in known_regions()]
    if unknown:
        raise StaffError(
            Message("%(codes)s: not a region code of regions.csv (two digits, e.g. 12).", codes=", ".join(unknown))
        )
    if role == Role.COORDINATOR and not region_codes:
        raise StaffError(Message("A region coordinator needs at least one region (--region 12)."))
    if role != Role.COORDINATOR and region_codes:
        raise StaffError(
            Message("An %(role)s acts for every region; regions are only given to coordinators.", role=role)
        )
    if password is not None and (problem := passwords.password_problem(password)):
        raise StaffError(problem)
    if get_user(session, username) is not None:
        raise StaffError(Message("There is already an account called %(name)s.", name=repr(username)))
    now = utc_now()
    user = StaffUser(
        username=username,
        role=role,
        password_hash=passwords.hash_password(password) if password is not None else None,
        active=True,
        created_at=now,
        password_changed_at=now if password is not None else None,
        region_rows=[StaffUserRegion(region=region) for region in region_codes],
    )
    session.add(user)
    session.flush()
    scope = f" for {', '.join(region_codes)}" if region_codes else ""
    record(session, actor, AuditAction.USER_CREATED, detail=f"{username} ({role}{scope})")
    return user


def list_users(session: Session) -> list[StaffUser]:
    """Every account, by user name."""
    return list(session.execute(select(StaffUser).order_by(StaffUser.username)).scalars())


@dataclass(frozen=True)
class Throttle:
    """One rate-limit bucket of failed logins: at most ``limit`` per ``window``."""

    bucket: str
    limit: int
    window: timedelta


def log_in(
    session: Session, username: str, password: str, *, throttles: Sequence[Throttle], forget_before: datetime
) -> tuple[StaffUser, str]:
    """Check a login and begin a server-side session; returns the account and the cookie's token.

    Every attempt is counted against ``throttles`` (the client's and the
    account's buckets, :func:`prem.survey.operations.take_code_attempt`'s
    single-statement counter) and given back when it succeeds, so only
    failures count. A failure is recorded in the audit log under the
    account's name only when the account exists: a password typed into the
    user-name field never reaches the log.

    Raises
    ------
    LoginThrottled
        A bucket is full (nothing is checked then, not even the password).
    LoginFailed
        Unknown user, wrong password, no password set or a deactivated account.
    """
    user = get_user(session, username)
    actor = user.username if user is not None else None
    for throttle in throttles:
        if not take_code_attempt(session, throttle.bucket, limit=throttle.limit, window=throttle.window):
            record(session, actor, AuditAction.LOGIN_FAILED, detail="too many failed logins")
            raise LoginThrottled(max(1, int(throttle.window.total_seconds() // 60)))
    matches = passwords.verify_password(user.password_hash if user is not None else None, password)
    if user is None or not matches or not user.active:
        reason = "unknown account" if user is None else ("account deactivated" if matches else "wrong password")
        record(session, actor, AuditAction.LOGIN_FAILED, detail=reason)
        raise LoginFailed("wrong user name or password")
    for throttle in throttles:
        give_back_code_attempt(session, throttle.bucket)
    if user.password_hash is not None and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    session.execute(delete(StaffSession).where(StaffSession.started_at < forget_before))
    token = secrets.token_urlsafe(32)
    now = utc_now()
    session.add(StaffSession(token_hash=session_token_hash(token), user_id=user.id, started_at=now, last_seen_at=now))
    record(session, user.username, AuditAction.LOGIN)
    return user, token


def session_user(
    session: Session, token: str, *, lifetime: timedelta, idle: timedelta, now: datetime | None = None
) -> StaffUser | None:
    """The active account whose live session ``token`` names (marking it used), else ``None``.

    An expired session is deleted on sight: after it nothing opens it again.
    """
    now = now or utc_now()
    row = session.get(StaffSession, session_token_hash(token))
    if row is None:
        return None
    if now - row.started_at > lifetime or now - row.last_seen_at > idle:
        session.delete(row)
        return None
    user = session.get(StaffUser, row.user_id)
    if user is None or not user.active:
        return None
    row.last_seen_at = now
    return user


def end_session(session: Session, token: str, actor: str) -> None:
    """Log out: delete the session ``token`` names, so that its cookie opens nothing afterwards."""
    session.execute(delete(StaffSession).where(StaffSession.token_hash == session_token_hash(token)))
    record(session, actor, AuditAction.LOGOUT)


def start_password_reset(session: Session, user: StaffUser, *, actor: str | None, lifetime: timedelta) -> str:
    """A one-time reset token for ``user``, valid for ``lifetime``; the account is locked until it is used.

    The old password stops working and the account's sessions end at once
    (a reset is what an administrator does for a forgotten or exposed
    password). Only the token's SHA-256 is stored; an earlier unused token is
    replaced.
    """
    now = utc_now()
    session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(token_hash=session_token_hash(token), user_id=user.id, created_at=now, expires_at=now + lifetime)
    )
    user.password_hash = None
    record(session, actor, AuditAction.PASSWORD_RESET_ISSUED, detail=user.username)
    return token


def find_reset(session: Session, token: str, *, now: datetime | None = None) -> PasswordReset | None:
    """The unexpired reset ``token`` names, else ``None``."""
    row = session.get(PasswordReset, session_token_hash(token))
    if row is None or (now or utc_now()) >= row.expires_at:
        return None
    return row


def complete_password_reset(session: Session, token: str, new_password: str) -> StaffUser:
    """Set the new password through the reset ``token`` (once: the token is deleted)."""
    reset = find_reset(session, token)
    if reset is None:
        raise StaffError(
            Message("This reset link has expired or has already been used; ask an administrator for a new one.")
        )
    if problem := passwords.password_problem(new_password):
        raise StaffError(problem)
    user = reset.user
    user.password_hash = passwords.hash_password(new_password)
    user.password_changed_at = utc_now()
    session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    record(session, user.username, AuditAction.PASSWORD_RESET_USED)
    return user


def set_active(session: Session, user: StaffUser, active: bool, *, actor: str) -> None:
    """Deactivate an account (its sessions and reset links end at once) or let it log in again.

    An administrator cannot deactivate their own account, nor the last
    active administrator: someone must be able to undo it.
    """
    if user.active == active:
        return
    if not active:
        if user.username == actor:
            raise StaffError(Message("You cannot deactivate your own account."))
        if user.role == Role.ADMINISTRATOR:
            others = session.execute(
                select(func.count())
                .select_from(StaffUser)
                .where(StaffUser.role == Role.ADMINISTRATOR, StaffUser.active, StaffUser.id != user.id)
            ).scalar_one()
            if not others:
                raise StaffError(Message("The last active administrator cannot be deactivated."))
        session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id))
    user.active = active
    action = AuditAction.USER_REACTIVATED if active else AuditAction.USER_DEACTIVATED
    record(session, actor, action, detail=user.username)


def audit_events(session: Session, *, limit: int | None = None) -> list[AuditEvent]:
    """The audit log, newest first."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def create_round(
    session: Session,
    files: RoundFiles,
    *,
    name: str,
    opens: date,
    closes: date,
    questionnaire_id: str | None,
    keys: CodeKeys,
    actor: str,
) -> SurveyRound:
    """Create a round from uploaded files with the import ``prem fieldwork import`` runs.

    The files pass through :func:`prem.staff.uploads.sample_directory` (a
    private temporary folder, deleted afterwards), so the import reads exactly
    what it reads from a sample directory on the command line.
    """
    from prem.fieldwork.operations import FieldworkError, import_round

    with sample_directory(files) as directory:
        info_path = directory / "round-info.yaml"
        try:
            round_info = load_round_info(info_path) if info_path.exists() else None
        except RoundInfoError as error:  # sample_directory names the file by its role, not the temporary folder
            raise FieldworkError(error.message) from None
        survey_round = import_round(
            session,
            name,
            directory / "frame.csv",
            directory / "mailing.csv",
            opens,
            closes,
            keys,
            questionnaire_id,
            round_info=round_info,
        )
    invited = session.execute(
        select(func.count()).select_from(Respondent).where(Respondent.round_id == survey_round.id)
    ).scalar_one()
    record(
        session,
        actor,
        AuditAction.ROUND_CREATED,
        round_name=survey_round.name,
        detail=f"{invited} respondents, {survey_round.questionnaire_id} {survey_round.questionnaire_version}, "
        f"{opens}..{closes}",
    )
    return survey_round


def open_round(session: Session, round_name: str, *, today: date, actor: str) -> SurveyRound:
    """Let the round's codes work from ``today``: its first day of fieldwork moves to today.

    A round's codes work from its first to its last day (both inclusive);
    opening it early is the one change to that window the staff pages make.
    """
    survey_round = get_round(session, round_name)
    if survey_round.closed_at is not None:
        raise StaffError(
            Message("The round %(name)s is closed; a closed round cannot be opened again.", name=repr(round_name))
        )
    if survey_round.closes < today:
        raise StaffError(
            Message(
                "The round %(name)s ended on %(closes)s; it can only be closed now.",
                name=repr(round_name),
                closes=survey_round.closes,
            )
        )
    if survey_round.opens <= today:
        raise StaffError(
            Message(
                "The round %(name)s is already open (since %(opens)s).", name=repr(round_name), opens=survey_round.opens
            )
        )
    planned = survey_round.opens
    survey_round.opens = today
    session.flush()
    record(
        session, actor, AuditAction.ROUND_OPENED, round_name=round_name, detail=f"opened {today} (planned {planned})"
    )
    return survey_round


def close_round(session: Session, round_name: str, *, keys: CodeKeys, today: date, actor: str) -> int:
    """Close the round with the fieldwork close operation (destroying its codes) and record both.

    Pressing "close" on the round's confirmation page is the administrator's
    decision, so a round is closed early here as ``--force`` does on the
    command line.
    """
    from prem.fieldwork.operations import close_round as close_fieldwork_round

    destroyed = close_fieldwork_round(session, round_name, keys=keys, today=today, force=True)
    record(session, actor, AuditAction.ROUND_CLOSED, round_name=round_name, detail=f"closed {today}")
    record(session, actor, AuditAction.CODES_DESTROYED, round_name=round_name, detail=f"{destroyed} access codes")
    return destroyed


def reminder_list(session: Session, round_name: str, region: str, *, actor: str) -> tuple[int, list[str]]:
    """The respondent ids of ``region`` due a reminder, and the wave's number; the wave is recorded.

    Who is due is :func:`prem.fieldwork.operations.reminder_respondent_ids`'
    rule (the one ``prem fieldwork reminders`` uses), kept to the region's
    respondents. Each list produced is a wave, recorded in the audit log with
    its count (never its ids).
    """
    from prem.fieldwork.operations import reminder_respondent_ids

    survey_round = get_round(session, round_name)
    in_region = set(
        session.execute(
            select(Respondent.respondent_id).where(Respondent.round_id == survey_round.id, Respondent.region == region)
        ).scalars()
    )
    due = [
        respondent_id for respondent_id in reminder_respondent_ids(session, round_name) if respondent_id in in_region
    ]
    earlier = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == AuditAction.REMINDERS_PRODUCED,
            AuditEvent.round_name == survey_round.name,
            AuditEvent.region == region,
        )
    ).scalar_one()
    wave = earlier + 1
    record(
        session,
        actor,
        AuditAction.REMINDERS_PRODUCED,
        round_name=survey_round.name,
        region=region,
        detail=f"reminder {wave}: {len(due)} respondent ids",
    )
    return wave, due


_RETURNED_REASONS = ("undeliverable", "deceased")
_ANSWERED = ("started", "submitted")


def record_returned(session: Session, round_name: str, region: str, stream: IO[bytes], *, actor: str) -> dict[str, int]:
    """Record a region's returned letters and deceased persons from an uploaded CSV (respondent_id, reason).

    Every row is checked first, and conflicts are reported, never resolved
    silently: an id that is not the region's respondent in this round (the
    same message whether it is unknown or another region's, so nothing leaks),
    an unknown reason, the same id twice with different reasons, and an id
    whose person has started or submitted the questionnaire. Only when there
    is none are the rows handed to
    :func:`prem.fieldwork.operations.record_returned_mail`, the operation
    ``prem fieldwork returned`` runs, and the upload recorded with its counts.
    """
    import csv
    import io
    import tempfile
    from pathlib import Path

    from prem.fieldwork.operations import FieldworkError, record_returned_mail

    survey_round = get_round(session, round_name)
    statuses = dict(
        session.execute(
            select(Respondent.respondent_id, Respondent.status).where(
                Respondent.round_id == survey_round.id, Respondent.region == region
            )
        ).all()
    )
    problems: list[str] = []
    reasons: dict[str, str] = {}
    try:
        reader = csv.reader(io.TextIOWrapper(stream, encoding="utf-8-sig", newline=""), strict=True)
        header = [name.strip() for name in next(reader, None) or []]
        if "respondent_id" not in header or "reason" not in header:
            raise FieldworkError(Message("returned.csv: line 1: expected the columns respondent_id and reason."))
        id_at, reason_at = header.index("respondent_id"), header.index("reason")
        for fields in reader:
            where = Message("line %(line)s", line=reader.line_num)
            if len(fields) <= max(id_at, reason_at):
                problems.append(Message("%(where)s: the row ends early", where=where))
                continue
            respondent_id, reason = fields[id_at].strip(), fields[reason_at].strip().lower()
            if respondent_id not in statuses:
                problems.append(
                    Message(
                        "%(where)s, column respondent_id: not a respondent of round %(name)s in region %(region)s",
                        where=where,
                        name=repr(round_name),
                        region=region,
                    )
                )
            elif reason not in _RETURNED_REASONS:
                problems.append(
                    Message(
                        "%(where)s, column reason: %(value)s (expected undeliverable or deceased)",
                        where=where,
                        value=repr(reason[:20]),
                    )
                )
            elif reasons.get(respondent_id, reason) != reason:
                problems.append(
                    Message(
                        "%(where)s: %(id)s is given both %(first)s and %(second)s; say which is right",
                        where=where,
                        id=respondent_id,
                        first=reasons[respondent_id],
                        second=reason,
                    )
                )
            elif statuses[respondent_id] in _ANSWERED:
                problems.append(
                    Message(
                        "%(where)s: %(id)s has answered the questionnaire (%(status)s)",
                        where=where,
                        id=respondent_id,
                        status=statuses[respondent_id],
                    )
                )
            else:
                reasons[respondent_id] = reason
    except (UnicodeDecodeError, csv.Error) as error:
        raise FieldworkError(
            Message("returned.csv: cannot be read as a UTF-8 CSV file (%(error)s).", error=error)
        ) from None
    if problems:
        shown: tuple[str, ...] = tuple(problems[:10])
        if len(problems) > 10:
            shown += (Message("... and %(count)s more", count=len(problems) - 10),)
        raise FieldworkError(Message("returned.csv: nothing was recorded:%(problems)s", problems=shown))
    if not reasons:
        raise FieldworkError(Message("returned.csv: the file has no rows."))
    with tempfile.TemporaryDirectory(prefix="prem-upload-") as folder:
        path = Path(folder) / "returned.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["respondent_id", "reason"])
            writer.writerows(reasons.items())
        counts = record_returned_mail(session, round_name, path)
    record(
        session,
        actor,
        AuditAction.RETURNED_MAIL_RECORDED,
        round_name=survey_round.name,
        region=region,
        detail=f"{counts['undeliverable']} undeliverable, {counts['deceased']} deceased",
    )
    return counts
