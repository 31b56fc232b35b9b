"""Every page type passes axe-core (WCAG 2.1 A/AA) in Swedish and English, fits a 320 px screen and needs no
JavaScript. The patient's pages are held to no axe violation at all, minor and moderate ones included."""

from __future__ import annotations

import pytest

from questionnaires import load_questionnaire

pytestmark = pytest.mark.browser

EXPECTED_PAGE_TYPES = {
    "code-entry",
    "code-entry-error",
    "introduction",
    "question-page",
    "question-page-error",
    "review",
    "review-unanswered",
    "thanks",
    "used-code",
    "saved",
    "refusal-confirm",
    "refused",
    "screen-out-confirm",
    "screened-out",
    "closed-round",
    "not-yet-open",
    "page-not-found",
    "returned-code",
    "ended",
    "session-ended",
}


def test_every_page_type_has_no_serious_accessibility_violations(context, page_tour, assert_accessible, screenshot):
    failures, seen = [], []
    for name, page in page_tour(context):
        seen.append(name)
        screenshot(page, name)
        try:
            assert_accessible(page, name, strict=True)
        except AssertionError as failure:
            failures.append(str(failure))
    assert set(seen) == EXPECTED_PAGE_TYPES
    assert not failures, "\n\n".join(failures)


def test_every_page_type_in_english_has_no_accessibility_violations(phone, page_tour, assert_accessible, screenshot):
    failures, seen = [], []
    for name, page in page_tour(phone, language="en"):
        seen.append(name)
        assert page.locator("html").get_attribute("lang") == "en", name
        screenshot(page, f"en-{name}")
        try:
            assert_accessible(page, f"{name} in English", strict=True)
        except AssertionError as failure:
            failures.append(str(failure))
    assert set(seen) == EXPECTED_PAGE_TYPES
    assert not failures, "\n\n".join(failures)


def test_every_question_page_in_swedish_and_english_has_no_accessibility_violations(
    phone, question_pages, assert_accessible
):
    failures = []
    for name, page in question_pages(phone):
        try:
            assert_accessible(page, name, strict=True)
        except AssertionError as failure:
            failures.append(str(failure))
    assert not failures, "\n\n".join(failures)


def test_every_page_type_works_at_320_px_without_javascript_within_the_content_security_policy(browser, page_tour):
    # No bypass_csp: the pages must work under the app's own strict policy. JavaScript is off in
    # the pages (the survey is plain HTML and CSS), so the whole tour also proves it needs none.
    context = browser.new_context(viewport={"width": 320, "height": 640}, locale="sv-SE", java_script_enabled=False)
    refused = []
    context.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    too_wide = {}
    for name, page in page_tour(context):
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 320:
            too_wide[name] = width
        assert page.evaluate("() => getComputedStyle(document.body).margin") == "0px", f"no stylesheet on {name}"
    context.close()
    assert not too_wide, f"pages that scroll sideways at 320 px (scrollWidth): {too_wide}"
    assert not refused, "the pages break their own Content-Security-Policy:\n" + "\n".join(refused)


def test_a_screen_reader_hears_each_question_as_a_named_group_of_labelled_options(live_survey, phone, patient):
    questionnaire = load_questionnaire("prem-vardforlopp")
    tab = patient(phone)
    tab.sign_in(live_survey.invitation().access_code)
    tab.press("Börja svara")
    first_page = questionnaire.page(tab.page_id())
    for item in first_page.items:
        group = tab.page.get_by_role("group", name=item.text["sv"], exact=True)
        options = group.get_by_role("radio")
        assert [options.nth(i).get_attribute("value") for i in range(options.count())] == [
            str(option.code) for option in item.scale.options
        ]
        for option in item.scale.options:
            assert group.get_by_role("radio", name=option.label["sv"], exact=True).count() == 1
    assert tab.page.get_by_role("heading", level=1).inner_text() == first_page.title["sv"]
