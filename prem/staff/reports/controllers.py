"""Views of the reports page: request a job, follow it, download its file (the owner only).

A job another account made, a job of a region this account no longer acts
for and an unknown id all answer the same 404: a job id opens nothing by
itself (:func:`prem.staff.reports.operations.visible_job`).
"""

from __future__ import annotations

from flask import current_app, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from contracts.errors import UserError
from prem.db import found_or_404
from prem.errors import PremError
from prem.fieldwork.models import SurveyRound
from prem.staff.access import rule
from prem.staff.controllers import _detail, _errors, _failed, _render, _session, _user
from prem.staff.labels import pathway_name, region_name
from prem.staff.models import Role
from prem.staff.reports import operations
from prem.staff.reports.forms import JobForm
from prem.staff.reports.models import JobState, StaffJob

__all__ = ["job", "job_download", "reports"]

_KINDS = {
    "pathway": _l("the regions of one pathway"),
    "region": _l("the pathways of one region"),
    "national": _l("every pathway nationally"),
}


def _form() -> JobForm:
    user = _user()
    form = JobForm()
    names = _session().execute(select(SurveyRound.name).order_by(SurveyRound.opens.desc())).scalars()
    form.round_name.choices = [SelectChoice(name, name) for name in names]
    from sampling.reference import pathways, regions

    form.pathway.choices = [SelectChoice("", _("– choose –"))] + [
        SelectChoice(slug, pathway_name(slug)) for slug in pathways()
    ]
    coordinator = user.role == Role.COORDINATOR
    kinds = ("pathway", "region") if coordinator else operations.KINDS
    form.kind.choices = [SelectChoice(kind, str(_KINDS[kind])) for kind in kinds]
    codes = user.regions if coordinator else tuple(regions())
    blank = [] if coordinator else [SelectChoice("", _("– every region –"))]
    form.region.choices = blank + [SelectChoice(code, region_name(code)) for code in codes]
    return form


@rule(Role.ANALYST, Role.COORDINATOR)
def reports():
    """Order a report, tables or a codebook of a round; the newest own jobs below."""
    form = _form()
    errors = _errors(form) if request.method == "POST" else []
    if form.validate_on_submit():
        asked = operations.JobRequest(
            product=form.product.data,
            round_name=form.round_name.data,
            kind=form.kind.data or "",
            pathway=form.pathway.data or None,
            region=form.region.data or None,
            lang=form.lang.data,
        )
        try:
            job = operations.request_job(_session(), _user(), asked)
        except PremError as error:
            errors = [("product", _failed(_("The order could not be placed."), error))]
        else:
            return redirect(url_for(".job", job_id=job.id))
    jobs = operations.jobs_of(_session(), _user())
    return _render("staff/reports.html", form=form, errors=errors, jobs=jobs, hours=_hours())


def _job_or_404(job_id: str):
    return found_or_404(operations.visible_job(_session(), _user(), job_id))


@rule(Role.ANALYST, Role.COORDINATOR)
def job(job_id: str):
    """A job's state and progress; a reload link while it runs, the download when it is done."""
    found = _job_or_404(job_id)
    path = operations.result_path(current_app, found)
    expired = found.state == JobState.EXPIRED or (found.state == JobState.DONE and path is None)
    return _render(
        "staff/job.html", job=found, ready=path is not None, expired=expired, kinds=_KINDS, reason=_reason(found)
    )


def _reason(job: StaffJob) -> str:
    """Why a failed job failed, in the page language ("" when the staff member is not told: the log says)."""
    if job.reason is not None:
        return _detail(UserError.from_data(job.reason))
    return job.error or ""  # a job that failed before reasons were kept as data


@rule(Role.ANALYST, Role.COORDINATOR)
def job_download(job_id: str):
    """The job's file, for its owner, until it expires; every download is recorded in the audit log."""
    found = _job_or_404(job_id)
    path = operations.result_path(current_app, found)
    if path is None:
        return _render(
            "staff/error.html",
            410,
            heading=_("The file is no longer kept"),
            message=_("Files are kept for %(hours)d hours. Order it again on the reports page.", hours=_hours()),
        )
    operations.record_download(_session(), _user(), found)
    mimetype = "application/pdf" if path.suffix == ".pdf" else "application/zip"
    return send_file(path, mimetype=mimetype, as_attachment=True, download_name=path.name, max_age=0)


def _hours() -> int:
    return int(operations.setting(current_app, "STAFF_JOB_LIFETIME").total_seconds() // 3600)
