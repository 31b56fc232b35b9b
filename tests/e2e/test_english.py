"""English pages say everything in English, not only the questions."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_english_question_page_has_english_progress_and_buttons(live_survey, desktop, patient):
    tab = patient(desktop)
    tab.open("/")
    tab.press("English")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    assert tab.heading() == "Enter your access code"
    tab.sign_in(live_survey.invitation().access_code)
    tab.press("Start the survey")
    assert tab.page.locator(".progress").inner_text().startswith("Page 1 of ")
    for button in ("Continue", "Back", "Save and continue later", "Svenska"):
        assert tab.page.get_by_role("button", name=button, exact=True).is_visible(), button
