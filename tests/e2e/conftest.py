"""Fixtures for the browser end-to-end tests: headless Chromium and axe-core.

The tests drive Debian's Chromium (never a browser downloaded by
``playwright install``) through Playwright for Python. Without a browser, the
Python ``playwright`` package or the axe-core script they skip with a message
saying what to install – unless ``PREM_REQUIRE_BROWSER=1`` (CI), where a
missing piece is a failure, so that CI can never pass by skipping.
"""

from __future__ import annotations

import csv
import importlib.util
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("PREM_CHROMIUM", "/usr/bin/chromium"))
AXE_SCRIPT = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOT_DIR = Path("/tmp/e2e-shots")

# Quiet, offline, single-process-friendly Chromium for containers and CI.
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}

# What axe checks: WCAG 2.0 and 2.1, levels A and AA (issue #3).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}


def _missing(what: str) -> None:
    """Skip (or, under ``PREM_REQUIRE_BROWSER=1``, fail) because ``what`` is absent."""
    if os.environ.get("PREM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"PREM_REQUIRE_BROWSER=1 but {what}", pytrace=False)
    pytest.skip(f"browser tests skipped: {what}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the whole session (contexts keep tests apart)."""
    if not CHROMIUM.is_file():
        _missing(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set PREM_CHROMIUM)")
    if importlib.util.find_spec("playwright") is None:
        _missing("the Python package playwright is not installed (pip install -e '.[test]')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def axe_script() -> Path:
    """The axe-core script installed from npm by ``make test``."""
    if not AXE_SCRIPT.is_file():
        _missing(f"no axe-core at {AXE_SCRIPT} (run: npm ci --prefix tests/e2e)")
    return AXE_SCRIPT


def _context(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport, locale="sv-SE", bypass_csp=True)
    context.set_default_timeout(20_000)  # generous: CI machines are often loaded
    yield context
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A fresh phone-sized browser context (375×812), Swedish locale."""
    yield from _context(browser, PHONE)


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    """A fresh desktop-sized browser context (1280×900), Swedish locale."""
    yield from _context(browser, DESKTOP)


@pytest.fixture(params=sorted(VIEWPORTS))
def context(request: pytest.FixtureRequest, browser: Any) -> Iterator[Any]:
    """A fresh browser context, once phone-sized and once desktop-sized."""
    yield from _context(browser, VIEWPORTS[request.param])


def format_violations(violations: list[dict[str, Any]]) -> str:
    """axe's violations as lines a developer can act on: rule, impact, help, nodes."""
    lines = []
    for violation in violations:
        lines.append(f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def axe_violations(page: Any, axe_script: Path, strict: bool = False) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.1 A/AA) on the page; its serious or critical violations (``strict``: all of them)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script))
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_TAGS,
    )
    return [v for v in results["violations"] if strict or v["impact"] in BLOCKING_IMPACTS]


@pytest.fixture
def assert_accessible(axe_script: Path):
    """Assert that a page has no serious or critical axe violations (``strict``: none at all), listing them."""

    def check(page: Any, what: str, strict: bool = False) -> None:
        violations = axe_violations(page, axe_script, strict)
        assert not violations, f"axe on {what} ({page.url}):\n{format_violations(violations)}"

    return check


@pytest.fixture(scope="session")
def screenshot():
    """Save a full-page screenshot as /tmp/e2e-shots/<name>-<width>.png for a human to look at."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}-{page.viewport_size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


# --- The survey served on a real socket -------------------------------------

ACCESS_CODE_KEY = "e2e-access-code-key"
PATHWAY = "reumatoid-artrit"
OPEN_ROUND, CLOSED_ROUND, FUTURE_ROUND = "e2e-open", "e2e-closed", "e2e-future"
FRAME_HEADER = [
    "respondent_id",
    "pathway",
    "region",
    "sex",
    "age",
    "age_group",
    "stratum_population",
    "stratum_sample",
    "design_weight",
]
MAILING_HEADER = ["respondent_id", "access_code", "personnummer", "name", "street", "postal_code", "city"]
#: The open round's information, as a region writes it (the introduction names period, sender, contact).
ROUND_INFO = f"""\
round: {OPEN_ROUND}
survey_url: https://enkat.region.example/
sender: {{name: Region Västra Götaland, department: Enheten för patientenkäter, street: Box 1,
  postal_code: "405 44", city: Göteborg}}
contact: {{phone: 010-000 00 00, email: patientenkat@example.se, hours: {{sv: vardagar kl. 9–12, en: weekdays 9–12}}}}
period: {{start: 2025-01-01, end: 2025-12-31}}
plan: {{invitation: 2026-03-02, reminder_1_after_days: 14, reminder_2_after_days: 28}}
data_protection:
  controller: {{sv: Regionen., en: The region.}}
  purpose: {{sv: Att förbättra vården., en: To improve care.}}
  legal_basis: {{sv: Allmänt intresse., en: Public interest.}}
  retention: {{sv: Fem år., en: Five years.}}
  rights: {{sv: Du kan begära rättelse., en: You may ask for correction.}}
"""


@dataclass(frozen=True)
class Invitation:
    """One letter: the respondent's opaque id and the access code printed on it."""

    respondent_id: str
    access_code: str


@dataclass
class LiveSurvey:
    """The running survey: its address, its app (for database checks) and unused letters."""

    url: str
    app: Any
    letters: dict[str, list[Invitation]] = field(default_factory=dict)

    def invitation(self, round_name: str = OPEN_ROUND) -> Invitation:
        """A letter nobody has used yet in this test session."""
        return self.letters[round_name].pop()

    def mark_returned(self, letter: Invitation, reason: str, round_name: str = OPEN_ROUND) -> None:
        """Record ``letter`` as returned (``undeliverable``) or its person as ``deceased``, as the region does."""
        import tempfile

        from prem.db import db, transaction
        from prem.fieldwork.operations import record_returned_mail

        with tempfile.TemporaryDirectory() as folder:
            returned = Path(folder) / "returned.csv"
            returned.write_text(f"respondent_id,reason\n{letter.respondent_id},{reason}\n", encoding="utf-8")
            with transaction(self.app, upgrade=False) as session:
                record_returned_mail(session, round_name, returned)
        with self.app.app_context():
            db.session.remove()

    def expire_sessions(self) -> None:
        """Every server-side survey session ran out (moved three hours back), as after a long pause."""
        from sqlalchemy import select

        from prem.db import db
        from prem.survey.models import SurveySession

        with self.app.app_context():
            for row in db.session.execute(select(SurveySession)).scalars():
                row.started_at -= timedelta(hours=3)
                row.last_seen_at -= timedelta(hours=3)
            db.session.commit()
            db.session.remove()

    def responses(self, respondent_id: str) -> list[Any]:
        """The respondent's stored responses, with their answers as ``{item_id: code or text}``."""
        from sqlalchemy import select

        from prem.db import db
        from prem.fieldwork.models import Respondent
        from prem.survey.models import Response

        with self.app.app_context():
            stored = (
                db.session.execute(
                    select(Response)
                    .join(Respondent, Respondent.id == Response.respondent_pk)
                    .where(Respondent.respondent_id == respondent_id)
                )
                .scalars()
                .all()
            )
            found = [
                StoredResponse(
                    submitted=response.submitted_at is not None,
                    answers={a.item_id: a.code if a.text is None else a.text for a in response.answers},
                )
                for response in stored
            ]
            db.session.remove()
        return found


@dataclass(frozen=True)
class StoredResponse:
    """What the database holds for one response (read back for assertions)."""

    submitted: bool
    answers: dict[str, int | str | None]


def _write_sample(directory: Path, size: int, generator: Any) -> list[Invitation]:
    """A synthetic frame.csv and mailing.csv as ``prem sample`` writes them (fictitious people)."""
    from sampling.access_codes import new_access_code

    directory.mkdir(parents=True)
    letters = [Invitation(f"R{new_access_code().replace('-', '')[:10]}", new_access_code()) for _ in range(size)]
    with (
        open(directory / "frame.csv", "w", newline="", encoding="utf-8") as frame,
        open(directory / "mailing.csv", "w", newline="", encoding="utf-8") as mailing,
    ):
        frame_rows, mailing_rows = csv.writer(frame), csv.writer(mailing)
        frame_rows.writerow(FRAME_HEADER)
        mailing_rows.writerow(MAILING_HEADER)
        for number, letter in enumerate(letters):
            age = int(generator.integers(20, 90))
            frame_rows.writerow(
                [
                    letter.respondent_id,
                    PATHWAY,
                    "14",
                    "KM"[number % 2],
                    age,
                    _age_group(age),
                    800,
                    size,
                    round(800 / size, 4),
                ]
            )
            mailing_rows.writerow(
                [
                    letter.respondent_id,
                    letter.access_code,
                    f"19{number:06d}-0000",
                    f"Testperson {number}",
                    "Provgatan 1",
                    "41319",
                    "Göteborg",
                ]
            )
    return letters


def _age_group(age: int) -> str:
    bins = [(17, "0-17"), (34, "18-34"), (49, "35-49"), (64, "50-64"), (79, "65-79")]
    return next((label for upper, label in bins if age <= upper), "80+")


@contextmanager
def served(app: Any, name: str) -> Iterator[str]:
    """Serve ``app`` with werkzeug in a thread on 127.0.0.1; yields its address, then stops it and closes
    the app's database connections."""
    from werkzeug.serving import make_server

    from prem.db import db

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log in the test output
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def live_survey(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[LiveSurvey]:
    """The app on a temporary SQLite database, served by werkzeug in a thread on 127.0.0.1.

    Three rounds are imported through the fieldwork import operation: one open
    (yesterday to a month ahead), one that closed yesterday and one that opens
    in ten days. The test
    session writes the mailing lists itself, so it knows every access code.
    """
    import numpy as np

    from contracts.round_info import load_round_info
    from prem import create_app
    from prem.db import transaction
    from prem.fieldwork.operations import import_round, survey_today
    from prem.security import code_keys

    root = tmp_path_factory.mktemp("live-survey")
    app = create_app(
        {
            "SECRET_KEY": "e2e-secret-key",
            "ACCESS_CODE_KEY": ACCESS_CODE_KEY,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'prem.sqlite'}",
            "CODE_ATTEMPT_LIMIT": 1000,
            # As a region would configure it, so that screenshots and axe see the full footer.
            "SURVEY_SENDER": "Region Västra Götaland",
            "SURVEY_CONTACT": "patientenkat@example.se, 010-000 00 00",
        }
    )
    app.instance_path = str(root / "instance")
    generator = np.random.default_rng(20260315)
    today = survey_today("Europe/Stockholm")  # the survey's date, as the app decides a round's window
    windows = {
        OPEN_ROUND: (today - timedelta(days=1), today + timedelta(days=30)),
        CLOSED_ROUND: (today - timedelta(days=40), today - timedelta(days=1)),
        FUTURE_ROUND: (today + timedelta(days=10), today + timedelta(days=40)),
    }
    letters = {}
    info_path = root / "round-info.yaml"
    info_path.write_text(ROUND_INFO, encoding="utf-8")
    with transaction(app) as session:
        for round_name, (opens, closes) in windows.items():
            letters[round_name] = _write_sample(root / round_name, 120, generator)  # the tours take many
            import_round(
                session,
                round_name,
                root / round_name / "frame.csv",
                root / round_name / "mailing.csv",
                opens,
                closes,
                code_keys(app),
                round_info=load_round_info(info_path) if round_name == OPEN_ROUND else None,
            )

    with served(app, "live-survey") as url:
        yield LiveSurvey(url, app, letters)


# --- A patient in the browser ------------------------------------------------

#: Which option a patient picks: ``(item_id, position on the whole questionnaire, number of options) -> index``.
ChoicePolicy = Callable[[str, int, int], int]

_QUESTIONS_JS = """() => [...document.querySelectorAll('#page-form .question')].map(q => {
    const radio = q.querySelector('input[type=radio]');
    const text = q.querySelector('textarea');
    return radio
        ? {id: radio.name, kind: 'choice', options: [...q.querySelectorAll('input[type=radio]')].map(r => r.value),
           checked: (q.querySelector('input[type=radio]:checked') || {}).value || null}
        : {id: text.name, kind: 'text', options: [], checked: text.value || null};
})"""

_FOCUS_JS = """() => {
    const el = document.activeElement;
    const style = getComputedStyle(el);
    const outlined = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0
        && !style.outlineColor.endsWith(', 0)') && style.outlineColor !== 'transparent';
    return {tag: el.tagName.toLowerCase(), name: el.name || '', value: el.value || '',
            text: (el.innerText || '').trim(), visible: outlined || style.boxShadow !== 'none'};
}"""


class Patient:
    """One patient's browser tab on the survey, acting by visible text as a person would.

    Keeps what it answered (``answers``: item id to option code or text) and
    the "Sida N av M" it saw on each question page (``progress``).
    """

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.answers: dict[str, int | str] = {}
        self.progress: list[tuple[str, int, int]] = []
        self._position = 0

    def open(self, path: str = "/") -> None:
        self.page.goto(self.base_url + path)

    def press(self, name: str) -> None:
        """Click the button or link called ``name`` and wait for the next page."""
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=name, exact=True).or_(
                self.page.get_by_role("link", name=name, exact=True)
            ).first.click()

    def sign_in(self, code: str) -> None:
        """Type ``code`` (as given: lower case, spaces…) on the code page and send it with Enter."""
        self.open("/")
        self.page.locator("#code").press_sequentially(code)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")

    def heading(self) -> str:
        return self.page.locator("h1").inner_text().strip()

    def page_id(self) -> str | None:
        path = self.page.url.split(self.base_url, 1)[-1].split("#")[0]
        return path.removeprefix("/page/") if path.startswith("/page/") else None

    def questions(self) -> list[dict[str, Any]]:
        """The question page's items: id, kind, option codes and what is filled in."""
        return self.page.evaluate(_QUESTIONS_JS)

    def read_progress(self) -> tuple[int, int]:
        text = self.page.locator(".progress").inner_text()
        match = re.fullmatch(r"(?:Sida|Page) (\d+) (?:av|of) (\d+)", text.strip())
        assert match, f"no 'Sida N av M' on {self.page.url}: {text!r}"
        return int(match[1]), int(match[2])

    def _unanswered(self) -> list[dict[str, Any]]:
        return [q for q in self.questions() if q["checked"] is None]

    def answer_page_by_mouse(self, choose: ChoicePolicy, comment: str = "") -> None:
        """Answer every unanswered question on the page by clicking the option's label."""
        for question in self._unanswered():
            if question["kind"] == "text":
                self.page.locator(f"textarea[name={question['id']}]").fill(comment)
                self.answers[question["id"]] = comment
                continue
            index = choose(question["id"], self._next_position(), len(question["options"]))
            self.page.locator(f"label[for={question['id']}-{index}]").click()
            self.answers[question["id"]] = int(question["options"][index])

    def answer_page_by_keyboard(self, choose: ChoicePolicy, comment: str = "") -> list[dict[str, Any]]:
        """Answer every unanswered question with Tab, arrow keys and Space, in tab order.

        Tab must reach the questions one after the other, in page order,
        without passing another question first. Returns every element the
        focus visited, so the test can check that focus was visible on each.
        """
        visited: list[dict[str, Any]] = []
        unanswered = self._unanswered()
        for question in unanswered:
            trail = self._tab_until(f"[name={question['id']}]")
            passed = {f["name"] for f in trail[:-1]} & {q["id"] for q in unanswered}
            assert not passed, f"Tab passed {passed} before reaching {question['id']} on {self.page.url}"
            visited += trail
            if question["kind"] == "text":
                self.page.keyboard.type(comment)
                self.answers[question["id"]] = comment
                continue
            index = choose(question["id"], self._next_position(), len(question["options"]))
            # Tab lands on the group's first radio; arrows move and select, Space selects the first.
            self.page.keyboard.press("Space")
            for _ in range(index):
                self.page.keyboard.press("ArrowDown")
            chosen = self.page.evaluate("() => document.activeElement.value")
            assert chosen == question["options"][index]
            self.answers[question["id"]] = int(chosen)
        return visited

    def keyboard_press(self, selector: str = "button[value=next]:not(.visually-hidden)") -> list[dict[str, Any]]:
        """Tab to the control matching ``selector`` (default "Fortsätt") and press Enter."""
        visited = self._tab_until(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        return visited

    def _tab_until(self, selector: str, limit: int = 40) -> list[dict[str, Any]]:
        visited = []
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            visited.append(self.page.evaluate(_FOCUS_JS))
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return visited
        raise AssertionError(f"{limit} presses of Tab never reached {selector} on {self.page.url}: {visited}")

    def _next_position(self) -> int:
        self._position += 1
        return self._position - 1

    def answer_to_review(self, answer_page: Callable[[], Any], go_on: Callable[[], Any]) -> None:
        """Answer page after page until the review page, noting "Sida N av M" on each."""
        for _ in range(30):
            page_id = self.page_id()
            if page_id is None:
                return
            if not self.progress or self.progress[-1][0] != page_id:
                self.progress.append((page_id, *self.read_progress()))
            answer_page()
            go_on()
        raise AssertionError("the questionnaire never reached the review page")


#: What the tour presses and reads, in English (keyed by the Swedish).
TOUR_ENGLISH = {
    "Börja svara": "Start the survey",
    "Fortsätt": "Continue",
    "Skicka in svaren": "Send answers",
    "Obesvarade frågor": "Questions not answered",
    "Skicka ändå": "Send anyway",
    "Spara och fortsätt senare": "Save and continue later",
    "Jag vill inte delta": "I do not want to take part",
    "Ja, jag vill inte delta": "Yes, I do not want to take part",
    "Det här stämmer inte med min vård": "This does not describe my care",
    "Ja, det stämmer inte med min vård": "Yes, this does not describe my care",
    "Koden kan inte längre användas": "This code can no longer be used",
    "Avsluta": "End",
    "Du har avslutat för den här gången": "You have ended for now",
    "inget har skickats": "nothing has been sent",
}


@pytest.fixture
def patient(live_survey: LiveSurvey) -> Callable[[Any], Patient]:
    """Factory: a :class:`Patient` in a new tab of the given browser context."""
    return lambda context: Patient(context.new_page(), live_survey.url)


@pytest.fixture
def page_tour(live_survey: LiveSurvey, patient: Callable[[Any], Patient]):
    """Walk a browser context through every page type a patient can meet, in Swedish or English.

    A generator of ``(name, page)``: the test checks each page when it is
    yielded, before the tour moves on. Uses eight fresh letters. In English
    the patient chooses English on the code page whenever it shows Swedish.
    """

    def tour(context: Any, language: str = "sv") -> Iterator[tuple[str, Any]]:
        tab = patient(context)
        answered, declining, screened_out = (live_survey.invitation() for _ in range(3))

        def say(swedish: str) -> str:
            return swedish if language == "sv" else TOUR_ENGLISH[swedish]

        def press(swedish: str) -> None:
            tab.press(say(swedish))

        def sign_in(code: str) -> None:
            tab.open("/")
            if tab.page.locator("html").get_attribute("lang") != language:
                tab.press("English" if language == "en" else "Svenska")
            tab.page.locator("#code").press_sequentially(code)
            with tab.page.expect_navigation():
                tab.page.keyboard.press("Enter")

        tab.open("/")
        if language == "en":
            tab.press("English")
        yield "code-entry", tab.page
        sign_in("abcd efgh jkmn")
        assert tab.page.locator(".error-summary").is_visible()
        yield "code-entry-error", tab.page
        sign_in(answered.access_code)
        yield "introduction", tab.page
        press("Börja svara")
        yield "question-page", tab.page
        tab.open("/page/comments")
        comments = tab.page.locator("textarea")
        comments.fill("Lång berättelse. " * 300)
        press("Fortsätt")
        assert tab.page.locator(".error-summary").is_visible()
        yield "question-page-error", tab.page
        comments.fill("Tack för all hjälp.")
        press("Fortsätt")
        assert tab.page.url.endswith("/review")
        yield "review", tab.page
        press("Skicka in svaren")
        assert say("Obesvarade frågor") in tab.page.locator("main").inner_text()
        yield "review-unanswered", tab.page
        press("Skicka ändå")
        yield "thanks", tab.page
        sign_in(answered.access_code)
        yield "used-code", tab.page
        sign_in(declining.access_code)
        press("Börja svara")
        press("Spara och fortsätt senare")
        yield "saved", tab.page
        sign_in(declining.access_code)
        tab.open("/introduction")
        press("Jag vill inte delta")
        yield "refusal-confirm", tab.page
        press("Ja, jag vill inte delta")
        yield "refused", tab.page
        sign_in(screened_out.access_code)
        press("Det här stämmer inte med min vård")
        yield "screen-out-confirm", tab.page
        press("Ja, det stämmer inte med min vård")
        yield "screened-out", tab.page
        sign_in(live_survey.invitation(CLOSED_ROUND).access_code)
        yield "closed-round", tab.page
        sign_in(live_survey.invitation(FUTURE_ROUND).access_code)
        yield "not-yet-open", tab.page
        tab.open("/no-such-page")
        yield "page-not-found", tab.page
        deceased = live_survey.invitation()
        live_survey.mark_returned(deceased, "deceased")
        sign_in(deceased.access_code)
        assert tab.heading() == say("Koden kan inte längre användas")
        yield "returned-code", tab.page
        ending = live_survey.invitation()
        sign_in(ending.access_code)
        press("Börja svara")
        press("Avsluta")
        assert tab.heading() == say("Du har avslutat för den här gången")
        yield "ended", tab.page
        sign_in(ending.access_code)
        tab.open("/review")
        live_survey.expire_sessions()
        press("Skicka in svaren")
        assert say("inget har skickats") in tab.page.locator(".notice").inner_text()
        yield "session-ended", tab.page

    return tour


@pytest.fixture
def question_pages(live_survey: LiveSurvey, patient: Callable[[Any], Patient]):
    """Walk a browser context through every question page of the open round's questionnaire, in Swedish
    and then in English (the municipal page opened by its routing answer): a generator of ``(name, page)``.

    Uses two fresh letters.
    """
    from prem.db import db
    from prem.fieldwork.models import SurveyRound
    from questionnaires import load_questionnaire

    with live_survey.app.app_context():
        fielded = db.session.query(SurveyRound).filter_by(name=OPEN_ROUND).one()
        questionnaire = load_questionnaire(fielded.questionnaire_id, fielded.questionnaire_version)
        db.session.remove()

    def walk(context: Any) -> Iterator[tuple[str, Any]]:
        tab = patient(context)
        for language, start, go_on in (("sv", "Börja svara", "Fortsätt"), ("en", "Start the survey", "Continue")):
            tab.open("/")
            if language == "en":
                tab.press("English")
            tab.sign_in(live_survey.invitation().access_code)
            tab.press(start)
            for questionnaire_page in questionnaire.pages:
                tab.open(f"/page/{questionnaire_page.id}")
                if questionnaire_page.id == "continuity":  # opens the municipal page (shown if contact = 1)
                    tab.page.locator("input[name=municipality_contact][value='1']").check()
                    tab.press(go_on)
                    tab.open(f"/page/{questionnaire_page.id}")
                assert tab.page_id() == questionnaire_page.id
                assert tab.heading() == questionnaire_page.title[language]
                assert tab.page.locator("html").get_attribute("lang") == language
                yield f"page-{questionnaire_page.id}-{language}", tab.page

    return walk
