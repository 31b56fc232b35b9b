"""The accessibility check itself: it must catch what it claims to catch."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CLEAN_PAGE = """<!doctype html><html lang="sv"><head><title>Ange din kod</title></head>
<body><main><h1>Ange din kod</h1><form><label for="code">Kod</label>
<input id="code" name="code"><button type="submit">Fortsätt</button></form></main></body></html>"""

BROKEN_PAGE = """<!doctype html><html lang="sv"><head><title>Fel</title></head>
<body><main><h1>Fel</h1><img src="logo.png"><form><input name="code">
<button type="submit"></button></form></main></body></html>"""


def test_a_clean_page_passes(desktop, assert_accessible):
    page = desktop.new_page()
    page.set_content(CLEAN_PAGE)
    assert_accessible(page, "a clean page")


def test_serious_violations_fail_with_rule_and_element_named(desktop, assert_accessible):
    page = desktop.new_page()
    page.set_content(BROKEN_PAGE)
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "a broken page")
    report = str(failure.value)
    assert "[critical] image-alt" in report
    assert '<img src="logo.png">' in report
    assert "button-name" in report
