"""What the reports pages call products, job states and steps, in the page language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l

from prem.staff.labels import region_name

__all__ = ["report_helpers"]

_PRODUCTS = {"report": _l("Comparison report (PDF)"), "tables": _l("Tables"), "codebook": _l("Codebook")}
_STATES = {
    "queued": _l("Waiting to start"),
    "running": _l("Being made"),
    "done": _l("Ready"),
    "failed": _l("Failed"),
    "expired": _l("No longer kept"),
}
_STEPS = {"reading": _l("reading the answers"), "analysing": _l("analysing"), "writing": _l("writing the file")}


def local_time(moment: datetime | None) -> str:
    """``2026-12-03 14:05`` in the survey's time zone (where the staff work)."""
    if moment is None:
        return "–"
    return moment.astimezone(ZoneInfo(current_app.config["SURVEY_TIMEZONE"])).strftime("%Y-%m-%d %H:%M")


def report_helpers() -> dict[str, Any]:
    """The reports templates' helpers (the blueprint's context processor)."""
    return {
        "product_name": lambda product: str(_PRODUCTS.get(product, product)),
        "job_state_name": lambda state: str(_STATES.get(state, state)),
        "step_name": lambda step: str(_STEPS.get(step or "", step or "")),
        "region_names": lambda codes: ", ".join(region_name(code) for code in codes or ()),
        "local_time": local_time,
    }
