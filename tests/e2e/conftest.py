"""Fixtures for the browser end-to-end tests: headless Chromium and axe-core.

The tests drive Debian's Chromium (never a browser downloaded by
``playwright install``) through Playwright for Python. Without a browser, the
Python ``playwright`` package or the axe-core script they skip with a message
saying what to install – unless ``PREM_REQUIRE_BROWSER=1`` (CI), where a
missing piece is a failure, so that CI can never pass by skipping.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
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
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
        )
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
    context.set_default_timeout(10_000)
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
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {', '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


def axe_violations(page: Any, axe_script: Path) -> list[dict[str, Any]]:
    """Run axe-core (WCAG 2.1 A/AA) on the page and return its serious or critical violations."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(axe_script))
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


@pytest.fixture
def assert_accessible(axe_script: Path):
    """Assert that a page has no serious or critical axe violations, listing them if it has."""

    def check(page: Any, what: str) -> None:
        violations = axe_violations(page, axe_script)
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
