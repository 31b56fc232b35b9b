"""Page navigation as the views ask it (prem.survey.router): pure, no request and no database."""

from __future__ import annotations

import pytest

from prem.survey.router import ENDED, INTRODUCTION, REVIEW, SAVED, Router
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


# --- What each button of a question page does (Router.on_page) ----------------


def test_continue_and_back_save_the_page_and_go_on_from_the_answers_just_given():
    router = Router(Q, {}, "ibd-vuxna")
    opened = router.on_page("continuity", "next", {"municipality_contact": 1}, returning=False)
    assert (opened.target, opened.resume_page, opened.answers) == (
        "municipality",
        "municipality",
        {"municipality_contact": 1},
    )
    assert not opened.exits and not opened.returning
    back = Router(Q, {"municipality_contact": 1}, "ibd-vuxna").on_page("accessibility", "back", {}, returning=False)
    assert (back.target, back.resume_page) == ("municipality", "municipality")
    assert router.on_page("overall", "back", {}, returning=False).target == INTRODUCTION
    assert router.on_page("comments", "next", {}, returning=False).target == REVIEW


def test_an_unknown_button_is_continue_and_answers_of_items_not_asked_are_ignored():
    router = Router(Q, {}, "ibd-vuxna")
    move = router.on_page("continuity", "anything", {"municipality_contact": 2, "overall_rating": 1}, returning=False)
    assert move == router.on_page("continuity", "next", {"municipality_contact": 2}, returning=False)
    assert move.answers == {"municipality_contact": 2} and move.target == "accessibility"


def test_after_a_change_from_the_review_continue_opens_new_pages_first_then_the_review():
    router = Router(Q, {"municipality_contact": 2}, "ibd-vuxna")
    opened = router.on_page("continuity", "next", {"municipality_contact": 1}, returning=True)
    assert (opened.target, opened.resume_page, opened.returning) == ("municipality", "municipality", True)
    unchanged = router.on_page("continuity", "next", {"municipality_contact": 2}, returning=True)
    assert (unchanged.target, unchanged.resume_page) == (REVIEW, REVIEW)
    assert router.on_page("continuity", "back", {}, returning=True).returning is False


@pytest.mark.parametrize(("button", "exit_to"), [("save_exit", SAVED), ("end", ENDED)])
def test_the_exits_save_and_come_back_to_this_page_or_where_a_change_leads(button, exit_to):
    router = Router(Q, {"municipality_contact": 2}, "ibd-vuxna")
    plain = router.on_page("continuity", button, {"municipality_contact": 1}, returning=False)
    assert (plain.target, plain.resume_page, plain.exits) == (exit_to, "continuity", True)
    changed = router.on_page("continuity", button, {"municipality_contact": 1}, returning=True)
    assert (changed.target, changed.resume_page) == (exit_to, "municipality")
    assert router.on_page("overall", button, {}, returning=True).resume_page == REVIEW


def test_language_and_clear_save_and_stay_on_the_page():
    router = Router(Q, {"overall_rating": 1}, "ibd-vuxna")
    switched = router.on_page("overall", "language:en", {"overall_rating": 2}, returning=True)
    assert (switched.target, switched.resume_page, switched.language, switched.returning) == (
        "overall",
        "overall",
        "en",
        True,
    )
    assert switched.answers["overall_rating"] == 2
    cleared = router.on_page("overall", "clear:overall_rating", {"overall_rating": 1}, returning=False)
    assert (cleared.target, cleared.anchor, cleared.answers["overall_rating"]) == ("overall", "overall_rating", None)
    # Only a shown choice item of this page can be cleared; any other "clear:" is "Continue".
    for stray in ("clear:comments", "clear:nothing", "clear:"):
        assert router.on_page("overall", stray, {"overall_rating": 1}, returning=False).target == "information"


def test_with_answers_clears_empty_answers_and_keeps_the_rest():
    router = Router(Q, {"overall_rating": 1, "needs_met": 2}, None).with_answers({"overall_rating": None, "x": ""})
    assert router.answers == {"needs_met": 2}
