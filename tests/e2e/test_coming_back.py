"""Coming back as patients do (issue 11): a session that ended under the review, "Avsluta", the language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def first_option(item_id: str, position: int, option_count: int) -> int:
    return 0


def test_sending_after_the_session_ended_is_told_and_lands_back_on_the_review_unsent(
    live_survey, phone, patient, assert_accessible, screenshot
):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    tab.answer_to_review(lambda: tab.answer_page_by_mouse(first_option), lambda: tab.press("Fortsätt"))
    assert tab.page.url.endswith("/review")
    live_survey.expire_sessions()

    tab.press("Skicka in svaren")
    notice = tab.page.locator(".notice").inner_text()
    assert "Dina svar finns kvar och inget har skickats" in notice
    assert tab.page.locator("#code").is_visible()
    assert_accessible(tab.page, "code entry after the session ended on the review")
    screenshot(tab.page, "code-entry-session-ended")
    assert not live_survey.responses(letter.respondent_id)[0].submitted

    tab.page.locator("#code").fill(letter.access_code)
    tab.press("Fortsätt")
    assert tab.page.url.endswith("/review"), "back where they were"
    assert not live_survey.responses(letter.respondent_id)[0].submitted, "nothing sent without them seeing it"
    tab.press("Skicka in svaren")
    tab.press("Skicka ändå")  # the comment was left empty: asked once
    assert tab.page.url.endswith("/done")
    assert live_survey.responses(letter.respondent_id)[0].submitted


def test_avsluta_on_a_shared_computer_leaves_nothing_for_the_next_person(
    live_survey, browser, desktop, patient, assert_accessible, screenshot
):
    letter = live_survey.invitation()
    tab = patient(desktop)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    tab.open("/page/comments")
    tab.page.locator("textarea").fill("Min privata kommentar om vården.")
    tab.press("Fortsätt")
    assert tab.page.url.endswith("/review")
    [cookie] = [c for c in desktop.cookies() if c["name"] == "prem_session"]
    assert cookie["expires"] == -1, "a session cookie: it ends when the browser closes"

    tab.press("Avsluta")
    main = tab.page.locator("main").inner_text()
    assert tab.heading() == "Du har avslutat för den här gången"
    assert "Dina svar hittills är sparade" in main and "skriv in koden" in main
    assert_accessible(tab.page, "the page after Avsluta")
    screenshot(tab.page, "ended")

    # The next person on the same computer, even with the old cookie back (as a restored tab would have it).
    later = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
    later.add_cookies([cookie])
    after = patient(later)
    after.open("/review")
    assert after.page.locator("#code").is_visible()
    assert "Min privata kommentar" not in after.page.content()
    later.close()
    assert live_survey.responses(letter.respondent_id)[0].answers.get("comments") == "Min privata kommentar om vården."


def test_english_chosen_on_the_code_page_keeps_the_code_and_follows_the_response(
    live_survey, phone, desktop, patient, assert_accessible
):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.open("/")
    tab.page.locator("#code").fill(letter.access_code)
    tab.press("English")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert tab.page.locator("#code").input_value() == letter.access_code, "the typed code is kept"
    assert_accessible(tab.page, "the code page switched to English")
    with tab.page.expect_navigation():
        tab.page.locator("#code").press("Enter")  # Enter still sends the code, not the language button
    assert tab.page.url.endswith("/introduction")
    tab.press("Start the survey")
    tab.answer_page_by_mouse(first_option)
    tab.press("Continue")

    elsewhere = patient(desktop)  # another browser, where nothing was chosen
    elsewhere.sign_in(letter.access_code)
    assert elsewhere.page.locator("html").get_attribute("lang") == "en"
    assert elsewhere.page.locator(".progress").inner_text().startswith("Page 2 of")


def test_the_introduction_names_the_period_sender_and_contact_and_screen_out_says_why(
    live_survey, phone, patient, assert_accessible
):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.sign_in(letter.access_code)
    intro = tab.page.locator("main").inner_text()
    assert "Frågorna gäller den vård du fick från 1 januari 2025 till 31 december 2025." in intro
    assert "Enkäten skickas av Region Västra Götaland, Enheten för patientenkäter." in intro
    assert "010-000 00 00 (vardagar kl. 9–12)" in intro and "Det tar ungefär 10 minuter" in intro
    tab.press("Det här stämmer inte med min vård")
    tab.page.get_by_role("group", name="Vill du berätta varför? (frivilligt)").get_by_role(
        "radio", name="Jag fick inte vård under den perioden"
    ).check()
    assert_accessible(tab.page, "the screen-out confirm page with its reasons")
    tab.press("Ja, det stämmer inte med min vård")
    from sqlalchemy import select

    from prem.db import db
    from prem.fieldwork.models import Respondent

    with live_survey.app.app_context():
        reason = db.session.execute(
            select(Respondent.screen_out_reason).where(Respondent.respondent_id == letter.respondent_id)
        ).scalar_one()
        db.session.remove()
    assert reason == "not_in_period"
