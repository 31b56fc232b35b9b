"""Views of the patient's way: code → introduction → question pages → review → submit → thanks.

Each view loads the respondent from the session, checks where they may be,
validates the posted form, calls one operation of
:mod:`prem.survey.operations` and redirects. The request's transaction is
committed once after the view (:mod:`prem.db`).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import date, timedelta
from types import SimpleNamespace
from typing import ClassVar
from urllib.parse import urlsplit

import flask_babel
from flask import abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as HttpResponse

from prem.db import db
from prem.fieldwork.models import SCREEN_OUT_REASONS, Respondent, RespondentStatus
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
from prem.survey.forms import ActionForm, CodeForm, csrf_failed
from prem.survey.models import Response
from prem.survey.questionnaire import page_form_class, questionnaire_version
from prem.survey.router import INTRODUCTION, REVIEW, Router
from questionnaires.forms import page_answers, page_form_data

__all__ = [
    "Visit",
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

_SESSION_TOKEN = "sid"
_FINISHED = "finished"
_JUST_SUBMITTED = "just_submitted"
_REVIEW = REVIEW
_INTRODUCTION = INTRODUCTION
_RETURN = "return"
_CARRY_MAX_AGE = 24 * 3600
_FORM_CONTROLS = ("csrf_token", "action")
#: Where a patient whose session ended on a button press comes back to after the code (view names).
_RESUMABLE = (_INTRODUCTION, _REVIEW, "decline", "screen_out")


@dataclass
class Visit:
    """The respondent in this browser session, their response so far and its questionnaire."""

    respondent: Respondent
    response: Response | None
    questionnaire: object

    @property
    def answers(self) -> dict[str, int | str]:
        return self.response.answer_map() if self.response else {}

    def visible_pages(self) -> tuple:
        """The pages this respondent is asked, given their answers and pathway."""
        return self.questionnaire.visible_pages(self.answers, self.respondent.pathway)

    @property
    def router(self) -> Router:
        """Where this respondent may go from here (:mod:`prem.survey.router`), given their answers."""
        return Router(self.questionnaire, self.answers, self.respondent.pathway)

    def shown_items(self, page) -> list:
        """The items of ``page`` this respondent is asked."""
        answers = self.answers
        return [item for item in page.items if self.questionnaire.is_shown(item, answers, self.respondent.pathway)]

    @property
    def lang(self) -> str:
        """The page language if the questionnaire has it, else its first language."""
        wanted = current_language()
        return wanted if wanted in self.questionnaire.languages else self.questionnaire.languages[0]


@dataclass(frozen=True)
class RoundFacts:
    """What the introduction says of the round: the period of care, who sends it, whom to ask, how long.

    From the round information stored at import (``--round-info``), the
    period else from the sample's manifest; ``None`` where the round has
    neither, and the page says it neutrally.
    """

    period: tuple[date, date] | None
    sender: str | None
    contact: str | None
    minutes: int

    #: About how long one closed question takes to read and answer, and one free-text question.
    SECONDS_PER_CHOICE: ClassVar[int] = 12
    SECONDS_PER_TEXT: ClassVar[int] = 120

    @classmethod
    def of(cls, survey_round, questionnaire, lang: str) -> RoundFacts:
        info = survey_round.patient_info or {}
        manifest = survey_round.manifest or {}
        period_text = info.get("period") or {"start": manifest.get("period_start"), "end": manifest.get("period_end")}
        try:
            period = (date.fromisoformat(period_text["start"]), date.fromisoformat(period_text["end"]))
        except (KeyError, TypeError, ValueError):
            period = None
        sender = ", ".join(info.get("sender", {}).values()) or current_app.config["SURVEY_SENDER"]
        contact = info.get("contact", {})
        phone = contact.get("phone")
        hours = contact.get("hours", {}).get(lang)
        reach = [f"{phone} ({hours})" if phone and hours else phone, contact.get("email")]
        seconds = sum(
            cls.SECONDS_PER_TEXT if item.kind == "text" else cls.SECONDS_PER_CHOICE for item in questionnaire.items
        )
        return cls(
            period=period,
            sender=sender or None,
            contact=", ".join(part for part in reach if part) or current_app.config["SURVEY_CONTACT"] or None,
            minutes=max(5, 5 * math.ceil(seconds / 300)),
        )


def _today() -> date:
    return survey_today(current_app.config["SURVEY_TIMEZONE"])


def _load_visit(respondent: Respondent) -> Visit:
    response = operations.get_response(db.session, respondent)
    source = response or respondent.survey_round
    return Visit(respondent, response, questionnaire_version(source.questionnaire_id, source.questionnaire_version))


def _current_visit() -> Visit | None:
    """The visit of the live server-side session this cookie names; every answer goes through it."""
    token = session.get(_SESSION_TOKEN)
    if not isinstance(token, str):
        return None
    config = current_app.config
    respondent = operations.session_respondent(
        db.session, token, lifetime=config["SURVEY_SESSION_LIFETIME"], idle=config["SURVEY_SESSION_IDLE"]
    )
    return _load_visit(respondent) if respondent is not None else None


def _sign_out() -> None:
    """End this browser's server-side session: its cookie opens nothing afterwards.

    Another browser's session of the same respondent ends at its next
    request, when :func:`_gate` finds the respondent finished or the round closed.
    """
    token = session.pop(_SESSION_TOKEN, None)
    if isinstance(token, str):
        operations.end_session(db.session, token)


def _closed_page(visit: Visit | None) -> HttpResponse:
    """The round is not (or no longer) open; ``visit=None`` when no round at all is open."""
    _sign_out()
    survey_round = visit.respondent.survey_round if visit else None
    not_yet = survey_round is not None and survey_round.closed_at is None and _today() < survey_round.opens
    return _render("survey/closed.html", survey_round=survey_round, not_yet=not_yet), 403


def _codes_unavailable(missing: RoundKeyMissing) -> HttpResponse:
    """A calm "try again later" page when an open round's code key is gone (never a 500, never another key)."""
    current_app.logger.error("code entry answered 503: the code key of round(s) %s is missing", missing.round_names)
    page = _render(
        "error.html",
        heading=_("Something went wrong"),
        message=_("We cannot check access codes just now. Please try again later."),
    )
    return page, 503


def _returned_page() -> HttpResponse:
    """A code of a person marked deceased or whose letter came back: a calm page, nothing recorded."""
    _sign_out()
    return _render("survey/unavailable.html"), 403


def _gate(visit: Visit | None, where: str) -> HttpResponse | None:
    """Where this respondent must go instead of ``where`` (``None`` when they may stay)."""
    if visit is None:  # signed out; once finished the browser sees only the last page
        return redirect(url_for(".done" if session.get(_FINISHED) else ".code_entry"))
    if not visit.respondent.survey_round.is_open_on(_today()):
        return _closed_page(visit)
    status = visit.respondent.status
    if status in RETURNED_STATUSES:
        return _returned_page()
    finished = status in (RespondentStatus.SUBMITTED, RespondentStatus.REFUSED, RespondentStatus.SCREENED_OUT)
    if finished and where != "done":
        _finish(visit)
        return redirect(url_for(".done"))
    if not finished and where == "done":
        return redirect(_resume_url(visit))
    if where in ("page", _REVIEW) and visit.response is None:
        return redirect(url_for(".introduction"))
    return None


def _resume_url(visit: Visit) -> str:
    """Where a returning respondent continues: the page they were last sent to."""
    if visit.response is None:
        return url_for(".introduction")
    return _target_url(visit.router.resume(visit.response.resume_page))


def _target_url(target: str, **query) -> str:
    if target in (_REVIEW, _INTRODUCTION):
        return url_for(f".{target}")
    return url_for(".page", page_id=target, **query)


def _returning_to_review() -> bool:
    """Whether the page was opened by a "Change" link of the review page.

    Only the literal ``?return=review`` counts: the parameter is a flag, never
    an address, so it cannot redirect anywhere else.
    """
    return request.args.get(_RETURN) == _REVIEW


def _form_errors(form, items=()) -> list[tuple[str, str]]:
    """The error summary's entries: ``(anchor of the field, message)``, in page order."""
    kinds = {item.id: item.kind for item in items}
    errors = []
    for name, messages in form.errors.items():
        if name == "csrf_token" or not messages:
            continue
        anchor = f"{name}-0" if kinds.get(name) == "choice" else name
        errors.extend((anchor, message) for message in messages)
    return errors


def _render(template: str, errors: list[tuple[str, str]] | None = None, **context):
    return render_template(template, errors=errors or [], has_errors=bool(errors), **context)


def _carry_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="prem-carried-answers")


def _sign_in(respondent: Respondent) -> None:
    """A fresh server-side session for ``respondent``; the cookie (ending with the browser) holds its token.

    The language chosen in this browser is kept with the response; a browser
    where none was chosen shows the language the patient chose before.
    """
    language = session.get("lang") if session.get("lang") in available_languages() else None
    if language:
        operations.remember_language(db.session, respondent, language)
    else:
        response = operations.get_response(db.session, respondent)
        chosen = response.language if response is not None else None
        language = chosen if chosen in available_languages() else None
    _sign_out()
    session.clear()  # not permanent: the cookie has no Expires and ends with the browser
    lifetime = current_app.config["SURVEY_SESSION_LIFETIME"]
    session[_SESSION_TOKEN] = operations.begin_session(
        db.session, respondent, forget_before=operations.utc_now() - lifetime - timedelta(seconds=_CARRY_MAX_AGE)
    )
    if language:
        session["lang"] = language


def _carry_owner(respondent_pk: int) -> str:
    """A keyed tag of the respondent carried answers belong to (their database id is never readable)."""
    secret = current_app.secret_key
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(key, f"carry-owner:{respondent_pk}".encode(), hashlib.sha256).hexdigest()


def _apply_carried(visit: Visit, carried: str) -> None:
    """Save answers posted when the session had expired, if they are this respondent's and still valid."""
    try:
        payload = _carry_serializer().loads(carried, max_age=_CARRY_MAX_AGE)
        page = visit.questionnaire.page(payload["page"])
        owner = payload["owner"]
    except (BadSignature, KeyError, TypeError):
        return
    if not isinstance(owner, str) or not hmac.compare_digest(owner, _carry_owner(visit.respondent.id)):
        return  # given in another patient's session: never applied to this one
    if visit.response is None or visit.response.is_submitted:
        return
    form = _page_form(visit, page, MultiDict(payload["form"]), csrf=False)
    if not form.validate():
        return
    _save_page(visit, page, form, resume_page=page.id)


def code_entry():
    """The access code from the letter (``?code=`` prefills it, as the QR code does)."""
    form = CodeForm(code=request.args.get("code", ""))
    if request.method == "GET":
        return _render("survey/code_entry.html", form=form)
    if (switch := _chosen_language()) is not None:  # a language button: the same page, what was typed kept
        _switch_language(switch)
        return _render("survey/code_entry.html", form=form, session_ended=bool(form.resume.data))
    if not form.validate_on_submit():  # an empty or stale form checks no code: nothing to count
        return _render("survey/code_entry.html", _form_errors(form), form=form, expired=csrf_failed(form))
    keys = code_keys()
    taken, limited = _take_code_attempt(keys.app_key)
    if limited is not None:
        minutes = max(1, int(limited.total_seconds() // 60))
        return _render("survey/code_entry.html", form=form, rate_limited=minutes), 429
    try:
        respondent = find_respondent_by_code(db.session, form.code.data, keys)
    except RoundKeyMissing as missing:
        return _codes_unavailable(missing)
    if respondent is None:
        if not open_round_exists(db.session, _today()):
            return _closed_page(None)
        form.code.errors.append(
            _("We cannot find a survey with that code. Check the code in your letter and try again.")
        )
        return _render("survey/code_entry.html", _form_errors(form), form=form)
    for bucket in taken:  # only wrong codes count
        operations.give_back_code_attempt(db.session, bucket)
    if respondent.status in RETURNED_STATUSES:
        return _returned_page()
    visit = _load_visit(respondent)
    if not respondent.survey_round.is_open_on(_today()):
        return _closed_page(visit)
    _sign_in(respondent)
    if form.carry.data:
        _apply_carried(visit, form.carry.data)  # saved through the visit, which then holds them
    if leave := _gate(visit, "code"):
        return leave
    back_to = _resume_target(visit, form.resume.data)
    if back_to is not None and _gate(visit, back_to) is None:
        return redirect(url_for(f".{back_to}"))
    return redirect(_resume_url(visit))


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
    count = operations.count_code_attempt(db.session, client, window=window)
    if count > config["CODE_ATTEMPT_LIMIT"]:
        return [client], window
    fresh = count <= config["CODE_ATTEMPT_FRESH"]
    site, site_limit = ("site-fresh", "CODE_ATTEMPT_FRESH_SITE_LIMIT") if fresh else ("site", "CODE_ATTEMPT_SITE_LIMIT")
    site_window = config["CODE_ATTEMPT_SITE_WINDOW"]
    if operations.count_code_attempt(db.session, site, window=site_window) > config[site_limit]:
        operations.give_back_code_attempt(db.session, client)
        return [site], site_window
    return [client, site], None


def introduction():
    """The pathway in plain words, and the choice: start, not my care, or do not take part."""
    visit = _current_visit()
    if _ended_before_post(visit):
        return _session_ended_on(_INTRODUCTION)
    if leave := _gate(visit, _INTRODUCTION):
        return leave
    form = ActionForm()
    if form.validate_on_submit():
        action = request.form.get("action")
        if action == "start":
            visit.response = operations.start_response(db.session, visit.respondent, visit.questionnaire)
            operations.remember_language(db.session, visit.respondent, visit.lang)
            if visit.response.resume_page in (None, _INTRODUCTION):
                visit.response.resume_page = visit.router.first_page()
            return redirect(_resume_url(visit))
        if action == "not_my_care":
            return redirect(url_for(".screen_out"))
        if action == "decline":
            return redirect(url_for(".decline"))
    q, lang = visit.questionnaire, visit.lang
    return render_template(
        "survey/introduction.html",
        form=form,
        visit=visit,
        expired=csrf_failed(form),
        pathway_text=q.pathway_intro(visit.respondent.pathway, lang),
        intro_text=q.introduction[lang],
        about=RoundFacts.of(visit.respondent.survey_round, q, lang),
    )


def _confirm_final(where: str, record) -> HttpResponse | str:
    """A confirm page before a final choice: ``record(session, respondent)`` runs only on "confirm"."""
    visit = _current_visit()
    if _ended_before_post(visit):
        return _session_ended_on(where)
    if leave := _gate(visit, where):
        return leave
    form = ActionForm()
    if form.validate_on_submit() and request.form.get("action") == "confirm":
        record(db.session, visit.respondent)
        _finish(visit)
        return redirect(url_for(".done"))
    return _render(f"survey/{where}.html", form=form, expired=csrf_failed(form), reasons=SCREEN_OUT_REASONS)


def decline():
    """Confirm that the patient does not want to take part (recorded as a refusal)."""
    return _confirm_final("decline", operations.refuse)


def screen_out():
    """Confirm that the survey does not describe the patient's care (recorded as screened out).

    A mis-tap on the introduction must not lose the respondent for good, so
    this asks first, as :func:`decline` does.
    """
    return _confirm_final("screen_out", _record_screen_out)


def _record_screen_out(db_session, respondent: Respondent) -> None:
    """Screen out with the patient's optional reason (an unknown one is taken as none given)."""
    reason = request.form.get("reason")
    operations.screen_out(db_session, respondent, reason if reason in SCREEN_OUT_REASONS else None)


def _page_form(visit: Visit, page, formdata=None, *, csrf: bool = True, data=None):
    """The page's form in the page language: from the request's post, ``formdata``, or stored ``data``."""
    form_class = page_form_class(visit.questionnaire.id, visit.questionnaire.version, page.id, visit.lang)
    kwargs = {"data": data} if data is not None else {}
    if formdata is not None:
        kwargs["formdata"] = formdata
    if not csrf:
        kwargs["meta"] = {"csrf": False}
    return form_class(**kwargs)


def _save_page(visit: Visit, page, form, *, resume_page: str, cleared: str | None = None) -> list:
    """Save the page's shown items (``cleared`` without its answer); returns the items shown only since."""
    shown_before = {item.id for item in visit.shown_items(page)}
    posted = {item_id: value for item_id, value in page_answers(form, page).items() if item_id in shown_before}
    if cleared in posted:
        posted[cleared] = None
    response = operations.save_answers(
        db.session, visit.respondent, posted, visit.questionnaire, resume_page=resume_page
    )
    visit.response = response
    return [item for item in visit.shown_items(page) if item.id not in shown_before]


def _session_expired_on_page(page_id: str) -> HttpResponse:
    """Keep what the patient typed through code re-entry when their session has gone.

    The answers are bound to the respondent of the session they were typed
    in; when that session is unknown (ended, or the cookie is gone) they
    cannot be bound and are dropped, so they never reach whoever signs in next.
    """
    token = session.get(_SESSION_TOKEN)
    owner = operations.session_owner(db.session, token) if isinstance(token, str) else None
    carry = ""
    if owner is not None:
        posted = {key: value for key, value in request.form.items(multi=True) if key not in _FORM_CONTROLS}
        carry = _carry_serializer().dumps({"page": page_id, "form": posted, "owner": _carry_owner(owner)})
    form = CodeForm(formdata=None, carry=carry)
    return _render("survey/code_entry.html", form=form, session_expired=True), 200


def _session_ended_on(where: str) -> HttpResponse:
    """A button pressed after the session ended: say so calmly, keep everything, come back to ``where``.

    Nothing is sent or recorded: after the code the patient lands on the same
    page again and presses the button themselves. The way back is tied to the
    respondent of the ended session, as carried answers are.
    """
    token = session.get(_SESSION_TOKEN)
    owner = operations.session_owner(db.session, token) if isinstance(token, str) else None
    resume = _carry_serializer().dumps({"to": where, "owner": _carry_owner(owner)}) if owner is not None else ""
    form = CodeForm(formdata=None, resume=resume)
    return _render("survey/code_entry.html", form=form, session_ended=True), 200


def _resume_target(visit: Visit, resume: str | None) -> str | None:
    """The page named by a signed ``resume`` field, when it was given in this respondent's session."""
    if not resume:
        return None
    try:
        payload = _carry_serializer().loads(resume, max_age=_CARRY_MAX_AGE)
        target, owner = payload["to"], payload["owner"]
    except (BadSignature, KeyError, TypeError):
        return None
    if target not in _RESUMABLE or not isinstance(owner, str):
        return None
    return target if hmac.compare_digest(owner, _carry_owner(visit.respondent.id)) else None


def _ended_before_post(visit: Visit | None) -> bool:
    """Whether this is a button press whose session has ended (and the patient is not finished)."""
    return visit is None and request.method == "POST" and not session.get(_FINISHED)


def end():
    """ "Avsluta": end this browser's session on the server; the answers stay saved for the code.

    No CSRF check: ending a session harms no one, and a page left open for
    hours (a stale token) must still let the patient out. On question pages
    the button posts the page form instead, which saves the page first.
    """
    _sign_out()
    session.pop(_FINISHED, None)
    session.pop(_JUST_SUBMITTED, None)
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
        operations.remember_language(db.session, visit.respondent, lang)


def _cleared_item(visit: Visit, page) -> str | None:
    """The item a pressed "Rensa svaret" names: a shown choice item of a page where nothing is required."""
    action = request.form.get("action", "")
    if not action.startswith("clear:"):
        return None
    items = visit.shown_items(page)
    if any(item.required for item in items):
        return None
    item_id = action.split(":", 1)[1]
    return item_id if any(item.id == item_id and item.kind == "choice" for item in items) else None


def question_page(page_id: str):
    """One page of questions: save on forward and back, routing applied, "Sida N av M".

    Opened from the review's "Change" link (``?return=review``), "Continue"
    saves and goes back to the review – through any page the change newly
    opened (e.g. the municipality page after answering yes to municipal care)
    first; "Back" moves to the previous page as always.
    """
    visit = _current_visit()
    if _ended_before_post(visit):
        return _session_expired_on_page(page_id)
    if leave := _gate(visit, "page"):
        return leave
    q = visit.questionnaire
    try:
        page = q.page(page_id)
    except KeyError:
        abort(404)
    if not visit.shown_items(page):
        return redirect(_resume_url(visit))
    returning = {_RETURN: _REVIEW} if _returning_to_review() else {}
    if request.method == "POST":
        form = _page_form(visit, page)
        action = request.form.get("action", "next")
        if form.validate():
            if (switch := _chosen_language()) is not None:
                _switch_language(switch, visit)
                _save_page(visit, page, form, resume_page=page.id)
                return redirect(url_for(".page", page_id=page.id, **returning))
            if (cleared := _cleared_item(visit, page)) is not None:
                _save_page(visit, page, form, resume_page=page.id, cleared=cleared)
                return redirect(url_for(".page", page_id=page.id, _anchor=cleared, **returning))
            step = -1 if action == "back" else 1
            pages_before = visit.router.visible_page_ids()
            newly_shown = _save_page(visit, page, form, resume_page=page.id)
            if action in ("save_exit", "end"):
                if returning:  # they had reached the review: come back where "Continue" would have led
                    visit.response.resume_page = visit.router.after_change(pages_before)
                _sign_out()
                return redirect(url_for(".saved", **({"ended": 1} if action == "end" else {})))
            if newly_shown and step > 0:
                return redirect(url_for(".page", page_id=page.id, _anchor=newly_shown[0].id, **returning))
            if returning and step > 0:
                target = visit.router.after_change(pages_before)
            else:
                router = visit.router
                target, returning = (router.next(page.id) if step > 0 else router.previous(page.id)), {}
            visit.response.resume_page = target
            return redirect(_target_url(target, **returning))
        expired = csrf_failed(form)
    else:
        form = _page_form(visit, page, data=page_form_data(page, visit.answers))
        expired = False
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
        page_query=returning,
    )


def review():
    """Every answer with a link to change it, and the final submit."""
    visit = _current_visit()
    if _ended_before_post(visit):
        return _session_ended_on(_REVIEW)
    if leave := _gate(visit, _REVIEW):
        return leave
    form = ActionForm()
    sections = [(page, visit.shown_items(page)) for page in visit.visible_pages()]
    unanswered = sum(item.id not in visit.answers for _page, items in sections for item in items)
    confirming = False
    if form.validate_on_submit() and request.form.get("action") == "submit":
        # Asked once: an empty or partly empty questionnaire is sent only after "Send anyway".
        if unanswered and request.form.get("unanswered_confirmed") != "yes":
            confirming = True
        else:
            operations.submit(db.session, visit.respondent, visit.questionnaire)
            _finish(visit)
            session[_JUST_SUBMITTED] = True
            return redirect(url_for(".done"))
    if visit.response.resume_page != _REVIEW:
        visit.response.resume_page = _REVIEW
    return _render(
        "survey/review.html",
        visit=visit,
        form=form,
        sections=sections,
        answers=visit.answers,
        unanswered=unanswered,
        confirming=confirming,
        expired=csrf_failed(form),
    )


def _finish(visit: Visit) -> None:
    """End the sessions of a respondent who is done; the cookie keeps only what the last page shows."""
    _sign_out()
    source = visit.response or visit.respondent.survey_round
    session[_FINISHED] = {
        "status": str(visit.respondent.status),
        "questionnaire": [source.questionnaire_id, source.questionnaire_version],
    }


def _finished_visit() -> SimpleNamespace | None:
    """What the thank-you page needs after the session ended (no respondent, no answers)."""
    finished = session.get(_FINISHED) or {}
    try:
        questionnaire = questionnaire_version(*finished["questionnaire"])
        status = RespondentStatus(finished["status"])
    except (KeyError, TypeError, ValueError):
        return None
    lang = current_language()
    lang = lang if lang in questionnaire.languages else questionnaire.languages[0]
    return SimpleNamespace(respondent=SimpleNamespace(status=status), questionnaire=questionnaire, lang=lang)


def done():
    """Thank-you (or already answered), refusal and screened-out pages."""
    visit = _current_visit() or _finished_visit()
    if visit is None:
        return redirect(url_for(".code_entry"))
    if isinstance(visit, Visit) and (leave := _gate(visit, "done")):
        return leave
    just_submitted = session.pop(_JUST_SUBMITTED, False)
    return _render("survey/done.html", visit=visit, just_submitted=just_submitted)


def saved():
    """The answers are saved; continue later with the same code (after "Avsluta": the session has ended)."""
    return _render("survey/saved.html", ended=request.args.get("ended") == "1")


def language(lang: str):
    """Switch the page language (a plain link, works without JavaScript)."""
    if lang in available_languages():
        _switch_language(lang, _current_visit())
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


def http_error(error):
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
