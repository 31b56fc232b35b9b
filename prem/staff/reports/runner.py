"""The job runner: ``prem jobs work``, a process of its own beside the web server.

Why a separate process, not a thread in each gunicorn worker: an analysis
and its PDF take seconds to minutes of CPU in pandas, statsmodels and
reportlab; in a web worker they would hold the interpreter lock while
patients save their answers, and a worker restarted by gunicorn (its
timeout, ``max_requests``, a deploy) would take the job with it. The runner
shares nothing with the web workers but the database and the job folder:
any number of runners may run (on PostgreSQL, on several machines with a
shared job folder), each job is claimed by one conditional ``UPDATE``
(:func:`~prem.staff.reports.operations.claim_next`), a heartbeat thread
keeps the claim fresh, and a job whose runner died (SIGKILL, power) is taken
over by the next runner once its heartbeat is older than
``STAFF_JOB_STALE``. A runner told to stop (SIGTERM, SIGINT) gives its
job back to the queue at once.

``prem serve`` starts one runner as its child process (``--no-jobs`` when
the runner is run as a service of its own, as docs/ARCHITECTURE.md and the
README describe for production), so ``make demo-serve`` makes reports too.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType

from flask import Flask
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from prem.db import db
from prem.staff.reports import operations

__all__ = ["work"]

log = logging.getLogger(__name__)

#: Seconds between heartbeats of a running job (well below STAFF_JOB_STALE).
HEARTBEAT_SECONDS = 15.0
#: Seconds between expiry sweeps.
CLEANUP_SECONDS = 300.0


class _Stop(BaseException):
    """Raised in the runner's main thread by SIGTERM or SIGINT."""


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def _beat(factory: Callable[[], Session], job_id: str, done: threading.Event) -> None:
    while not done.wait(HEARTBEAT_SECONDS):
        try:
            with factory() as session, session.begin():
                operations.heartbeat(session, job_id)
        except Exception:  # a database blip: the next beat tries again; the claim lasts STAFF_JOB_STALE
            log.warning("heartbeat of job %s failed", job_id, exc_info=True)


def work(app: Flask, *, poll: float = 2.0, once: bool = False, parent: int | None = None) -> int:
    """Claim and make jobs until stopped; returns the number of jobs made.

    ``once``: stop when the queue is empty. ``parent``: stop when that
    process (``prem serve``) is gone. SIGTERM and SIGINT stop it only in the
    main thread (where Python delivers signals); a test may run it in another.
    """
    made = 0
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_stop)
        signal.signal(signal.SIGINT, _raise_stop)
    with app.app_context():
        engine = db.engine

        def factory() -> Session:
            return Session(engine, expire_on_commit=False)

        stale = operations.setting(app, "STAFF_JOB_STALE")
        attempts = operations.setting(app, "STAFF_JOB_ATTEMPTS")
        last_cleanup = 0.0
        try:
            while True:
                if parent is not None and os.getppid() != parent:
                    log.info("prem serve has stopped; the job runner stops too")
                    return made
                try:
                    if time.monotonic() - last_cleanup > CLEANUP_SECONDS:
                        with factory() as session, session.begin():
                            operations.expire_jobs(session, operations.job_folder(app))
                        last_cleanup = time.monotonic()
                    with factory() as session, session.begin():
                        job = operations.claim_next(session, stale=stale, attempts=attempts)
                except DBAPIError:  # the database is restarting or unreachable: wait, then look again
                    log.warning("the job runner cannot reach the database; trying again", exc_info=True)
                    time.sleep(max(poll, 5.0))
                    continue
                if job is None:
                    if once:
                        return made
                    time.sleep(poll)
                    continue
                done = threading.Event()
                beat = threading.Thread(target=_beat, args=(factory, job.id, done), daemon=True)
                beat.start()
                try:
                    operations.run_job(app, factory, job)
                except _Stop:
                    with factory() as session, session.begin():
                        operations.requeue(session, job.id)
                    log.info("stopped; job %s is back in the queue", job.id)
                    return made
                except DBAPIError:  # its outcome could not be written: a runner takes it over once it is stale
                    log.warning("job %s: the database went away; it will be made again", job.id, exc_info=True)
                    continue
                finally:
                    done.set()
                    beat.join()
                made += 1
        except _Stop:  # told to stop between jobs: nothing to give back
            return made
