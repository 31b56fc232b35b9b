"""Keyed paper entry in Chromium: one questionnaire keyed twice by two coordinators, a difference decided.

Blekinge's coordinator keys a paper questionnaire with the keyboard and the
mouse as on paper; a second coordinator keys it again with one question
different, is shown the difference and decides it from the paper; the
response is stored. Every page visited is checked with axe-core (WCAG 2.1
A/AA), for sideways scrolling at 390 px with 200 % text, and photographed
at the desktop width and at 390 px with 200 % text.
"""

from __future__ import annotations

import csv
import logging
import secrets
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "e2e keyed passphrase"
ROUND = "vår-2028"
LARGE_TEXT = "html { font-size: 200% !important; }"
DESKTOP = {"width": 1280, "height": 900}
FRAME_HEADER = "respondent_id,pathway,region,sex,age,age_group,stratum_population,stratum_sample,design_weight"


@pytest.fixture(scope="module")
def keyed_site(tmp_path_factory, browser) -> Iterator[dict[str, Any]]:
    """An open round of four people in Blekinge, two coordinators, one web/paper conflict; served on 127.0.0.1."""
    from sqlalchemy import select
    from werkzeug.serving import make_server

    from prem import create_app
    from prem.db import db, transaction, upgrade_database
    from prem.fieldwork.models import Respondent
    from prem.fieldwork.operations import import_round, survey_today
    from prem.fieldwork.paper import import_paper_answers
    from prem.security import code_keys
    from prem.staff.operations import create_user
    from prem.survey import operations as survey
    from prem.survey.questionnaire import questionnaire_version
    from sampling.access_codes import ALPHABET, new_access_code

    root = tmp_path_factory.mktemp("live-keyed")
    app = create_app(
        {
            "SECRET_KEY": "e2e-keyed-secret",
            "ACCESS_CODE_KEY": "e2e-keyed-code-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'prem.sqlite'}",
            "STAFF_PASSWORD_TIME_COST": 1,
            "STAFF_PASSWORD_MEMORY_KIB": 8,
            "STAFF_PASSWORD_PARALLELISM": 1,
        }
    )
    app.instance_path = str(root / "instance")
    upgrade_database(app)
    ids = sorted("R" + "".join(secrets.choice(ALPHABET) for _ in range(10)) for _ in range(4))
    with open(root / "frame.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(FRAME_HEADER.split(","))
        writer.writerows([rid, "reumatoid-artrit", "10", "K", 84, "80+", 300, 10, 30.0] for rid in ids)
    with open(root / "mailing.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["respondent_id", "access_code"])
        writer.writerows([rid, new_access_code()] for rid in ids)
    today = survey_today("Europe/Stockholm")
    with transaction(app) as session:
        create_user(session, "blekinge", "coordinator", ["10"], password=PASSWORD)
        create_user(session, "blekinge2", "coordinator", ["10"], password=PASSWORD)
        import_round(
            session,
            ROUND,
            root / "frame.csv",
            root / "mailing.csv",
            today - timedelta(days=1),
            today + timedelta(days=30),
            code_keys(app),
        )
    # The last person answered on the web, then sent the paper questionnaire too (keyed by a vendor).
    with transaction(app, upgrade=False) as session:
        respondent = session.execute(select(Respondent).where(Respondent.respondent_id == ids[-1])).scalar_one()
        q = questionnaire_version(
            respondent.survey_round.questionnaire_id, respondent.survey_round.questionnaire_version
        )
        survey.start_response(session, respondent, q)
        survey.save_answers(session, respondent, {item.id: item.choices.options[0].code for item in q.core_items}, q)
        survey.submit(session, respondent, q)
    with open(root / "vendor.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["respondent_id", *(item.id for item in q.items)])
        writer.writerow([ids[-1], *("1" if item.scale is not None else "" for item in q.items)])
    with transaction(app, upgrade=False) as session:
        import_paper_answers(session, ROUND, root / "vendor.csv")
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-keyed", daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "ids": ids}
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()
    with app.app_context():
        db.engine.dispose()


class Checks:
    """axe, reflow at 390 px with 200 % text, and screenshots at both widths, for every page visited."""

    def __init__(self, assert_accessible, screenshot) -> None:
        self.assert_accessible, self.screenshot = assert_accessible, screenshot
        self.problems: list[str] = []
        self.shots: list[Path] = []

    def page(self, page: Any, name: str) -> None:
        self.assert_accessible(page, name)
        size = page.viewport_size
        self.shots.append(self.screenshot(page, f"staff-keyed-{name}"))
        page.set_viewport_size({"width": 390, "height": 844})
        style = page.add_style_tag(content=LARGE_TEXT)
        self.assert_accessible(page, f"{name} at 390 px with 200 % text")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > 390:  # a data table may scroll inside its own region; the page may not
            self.problems.append(f"{name}: the page scrolls sideways at 390 px with 200 % text ({width} px)")
        self.shots.append(self.screenshot(page, f"staff-keyed-large-text-{name}"))
        style.evaluate("(element) => element.remove()")
        page.set_viewport_size(size)


def _log_in(browser, base: str, username: str) -> Any:
    context = browser.new_context(viewport=DESKTOP, locale="sv-SE", bypass_csp=True)
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(base + "/staff/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    return page


def _key_every_question(page: Any, *, needs_met: str) -> None:
    """Tick the first option of every question as on paper, ``needs_met``'s option by its label, a comment."""
    questions = page.locator("form fieldset")
    for index in range(questions.count()):
        question = questions.nth(index)
        if "Har du fått den vård som du själv tycker att du har behövt" in question.locator("legend").inner_text():
            question.get_by_label(needs_met, exact=True).check()
        else:
            question.locator("input[type=checkbox]").first.check()
    page.get_by_label("Berätta gärna med egna ord", exact=False).fill(
        "Personalen var vänlig.\nLång väntan på provsvar."
    )


def test_a_paper_questionnaire_keyed_twice_a_difference_decided_and_stored(
    browser, keyed_site, assert_accessible, screenshot
):
    from sqlalchemy import select

    from prem.db import db
    from prem.fieldwork.models import PaperKeying, Respondent
    from prem.survey.models import Response

    base, respondent_id = keyed_site["url"], keyed_site["ids"][0]
    checks = Checks(assert_accessible, screenshot)
    first = _log_in(browser, base, "blekinge")
    first.goto(f"{base}/staff/rounds/{ROUND}/dashboard")
    first.get_by_role("link", name="Pappersenkäter för 10 Blekinge").click()
    assert first.locator("h1").inner_text() == "Pappersenkäter för 10 Blekinge"
    checks.page(first, "start")
    first.get_by_label("Svarspersonens id").fill(respondent_id.lower())
    with first.expect_navigation():
        first.keyboard.press("Enter")
    assert first.locator("h1").inner_text() == f"Inmatning 1 av 2: {respondent_id}"
    checks.page(first, "entry-1")
    _key_every_question(first, needs_met="Ja, helt och hållet")
    with first.expect_navigation():
        first.get_by_role("button", name="Spara första inmatningen").click()
    assert "Första inmatningen av" in first.locator("main").inner_text()
    checks.page(first, "start-pending")

    second = _log_in(browser, base, "blekinge2")
    second.goto(f"{base}/staff/rounds/{ROUND}/regions/10/paper")
    second.get_by_role("link", name=f"Andra inmatning {respondent_id}").click()
    assert "Inmatad en gång av blekinge" in second.locator("main").inner_text()
    assert second.locator("input[type=checkbox]:checked").count() == 0  # blind: nothing of the first shown
    checks.page(second, "entry-2")
    _key_every_question(second, needs_met="Ja, delvis")
    with second.expect_navigation():
        second.get_by_role("button", name="Spara och jämför med första inmatningen").click()
    assert second.locator("h1").inner_text() == f"Skillnader mellan inmatningarna: {respondent_id}"
    assert second.locator("form > .question > fieldset > legend").count() == 1  # only the question that differs
    checks.page(second, "resolve")
    second.get_by_label("Som första inmatningen (blekinge): Ja, helt och hållet").check()
    with second.expect_navigation():
        second.get_by_role("button", name="Spara enkäten").click()
    assert f"Pappersenkäten för {respondent_id} är sparad som svar" in second.locator("main").inner_text()
    checks.page(second, "stored")

    second.get_by_role("link", name="Personer som svarat både på webben och på papper").click()
    table = second.locator("table").inner_text()
    assert keyed_site["ids"][-1] in table and "Webbsvaret som skickades in" in table and respondent_id not in table
    checks.page(second, "conflicts")

    with keyed_site["app"].app_context():
        response = db.session.execute(
            select(Response).join(Respondent).where(Respondent.respondent_id == respondent_id)
        ).scalar_one()
        answers = response.answer_map()
        assert response.mode == "paper" and answers["needs_met"] == 1
        assert answers["comments"] == "Personalen var vänlig.\nLång väntan på provsvar."
        assert db.session.execute(select(PaperKeying)).first() is None
    for page in (first, second):
        page.context.close()
    assert not checks.problems, "\n".join(checks.problems)
