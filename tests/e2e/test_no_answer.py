"""Changing one's mind on a radio, without JavaScript; "Vill inte svara" on the background page (issue 11)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_chosen_radio_can_be_cleared_without_javascript(live_survey, browser, patient):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE", java_script_enabled=False)
    letter = live_survey.invitation()
    tab = patient(context)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    first, second = (q["id"] for q in tab.questions()[:2])
    tab.page.locator(f"label[for={first}-0]").click()
    tab.page.locator(f"label[for={second}-1]").click()
    with tab.page.expect_navigation():
        tab.page.get_by_role("group").first.get_by_role("button", name="Rensa svaret").click()
    checked = {q["id"]: q["checked"] for q in tab.questions()}
    assert checked[first] is None and checked[second] is not None
    assert tab.page.evaluate("() => location.hash") == f"#{first}"
    [stored] = live_survey.responses(letter.respondent_id)
    assert first not in stored.answers and second in stored.answers
    context.close()


def test_background_questions_offer_vill_inte_svara(live_survey, phone, patient, assert_accessible, screenshot):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    tab.open("/page/about_you")
    groups = tab.page.get_by_role("group")
    assert groups.count() >= 5
    for index in range(groups.count()):
        group = groups.nth(index)
        declined = group.get_by_role("radio", name="Vill inte svara").or_(
            group.get_by_role("radio", name="Vill inte uppge")
        )
        declined.check()
    assert_accessible(tab.page, "the background page")
    screenshot(tab.page, "background-page")
    tab.press("Fortsätt")
    [stored] = live_survey.responses(letter.respondent_id)
    assert stored.answers["self_rated_health"] == 99 and stored.answers["reported_sex"] == 3
