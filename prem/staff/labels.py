"""What the staff pages call roles, round states, audit actions, pathways and regions, in the page language."""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import generate_csrf

from prem.i18n import current_language

__all__ = ["template_helpers"]

_ROLES = {
    "administrator": _l("administrator"),
    "coordinator": _l("region coordinator"),
    "analyst": _l("analyst"),
}
_STATES = {"planned": _l("planned"), "open": _l("open"), "ended": _l("ended, not closed"), "closed": _l("closed")}
_ACTIONS = {
    "login": _l("logged in"),
    "login_failed": _l("failed login"),
    "logout": _l("logged out"),
    "user_created": _l("account created"),
    "password_reset_issued": _l("password reset link made"),
    "password_reset_used": _l("password set with reset link"),
    "round_created": _l("round created"),
    "round_opened": _l("round opened"),
    "round_closed": _l("round closed"),
    "codes_destroyed": _l("access codes destroyed"),
    "reminders_produced": _l("reminder list produced"),
    "returned_mail_recorded": _l("returned mail recorded"),
    "audit_exported": _l("audit log downloaded"),
    "user_deactivated": _l("account deactivated"),
    "user_reactivated": _l("account activated again"),
    "report_requested": _l("report or tables ordered"),
    "report_downloaded": _l("report or tables downloaded"),
    "paper_keyed": _l("paper questionnaire keyed"),
    "paper_stored": _l("keyed paper questionnaire stored"),
    "paper_keying_discarded": _l("paper keyings discarded"),
}


def role_name(role: str) -> str:
    return str(_ROLES.get(role, role))


def state_name(state: str) -> str:
    return str(_STATES.get(state, state))


def action_name(action: str) -> str:
    return str(_ACTIONS.get(action, action))


def pathway_name(slug: str) -> str:
    """The pathway's name in the page language (Swedish, else English), its slug if unknown."""
    from sampling.reference import pathways

    pathway = pathways().get(slug)
    if pathway is None:
        return slug
    return pathway.name_sv if current_language() == "sv" else pathway.name_en


def region_name(code: str) -> str:
    """``12 Skåne``."""
    from sampling.reference import regions

    region = regions().get(code)
    return f"{code} {region.name}" if region is not None else code


def template_helpers() -> dict[str, Any]:
    """The staff templates' helpers (the blueprint's context processor)."""
    return {
        "role_name": role_name,
        "state_name": state_name,
        "action_name": action_name,
        "pathway_name": pathway_name,
        "region_name": region_name,
        "csrf_token": generate_csrf,
        "format_decimal": format_decimal,
    }
