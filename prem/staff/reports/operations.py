"""Write side of the staff jobs: request, find (owner only), claim, run, finish and expire.

A job is a row of :class:`~prem.staff.reports.models.StaffJob`. The request
only validates and queues it; a runner (:mod:`prem.staff.reports.runner`,
``prem jobs work``) claims it with a conditional ``UPDATE … WHERE state =
'queued'`` (or a running job whose runner stopped sending heartbeats), so two
runners never make the same job, and makes the file with the same functions
``prem report``, ``prem tables`` and ``prem questionnaire codebook`` use.

What a job may hold follows the issue's roles: an analyst's jobs cover every
region but only aggregated results (never the person-level file of ``prem
tables --respondents``); a coordinator's report compares the pathways of one
of their regions, or a pathway in their regions only, and their tables hold
only their regions' rows. The job records the regions it is limited to, and
access is checked against them again at every view and download.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from flask import Flask
from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from contracts.errors import UserError
from contracts.messages import Message
from prem.errors import PremError
from prem.fieldwork.operations import get_round, utc_now
from prem.staff.models import Role, StaffUser
from prem.staff.operations import AuditAction, record
from prem.staff.reports.models import JobState, StaffJob

__all__ = [
    "DEFAULTS",
    "KINDS",
    "PRODUCTS",
    "JobRequest",
    "JobRequestError",
    "claim_next",
    "expire_jobs",
    "job_folder",
    "jobs_of",
    "record_download",
    "request_job",
    "result_path",
    "run_job",
    "setting",
    "utc_now",
    "visible_job",
]

log = logging.getLogger(__name__)

PRODUCTS = ("report", "tables", "codebook")
#: Report kinds (``prem report``): a pathway's regions, a region's pathways, the national overview.
KINDS = ("pathway", "region", "national")
LANGUAGES = ("sv", "en")

#: Settings of the jobs; ``instance/config.py`` or the test config may set each.
DEFAULTS = {
    # Where results are kept: outside any served folder (default instance/staff-jobs).
    "STAFF_JOB_DIR": None,
    # A finished job's file is kept this long, then deleted (the runner's cleanup, or `prem jobs cleanup`).
    "STAFF_JOB_LIFETIME": timedelta(hours=24),
    # A running job whose runner sent no heartbeat for this long is taken over by another runner.
    "STAFF_JOB_STALE": timedelta(minutes=2),
    # ... at most this many times in all; then it fails.
    "STAFF_JOB_ATTEMPTS": 3,
}

#: Percent done when each step starts.
_STEPS = {"reading": 10, "analysing": 30, "writing": 80}


class JobRequestError(PremError):
    """A job that cannot be made as asked (the message says why, for the staff member)."""


def setting(app: Flask, name: str):
    """A job setting: the app's, else the default."""
    return app.config.get(name, DEFAULTS[name]) if app.config.get(name) is not None else DEFAULTS[name]


def job_folder(app: Flask) -> Path:
    """The folder holding every job's result (created, readable by this user only)."""
    folder = Path(setting(app, "STAFF_JOB_DIR") or Path(app.instance_path) / "staff-jobs")
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


# --- Requesting and finding jobs ------------------------------------------------------------------------


@dataclass(frozen=True)
class JobRequest:
    """What a staff member asked for: the product, the round and, for a report, its scope and language."""

    product: str
    round_name: str
    kind: str = "national"
    pathway: str | None = None
    region: str | None = None
    lang: str = "sv"


def _scope(user: StaffUser, asked: JobRequest) -> tuple[dict, list[str] | None]:
    """The job's parameters and the regions it is limited to; :class:`JobRequestError` when not allowed."""
    from analysis.report import ReportError, check_scope

    coordinator = user.role == Role.COORDINATOR
    own = sorted(user.regions) if coordinator else None
    if asked.lang not in LANGUAGES:
        raise JobRequestError(Message("Choose a language."))
    if asked.product != "report":
        return {"lang": asked.lang}, own
    if asked.kind not in KINDS:
        raise JobRequestError(Message("Choose what the report compares."))
    regions: tuple[str, ...] = (asked.region,) if asked.region else ()
    if asked.kind == "region" and not regions:
        raise JobRequestError(Message("Choose the region of a region report."))
    if asked.kind == "pathway" and not asked.pathway:
        raise JobRequestError(Message("Choose the pathway of a pathway report."))
    if own is not None:
        if asked.kind == "national":
            raise JobRequestError(Message("A region coordinator cannot order the national report."))
        regions = regions or tuple(own)
        if not set(regions) <= set(own):  # the access check refuses this earlier; kept as a second lock
            raise JobRequestError(Message("The region is not yours."))
    try:
        check_scope(asked.kind, pathway=asked.pathway, regions=regions, lang=asked.lang)
    except ReportError as error:
        raise JobRequestError(error.message) from None
    params = {"kind": asked.kind, "pathway": asked.pathway, "regions": list(regions), "lang": asked.lang}
    return params, own


def request_job(session: Session, user: StaffUser, asked: JobRequest, *, now: datetime | None = None) -> StaffJob:
    """Queue a job for ``user`` (checked here, made later by a runner); recorded in the audit log."""
    if asked.product not in PRODUCTS:
        raise JobRequestError(Message("Choose what to download."))
    get_round(session, asked.round_name)
    params, regions = _scope(user, asked)
    job = StaffJob(
        id=secrets.token_hex(16),
        owner_id=user.id,
        product=asked.product,
        round_name=asked.round_name,
        params=params,
        regions=regions,
        state=JobState.QUEUED,
        progress=0,
        attempts=0,
        created_at=now or utc_now(),
    )
    session.add(job)
    session.flush()
    record(
        session,
        user.username,
        AuditAction.REPORT_REQUESTED,
        round_name=asked.round_name,
        region=",".join(regions or params.get("regions", [])) or None,
        detail=_describe(job),
    )
    return job


def _describe(job: StaffJob) -> str:
    """The audit log's words for a job: what was asked, never any of its content."""
    params = job.params
    if job.product == "report":
        scope = params.get("pathway") or ",".join(params.get("regions", [])) or "national"
        return f"{job.product} {params['kind']} {scope} {params['lang']} (job {job.id[:8]})"
    return f"{job.product} {params['lang']} (job {job.id[:8]})"


def _may_see(user: StaffUser, job: StaffJob) -> bool:
    """The owner, still allowed every region the job holds (a coordinator's regions may have changed)."""
    if job.owner_id != user.id:
        return False
    if user.role != Role.COORDINATOR:
        return job.regions is None
    return job.regions is not None and set(job.regions) <= set(user.regions)


def visible_job(session: Session, user: StaffUser, job_id: str) -> StaffJob | None:
    """The job ``job_id`` if ``user`` may see it, else ``None`` (the view answers 404 either way)."""
    job = session.get(StaffJob, job_id) if len(job_id) <= 32 else None
    return job if job is not None and _may_see(user, job) else None


def jobs_of(session: Session, user: StaffUser, *, limit: int = 20) -> list[StaffJob]:
    """The newest jobs of ``user`` that it may still see."""
    jobs = session.execute(
        select(StaffJob).where(StaffJob.owner_id == user.id).order_by(StaffJob.created_at.desc()).limit(limit)
    ).scalars()
    return [job for job in jobs if _may_see(user, job)]


def result_path(app: Flask, job: StaffJob, *, now: datetime | None = None) -> Path | None:
    """The finished file of ``job``, or ``None`` when it is not done, has expired or is gone."""
    if job.state != JobState.DONE or not job.result_name or job.expires_at is None:
        return None
    if job.expires_at <= (now or utc_now()):
        return None
    path = job_folder(app) / job.id / job.result_name
    return path if path.is_file() else None


def record_download(session: Session, user: StaffUser, job: StaffJob) -> None:
    """A downloaded result, in the audit log."""
    record(
        session,
        user.username,
        AuditAction.REPORT_DOWNLOADED,
        round_name=job.round_name,
        region=",".join(job.regions or job.params.get("regions", [])) or None,
        detail=f"{job.result_name} (job {job.id[:8]})",
    )


# --- Running jobs ---------------------------------------------------------------------------------------


def claim_next(session: Session, *, stale: timedelta, attempts: int, now: datetime | None = None) -> StaffJob | None:
    """Take the oldest queued job (or one whose runner stopped), or ``None``; the caller commits at once.

    The ``UPDATE`` names the state and heartbeat it read: if another runner
    claimed the row in between, it matches nothing and the next candidate is
    tried (PostgreSQL re-reads the row after the other's commit; SQLite
    serialises the writers), so a job is made by one runner at a time.
    """
    now = now or utc_now()
    candidates = session.execute(
        select(StaffJob.id, StaffJob.state, StaffJob.heartbeat_at, StaffJob.attempts)
        .where(
            or_(
                StaffJob.state == JobState.QUEUED,
                (StaffJob.state == JobState.RUNNING) & (StaffJob.heartbeat_at < now - stale),
            )
        )
        .order_by(StaffJob.created_at)
        .limit(10)
    ).all()
    for job_id, state, heartbeat, tried in candidates:
        same = (StaffJob.id == job_id) & (StaffJob.state == state)
        same &= StaffJob.heartbeat_at.is_(None) if heartbeat is None else StaffJob.heartbeat_at == heartbeat
        if tried >= attempts:
            interrupted = UserError(Message("The work was interrupted too many times."))
            session.execute(
                update(StaffJob)
                .where(same)
                .values(state=JobState.FAILED, finished_at=now, error=str(interrupted), reason=interrupted.to_data())
            )
            continue
        claimed = cast(
            CursorResult[Any],  # what an UPDATE returns
            session.execute(
                update(StaffJob)
                .where(same)
                .values(
                    state=JobState.RUNNING,
                    step="reading",
                    progress=_STEPS["reading"],
                    attempts=StaffJob.attempts + 1,
                    started_at=now,
                    heartbeat_at=now,
                )
            ),
        )
        if claimed.rowcount == 1:
            return session.get(StaffJob, job_id, populate_existing=True)
    return None


def heartbeat(session: Session, job_id: str, *, step: str | None = None) -> None:
    """Tell the other runners this job is still being made (and, with ``step``, how far it is)."""
    values: dict = {"heartbeat_at": utc_now()}
    if step is not None:
        values |= {"step": step, "progress": _STEPS[step]}
    session.execute(
        update(StaffJob).where((StaffJob.id == job_id) & (StaffJob.state == JobState.RUNNING)).values(**values)
    )


def requeue(session: Session, job_id: str) -> None:
    """Give a job back to the queue (its runner is stopping); the next runner starts it again."""
    session.execute(
        update(StaffJob)
        .where((StaffJob.id == job_id) & (StaffJob.state == JobState.RUNNING))
        .values(state=JobState.QUEUED, step=None, progress=0, heartbeat_at=None)
    )


def finish(
    session: Session, job_id: str, *, result_name: str | None, error: UserError | None, lifetime: timedelta
) -> None:
    """Record a job's end: its file's name and expiry, or why it failed (``error``; an error with no
    message: the reason is not the staff member's to know, the log has it)."""
    now = utc_now()
    values: dict = {"finished_at": now, "heartbeat_at": now}
    if error is None:
        values |= {
            "state": JobState.DONE,
            "result_name": result_name,
            "progress": 100,
            "step": None,
            "expires_at": now + lifetime,
        }
    else:
        values |= {"state": JobState.FAILED, "error": str(error)[:500], "reason": error.to_data(), "step": None}
    session.execute(
        update(StaffJob).where((StaffJob.id == job_id) & (StaffJob.state == JobState.RUNNING)).values(**values)
    )


def _safe(text: str) -> str:
    """``text`` as a file-name part: letters, digits and dashes."""
    return "".join(char if char.isalnum() or char == "-" else "-" for char in text).strip("-") or "x"


def _zip(folder: Path, out: Path) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                archive.write(path, path.name)


def make_result(
    session_factory: Callable[[], Session], job: StaffJob, work: Path, *, step: Callable[[str], None]
) -> str:
    """Make ``job``'s file in the folder ``work``; returns the file's name.

    The round is read in a short transaction of its own; the analysis and
    writing run outside any transaction. The same functions as the commands:
    :func:`prem.commands.analysis.write_report` (``prem report``),
    :func:`~prem.commands.analysis.write_round_tables` (``prem tables``) and
    :func:`questionnaires.codebook.write_codebook` (``prem questionnaire codebook``).
    """
    from prem.commands.analysis import bundled_rules, round_input, write_report, write_round_tables
    from questionnaires import load_questionnaire
    from questionnaires.codebook import write_codebook

    params, name = job.params, _safe(job.round_name)
    with session_factory() as session:
        survey_round = get_round(session, job.round_name)
        questionnaire = (survey_round.questionnaire_id, survey_round.questionnaire_version)
        source = round_input(session, job.round_name) if job.product != "codebook" else None
    if job.product == "codebook":
        step("writing")
        folder = work / "codebook"
        write_codebook(load_questionnaire(*questionnaire), folder)
        result = f"kodbok-{name}.zip"
        _zip(folder, work / result)
        return result
    assert source is not None
    if job.product == "report":
        regions = tuple(params["regions"])
        scope = params["pathway"] if params["kind"] == "pathway" else "-".join(regions) or "nationell"
        result = f"rapport-{name}-{_safe(scope)}-{params['lang']}.pdf"
        write_report(
            source,
            work / result,
            kind=params["kind"],
            pathway=params["pathway"],
            regions=regions,
            lang=params["lang"],
            rules=bundled_rules(),
            progress=step,
        )
        return result
    step("analysing")
    folder = work / "tables"
    regions_only = tuple(job.regions) if job.regions is not None else None
    _results, q, _written = write_round_tables(source, folder, regions=regions_only)
    step("writing")
    write_codebook(q, folder)
    suffix = "-region-" + "-".join(regions_only) if regions_only else ""
    result = f"tabeller-{name}{suffix}.zip"
    _zip(folder, work / result)
    return result


def run_job(app: Flask, session_factory: Callable[[], Session], job: StaffJob) -> None:
    """Make a claimed job's file and record the outcome (done, or failed with the reason)."""
    root = job_folder(app)
    work = root / f".{job.id}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(mode=0o700)

    def step(name: str) -> None:
        with session_factory() as session, session.begin():
            heartbeat(session, job.id, step=name)

    lifetime = setting(app, "STAFF_JOB_LIFETIME")
    try:
        result = make_result(session_factory, job, work, step=step)
    except UserError as error:
        # A report the round cannot give (no invited persons in a pathway, too few answers, ...): say why.
        shutil.rmtree(work, ignore_errors=True)
        with session_factory() as session, session.begin():
            finish(session, job.id, result_name=None, error=error, lifetime=lifetime)
        return
    except Exception:
        shutil.rmtree(work, ignore_errors=True)
        log.exception("staff job %s failed", job.id)
        with session_factory() as session, session.begin():
            finish(session, job.id, result_name=None, error=UserError(), lifetime=lifetime)
        return
    final = root / job.id
    shutil.rmtree(final, ignore_errors=True)
    final.mkdir(mode=0o700)
    (work / result).replace(final / result)
    shutil.rmtree(work, ignore_errors=True)
    with session_factory() as session, session.begin():
        finish(session, job.id, result_name=result, error=None, lifetime=lifetime)


def expire_jobs(session: Session, folder: Path, *, now: datetime | None = None) -> int:
    """Delete the files of jobs past their expiry (and folders no job owns); returns the jobs expired."""
    now = now or utc_now()
    expired = list(
        session.execute(
            select(StaffJob).where((StaffJob.state == JobState.DONE) & (StaffJob.expires_at <= now))
        ).scalars()
    )
    for job in expired:
        shutil.rmtree(folder / job.id, ignore_errors=True)
        job.state = JobState.EXPIRED
        job.result_name = None
    kept = set(session.execute(select(StaffJob.id).where(StaffJob.state == JobState.DONE)).scalars())
    running = set(session.execute(select(StaffJob.id).where(StaffJob.state == JobState.RUNNING)).scalars())
    for path in folder.iterdir():
        name = path.name.removeprefix(".").removesuffix(".partial")
        if name not in kept and name not in running:
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
    session.flush()
    return len(expired)
