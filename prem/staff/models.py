"""Staff accounts and their regions, server-side staff sessions, password resets and the audit log."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from prem.db import Base, UTCDateTime

__all__ = ["AuditEvent", "PasswordReset", "Role", "StaffSession", "StaffUser", "StaffUserRegion"]


class Role(enum.StrEnum):
    """What a staff account may do (README, "Staff web")."""

    ADMINISTRATOR = "administrator"  # creates rounds, manages accounts, sees the audit log
    COORDINATOR = "coordinator"  # acts for their own region(s) only
    ANALYST = "analyst"  # every region's aggregated results; no respondent-level lists


class StaffUser(UserMixin, Base):
    """A staff account: a unique user name, a role and (for a coordinator) the regions it acts for.

    ``password_hash`` is an argon2id hash (:mod:`prem.staff.passwords`), or
    ``None`` for an account whose password was never set or has been reset:
    such an account cannot sign in until its reset link is used.
    """

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    region_rows: Mapped[list[StaffUserRegion]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="StaffUserRegion.region"
    )

    #: The token of the server-side session this request runs under (set on sign-in and by the
    #: login manager's loader; never stored): what Flask-Login keeps in the signed cookie.
    session_token = None  # type: str | None

    def get_id(self) -> str | None:
        """Flask-Login's id of the signed-in user: the session token, so that the cookie names a session."""
        return self.session_token

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def regions(self) -> tuple[str, ...]:
        """The region codes a coordinator acts for (empty for the other roles)."""
        return tuple(row.region for row in self.region_rows)

    def __repr__(self) -> str:
        return f"<StaffUser {self.username!r} {self.role}>"


class StaffUserRegion(Base):
    """One region a coordinator acts for."""

    __tablename__ = "staff_user_region"

    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(2), primary_key=True)


class StaffSession(Base):
    """A signed-in staff member's session, server-side so that logging out ends it everywhere.

    As :class:`prem.survey.models.SurveySession`: the cookie carries a random
    token, this row its SHA-256, and the session is live for at most the
    absolute lifetime after sign-in and the idle time after its last request.
    """

    __tablename__ = "staff_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PasswordReset(Base):
    """A one-time password-reset link an administrator made: the token's SHA-256, valid until ``expires_at``."""

    __tablename__ = "staff_password_reset"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    user: Mapped[StaffUser] = relationship()


class AuditEvent(Base):
    """Who did what, when, in which round and region: never a respondent, an answer or a code.

    Append-only from the app's side: the migration adds database triggers
    that refuse ``UPDATE`` and ``DELETE`` on the table, and no operation
    changes a row. ``actor`` is the user name as it was (kept when an account
    is renamed or removed); ``None`` for the ``prem`` command.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str | None] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(40))
    round_name: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(2))
    detail: Mapped[str | None] = mapped_column(String(300))
