"""The staff pages in Chromium: an administrator and a coordinator's main path, axe, keyboard and reflow.

An administrator logs in with the keyboard, uploads a new round's files,
opens the round; a patient answers in another browser; the coordinator of
Blekinge sees the dashboard move, only for Blekinge, and downloads the
region's reminder list. Every staff page visited is checked with axe-core
(WCAG 2.1 A/AA), for sideways scrolling at 390 px with 200 % text, and
photographed at 390 px (200 % text) and on the desktop.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from .conftest import served

pytestmark = pytest.mark.browser

PASSWORD = "e2e staff passphrase"
ROUND = "vår-2027"
LARGE_TEXT = "html { font-size: 200% !important; }"
FRAME_HEADER = "respondent_id,pathway,region,sex,age,age_group,stratum_population,stratum_sample,design_weight".split(
    ","
)
_PAGE_WIDTH_JS = "() => document.documentElement.scrollWidth"


def _sample(folder: Path) -> dict[str, tuple[str, str]]:
    """frame.csv, mailing.csv and flow.csv of 6 people in Blekinge (10) and 4 in Skåne (12); id → (region, code)."""
    from sampling.access_codes import ALPHABET, new_access_code

    people = {}
    for region, size in (("10", 6), ("12", 4)):
        for _ in range(size):
            people["R" + "".join(secrets.choice(ALPHABET) for _ in range(10))] = (region, new_access_code())
    folder.mkdir(parents=True)
    with open(folder / "frame.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(FRAME_HEADER)
        for respondent_id, (region, _) in people.items():
            writer.writerow([respondent_id, "reumatoid-artrit", region, "K", 61, "50-64", 300, 10, 30.0])
    with open(folder / "mailing.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["respondent_id", "access_code", "personnummer", "name", "street", "postal_code", "city"])
        for number, (respondent_id, (_, code)) in enumerate(people.items()):
            writer.writerow(
                [
                    respondent_id,
                    code,
                    f"19{number:06d}-0000",
                    f"Testperson {number}",
                    "Provgatan 1",
                    "37131",
                    "Karlskrona",
                ]
            )
    (folder / "flow.csv").write_text(
        "pathway,region,step,remaining,removed\nreumatoid-artrit,10,sampled,6,0\n", encoding="utf-8"
    )
    return people


@pytest.fixture(scope="module")
def staff_site(tmp_path_factory, browser) -> Iterator[dict[str, Any]]:
    """The app with an administrator and Blekinge's coordinator, served on 127.0.0.1, and a sample to upload."""
    from prem import create_app
    from prem.db import transaction, upgrade_database
    from prem.staff.operations import create_user

    root = tmp_path_factory.mktemp("live-staff")
    app = create_app(
        {
            "SECRET_KEY": "e2e-staff-secret",
            "ACCESS_CODE_KEY": "e2e-staff-code-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'prem.sqlite'}",
            "STAFF_PASSWORD_TIME_COST": 1,
            "STAFF_PASSWORD_MEMORY_KIB": 8,
            "STAFF_PASSWORD_PARALLELISM": 1,
        }
    )
    app.instance_path = str(root / "instance")
    upgrade_database(app)
    with transaction(app, upgrade=False) as session:
        create_user(session, "admin", "administrator", password=PASSWORD)
        create_user(session, "blekinge", "coordinator", ["10"], password=PASSWORD)
    people = _sample(root / "sample")
    with served(app, "live-staff") as url:
        yield {"url": url, "app": app, "sample": root / "sample", "people": people}


class Checks:
    """axe, reflow at 390 px with 200 % text, and screenshots, for every staff page visited."""

    def __init__(self, assert_accessible, screenshot) -> None:
        self.assert_accessible, self.screenshot = assert_accessible, screenshot
        self.problems: list[str] = []

    def page(self, page: Any, name: str) -> None:
        self.assert_accessible(page, name)
        size = page.viewport_size
        self.screenshot(page, f"staff-{name}")
        page.set_viewport_size({"width": 390, "height": 844})
        style = page.add_style_tag(content=LARGE_TEXT)
        width = page.evaluate(_PAGE_WIDTH_JS)
        if width > 390:  # data tables may scroll inside their own region (WCAG 1.4.10's exception); the page may not
            self.problems.append(f"{name}: the page scrolls sideways at 390 px with 200 % text ({width} px)")
        self.screenshot(page, f"staff-large-text-{name}")
        style.evaluate("(element) => element.remove()")
        page.set_viewport_size(size)


def _log_in(page: Any, base: str, username: str) -> None:
    """Log in with the keyboard only: type, Tab, type, Enter."""
    page.goto(base + "/staff/")
    page.locator("#username").focus()
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def test_administrator_uploads_and_opens_a_round_and_the_coordinator_follows_it(
    browser, staff_site, assert_accessible, screenshot
):
    from prem.fieldwork.operations import survey_today

    base, sample = staff_site["url"], staff_site["sample"]
    checks = Checks(assert_accessible, screenshot)
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", bypass_csp=True)
    page = admin.new_page()
    page.goto(base + "/staff/login")
    checks.page(page, "login")
    _log_in(page, base, "admin")
    assert page.locator("h1").inner_text() == "Enkätomgångar"
    checks.page(page, "rounds-empty")
    page.get_by_role("link", name="Ny omgång").click()
    page.get_by_label("Omgångens namn").fill(ROUND)
    today = survey_today("Europe/Stockholm")
    page.get_by_label("Fältarbetets första dag").fill(str(today + timedelta(days=5)))
    page.get_by_label("Fältarbetets sista dag").fill(str(today + timedelta(days=40)))
    page.get_by_label("Urvalsram (frame.csv)").set_input_files(str(sample / "frame.csv"))
    page.get_by_label("Adresslista med inloggningskoder (mailing.csv)").set_input_files(str(sample / "mailing.csv"))
    page.get_by_label("Urvalsflöde (flow.csv, frivillig)").set_input_files(str(sample / "flow.csv"))
    checks.page(page, "round-new")
    with page.expect_navigation():
        page.get_by_role("button", name="Skapa omgången").click()
    assert "Omgången vår-2027 är skapad." in page.locator("main").inner_text()
    assert "planerad" in page.locator(".state").inner_text()
    checks.page(page, "round-planned")
    with page.expect_navigation():
        page.get_by_role("button", name="Öppna omgången i dag").click()
    assert "öppen" in page.locator(".state").inner_text()
    checks.page(page, "round-open")
    page.get_by_role("link", name="Konton").click()
    checks.page(page, "users")
    page.get_by_role("link", name="Nytt konto").click()
    checks.page(page, "user-new")
    page.get_by_role("link", name="Händelselogg").click()
    assert "omgång öppnad" in page.locator("table").inner_text()
    checks.page(page, "audit")
    page.get_by_role("link", name="Omgångar").click()
    checks.page(page, "rounds")

    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", bypass_csp=True)
    own = coordinator.new_page()
    _log_in(own, base, "blekinge")
    own.goto(base + "/staff/rounds/" + ROUND + "/dashboard")
    table = own.locator("table").first.inner_text()
    assert "10 Blekinge" in table and "Skåne" not in table
    checks.page(own, "dashboard-before")

    # A patient of Blekinge answers in another browser: the coordinator's dashboard counts them as started.
    patient = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE", bypass_csp=True).new_page()
    code = next(code for region, code in staff_site["people"].values() if region == "10")
    patient.goto(base + "/")
    patient.locator("#code").fill(code)
    with patient.expect_navigation():
        patient.keyboard.press("Enter")
    with patient.expect_navigation():
        patient.get_by_role("button", name="Börja svara").click()
    own.reload()
    started = own.locator("tbody tr").first.locator("td").nth(2).inner_text()
    assert started == "1", own.locator("table").first.inner_text()

    with own.expect_download() as download:
        own.get_by_role("link", name="Påminnelselista för 10 Blekinge (CSV)").click()
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert rows[0] == ["respondent_id"] and len(rows) == 1 + 6  # started, not submitted: still due
    own.reload()
    assert "Påminnelse 1: 6 svarspersoner" in own.locator("main").inner_text()
    checks.page(own, "dashboard-after")
    own.get_by_role("link", name="Returpost och avlidna för 10 Blekinge").click()
    checks.page(own, "returned")
    assert own.goto(base + "/staff/rounds/" + ROUND + "/regions/12/reminders.csv").status == 403
    checks.page(own, "refused")

    with own.expect_navigation():
        own.get_by_role("button", name="Logga ut").click()
    assert own.goto(base + "/staff/rounds").url.startswith(base + "/staff/login")
    for context in (admin, coordinator, patient.context):
        context.close()
    assert not checks.problems, "\n".join(checks.problems)
