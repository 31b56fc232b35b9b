"""analysis.report.model: the report's content as plain, unchangeable data."""

from __future__ import annotations

import dataclasses

import pytest

from analysis.report.model import ComparisonRow, Estimate


@pytest.mark.parametrize(
    ("estimate", "shown"),
    [
        (Estimate(70.0, 60.0, 80.0, respondents=40), True),
        (Estimate(None, respondents=40), False),
        (Estimate(70.0, respondents=12, suppressed="too_few_respondents"), False),
    ],
)
def test_an_estimate_is_shown_only_with_a_value_and_no_suppression(estimate, shown):
    assert estimate.shown is shown


def test_content_cannot_be_changed_after_it_is_built():
    row = ComparisonRow("01", "Stockholm", Estimate(70.0))
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.label = "Uppsala"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.estimate.value = 10.0  # type: ignore[misc]
