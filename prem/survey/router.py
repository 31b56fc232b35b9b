"""Where a patient goes next: page navigation as pure functions of the questionnaire and the answers.

The views ask this module, as the ONS survey runner's views ask its router:
which page follows or precedes a page, where a returning patient continues,
where "Continue" leads after a change made from the review (through any
page the change newly opened), and what each button of a question page does
(:meth:`Router.on_page`, one small table of buttons). Nothing here reads the
request or the database; a target is a page id, :data:`REVIEW`,
:data:`INTRODUCTION`, or one of the exits :data:`SAVED` and :data:`ENDED`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["ENDED", "INTRODUCTION", "REVIEW", "SAVED", "Move", "Router"]

REVIEW = "review"
INTRODUCTION = "introduction"
#: Exits of a question page: "Save and continue later", and "Avsluta" (the session ends with both).
SAVED = "saved"
ENDED = "ended"

#: A page's answers as posted: option code, text, or ``None`` for no answer.
PageAnswers = Mapping[str, int | str | None]


@dataclass(frozen=True)
class Move:
    """What one press of a question page's button does.

    ``answers`` are the page's answers to save (items shown before the
    press only; a cleared item as ``None``), ``resume_page`` where the patient
    continues when they come back, ``target`` where the browser goes now, at
    ``anchor`` on that page. ``returning`` keeps the review's "Change" flag on
    a question page target. ``language`` is the language a language button
    asks for (the view checks that it is offered).
    """

    target: str
    resume_page: str
    answers: PageAnswers = field(default_factory=dict)
    anchor: str | None = None
    returning: bool = False
    language: str | None = None

    @property
    def exits(self) -> bool:
        """Whether the patient leaves the questionnaire (their session ends)."""
        return self.target in (SAVED, ENDED)


@dataclass(frozen=True)
class Router:
    """The navigation of one respondent: their questionnaire, answers so far and pathway."""

    questionnaire: Any
    answers: Mapping[str, int | str]
    pathway: str | None

    def visible_page_ids(self) -> list[str]:
        """The pages this respondent is asked, in order (routing and pathway applied)."""
        return [page.id for page in self.questionnaire.visible_pages(self.answers, self.pathway)]

    def shown_item_ids(self, page_id: str) -> list[str]:
        """The items of page ``page_id`` this respondent is asked, in order."""
        page = self.questionnaire.page(page_id)
        return [item.id for item in page.items if self.questionnaire.is_shown(item, self.answers, self.pathway)]

    def first_page(self) -> str:
        """Where "Start" leads: the first page asked."""
        return self.visible_page_ids()[0]

    def resume(self, resume_page: str | None) -> str:
        """Where a returning respondent continues: the page they were last sent to, if still asked."""
        if resume_page in (REVIEW, INTRODUCTION):
            return resume_page
        visible = self.visible_page_ids()
        return resume_page if resume_page in visible else visible[0]

    def start(self, resume_page: str | None) -> str:
        """Where "Start" (or "Continue the survey") on the introduction leads: never back to it."""
        return self.first_page() if resume_page in (None, INTRODUCTION) else self.resume(resume_page)

    def next(self, page_id: str) -> str:
        """The page asked after ``page_id``, else the review."""
        return self._neighbour(page_id, 1)

    def previous(self, page_id: str) -> str:
        """The page asked before ``page_id``, else the introduction."""
        return self._neighbour(page_id, -1)

    def after_change(self, pages_before: Collection[str]) -> str:
        """Where "Continue" leads after a change from the review: a page it opened, else the review."""
        opened = [page_id for page_id in self.visible_page_ids() if page_id not in pages_before]
        return opened[0] if opened else REVIEW

    def with_answers(self, page_answers: PageAnswers) -> Router:
        """This respondent's navigation once ``page_answers`` are saved (``None`` or ``""`` clears one).

        Answers that routing then skips may stay in the mapping: visibility
        follows routing chains, so they change no page or item shown.
        """
        merged = {**self.answers, **page_answers}
        return replace(self, answers={key: value for key, value in merged.items() if value not in (None, "")})

    def clearable(self, page_id: str, item_id: str) -> bool:
        """Whether "Rensa svaret" may clear ``item_id``: a shown choice item of a page where nothing is required."""
        shown = [self.questionnaire.item(shown_id) for shown_id in self.shown_item_ids(page_id)]
        if any(item.required for item in shown):
            return False
        return any(item.id == item_id and item.kind == "choice" for item in shown)

    def asked(self, page_id: str, posted: PageAnswers) -> dict[str, int | str | None]:
        """The ``posted`` answers of items this respondent is asked on page ``page_id`` (others are ignored)."""
        shown = set(self.shown_item_ids(page_id))
        return {item_id: value for item_id, value in posted.items() if item_id in shown}

    def on_page(self, page_id: str, button: str, posted: PageAnswers, *, returning: bool) -> Move:
        """What pressing ``button`` on page ``page_id`` with ``posted`` answers does.

        ``button`` is the pressed button's value: ``next`` (also any unknown
        value: Enter presses "Continue"), ``back``, ``save_exit``, ``end``,
        ``language:xx`` or ``clear:ITEM``. ``returning`` when the page was
        opened from the review's "Change" link.
        """
        answers = self.asked(page_id, posted)
        verb, _, argument = button.partition(":")
        action = _PAGE_BUTTONS.get(verb, _continue)
        return action(_Press(self, page_id, answers, argument, returning))

    def _neighbour(self, page_id: str, step: int) -> str:
        here = self.questionnaire.page_index(page_id)
        position = self.questionnaire.page_index
        beyond = [other for other in self.visible_page_ids() if (position(other) - here) * step > 0]
        if beyond:
            return beyond[0] if step > 0 else beyond[-1]
        return REVIEW if step > 0 else INTRODUCTION


@dataclass(frozen=True)
class _Press:
    """One button press on a question page, before its answers are saved."""

    before: Router
    page_id: str
    answers: PageAnswers
    argument: str
    returning: bool

    @property
    def after(self) -> Router:
        return self.before.with_answers(self.answers)

    def stay(self, **changes: Any) -> Move:
        """Save and show the same page again."""
        return Move(self.page_id, self.page_id, self.answers, returning=self.returning, **changes)

    def back_from_change(self) -> str:
        """After a change from the review: a page the change opened, else the review."""
        return self.after.after_change(self.before.visible_page_ids())


def _continue(press: _Press) -> Move:
    """ "Fortsätt": a question the answer opened on this page, else onwards (from "Change": back to the review)."""
    after = press.after
    opened = [
        item_id
        for item_id in after.shown_item_ids(press.page_id)
        if item_id not in press.before.shown_item_ids(press.page_id)
    ]
    if opened:
        return press.stay(anchor=opened[0])
    if press.returning:
        target = press.back_from_change()
        return Move(target, target, press.answers, returning=True)
    target = after.next(press.page_id)
    return Move(target, target, press.answers)


def _back(press: _Press) -> Move:
    """ "Tillbaka": the page asked before, saving this one."""
    target = press.after.previous(press.page_id)
    return Move(target, target, press.answers)


def _exit(target: str) -> Callable[[_Press], Move]:
    def leave(press: _Press) -> Move:
        """Save and leave; come back where "Continue" would have led from a change, else to this page."""
        resume = press.back_from_change() if press.returning else press.page_id
        return Move(target, resume, press.answers)

    return leave


def _language(press: _Press) -> Move:
    """A language button: save and show the same page in the language asked for."""
    return press.stay(language=press.argument)


def _clear(press: _Press) -> Move:
    """ "Rensa svaret": save the page without that answer (else the press is "Continue")."""
    if not press.before.clearable(press.page_id, press.argument):
        return _continue(press)
    cleared = replace(press, answers={**press.answers, press.argument: None})
    return cleared.stay(anchor=press.argument)


_PAGE_BUTTONS: dict[str, Callable[[_Press], Move]] = {
    "next": _continue,
    "back": _back,
    "save_exit": _exit(SAVED),
    "end": _exit(ENDED),
    "language": _language,
    "clear": _clear,
}
