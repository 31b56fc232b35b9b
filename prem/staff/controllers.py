"""Views of the staff pages: each declares its access rule, loads, validates, calls one operation, redirects.

Access is checked before every view by :func:`prem.staff.access.check_access`
(the blueprint's ``before_request``), from the rule each view declares here;
posts are checked for their CSRF token in the same place. The request's
transaction is committed once after the view (:mod:`prem.db`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import ValidationError
from wtforms.fields.choices import SelectChoice

from contracts.errors import UserError
from contracts.spreadsheet import spreadsheet_csv
from prem.db import db, found_or_404
from prem.errors import PremError
from prem.fieldwork.models import SurveyRound
from prem.fieldwork.operations import survey_today
from prem.i18n import available_languages
from prem.security import access_code_key, code_keys
from prem.staff import operations, rounds
from prem.staff.access import ALL_ROLES, public, rule, visible_regions
from prem.staff.forms import ActionForm, LoginForm, NewPasswordForm, ReturnedForm, RoundForm, UserForm
from prem.staff.models import Role, StaffUser
from prem.staff.uploads import RoundFiles
from prem.survey.operations import client_fingerprint

__all__ = [
    "audit_csv",
    "audit_log",
    "check_csrf",
    "close_round",
    "dashboard",
    "home",
    "language",
    "login",
    "logout",
    "new_round",
    "new_user",
    "open_round",
    "reminders_csv",
    "reset_password",
    "reset_user",
    "returned_mail",
    "round_detail",
    "round_list",
    "set_user_active",
    "users",
]

ADMIN = Role.ADMINISTRATOR
COORDINATOR = Role.COORDINATOR
ANALYST = Role.ANALYST


def _session() -> Session:
    """The request's database session (the scoped session's current one)."""
    return db.session()


def _user() -> StaffUser:
    return current_user


def _today():
    return survey_today(current_app.config["SURVEY_TIMEZONE"])


def _errors(form) -> list[tuple[str, str]]:
    """The error summary's entries ``(field id, message)``."""
    return [(name, message) for name, messages in form.errors.items() if name != "csrf_token" for message in messages]


def _render(template: str, status: int = 200, **context):
    errors = context.pop("errors", [])
    return render_template(template, errors=errors, has_errors=bool(errors), **context), status


def _failed(lead: str, error: Exception) -> str:
    """An operation's refusal for staff: a sentence in the page language, then the detail the operation
    gave (shared with the ``prem`` command, naming file, line and column where there are any), in the
    page language too where the operation's message is a :class:`contracts.messages.Message`."""
    return f"{lead} {_detail(error)}"


def _detail(error: Exception) -> str:
    """What :func:`_failed` says after its lead: the error in the page language, as a sentence (the
    command's lower-case start capitalised; a message led by a file name, ``frame.csv: ...``, keeps it)."""
    detail = error.translated(_) if isinstance(error, UserError) else str(error)
    first = detail.split(" ", 1)[0]
    return detail[:1].upper() + detail[1:] if first.isalpha() else detail


def check_csrf() -> None:
    """Every post to a staff page carries the CSRF token of a form this session was shown."""
    if request.method == "POST":
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            raise CSRFError(error.args[0]) from None


def _local_staff_path(target: str | None) -> str | None:
    """``target`` if it is a staff page of this site (for "continue where you were" after login), else ``None``."""
    if not target or any(ord(char) < 32 or ord(char) == 127 for char in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") or parts.path.startswith("//"):
        return None
    return target


# --- Signing in and out -------------------------------------------------------------------------------


@public
def login():
    """The staff login: user name and password, failed attempts rate-limited per client and account."""
    if current_user.is_authenticated:
        return redirect(url_for(".home"))
    form = LoginForm()
    if not form.validate_on_submit():
        return _render("staff/login.html", form=form, errors=_errors(form), expired="csrf_token" in form.errors)
    config = current_app.config
    key = access_code_key()
    window = config["STAFF_LOGIN_WINDOW"]
    throttles = (
        operations.Throttle(
            "staff-client:" + client_fingerprint(request.remote_addr or "-", key)[:64],
            config["STAFF_LOGIN_CLIENT_LIMIT"],
            window,
        ),
        operations.Throttle(
            "staff-user:" + client_fingerprint("user:" + operations.normalise_username(form.username.data), key),
            config["STAFF_LOGIN_ACCOUNT_LIMIT"],
            window,
        ),
    )
    try:
        user, token = operations.log_in(
            _session(),
            form.username.data,
            form.password.data,
            throttles=throttles,
            forget_before=operations.utc_now() - config["STAFF_SESSION_LIFETIME"],
        )
    except operations.LoginThrottled as throttled:
        return _render("staff/login.html", 429, form=form, errors=[], rate_limited=throttled.minutes)
    except operations.LoginFailed:
        message = _("The user name or password is wrong.")
        return _render("staff/login.html", form=form, errors=[("username", message)], login_failed=True)
    language = session.get("lang")
    session.clear()  # a fresh cookie on sign-in: nothing of an earlier session carries over
    if language:
        session["lang"] = language
    user.session_token = token
    login_user(user)
    return redirect(_local_staff_path(request.args.get("next")) or url_for(".home"))


@rule(*ALL_ROLES)
def logout():
    """End the session on the server (its cookie opens nothing afterwards) and in this browser."""
    form = ActionForm()
    if form.validate_on_submit():
        user = _user()
        operations.end_session(_session(), user.session_token or "", user.username)
        logout_user()
        session.clear()
        flash(_("You have logged out."))
    return redirect(url_for(".login"))


@public
def reset_password(token: str):
    """Set a new password with the one-time link an administrator gave (the link works once, for a day)."""
    reset = operations.find_reset(_session(), token)
    if reset is None:
        return _render("staff/reset_invalid.html", 404)
    form = NewPasswordForm()
    if form.validate_on_submit():
        operations.complete_password_reset(_session(), token, form.password.data)
        if current_user.is_authenticated:
            logout_user()
        session.clear()
        flash(_("Your new password is set. Log in with it."))
        return redirect(url_for(".login"))
    return _render("staff/reset_password.html", form=form, username=reset.user.username, errors=_errors(form))


@public
def language(lang: str):
    """Switch the page language (a plain link)."""
    if lang in available_languages():
        session["lang"] = lang
    return redirect(_local_staff_path(request.args.get("next")) or url_for(".home"))


# --- Accounts -------------------------------------------------------------------------------------------


@rule(ADMIN)
def users():
    """Every staff account, with a reset button each."""
    return _render("staff/users.html", users=operations.list_users(_session()), form=ActionForm())


def _region_choices() -> list[SelectChoice]:
    from sampling.reference import regions

    return [SelectChoice(code, f"{code} {region.name}") for code, region in regions().items()]


@rule(ADMIN)
def new_user():
    """Create an account; its owner sets the password through the one-time link shown next."""
    form = UserForm()
    form.regions.choices = _region_choices()
    errors = []
    if form.validate_on_submit():
        try:
            user = operations.create_user(
                _session(), form.username.data, form.role.data, form.regions.data or (), actor=_user().username
            )
        except operations.StaffError as error:
            errors = [("username", _failed(_("The account could not be created."), error))]
        else:
            return _issue_reset(user, created=True)
    return _render("staff/user_new.html", form=form, errors=errors or _errors(form))


def _issue_reset(user: StaffUser, *, created: bool):
    lifetime = current_app.config["STAFF_RESET_LIFETIME"]
    token = operations.start_password_reset(_session(), user, actor=_user().username, lifetime=lifetime)
    link = url_for(".reset_password", token=token, _external=True)
    hours = int(lifetime.total_seconds() // 3600)
    return _render("staff/reset_link.html", user=user, link=link, hours=hours, created=created)


@rule(ADMIN)
def reset_user(user_id: int):
    """Lock an account and show a one-time link with which its owner sets a new password."""
    form = ActionForm()
    user = db.get_or_404(StaffUser, user_id)
    if not form.validate_on_submit():
        return redirect(url_for(".users"))
    return _issue_reset(user, created=False)


@rule(ADMIN)
def set_user_active(user_id: int):
    """Deactivate an account (its sessions end on the server at once) or activate it again."""
    form = ActionForm()
    user = db.get_or_404(StaffUser, user_id)
    if form.validate_on_submit():
        active = request.form.get("active") == "1"
        try:
            operations.set_active(_session(), user, active, actor=_user().username)
        except operations.StaffError as error:
            flash(_failed(_("The account was not changed."), error), "error")
        else:
            if active:
                flash(_("The account %(name)s can log in again.", name=user.username))
            else:
                flash(_("The account %(name)s is deactivated and logged out everywhere.", name=user.username))
    return redirect(url_for(".users"))


# --- Rounds ---------------------------------------------------------------------------------------------


@rule(*ALL_ROLES)
def home():
    """The start page: the rounds."""
    return redirect(url_for(".round_list"))


@rule(*ALL_ROLES)
def round_list():
    """Every round with its window, state and invited/completed counts in the regions this account sees."""
    summaries = rounds.round_summaries(_session(), visible_regions(_user()), today=_today())
    return _render("staff/rounds.html", summaries=summaries)


@rule(*ALL_ROLES)
def round_detail(round_name: str):
    """One round: its window and state, the counts per pathway and region this account sees, its actions."""
    survey_round = _round_or_404(round_name)
    summary = rounds.round_summary(_session(), survey_round, visible_regions(_user()), today=_today())
    return _render("staff/round.html", summary=summary, form=ActionForm())


def _round_or_404(round_name: str) -> SurveyRound:
    return found_or_404(
        _session().execute(select(SurveyRound).where(SurveyRound.name == round_name)).scalar_one_or_none()
    )


def _questionnaire_choices() -> list[SelectChoice]:
    from questionnaires.loader import bundled_questionnaires

    newest: dict[str, str] = {}
    for questionnaire_id, version in bundled_questionnaires():
        newest[questionnaire_id] = version
    return [
        SelectChoice(questionnaire_id, f"{questionnaire_id} {version}") for questionnaire_id, version in newest.items()
    ]


@rule(ADMIN, upload=True)
def new_round():
    """Create a round from the files ``prem sample`` wrote, with the same import as the command line."""
    form = RoundForm()
    form.questionnaire.choices = _questionnaire_choices()
    errors = _errors(form) if request.method == "POST" else []
    if form.validate_on_submit():
        files = RoundFiles(
            frame=form.frame.data.stream,
            mailing=form.mailing.data.stream,
            flow=form.flow.data.stream if form.flow.data else None,
            manifest=form.manifest.data.stream if form.manifest.data else None,
            round_info=form.round_info.data.stream if form.round_info.data else None,
        )
        try:
            # Everything is checked before anything is written, so a refused upload leaves nothing behind.
            survey_round = operations.create_round(
                _session(),
                files,
                name=form.name.data,
                opens=form.opens.data,
                closes=form.closes.data,
                questionnaire_id=form.questionnaire.data,
                keys=code_keys(),
                actor=_user().username,
            )
        except PremError as error:
            errors = [("frame", _failed(_("The round could not be created; nothing was saved."), error))]
        else:
            flash(_("The round %(name)s is created.", name=survey_round.name))
            return redirect(url_for(".round_detail", round_name=survey_round.name))
    return _render("staff/round_new.html", form=form, errors=errors)


@rule(ADMIN)
def open_round(round_name: str):
    """Open the round today: its codes work from now on."""
    _round_or_404(round_name)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            operations.open_round(_session(), round_name, today=_today(), actor=_user().username)
        except PremError as error:
            flash(_failed(_("The round could not be opened."), error), "error")
        else:
            flash(_("The round is open: the access codes work from today."))
    return redirect(url_for(".round_detail", round_name=round_name))


@rule(ADMIN)
def close_round(round_name: str):
    """Ask, then close the round: every access code is destroyed and no code works any more."""
    survey_round = _round_or_404(round_name)
    form = ActionForm()
    if request.method == "POST" and form.validate_on_submit() and request.form.get("confirm") == "yes":
        try:
            destroyed = operations.close_round(
                _session(), round_name, keys=code_keys(), today=_today(), actor=_user().username
            )
        except PremError as error:
            flash(_failed(_("The round could not be closed."), error), "error")
        else:
            flash(_("The round is closed; %(count)d access codes were destroyed.", count=destroyed))
        return redirect(url_for(".round_detail", round_name=round_name))
    return _render(
        "staff/round_close.html", survey_round=survey_round, form=form, early=_today() <= survey_round.closes
    )


# --- Fieldwork dashboard and reminders ---------------------------------------------------------------


@rule(*ALL_ROLES)
def dashboard(round_name: str):
    """Dispositions and response rates per pathway × region, and completions per day, of the visible regions."""
    from prem.staff.chart import daily_chart
    from prem.staff.dashboard import fieldwork

    survey_round = _round_or_404(round_name)
    figures = fieldwork(
        _session(), round_name, visible_regions(_user()), timezone=current_app.config["SURVEY_TIMEZONE"]
    )
    last_day = min(_today(), survey_round.closes)
    chart = daily_chart(figures.completions, survey_round.opens, last_day)
    regions = sorted({row.region for row in figures.rows if row.region})
    return _render("staff/dashboard.html", survey_round=survey_round, figures=figures, chart=chart, regions=regions)


@rule(ADMIN, COORDINATOR)
def reminders_csv(round_name: str, region: str):
    """The respondent ids of one region due a reminder, for the region to join to its mailing list."""
    _round_or_404(round_name)
    wave, due = operations.reminder_list(_session(), round_name, region, actor=_user().username)
    table = pd.DataFrame({"respondent_id": due}, dtype="string")
    filename = f"reminder-{wave}-region-{region}.csv"
    return Response(
        spreadsheet_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@rule(ADMIN, COORDINATOR, upload=True)
def returned_mail(round_name: str, region: str):
    """Upload a region's returned letters and deceased persons; conflicts are reported, nothing is guessed."""
    survey_round = _round_or_404(round_name)
    form = ReturnedForm()
    errors = _errors(form) if request.method == "POST" else []
    if form.validate_on_submit():
        try:
            counts = operations.record_returned(
                _session(), round_name, region, form.returned.data.stream, actor=_user().username
            )
        except PremError as error:
            errors = [("returned", _failed(_("Nothing was recorded."), error))]
        else:
            flash(
                _(
                    "Recorded: %(undeliverable)d undeliverable, %(deceased)d deceased.",
                    undeliverable=counts["undeliverable"],
                    deceased=counts["deceased"],
                )
            )
            return redirect(url_for(".dashboard", round_name=round_name))
    return _render("staff/returned.html", form=form, survey_round=survey_round, region=region, errors=errors)


# --- Audit log ------------------------------------------------------------------------------------------

_AUDIT_SHOWN = 500


@rule(ADMIN)
def audit_log():
    """The newest events of the audit log (all of it in the CSV download)."""
    events = operations.audit_events(_session(), limit=_AUDIT_SHOWN)
    return _render("staff/audit.html", events=events, shown=_AUDIT_SHOWN)


@rule(ADMIN)
def audit_csv():
    """The whole audit log as a spreadsheet-safe CSV; the download itself is recorded."""
    operations.record(_session(), _user().username, operations.AuditAction.AUDIT_EXPORTED)
    events = operations.audit_events(_session())
    table = pd.DataFrame(
        {
            "at": [event.at.isoformat() for event in events],
            "actor": [event.actor or "" for event in events],
            "action": [event.action for event in events],
            "round": [event.round_name or "" for event in events],
            "region": [event.region or "" for event in events],
            "detail": [event.detail or "" for event in events],
        },
        dtype="string",
    )
    return Response(
        spreadsheet_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


# --- Errors ---------------------------------------------------------------------------------------------


def http_error(error):
    """A calm staff page for a refused, unknown or broken request (never a traceback)."""
    code = getattr(error, "code", 500) or 500
    if code == 400 and request.endpoint == "staff.login" and isinstance(error, CSRFError):
        # A login page left open past its session: show it again, fresh, instead of an error.
        return _render("staff/login.html", form=LoginForm(formdata=None), errors=[], expired=True)
    messages = {
        400: (_("The form had expired"), _("Go back, reload the page and try again.")),
        403: (_("Not allowed"), _("Your account may not see this page.")),
        404: (_("Page not found"), _("The address may be mistyped, or the page no longer exists.")),
        413: (_("The file is too large"), _("The upload is larger than the server accepts.")),
    }
    heading, message = messages.get(code, (_("Something went wrong"), _("Please try again in a moment.")))
    return _render("staff/error.html", code, heading=heading, message=message)
