"""A patient answers the whole questionnaire in a real browser, on a phone and on a desktop."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CONTINUE = "button[value=next]:not(.visually-hidden)"
BACK = "button[value=back]"
SUBMIT = "button[value=submit]"
START = "button[value=start]"
INTERACTIVE = {"a", "button", "input", "textarea", "select"}
JUST_SENT = "Dina svar är inskickade"
ALREADY_SENT = JUST_SENT  # the same calm heading on reload and from a second tab


def phone_choice(item_id: str, position: int, option_count: int) -> int:
    """Walk through the options; say yes to municipal care so the routed page appears."""
    return 0 if item_id == "municipality_contact" else position % option_count


def desktop_choice(item_id: str, position: int, option_count: int) -> int:
    """Mostly the second option; no municipal care, so the routed page stays hidden."""
    return option_count - 2 if item_id == "municipality_contact" else min(1, option_count - 1)


def test_phone_patient_answers_everything_with_the_keyboard(live_survey, phone, patient, screenshot):
    letter = live_survey.invitation()
    tab = patient(phone)
    tab.sign_in(letter.access_code.lower().replace("-", " "))
    assert tab.page.url.endswith("/introduction")
    assert "reumatoid artrit" in tab.page.locator("main").inner_text()

    focus_trail = tab.keyboard_press(START)
    comment = "Bra bemötande på vårdcentralen, men lång väntan på remissen."
    for _ in range(2):
        tab.progress.append((tab.page_id(), *tab.read_progress()))
        focus_trail += tab.answer_page_by_keyboard(phone_choice)
        screenshot(tab.page, f"keyboard-focus-{len(tab.progress)}")
        focus_trail += tab.keyboard_press(CONTINUE)
    third_page = tab.page_id()
    focus_trail += tab.keyboard_press(BACK)
    second_page_answers = {q["id"]: int(q["checked"]) for q in tab.questions()}
    assert tab.page_id() == tab.progress[1][0]
    assert second_page_answers == {q: tab.answers[q] for q in second_page_answers}
    focus_trail += tab.keyboard_press(CONTINUE)
    assert tab.page_id() == third_page

    def answer() -> None:
        focus_trail.extend(tab.answer_page_by_keyboard(phone_choice, comment))

    tab.answer_to_review(answer, lambda: focus_trail.extend(tab.keyboard_press(CONTINUE)))

    numbers = [number for _, number, _ in tab.progress]
    counts = [count for _, _, count in tab.progress]
    assert numbers == list(range(1, len(numbers) + 1))
    assert numbers[-1] == counts[-1], "the last page should say 'Sida M av M'"
    assert "municipality" in [page_id for page_id, _, _ in tab.progress], "routing should show the municipal page"
    assert counts[0] < counts[-1], "the page count grows when a routed page is switched on"

    invisible = [f for f in focus_trail if f["tag"] in INTERACTIVE and not f["visible"]]
    assert not invisible, f"focus was not visible on {invisible}"

    assert tab.page.url.endswith("/review")
    review = tab.page.locator("main").inner_text()
    assert "Inte besvarad" not in review
    assert comment in review
    tab.keyboard_press(SUBMIT)
    assert tab.heading() == JUST_SENT

    tab.page.reload()
    assert tab.heading() == ALREADY_SENT
    tab.page.go_back()
    assert tab.heading() == ALREADY_SENT
    [stored] = live_survey.responses(letter.respondent_id)
    assert stored.submitted
    assert stored.answers == tab.answers


def test_desktop_patient_answers_with_the_mouse_and_submits_from_two_tabs(live_survey, desktop, patient):
    letter = live_survey.invitation()
    tab = patient(desktop)
    tab.sign_in(letter.access_code)
    tab.press("Börja svara")
    comment = '<b>Fetstil?</b> & "citat" – åäö'
    tab.answer_to_review(lambda: tab.answer_page_by_mouse(desktop_choice, comment), lambda: tab.press("Fortsätt"))

    assert "municipality" not in [page_id for page_id, _, _ in tab.progress]
    assert [number for _, number, _ in tab.progress] == list(range(1, len(tab.progress) + 1))
    assert {count for _, _, count in tab.progress} == {len(tab.progress)}
    assert tab.page.locator(".summary__text").inner_text() == comment, "free text is shown back as text"

    second_tab = patient(desktop)
    second_tab.open("/review")
    tab.press("Skicka in svaren")
    assert tab.heading() == JUST_SENT
    second_tab.press("Skicka in svaren")
    assert second_tab.heading() == ALREADY_SENT

    [stored] = live_survey.responses(letter.respondent_id)
    assert stored.submitted
    assert stored.answers == tab.answers
