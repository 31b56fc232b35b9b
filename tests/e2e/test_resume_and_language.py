"""Closing the browser and coming back, and switching language mid-questionnaire."""

from __future__ import annotations

import pytest

from questionnaires import load_questionnaire

pytestmark = pytest.mark.browser


def first_option(item_id: str, position: int, option_count: int) -> int:
    return 0


def last_option(item_id: str, position: int, option_count: int) -> int:
    return option_count - 1


def test_closing_the_browser_and_resuming_on_another_device_keeps_the_answers(
        live_survey, desktop, phone, patient):
    letter = live_survey.invitation()
    before = patient(desktop)
    before.sign_in(letter.access_code)
    before.press("Börja svara")
    answered_pages = []
    for _ in range(2):
        answered_pages.append(before.page_id())
        before.answer_page_by_mouse(last_option)
        before.press("Fortsätt")
    next_page = before.page_id()
    desktop.close()

    after = patient(phone)
    after.sign_in(letter.access_code.replace("-", ""))
    assert after.page_id() == next_page, "resume lands on the first unanswered page"
    assert after.read_progress()[0] == 3
    assert all(question["checked"] is None for question in after.questions())
    for page_id in reversed(answered_pages):
        after.press("Tillbaka")
        assert after.page_id() == page_id
        kept = {question["id"]: int(question["checked"]) for question in after.questions()}
        assert kept == {item_id: before.answers[item_id] for item_id in kept}
    [stored] = live_survey.responses(letter.respondent_id)
    assert not stored.submitted
    assert stored.answers == before.answers


def test_switching_language_on_a_question_page_keeps_the_answers(live_survey, phone, patient, assert_accessible):
    questionnaire = load_questionnaire("prem-vardforlopp")
    first_page = questionnaire.pages[0]
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    assert tab.page.locator("html").get_attribute("lang") == "sv"
    tab.answer_page_by_mouse(first_option)

    tab.press("English")
    assert tab.page_id() == first_page.id
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert tab.heading() == first_page.title["en"]
    assert tab.page.locator("legend").all_inner_texts() == [item.text["en"] for item in first_page.items]
    assert tab.read_progress()[0] == 1
    assert {q["id"]: int(q["checked"]) for q in tab.questions()} == tab.answers
    assert_accessible(tab.page, "a question page in English")

    tab.press("Svenska")
    assert tab.page.locator("html").get_attribute("lang") == "sv"
    assert tab.page.locator("legend").all_inner_texts() == [item.text["sv"] for item in first_page.items]
    assert {q["id"]: int(q["checked"]) for q in tab.questions()} == tab.answers
    tab.press("Fortsätt")
    assert tab.page.locator("html").get_attribute("lang") == "sv"
    assert live_survey.responses(letter.respondent_id)[0].answers == tab.answers


def test_an_expired_session_keeps_the_page_answers_through_code_re_entry(
        live_survey, phone, patient, assert_accessible, screenshot):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    first_page = tab.page_id()
    tab.answer_page_by_mouse(last_option)
    phone.clear_cookies()  # the session is gone, e.g. after hours with the page open

    tab.press("Fortsätt")
    assert tab.page.locator("#code").is_visible(), "the patient is asked for the code again"
    assert_accessible(tab.page, "code entry after an expired session")
    screenshot(tab.page, "code-entry-session-expired")
    tab.page.locator("#code").fill(letter.access_code)
    tab.press("Fortsätt")
    assert tab.page_id() == first_page, "back on the page they were answering"
    assert {q["id"]: int(q["checked"]) for q in tab.questions()} == tab.answers, "with what they had chosen"
    [stored] = live_survey.responses(letter.respondent_id)
    assert stored.answers == tab.answers
