"""Views of keyed paper entry and of a region's web/paper conflicts (the rules are :mod:`prem.staff.keyed`).

Every view is region-scoped by its URL (``/rounds/<round>/regions/<region>/...``),
so :func:`prem.staff.access.check_access` refuses a coordinator another
region's pages before the view runs; a respondent id that is not the
region's is "not found" whether it exists elsewhere or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from contracts.spreadsheet import spreadsheet_csv
from prem.db import found_or_404
from prem.errors import PremError
from prem.fieldwork.export import mode_conflicts_dataframe
from prem.fieldwork.models import Respondent, SurveyRound
from prem.fieldwork.paper import CONFLICT_RULES, CellProblem, Conflict
from prem.i18n import current_language
from prem.staff import keyed
from prem.staff.access import rule, visible_regions
from prem.staff.controllers import ADMIN, COORDINATOR, _errors, _render, _round_or_404, _session, _user
from prem.staff.forms import ActionForm
from prem.survey.questionnaire import questionnaire_version
from questionnaires import Item, Questionnaire

__all__ = ["mode_conflicts", "mode_conflicts_csv", "paper_discard", "paper_entry", "paper_resolve", "paper_start"]

_MODES = {"web": _l("web"), "paper": _l("paper")}
_STATUSES = {
    "refused": _l("refused"),
    "screened_out": _l("screened out"),
    "deceased": _l("deceased"),
    "undeliverable": _l("undeliverable"),
}


class RespondentIdForm(FlaskForm):
    respondent_id = StringField(
        _l("Respondent id (printed on every page of the paper questionnaire)"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(_l("Enter the respondent id printed on the paper.")), Length(max=40)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )


def mode_name(mode: str) -> str:
    """``web``/``paper`` in the page language."""
    return str(_MODES.get(mode, mode))


def conflict_text(counted: str, other: str, rule_name: str, counted_at) -> str:
    """What happened to a person who answered more than once, and why, in the page language."""
    if rule_name == CONFLICT_RULES[0]:
        day = format_date(counted_at) if counted_at is not None else "–"
        if counted == "web":
            return _(
                "The web response submitted on %(day)s came first and counts; the paper questionnaire was not stored.",
                day=day,
            )
        return _(
            "The paper questionnaire stored on %(day)s came first and counts; the later one was not stored.", day=day
        )
    if rule_name == CONFLICT_RULES[1]:
        return _("An unfinished web response was replaced by the paper questionnaire, which is complete and counts.")
    return _(
        "Recorded as %(status)s, then the paper questionnaire came back: it is stored and counts.",
        status=str(_STATUSES.get(other, other)),
    )


def _helpers(q: Questionnaire, pathway: str) -> dict[str, Any]:
    """What the keyed-entry templates need: texts in the page language, routing in words, options by code."""
    numbers = {item.id: number for number, item in keyed.keyed_items(q, pathway)}
    items = {item.id: item for item in q.items}
    lang = current_language()

    def local(text: Mapping[str, str]) -> str:
        return text.get(lang) or text.get("sv") or next(iter(text.values()), "")

    def routing_hint(item: Item) -> str:
        assert item.show_if is not None
        controlling = items[item.show_if.item]
        answers = [local(option.label) for option in controlling.choices.options if option.code in item.show_if.codes]
        return _(
            "On paper: only for those who answered question %(number)d with %(answers)s.",
            number=numbers.get(controlling.id, 0),
            answers=" / ".join(answers),
        )

    def option_label(item: Item, code: str) -> str:
        if code.isdigit() and int(code) in item.choices.codes:
            return local(item.choices.option(int(code)).label)
        return code

    return {"local": local, "routing_hint": routing_hint, "option_label": option_label, "mode_name": mode_name}


def _questionnaire(survey_round: SurveyRound) -> Questionnaire:
    return questionnaire_version(survey_round.questionnaire_id, survey_round.questionnaire_version)


def _closed(survey_round: SurveyRound) -> bool:
    """Whether the round is closed (then a post is told so, in the page language, and changes nothing)."""
    if survey_round.closed_at is None:
        return False
    flash(_("The round is closed: paper answers can no longer be added."), "error")
    return True


def _respondent_or_404(survey_round: SurveyRound, region: str, respondent_id: str) -> Respondent:
    return found_or_404(
        keyed.region_respondent(_session(), survey_round, region, respondent_id, for_update=request.method == "POST")
    )


def _problem_text(problem: CellProblem, q: Questionnaire) -> str:
    if problem.kind == "too_long":
        item = next(item for item in q.items if item.id == problem.item_id)
        return _("The text is longer than the %(max)d characters that can be stored.", max=item.max_length or 0)
    return _("A value that is not an option of this question was sent.")


def _anchor(q: Questionnaire, item_id: str) -> str:
    item = next(item for item in q.items if item.id == item_id)
    return item.id if item.scale is None else f"{item.id}-{item.scale.options[0].code}"


def _flash_stored(respondent_id: str, outcome: keyed.KeyingOutcome) -> None:
    conflict: Conflict | None = outcome.conflict
    if outcome.stored:
        flash(_("The paper questionnaire of %(id)s is stored as its response (mode paper).", id=respondent_id))
    if conflict is not None:
        flash(
            _(
                "Web/paper conflict for %(id)s: %(what)s",
                id=respondent_id,
                what=conflict_text(**_conflict_args(conflict)),
            ),
            "error",
        )
    checked = outcome.checked
    if checked.multiple_ticks or checked.routed_past:
        flash(
            _(
                "Handled as the rules say: questions with several ticks, stored as no answer: %(ticks)d; "
                "answers to questions the routing skips, left out: %(routed)d.",
                ticks=len(checked.multiple_ticks),
                routed=len(checked.routed_past),
            )
        )


def _conflict_args(conflict: Conflict) -> dict:
    return {
        "counted": conflict.counted,
        "other": conflict.other,
        "rule_name": conflict.rule,
        "counted_at": conflict.counted_at,
    }


@rule(ADMIN, COORDINATOR)
def paper_start(round_name: str, region: str):
    """Key a paper questionnaire of the region: enter the respondent id; the questionnaires keyed once."""
    survey_round = _round_or_404(round_name)
    form = RespondentIdForm()
    errors = _errors(form) if request.method == "POST" else []
    if form.validate_on_submit():
        respondent = keyed.region_respondent(_session(), survey_round, region, form.respondent_id.data)
        if respondent is not None:
            return redirect(
                url_for(".paper_entry", round_name=round_name, region=region, respondent_id=respondent.respondent_id)
            )
        message = _(
            "%(id)s is not a respondent of the round %(name)s in region %(region)s. Check the id printed on the paper.",
            id=form.respondent_id.data.strip()[:40],
            name=round_name,
            region=region,
        )
        errors = [("respondent_id", message)]
        form.respondent_id.errors = [message]
    pending = keyed.pending_keyings(_session(), survey_round, region)
    return _render(
        "staff/keyed_start.html",
        survey_round=survey_round,
        region=region,
        form=form,
        action_form=ActionForm(),
        pending=pending,
        errors=errors,
    )


@rule(ADMIN, COORDINATOR)
def paper_entry(round_name: str, region: str, respondent_id: str):
    """Key one paper questionnaire, item by item as ticked on the paper (first or second keying)."""
    survey_round = _round_or_404(round_name)
    respondent = _respondent_or_404(survey_round, region, respondent_id)
    q = _questionnaire(survey_round)
    state = keyed.keying_state(_session(), respondent)
    here: dict[str, Any] = {"round_name": round_name, "region": region, "respondent_id": respondent.respondent_id}
    if state.next_keying == 0:
        return redirect(url_for(".paper_resolve", **here))
    form = ActionForm()
    cells: dict[str, str] = {}
    problems: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        if _closed(survey_round):
            return redirect(url_for(".paper_start", round_name=round_name, region=region))
        try:
            number = int(request.form.get("keying", ""))
        except ValueError:
            abort(400)
        cells = keyed.cells_from_form(q, respondent.pathway, request.form.to_dict(flat=False))
        try:
            outcome = keyed.save_keying(
                _session(), survey_round, q, respondent, cells, keying=number, actor=_user().username
            )
        except keyed.KeyingMoved:
            flash(
                _("Someone else keyed this questionnaire meanwhile; nothing was saved. Here is where it is now."),
                "error",
            )
            return redirect(url_for(".paper_entry", **here))
        except PremError as error:
            flash(error.translated(_), "error")
            return redirect(url_for(".paper_start", round_name=round_name, region=region))
        if outcome.kind == "first_saved":
            flash(
                _(
                    "The first keying of %(id)s is saved. The answers are stored once a second keying of the same "
                    "paper, ideally by another person, agrees with it.",
                    id=respondent.respondent_id,
                )
            )
            return redirect(url_for(".paper_start", round_name=round_name, region=region))
        if outcome.kind == "discrepant":
            flash(
                _("The two keyings differ. Look at the paper and decide each difference."),
                "error",
            )
            return redirect(url_for(".paper_resolve", **here))
        if outcome.kind == "stored":
            _flash_stored(respondent.respondent_id, outcome)
            return redirect(url_for(".paper_start", round_name=round_name, region=region))
        problems = {problem.item_id: _problem_text(problem, q) for problem in outcome.checked.problems}
    items = keyed.keyed_items(q, respondent.pathway)
    errors = [
        (_anchor(q, item_id), f"{number}. {message}")
        for number, item in items
        for item_id, message in problems.items()
        if item.id == item_id
    ]
    return _render(
        "staff/keyed_entry.html",
        survey_round=survey_round,
        region=region,
        respondent=respondent,
        state=state,
        items=items,
        cells=cells,
        problems=problems,
        form=form,
        same_person=state.first is not None and state.first.keyed_by == _user().username,
        errors=errors,
        **_helpers(q, respondent.pathway),
    )


@rule(ADMIN, COORDINATOR)
def paper_resolve(round_name: str, region: str, respondent_id: str):
    """The two keyings' discrepancies, item by item, each decided from the paper before anything is stored."""
    survey_round = _round_or_404(round_name)
    respondent = _respondent_or_404(survey_round, region, respondent_id)
    q = _questionnaire(survey_round)
    state = keyed.keying_state(_session(), respondent)
    here: dict[str, Any] = {"round_name": round_name, "region": region, "respondent_id": respondent.respondent_id}
    if state.first is None or state.second is None:
        return redirect(url_for(".paper_entry", **here))
    discrepancies = keyed.discrepant_items(q, state.first.cells, state.second.cells)
    form = ActionForm()
    problems: dict[str, str] = {}
    choices: dict[str, str] = {}
    cells: dict[str, str] = {}
    if request.method == "POST" and form.validate_on_submit():
        if _closed(survey_round):
            return redirect(url_for(".paper_start", round_name=round_name, region=region))
        posted = request.form.to_dict(flat=False)
        cells = keyed.cells_from_form(q, respondent.pathway, posted)
        decided: dict[str, str] = {}
        for item_id in discrepancies:
            choice = request.form.get(f"choice-{item_id}", "")
            choices[item_id] = choice
            if choice == "first":
                decided[item_id] = state.first.cells.get(item_id, "")
            elif choice == "second":
                decided[item_id] = state.second.cells.get(item_id, "")
            elif choice == "other":
                decided[item_id] = cells.get(item_id, "")
            else:
                problems[item_id] = _("Decide what the paper says.")
        if not problems:
            try:
                outcome = keyed.resolve_keyings(
                    _session(), survey_round, q, respondent, decided, actor=_user().username
                )
            except keyed.KeyingMoved:
                flash(
                    _("Someone else keyed this questionnaire meanwhile; nothing was saved. Here is where it is now."),
                    "error",
                )
                return redirect(url_for(".paper_entry", **here))
            except PremError as error:
                flash(error.translated(_), "error")
                return redirect(url_for(".paper_start", round_name=round_name, region=region))
            if outcome.kind == "stored":
                _flash_stored(respondent.respondent_id, outcome)
                return redirect(url_for(".paper_start", round_name=round_name, region=region))
            problems = {problem.item_id: _problem_text(problem, q) for problem in outcome.checked.problems}
    numbered = {item.id: (number, item) for number, item in keyed.keyed_items(q, respondent.pathway)}
    rows = [numbered[item_id] for item_id in discrepancies if item_id in numbered]
    errors = [
        (f"choice-{item.id}-first", f"{number}. {problems[item.id]}") for number, item in rows if item.id in problems
    ]
    return _render(
        "staff/keyed_resolve.html",
        survey_round=survey_round,
        region=region,
        respondent=respondent,
        state=state,
        rows=rows,
        choices=choices,
        cells=cells,
        problems=problems,
        form=form,
        errors=errors,
        **_helpers(q, respondent.pathway),
    )


@rule(ADMIN, COORDINATOR)
def paper_discard(round_name: str, region: str, respondent_id: str):
    """Throw away a questionnaire's pending keyings (e.g. keyed under a mistyped id), to key it afresh."""
    survey_round = _round_or_404(round_name)
    respondent = _respondent_or_404(survey_round, region, respondent_id)
    if ActionForm().validate_on_submit() and not _closed(survey_round):
        try:
            count = keyed.discard_keyings(_session(), survey_round, respondent, actor=_user().username)
        except PremError as error:
            flash(error.translated(_), "error")
        else:
            flash(_("The keyings of %(id)s were discarded (%(count)d).", count=count, id=respondent.respondent_id))
    return redirect(url_for(".paper_start", round_name=round_name, region=region))


def _moment(iso) -> datetime | None:
    return datetime.fromisoformat(iso) if isinstance(iso, str) and iso else None


def _other_name(other: str) -> str:
    return mode_name(other) if other in _MODES else str(_STATUSES.get(other, other))


def _region_conflicts(round_name: str, region: str):
    scope = visible_regions(_user())
    return mode_conflicts_dataframe(_session(), round_name, frozenset({region}) if scope is None else scope & {region})


@rule(ADMIN, COORDINATOR)
def mode_conflicts(round_name: str, region: str):
    """The region's people who answered more than once: the two modes, which counts and why."""
    survey_round = _round_or_404(round_name)
    table = _region_conflicts(round_name, region)
    rows = [
        {
            "respondent_id": row.respondent_id,
            "counted": mode_name(row.counted),
            "other": _other_name(row.not_counted),
            "why": conflict_text(row.counted, row.not_counted, row.rule, _moment(row.counted_at)),
            "recorded": _moment(row.recorded_at),
        }
        for row in table.itertuples(index=False)
    ]
    return _render("staff/keyed_conflicts.html", survey_round=survey_round, region=region, rows=rows)


@rule(ADMIN, COORDINATOR)
def mode_conflicts_csv(round_name: str, region: str):
    """The region's web/paper conflicts as a spreadsheet-safe CSV."""
    _round_or_404(round_name)
    table = _region_conflicts(round_name, region)
    filename = f"conflicts-region-{region}.csv"
    return Response(
        spreadsheet_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
