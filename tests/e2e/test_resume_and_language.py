"""Closing the browser and coming back, and switching language mid-questionnaire."""

from __future__ import annotations

import pytest

from questionnaires import load_questionnaire

pytestmark = pytest.mark.browser


def first_option(item_id: str, position: int, option_count: int) -> int:
    return 0


def last_option(item_id: str, position: int, option_count: int) -> int:
    return option_count - 1


def test_closing_the_browser_and_resuming_on_another_device_keeps_the_answers(live_survey, desktop, phone, patient):
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


def _expire_sessions(live_survey) -> None:
    """Move every server-side survey session's start and last request three hours back."""
    from datetime import timedelta

    from sqlalchemy import select

    from prem.db import db
    from prem.survey.models import SurveySession

    with live_survey.app.app_context():
        for row in db.session.execute(select(SurveySession)).scalars():
            row.started_at -= timedelta(hours=3)
            row.last_seen_at -= timedelta(hours=3)
        db.session.commit()


def test_an_expired_session_keeps_the_page_answers_through_code_re_entry(
    live_survey, phone, patient, assert_accessible, screenshot
):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    first_page = tab.page_id()
    tab.answer_page_by_mouse(last_option)
    _expire_sessions(live_survey)  # the session ran out, e.g. after hours with the page open

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


def test_change_an_answer_from_the_review_then_save_and_come_back(live_survey, desktop, phone, patient):
    questionnaire = load_questionnaire("prem-vardforlopp")
    item = next(
        item
        for page in questionnaire.pages
        for item in page.items
        if item.kind == "choice" and item.id != "municipality_contact"
    )
    letter = live_survey.invitation()
    tab = patient(desktop)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    tab.answer_to_review(lambda: tab.answer_page_by_mouse(first_option), lambda: tab.press("Fortsätt"))
    assert tab.page.url.endswith("/review")

    change = tab.page.get_by_role("link", name=f"Ändra – {item.text['sv']}", exact=True)
    with tab.page.expect_navigation():
        change.click()
    assert tab.page.url.endswith(f"?return=review#{item.id}")
    assert tab.page.evaluate("() => location.hash") == f"#{item.id}"
    options = next(q for q in tab.questions() if q["id"] == item.id)["options"]
    tab.page.locator(f"label[for={item.id}-{len(options) - 1}]").click()
    tab.press("Fortsätt")
    assert tab.page.url.endswith("/review"), "Fortsätt after Ändra goes straight back to the review"
    new_label = item.scale.option(int(options[-1])).label["sv"]
    row = tab.page.locator(".summary__row").filter(has_text=item.text["sv"])
    assert new_label in row.inner_text()

    with tab.page.expect_navigation():
        change.click()
    tab.press("Spara och fortsätt senare")
    assert "Dina svar är sparade" in tab.page.locator("main").inner_text()
    desktop.close()

    later = patient(phone)
    later.sign_in(letter.access_code)
    assert later.page.url.endswith("/review"), "coming back after a change resumes at the review"
    [stored] = live_survey.responses(letter.respondent_id)
    assert stored.answers[item.id] == int(options[-1]) and not stored.submitted
