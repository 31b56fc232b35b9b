"""Every page type reflows on a phone with large text and overridden text spacing (WCAG 1.4.4, 1.4.10, 1.4.12).

Text at 200 % is what a patient gets from the phone's text size setting: the
root font size doubled (the stylesheet sizes everything in rem). Text spacing
is the WCAG 1.4.12 test style. At each width the page must not scroll
sideways and no text element may be cut off (its content wider than its box).
With large text the headings must still read as headings: the page heading
clearly larger than the body text and than the question text (legends), a
section heading (h2) larger than the body text.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

WIDTHS = (320, 390)
LARGE_TEXT = "html { font-size: 200% !important; }"
TEXT_SPACING = """
* { line-height: 1.5 !important; letter-spacing: 0.12em !important; word-spacing: 0.16em !important; }
p, dd, dt, li, legend, label { margin-bottom: 2em !important; }
"""
VARIANTS = {"200% text": LARGE_TEXT, "text spacing": TEXT_SPACING, "200% text and spacing": LARGE_TEXT + TEXT_SPACING}

_OVERFLOW_JS = """() => {
  const clipped = [];
  const selector = 'h1, h2, h3, p, legend, label, dt, dd, li, a, button, span, summary, textarea, input, div, fieldset';
  for (const element of document.querySelectorAll(selector)) {
    const style = getComputedStyle(element);
    if (style.display === 'inline' || element.clientWidth <= 1 || style.position === 'absolute') continue;
    // A one-line input scrolls its own text by design (the caret shows where); what matters is its box.
    if (element.tagName === 'INPUT') continue;
    if (element.scrollWidth > element.clientWidth + 1) {
      clipped.push(`${element.tagName.toLowerCase()}.${element.className}: ${element.scrollWidth} > `
        + `${element.clientWidth} "${element.textContent.trim().slice(0, 40)}"`);
    }
  }
  return {page: document.documentElement.scrollWidth, clipped};
}"""


_SIZES_JS = """() => {
  const size = (selector) => [...document.querySelectorAll(selector)]
    .map(element => parseFloat(getComputedStyle(element).fontSize));
  const main = document.querySelector('main').clientWidth;
  const narrow = [...document.querySelectorAll('main p, main li, main dd, main dt, main legend, main label')]
    // Blocks only: a flex item (a radio's label) is as wide as its text, not as the room it has.
    .filter(element => !/flex|grid/.test(getComputedStyle(element.parentElement).display))
    .filter(element => element.clientWidth > 0 && element.clientWidth < NARROWEST * main)
    .map(element => `${element.tagName.toLowerCase()}.${element.className} ${element.clientWidth} of ${main} px `
      + `"${element.textContent.trim().slice(0, 30)}"`);
  return {body: size('body')[0], h1: size('h1'), h2: size('h2'), legend: size('legend'), narrow};
}""".replace("NARROWEST", "0.7")
# With large text on a phone, no text may be squeezed into a column under 70 % of the page's by
# paddings and indents that grew with the text (blocks; a flex item is as wide as its text).
#: The page heading at least this many times the body text, a section heading at least ``H2_RATIO``.
H1_RATIO, H2_RATIO = 1.15, 1.08


def _check(page: Any, name: str, width: int, screenshot: Any) -> list[str]:
    """Every variant of ``page`` at ``width``: what scrolls sideways, is cut off or no longer reads as a heading."""
    problems = []
    page.set_viewport_size({"width": width, "height": 844})
    for variant, css in VARIANTS.items():
        handle = page.add_style_tag(content=css)
        found = page.evaluate(_OVERFLOW_JS)
        sizes = page.evaluate(_SIZES_JS) if css == LARGE_TEXT else None
        if width == 390 and css == LARGE_TEXT:
            screenshot(page, f"large-text-{name}")
        handle.evaluate("(style) => style.remove()")
        if found["page"] > width:
            problems.append(f"{name} at {width} px, {variant}: page scrollWidth {found['page']}")
        problems.extend(f"{name} at {width} px, {variant}: {c}" for c in found["clipped"])
        if sizes is not None:
            problems.extend(_heading_problems(sizes, f"{name} at {width} px, {variant}"))
    return problems


def _heading_problems(sizes: dict[str, Any], where: str) -> list[str]:
    body, problems = sizes["body"], []
    for h1 in sizes["h1"]:
        if h1 < H1_RATIO * body or any(h1 <= legend for legend in sizes["legend"]):
            problems.append(f"{where}: h1 {h1}px does not stand out from body {body}px, legends {sizes['legend']}")
    problems.extend(f"{where}: text squeezed, {narrow}" for narrow in sizes["narrow"])
    problems.extend(
        f"{where}: h2 {h2}px does not stand out from body {body}px" for h2 in sizes["h2"] if h2 < H2_RATIO * body
    )
    return problems


def test_every_page_type_reflows_with_large_text_and_text_spacing(browser, page_tour, screenshot):
    # bypass_csp: the test styles stand in for a user stylesheet, which no page policy may block.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE", bypass_csp=True)
    problems, seen = [], set()
    for name, page in page_tour(context):
        seen.add(name)
        for width in WIDTHS:
            problems += _check(page, name, width, screenshot)
        page.set_viewport_size({"width": 390, "height": 844})
    context.close()
    assert {"question-page", "review", "review-unanswered", "introduction", "returned-code"} <= seen
    assert not problems, "\n".join(problems)


def test_every_question_page_reflows_in_swedish_and_english(browser, question_pages, screenshot):
    # The tour meets one question page; the questionnaire's other pages carry the longest texts
    # ("specialistmottagningen,", "funktionsnedsättning") and the background page "Vill inte svara".
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE", bypass_csp=True)
    problems = []
    for name, page in question_pages(context):
        for width in WIDTHS:
            problems += _check(page, name, width, screenshot)
        page.set_viewport_size({"width": 390, "height": 844})
    context.close()
    assert not problems, "\n".join(problems)
