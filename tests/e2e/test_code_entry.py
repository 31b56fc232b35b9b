"""The code page: the QR code's address, and a wrong code's error summary."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_the_qr_code_address_fills_in_the_code(live_survey, phone, patient):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.open(f"/?code={letter.access_code}")
    assert tab.page.locator("#code").input_value() == letter.access_code
    tab.press("Fortsätt")
    assert tab.page.url.endswith("/introduction")
    assert live_survey.responses(letter.respondent_id) == []


def test_a_wrong_code_moves_focus_to_an_error_summary_that_links_to_the_field(live_survey, desktop, patient):
    tab = patient(desktop)
    tab.sign_in("abcd-efgh-jkmn")
    assert tab.page.title().startswith("Fel: ")
    assert tab.page.evaluate("() => document.activeElement.classList.contains('error-summary')")
    assert tab.page.locator("#code").input_value() == "abcd-efgh-jkmn", "what the patient typed is kept"
    tab.page.locator(".error-summary a").click()
    assert tab.page.evaluate("() => document.activeElement.id") == "code"
