"""Every page type reflows on a phone with large text and overridden text spacing (WCAG 1.4.4, 1.4.10, 1.4.12).

Text at 200 % is what a patient gets from the phone's text size setting: the
root font size doubled (the stylesheet sizes everything in rem). Text spacing
is the WCAG 1.4.12 test style. At each width the page must not scroll
sideways and no text element may be cut off (its content wider than its box).
"""

from __future__ import annotations

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


def test_every_page_type_reflows_with_large_text_and_text_spacing(browser, page_tour, screenshot):
    # bypass_csp: the test styles stand in for a user stylesheet, which no page policy may block.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="sv-SE", bypass_csp=True)
    problems, seen = [], set()
    for name, page in page_tour(context):
        seen.add(name)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 844})
            for variant, css in VARIANTS.items():
                handle = page.add_style_tag(content=css)
                found = page.evaluate(_OVERFLOW_JS)
                if width == 390 and css == LARGE_TEXT:
                    screenshot(page, f"large-text-{name}")
                handle.evaluate("(style) => style.remove()")
                if found["page"] > width:
                    problems.append(f"{name} at {width} px, {variant}: page scrollWidth {found['page']}")
                problems.extend(f"{name} at {width} px, {variant}: {c}" for c in found["clipped"])
        page.set_viewport_size({"width": 390, "height": 844})
    context.close()
    assert {"question-page", "review", "review-unanswered", "introduction", "returned-code"} <= seen
    assert not problems, "\n".join(problems)
