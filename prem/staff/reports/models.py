"""A staff member's request for a report, tables or a codebook, made in the background (a job)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from prem.db import Base, UTCDateTime

__all__ = ["JobState", "StaffJob"]


class JobState:
    """The states of a job (the ``state`` column), in the order they are passed through."""

    QUEUED = "queued"  # waiting for a runner
    RUNNING = "running"  # claimed by a runner, which keeps ``heartbeat_at`` fresh
    DONE = "done"  # the result file is ready until ``expires_at``
    FAILED = "failed"  # ``error`` (and ``reason``) say why; no file
    EXPIRED = "expired"  # past ``expires_at``: the file is deleted


class StaffJob(Base):
    """One requested product of one round, for its owner only.

    ``id`` is a random token (it names the job in addresses, but access is
    decided by the owner and the owner's regions, never by knowing the id).
    ``params`` holds what was asked (report kind, pathway, regions, language);
    ``regions`` the regions the result is limited to (``None``: every region,
    for an analyst). The result lives in the job folder outside any served
    directory, as ``<job folder>/<id>/<result_name>``.
    """

    __tablename__ = "staff_job"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(20))  # report, tables or codebook
    round_name: Mapped[str] = mapped_column(String(100))
    params: Mapped[dict] = mapped_column(JSON)
    regions: Mapped[list | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(10), index=True)
    step: Mapped[str | None] = mapped_column(String(20))
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(500))  # why it failed, in English (as the log would say)
    # ... and as contracts.errors.UserError.to_data() gives it, so that the page shows it in its own language
    reason: Mapped[dict | None] = mapped_column(JSON)
    result_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
