"""Views of the patient's way: code → introduction → question pages → review → submit → thanks.

Each view loads the visit once (:mod:`prem.survey.visits`), checks where the
patient may be (:func:`_gate`), asks the router where a button leads
(:mod:`prem.survey.router`), calls one operation of
:mod:`prem.survey.operations` and redirects. The request's transaction is
committed once after the view (:mod:`prem.db`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

import flask_babel
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from prem.fieldwork.models import SCREEN_OUT_REASONS, Respondent, SurveyRound
from prem.fieldwork.operations import (
    RETURNED_STATUSES,
    RoundKeyMissing,
    find_respondent_by_code,
    open_round_exists,
    survey_today,
)
from prem.i18n import available_languages, current_language
from prem.security import code_keys
from prem.survey import operations
from prem.survey.carried import carried_page, carry_page, carry_resume, resume_target
from prem.survey.forms import ActionForm, CodeForm, csrf_failed
from prem.survey.questionnaire import page_form_class
from prem.survey.round_facts import RoundFacts, Sender
from prem.survey.router import ENDED, INTRODUCTION, REVIEW, Move
from prem.survey.visits import (
    Visit,
    current_visit,
    db_session,
    finish,
    finished_visit,
    forget_finished,
    is_finished,
    load_visit,
    session_owner,
    sign_in,
    sign_out,
)
from questionnaires.forms import page_answers, page_form_data
from questionnaires.model import Item, Page

__all__ = [
    "code_entry",
    "decline",
    "done",
    "end",
    "http_error",
    "introduction",
    "language",
    "question_page",
    "review",
    "saved",
    "screen_out",
]

_RETURN = "return"
_FORM_CONTROLS = ("csrf_token", "action")
_FINAL_STATUSES = ("submitted", "refused", "screened_out")
#: Where a patient whose session ended on a button press comes back to after the code (view names).
_RESUMABLE = (INTRODUCTION, REVIEW, "decline", "screen_out")
#: The introduction's buttons other than "start": the confirm page each opens.
_INTRODUCTION_BUTTONS = {"not_my_care": ".screen_out", "decline": ".decline"}


# --- Pages shared by the views ----------------------------------------------


def _today() -> date:
    return survey_today(current_app.config["SURVEY_TIMEZONE"])


def _render(
    template: str,
    errors: list[tuple[str, str]] | None = None,
    *,
    survey_round: SurveyRound | None = None,
    **context: Any,
) -> str:
    """A survey page; its footer names the sender and contact of ``survey_round`` when the round is known."""
    footer = Sender.of(survey_round, current_language())
    return render_template(
        template, errors=errors or [], has_errors=bool(errors), survey_round=survey_round, footer=footer, **context
    )


def _form_errors(form: FlaskForm, items: tuple[Item, ...] | list[Item] = ()) -> list[tuple[str, str]]:
    """The error summary's entries: ``(anchor of the field, message)``, in page order."""
    kinds = {item.id: item.kind for item in items}
    errors: list[tuple[str, str]] = []
    for name, messages in form.errors.items():
        if name == "csrf_token" or not messages:
            continue
        anchor = f"{name}-0" if kinds.get(name) == "choice" else name
        errors.extend((anchor, message) for message in messages)
    return errors


def _closed_page(survey_round: SurveyRound | None) -> ResponseReturnValue:
    """The round is not (or no longer) open; ``survey_round=None`` when no round at all is open."""
    sign_out()
    not_yet = survey_round is not None and survey_round.closed_at is None and _today() < survey_round.opens
    return _render("survey/closed.html", survey_round=survey_round, not_yet=not_yet), 403


def _returned_page(survey_round: SurveyRound) -> ResponseReturnValue:
    """A code of a person marked deceased or whose letter came back: a calm page, nothing recorded."""
    sign_out()
    return _render("survey/unavailable.html", survey_round=survey_round), 403


def _codes_unavailable(missing: RoundKeyMissing) -> ResponseReturnValue:
    """A calm "try again later" page when an open round's code key is gone (never a 500, never another key)."""
    current_app.logger.error("code entry answered 503: the code key of round(s) %s is missing", missing.round_names)
    message = _("We cannot check access codes just now. Please try again later.")
    return _render("error.html", heading=_("Something went wrong"), message=message), 503


def _target_url(target: str, *, anchor: str | None = None, returning: bool = False) -> str:
    """The address of a router target: the review, the introduction or a question page."""
    if target in (REVIEW, INTRODUCTION):
        return url_for(f".{target}")
    query: dict[str, Any] = {_RETURN: REVIEW} if returning else {}
    return url_for(".page", page_id=target, _anchor=anchor, **query)


def _resume_url(visit: Visit) -> str:
    """Where a returning respondent continues: the page they were last sent to."""
    if visit.response is None:
        return url_for(".introduction")
    return _target_url(visit.router.resume(visit.response.resume_page))


# --- Where the patient may be -------------------------------------------------


def _gate(visit: Visit, where: str) -> ResponseReturnValue | None:
    """Where this respondent must go instead of ``where`` (``None`` when they may stay)."""
    survey_round = visit.survey_round
    if not survey_round.is_open_on(_today()):
        return _closed_page(survey_round)
    status = visit.respondent.status
    if status in RETURNED_STATUSES:
        return _returned_page(survey_round)
    finished = status in _FINAL_STATUSES
    if finished and where != "done":
        finish(visit)
        return redirect(url_for(".done"))
    if not finished and where == "done":
        return redirect(_resume_url(visit))
    if where in ("page", REVIEW) and visit.response is None:
        return redirect(url_for(".introduction"))
    return None


def _session_gone(where: str, page_id: str | None = None) -> ResponseReturnValue:
    """No live session: a button pressed over an ended one keeps what it can, else the code page.

    Once finished the browser sees only the last page. What the patient
    typed or pressed is tied to the respondent of the ended session (when the
    session is unknown it is dropped, so it never reaches whoever signs in
    next); after the code they land where they were and press the button
    themselves: nothing is sent or recorded before.
    """
    if request.method != "POST" or is_finished():
        return redirect(url_for(".done" if is_finished() else ".code_entry"))
    if page_id is not None:
        posted = {key: value for key, value in request.form.items(multi=True) if key not in _FORM_CONTROLS}
        form = CodeForm(formdata=None, carry=carry_page(session_owner(), page_id, posted))
        return _render("survey/code_entry.html", form=form, session_expired=True)
    form = CodeForm(formdata=None, resume=carry_resume(session_owner(), where))
    return _render("survey/code_entry.html", form=form, session_ended=True)


# --- The code page --------------------------------------------------------------


def code_entry() -> ResponseReturnValue:
    """The access code from the letter (``?code=`` prefills it, as the QR code does)."""
    form = CodeForm(code=request.args.get("code", ""))
    if request.method == "GET":
        return _render("survey/code_entry.html", form=form)
    if (switch := _chosen_language()) is not None:  # a language button: the same page, what was typed kept
        _switch_language(switch)
        return _render("survey/code_entry.html", form=form, session_ended=bool(form.resume.data))
    if not form.validate_on_submit():  # an empty or stale form checks no code: nothing to count
        return _render("survey/code_entry.html", _form_errors(form), form=form, expired=csrf_failed(form))
    found = _respondent_of(form)
    if not isinstance(found, Respondent):
        return found
    if found.status in RETURNED_STATUSES:
        return _returned_page(found.survey_round)
    if not found.survey_round.is_open_on(_today()):
        return _closed_page(found.survey_round)
    visit = load_visit(found)
    sign_in(visit)
    _apply_carried(visit, form.carry.data)
    if leave := _gate(visit, "code"):
        return leave
    back_to = resume_target(form.resume.data, visit.respondent.id, _RESUMABLE)
    if back_to is not None and _gate(visit, back_to) is None:
        return redirect(url_for(f".{back_to}"))
    return redirect(_resume_url(visit))


def _respondent_of(form: CodeForm) -> Respondent | ResponseReturnValue:
    """The respondent whose code was typed, else the page to show (wrong code, limit reached, no key)."""
    keys = code_keys()
    taken, limited = _take_code_attempt(keys.app_key)
    if limited is not None:
        minutes = max(1, int(limited.total_seconds() // 60))
        return _render("survey/code_entry.html", form=form, rate_limited=minutes), 429
    try:
        respondent = find_respondent_by_code(db_session(), form.code.data, keys)
    except RoundKeyMissing as missing:
        return _codes_unavailable(missing)
    if respondent is None:
        if not open_round_exists(db_session(), _today()):
            return _closed_page(None)
        form.code.errors.append(
            _("We cannot find a survey with that code. Check the code in your letter and try again.")
        )
        return _render("survey/code_entry.html", _form_errors(form), form=form)
    for bucket in taken:  # only wrong codes count
        operations.give_back_code_attempt(db_session(), bucket)
    return respondent


def _take_code_attempt(key: bytes) -> tuple[list[str], timedelta | None]:
    """Count this code check in this client's bucket and one site-wide bucket (README, "Wrong-code limit").

    The client is the address seen through ``TRUSTED_PROXIES`` proxies. Its
    first ``CODE_ATTEMPT_FRESH`` wrong codes in its window go to the
    ``site-fresh`` budget, later ones to ``site``: an attacker who spends
    ``site`` from addresses with many wrong codes does not throttle a patient
    who mistyped once. Returns the buckets taken (given back when the code
    turns out right) and, when refused, the window to wait; a refusal by a
    site-wide budget gives the client's attempt back (no code was checked).
    """
    config = current_app.config
    client = "client:" + operations.client_fingerprint(request.remote_addr or "-", key)
    window = config["CODE_ATTEMPT_WINDOW"]
    count = operations.count_code_attempt(db_session(), client, window=window)
    if count > config["CODE_ATTEMPT_LIMIT"]:
        return [client], window
    fresh = count <= config["CODE_ATTEMPT_FRESH"]
    site, site_limit = ("site-fresh", "CODE_ATTEMPT_FRESH_SITE_LIMIT") if fresh else ("site", "CODE_ATTEMPT_SITE_LIMIT")
    site_window = config["CODE_ATTEMPT_SITE_WINDOW"]
    if operations.count_code_attempt(db_session(), site, window=site_window) > config[site_limit]:
        operations.give_back_code_attempt(db_session(), client)
        return [site], site_window
    return [client, site], None


def _apply_carried(visit: Visit, token: str | None) -> None:
    """Save answers posted when the session had expired, if they are this respondent's and still valid."""
    carried = carried_page(token, visit.respondent.id)
    if carried is None or visit.response is None or visit.response.is_submitted:
        return
    try:
        page = visit.questionnaire.page(carried.page_id)
    except KeyError:
        return
    form = _page_form(visit, page, carried.form, csrf=False)
    if form.validate():
        asked = visit.router.asked(page.id, page_answers(form, page))
        visit.response = operations.save_answers(
            db_session(), visit.respondent, asked, visit.questionnaire, resume_page=page.id
        )


# --- Introduction and the two confirm pages ----------------------------------


def introduction() -> ResponseReturnValue:
    """The pathway in plain words, and the choice: start, not my care, or do not take part."""
    visit = current_visit()
    if visit is None:
        return _session_gone(INTRODUCTION)
    if leave := _gate(visit, INTRODUCTION):
        return leave
    form = ActionForm()
    action = request.form.get("action", "")
    if form.validate_on_submit() and action == "start":
        return _start(visit)
    if form.validate_on_submit() and action in _INTRODUCTION_BUTTONS:
        return redirect(url_for(_INTRODUCTION_BUTTONS[action]))
    q, lang = visit.questionnaire, visit.lang
    return _render(
        "survey/introduction.html",
        form=form,
        visit=visit,
        expired=csrf_failed(form),
        pathway_text=q.pathway_intro(visit.respondent.pathway, lang),
        intro_text=q.introduction[lang],
        about=RoundFacts.of(visit.survey_round, q, lang),
        survey_round=visit.survey_round,
    )


def _start(visit: Visit) -> ResponseReturnValue:
    """ "Start": the response begun (or continued) in the page language, on to where the patient was."""
    target = visit.router.start(visit.response.resume_page if visit.response else None)
    operations.save_answers(db_session(), visit.respondent, {}, visit.questionnaire, resume_page=target)
    operations.remember_language(db_session(), visit.respondent, visit.lang)  # the response exists now
    return redirect(_target_url(target))


def _confirm_final(where: str, record: Callable[[Session, Respondent], None]) -> ResponseReturnValue:
    """A confirm page before a final choice: ``record(session, respondent)`` runs only on "confirm"."""
    visit = current_visit()
    if visit is None:
        return _session_gone(where)
    if leave := _gate(visit, where):
        return leave
    form = ActionForm()
    if form.validate_on_submit() and request.form.get("action") == "confirm":
        record(db_session(), visit.respondent)
        finish(visit)
        return redirect(url_for(".done"))
    return _render(
        f"survey/{where}.html",
        form=form,
        expired=csrf_failed(form),
        reasons=SCREEN_OUT_REASONS,
        survey_round=visit.survey_round,
    )


def decline() -> ResponseReturnValue:
    """Confirm that the patient does not want to take part (recorded as a refusal)."""
    return _confirm_final("decline", operations.refuse)


def screen_out() -> ResponseReturnValue:
    """Confirm that the survey does not describe the patient's care (recorded as screened out).

    A mis-tap on the introduction must not lose the respondent for good, so
    this asks first, as :func:`decline` does.
    """
    return _confirm_final("screen_out", _record_screen_out)


def _record_screen_out(db: Session, respondent: Respondent) -> None:
    """Screen out with the patient's optional reason (an unknown one is taken as none given)."""
    reason = request.form.get("reason")
    operations.screen_out(db, respondent, reason if reason in SCREEN_OUT_REASONS else None)


# --- Question pages -------------------------------------------------------------


def _page_form(
    visit: Visit,
    page: Page,
    formdata: MultiDict[str, str] | None = None,
    *,
    csrf: bool = True,
    data: Mapping[str, int | str] | None = None,
) -> FlaskForm:
    """The page's form in the page language: from the request's post, ``formdata``, or stored ``data``."""
    form_class = page_form_class(visit.questionnaire.id, visit.questionnaire.version, page.id, visit.lang)
    kwargs: dict[str, Any] = {"data": data} if data is not None else {}
    if formdata is not None:
        kwargs["formdata"] = formdata
    if not csrf:
        kwargs["meta"] = {"csrf": False}
    form: FlaskForm = form_class(**kwargs)
    return form


def question_page(page_id: str) -> ResponseReturnValue:
    """One page of questions: each button saves the page and goes where the router says.

    Opened from the review's "Change" link (``?return=review``), "Continue"
    goes back to the review – through any page the change newly opened (e.g.
    the municipality page after answering yes to municipal care) first.
    """
    visit = current_visit()
    if visit is None:
        return _session_gone("page", page_id)
    if leave := _gate(visit, "page"):
        return leave
    try:
        page = visit.questionnaire.page(page_id)
    except KeyError:
        abort(404)
    if not visit.shown_items(page):
        return redirect(_resume_url(visit))
    returning = request.args.get(_RETURN) == REVIEW  # a flag, never an address: it leads nowhere else
    if request.method == "GET":
        return _show_page(visit, page, _page_form(visit, page, data=page_form_data(page, visit.answers)), returning)
    form = _page_form(visit, page)
    if not form.validate():
        return _show_page(visit, page, form, returning, expired=csrf_failed(form))
    button = request.form.get("action", "next")
    return _make_move(visit, visit.router.on_page(page.id, button, page_answers(form, page), returning=returning))


def _make_move(visit: Visit, move: Move) -> ResponseReturnValue:
    """Save the page as the router says, then go where it leads (out of the survey for the exits)."""
    if move.language in available_languages():
        _switch_language(move.language, visit)
    operations.save_answers(
        db_session(), visit.respondent, move.answers, visit.questionnaire, resume_page=move.resume_page
    )
    if move.exits:
        sign_out()
        query: dict[str, Any] = {"ended": 1} if move.target == ENDED else {}
        return redirect(url_for(".saved", **query))
    return redirect(_target_url(move.target, anchor=move.anchor, returning=move.returning))


def _show_page(visit: Visit, page: Page, form: FlaskForm, returning: bool, *, expired: bool = False) -> str:
    """The question page with its form (and the errors of a post that did not validate)."""
    visible = visit.router.visible_page_ids()
    items = visit.shown_items(page)
    return _render(
        "survey/page.html",
        _form_errors(form, items),
        visit=visit,
        page=page,
        form=form,
        items=items,
        expired=expired,
        page_number=visible.index(page.id) + 1,
        page_count=len(visible),
        page_query={_RETURN: REVIEW} if returning else {},
        survey_round=visit.survey_round,
    )


# --- Review, the last pages, and the language -------------------------------------


def review() -> ResponseReturnValue:
    """Every answer with a link to change it, and the final submit (asked once when some are unanswered)."""
    visit = current_visit()
    if visit is None:
        return _session_gone(REVIEW)
    if leave := _gate(visit, REVIEW):
        return leave
    form = ActionForm()
    sections = [(page, visit.shown_items(page)) for page in visit.visible_pages()]
    unanswered = sum(item.id not in visit.answers for _page, items in sections for item in items)
    submitting = bool(form.validate_on_submit() and request.form.get("action") == "submit")
    if submitting and (not unanswered or request.form.get("unanswered_confirmed") == "yes"):
        operations.submit(db_session(), visit.respondent, visit.questionnaire)
        finish(visit)
        return redirect(url_for(".done"))
    if visit.response is not None and visit.response.resume_page != REVIEW:
        operations.save_answers(db_session(), visit.respondent, {}, visit.questionnaire, resume_page=REVIEW)
    return _render(
        "survey/review.html",
        visit=visit,
        form=form,
        sections=sections,
        answers=visit.answers,
        unanswered=unanswered,
        confirming=submitting,
        expired=csrf_failed(form),
        survey_round=visit.survey_round,
    )


def done() -> ResponseReturnValue:
    """Thank-you, refusal and screened-out pages: the same calm page on every reload."""
    visit = current_visit()
    if visit is not None and (leave := _gate(visit, "done")):
        return leave
    shown = visit or finished_visit()
    if shown is None:
        return redirect(url_for(".code_entry"))
    return _render(
        "survey/done.html",
        status=shown.status,
        questionnaire=shown.questionnaire,
        lang=shown.lang,
        survey_round=shown.survey_round,
    )


def saved() -> ResponseReturnValue:
    """The answers are saved; continue later with the same code (after "Avsluta": the session has ended)."""
    return _render("survey/saved.html", ended=request.args.get("ended") == "1")


def end() -> ResponseReturnValue:
    """ "Avsluta": end this browser's session on the server; the answers stay saved for the code.

    No CSRF check: ending a session harms no one, and a page left open for
    hours (a stale token) must still let the patient out. On question pages
    the button posts the page form instead, which saves the page first.
    """
    sign_out()
    forget_finished()
    return redirect(url_for(".saved", ended=1))


def _chosen_language() -> str | None:
    """The language a pressed ``language:xx`` button asks for, if it is available."""
    action = request.form.get("action", "")
    wanted = action.split(":", 1)[1] if action.startswith("language:") else None
    return wanted if wanted in available_languages() else None


def _switch_language(lang: str, visit: Visit | None = None) -> None:
    """Show ``lang`` from now on, in this request too, and keep it with the patient's response."""
    session["lang"] = lang
    flask_babel.refresh()
    if visit is not None:
        operations.remember_language(db_session(), visit.respondent, lang)


def language(lang: str) -> ResponseReturnValue:
    """Switch the page language (a plain link, works without JavaScript)."""
    if lang in available_languages():
        _switch_language(lang, current_visit())
    target = request.args.get("next", "")
    return redirect(target if _is_local_path(target) else url_for(".code_entry"))


def _is_local_path(target: str) -> bool:
    """Whether ``target`` is a path on this site: no scheme or host, no backslash or control character.

    Browsers drop tabs and newlines from addresses (``/\t/evil.example`` is
    ``//evil.example``), so any control character rejects the target.
    """
    if not target.startswith("/") or "\\" in target or any(ord(char) < 32 or ord(char) == 127 for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc and not parts.path.startswith("//")


def http_error(error: Exception) -> ResponseReturnValue:
    """A calm page for a wrong address, a too large post or a server error, never a traceback."""
    code = getattr(error, "code", 500) or 500
    messages = {
        404: (_("Page not found"), _("The address may be mistyped, or the page no longer exists.")),
        413: (_("Too much text"), _("What you sent was too long. Go back and shorten your answer.")),
    }
    heading, message = messages.get(
        code, (_("Something went wrong"), _("Your earlier answers are saved. Please try again in a moment."))
    )
    return render_template("error.html", heading=heading, message=message, errors=[], has_errors=False), code
