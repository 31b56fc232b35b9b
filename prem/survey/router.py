"""Where a patient goes next: page navigation as pure functions of the questionnaire and the answers.

The views ask this module, as the ONS survey runner's views ask its router:
which page follows or precedes a page, where a returning patient continues,
and where "Continue" leads after a change made from the review (through any
page the change newly opened). Nothing here reads the request or the
database; a target is a page id, :data:`REVIEW` or :data:`INTRODUCTION`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["INTRODUCTION", "REVIEW", "Router"]

REVIEW = "review"
INTRODUCTION = "introduction"


@dataclass(frozen=True)
class Router:
    """The navigation of one respondent: their questionnaire, answers so far and pathway."""

    questionnaire: Any
    answers: Mapping[str, int | str]
    pathway: str | None

    def visible_page_ids(self) -> list[str]:
        """The pages this respondent is asked, in order (routing and pathway applied)."""
        return [page.id for page in self.questionnaire.visible_pages(self.answers, self.pathway)]

    def first_page(self) -> str:
        """Where "Start" leads: the first page asked."""
        return self.visible_page_ids()[0]

    def resume(self, resume_page: str | None) -> str:
        """Where a returning respondent continues: the page they were last sent to, if still asked."""
        if resume_page in (REVIEW, INTRODUCTION):
            return resume_page
        visible = self.visible_page_ids()
        return resume_page if resume_page in visible else visible[0]

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

    def _neighbour(self, page_id: str, step: int) -> str:
        here = self.questionnaire.page_index(page_id)
        position = self.questionnaire.page_index
        beyond = [other for other in self.visible_page_ids() if (position(other) - here) * step > 0]
        if beyond:
            return beyond[0] if step > 0 else beyond[-1]
        return REVIEW if step > 0 else INTRODUCTION
