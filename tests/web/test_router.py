"""Page navigation as the views ask it (prem.survey.router): pure, no request and no database."""

from __future__ import annotations

import pytest

from prem.survey.router import INTRODUCTION, REVIEW, Router
from questionnaires import load_questionnaire

Q = load_questionnaire("prem-vardforlopp")
ASKED = [
    "overall",
    "information",
    "involvement",
    "support_and_respect",
    "continuity",
    "accessibility",
    "about_you",
    "comments",
]


def test_the_municipality_page_is_asked_only_after_a_yes():
    assert Router(Q, {}, "ibd-vuxna").visible_page_ids() == ASKED
    opened = Router(Q, {"municipality_contact": 1}, "ibd-vuxna").visible_page_ids()
    assert opened == [*ASKED[:5], "municipality", *ASKED[5:]]


@pytest.mark.parametrize(
    ("answers", "page", "following", "preceding"),
    [
        ({}, "overall", "information", INTRODUCTION),
        ({}, "continuity", "accessibility", "support_and_respect"),
        ({"municipality_contact": 1}, "continuity", "municipality", "support_and_respect"),
        ({"municipality_contact": 1}, "accessibility", "about_you", "municipality"),
        ({}, "comments", REVIEW, "about_you"),
    ],
)
def test_next_and_previous_skip_pages_routed_past(answers, page, following, preceding):
    router = Router(Q, answers, "ibd-vuxna")
    assert (router.next(page), router.previous(page)) == (following, preceding)


def test_resume_goes_where_the_patient_was_sent_if_that_page_is_still_asked():
    router = Router(Q, {"municipality_contact": 2}, "ibd-vuxna")
    assert router.resume("accessibility") == "accessibility"
    assert router.resume(REVIEW) == REVIEW and router.resume(INTRODUCTION) == INTRODUCTION
    assert router.resume("municipality") == "overall"  # routed past since: the first page asked
    assert router.resume(None) == "overall" == router.first_page()


def test_after_a_change_from_the_review_continue_goes_through_a_newly_opened_page():
    before = Router(Q, {"municipality_contact": 2}, "ibd-vuxna").visible_page_ids()
    assert Router(Q, {"municipality_contact": 1}, "ibd-vuxna").after_change(before) == "municipality"
    assert Router(Q, {"municipality_contact": 2}, "ibd-vuxna").after_change(before) == REVIEW
