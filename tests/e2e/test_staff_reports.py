"""The analyst's main path in Chromium: order a report, follow its progress, download the PDF and read it.

A round with simulated answers in Blekinge (10) and Skåne (12) is served
on 127.0.0.1; the analyst orders the pathway report with the keyboard and
mouse as a person would, sees it wait on the progress page, the runner
(`prem jobs work`'s loop, run here once so the steps are seen in order)
makes it, the reload link shows it ready, and the download is a PDF whose
title and first page name the pathway. A coordinator's reports page offers
only their region. Every new page is checked with axe-core (every impact,
not only serious ones), for reflow at 390 px with 200 % text, and
photographed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from .conftest import WCAG_TAGS, served
from .test_staff import Checks, _log_in

pytestmark = pytest.mark.browser

PASSWORD = "e2e staff passphrase"
ROUND = "höst-2027"
PATHWAY = "reumatoid-artrit"


@pytest.fixture(scope="module")
def reports_site(tmp_path_factory, browser) -> Iterator[dict[str, Any]]:
    """A round with answers, an analyst, Blekinge's coordinator and an administrator, served on 127.0.0.1."""
    from prem import create_app
    from prem.db import transaction, upgrade_database
    from prem.fieldwork.operations import import_round, survey_today
    from prem.fieldwork.simulated import store_simulated_round
    from prem.security import code_keys
    from prem.staff.operations import create_user

    from .test_staff import _sample

    root = tmp_path_factory.mktemp("live-reports")
    app = create_app(
        {
            "SECRET_KEY": "e2e-reports-secret",
            "ACCESS_CODE_KEY": "e2e-reports-code-key",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'prem.sqlite'}",
            "STAFF_PASSWORD_TIME_COST": 1,
            "STAFF_PASSWORD_MEMORY_KIB": 8,
            "STAFF_PASSWORD_PARALLELISM": 1,
        }
    )
    app.instance_path = str(root / "instance")
    upgrade_database(app)
    _sample(root / "sample")
    today = survey_today("Europe/Stockholm")
    with transaction(app, upgrade=False) as session:
        for name, role, regions in (
            ("analytiker", "analyst", ()),
            ("blekinge", "coordinator", ("10",)),
            ("admin", "administrator", ()),
        ):
            create_user(session, name, role, regions, password=PASSWORD)
        import_round(
            session,
            ROUND,
            root / "sample" / "frame.csv",
            root / "sample" / "mailing.csv",
            today - timedelta(days=10),
            today + timedelta(days=20),
            code_keys(app),
        )
        store_simulated_round(session, ROUND, seed=11)
    with served(app, "live-reports") as url:
        yield {"url": url, "app": app}


class StrictChecks(Checks):
    """The staff checks, with axe's minor and moderate findings counted too (zero violations of any impact)."""

    def page(self, page: Any, name: str) -> None:
        super().page(page, name)
        results = page.evaluate(
            "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_TAGS,
        )
        for violation in results["violations"]:
            self.problems.append(f"{name}: axe {violation['id']} ({violation['impact']}): {violation['help']}")


def test_an_analyst_orders_follows_and_downloads_a_report(browser, reports_site, assert_accessible, screenshot):
    from pypdf import PdfReader

    from prem.staff.reports.runner import work

    base, app = reports_site["url"], reports_site["app"]
    checks = StrictChecks(assert_accessible, screenshot)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", bypass_csp=True)
    page = context.new_page()
    _log_in(page, base, "analytiker")
    page.get_by_role("link", name="Rapporter och tabeller").click()
    assert page.locator("h1").inner_text() == "Rapporter och tabeller"
    checks.page(page, "reports-empty")
    page.get_by_label("Jämförelserapport (PDF)").check()
    page.get_by_label("Omgång", exact=True).select_option(ROUND)
    page.get_by_label("regionerna i ett vårdförlopp").check()
    page.get_by_label("Vårdförlopp (för en förloppsrapport)").select_option(PATHWAY)
    page.get_by_label("svenska", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Beställ").click()
    assert "/staff/jobs/" in page.url
    status = page.get_by_role("status").inner_text()
    assert "Väntar på att börja" in status and "0 %" in status
    checks.page(page, "job-queued")

    assert work(app, once=True) == 1  # the runner `prem serve` starts beside the server
    with page.expect_navigation():
        page.get_by_role("link", name="Uppdatera sidan").click()
    assert "Klar." in page.get_by_role("status").inner_text()
    checks.page(page, "job-done")
    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ner").click()
    path = Path(download.value.path())
    assert download.value.suggested_filename.endswith("-reumatoid-artrit-sv.pdf")
    assert path.read_bytes().startswith(b"%PDF")
    reader = PdfReader(path)
    assert "Reumatoid artrit" in reader.metadata.title, reader.metadata.title
    assert reader.metadata.subject and ROUND in reader.metadata.subject
    assert "Reumatoid artrit" in reader.pages[0].extract_text()

    page.get_by_role("link", name="Rapporter och tabeller").click()
    assert "Klar" in page.locator("table").inner_text()
    checks.page(page, "reports-with-orders")
    context.close()

    # A coordinator's reports page offers their own region only, and no national report.
    coordinator = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", bypass_csp=True)
    own = coordinator.new_page()
    _log_in(own, base, "blekinge")
    own.get_by_role("link", name="Rapporter och tabeller").click()
    regions = own.get_by_label("Region", exact=True).locator("option").all_inner_texts()
    assert regions == ["10 Blekinge"]
    assert own.get_by_label("alla vårdförlopp i hela landet").count() == 0
    checks.page(own, "reports-coordinator")
    own.get_by_label("Tabeller (CSV och Parquet", exact=False).check()
    own.get_by_label("Omgång", exact=True).select_option(ROUND)
    with own.expect_navigation():
        own.get_by_role("button", name="Beställ").click()
    job_url = own.url
    coordinator.close()

    # The administrator sees the deactivate buttons; the analyst cannot open the coordinator's job.
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE", bypass_csp=True)
    admin_page = admin.new_page()
    _log_in(admin_page, base, "admin")
    admin_page.goto(base + "/staff/users")
    assert admin_page.get_by_role("button", name="Stäng av blekinge").count() == 1
    checks.page(admin_page, "users-deactivate")
    assert admin_page.goto(job_url).status in (403, 404)
    admin.close()
    assert not checks.problems, "\n".join(checks.problems)
