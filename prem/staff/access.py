"""Who may open which staff page: every view declares its rule, and one check enforces them all.

A staff view is decorated with :func:`rule` (the roles allowed, and whether
it is region-scoped) or :func:`public` (the login and reset pages). The
blueprint's ``before_request`` hook, :func:`check_access`, runs before every
staff view and refuses the request

* with 404 when the view has no rule at all (deny by default; the route-map
  test fails the suite for such a view too);
* with a redirect to the login page when nobody is signed in;
* with 403 when the role is not among the allowed ones, or when *any*
  region named in the address or its parameters (the view argument
  ``region``, ``?region=`` or a posted ``region`` field, however often) is
  not one the account may see.

Views that list several regions ask :func:`visible_regions` (the same
answer, in one place), so a coordinator's lists, counts and downloads hold
only their own regions' rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from prem.staff.models import Role, StaffUser

__all__ = ["ALL_ROLES", "Rule", "check_access", "may_see_region", "public", "rule", "rule_of", "visible_regions"]

ALL_ROLES = frozenset(Role)
_ATTRIBUTE = "staff_access_rule"
View = TypeVar("View", bound=Callable[..., Any])


@dataclass(frozen=True)
class Rule:
    """A view's access rule: the roles it allows (``None``: anyone, signed in or not).

    ``upload`` views take files up to ``STAFF_UPLOAD_MAX_BYTES`` instead of
    the site's small ``MAX_CONTENT_LENGTH``.
    """

    roles: frozenset[Role] | None
    upload: bool = False


def rule(*roles: Role, upload: bool = False) -> Callable[[View], View]:
    """Declare the roles that may use a staff view (region scoping is applied to every view)."""
    if not roles:
        raise ValueError("a rule names at least one role; use @public for pages anyone may open")

    def declare(view: View) -> View:
        setattr(view, _ATTRIBUTE, Rule(frozenset(roles), upload))
        return view

    return declare


def public(view: View) -> View:
    """Declare a staff view anyone may open (login, password reset, language)."""
    setattr(view, _ATTRIBUTE, Rule(None))
    return view


def rule_of(view: Callable[..., Any]) -> Rule | None:
    """The rule a view declared, or ``None``."""
    return getattr(view, _ATTRIBUTE, None)


def visible_regions(user: StaffUser) -> frozenset[str] | None:
    """The regions ``user`` may see: a coordinator's own, ``None`` (all of them) for the other roles."""
    return frozenset(user.regions) if user.role == Role.COORDINATOR else None


def may_see_region(user: StaffUser, region: str) -> bool:
    """Whether ``user`` may see ``region``'s numbers, lists and files."""
    regions = visible_regions(user)
    return regions is None or region in regions


def _requested_regions() -> list[str]:
    """Every region the request names: the URL's ``<region>``, and each ``region`` query or form value."""
    named = [str(value) for key, value in (request.view_args or {}).items() if key == "region"]
    named += request.args.getlist("region")
    if request.method == "POST":
        named += request.form.getlist("region")
    return named


def check_access():
    """The one access check of every staff request (the blueprint's ``before_request``)."""
    view = current_app.view_functions.get(request.endpoint or "")
    declared = rule_of(view) if view is not None else None
    if declared is None:
        abort(404)
    if declared.roles is None:
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("staff.login", next=request.full_path if request.method == "GET" else None))
    user: StaffUser = current_user
    if Role(user.role) not in declared.roles:
        abort(403)
    if declared.upload:  # only now, for an account allowed to upload, may a large body be read
        request.max_content_length = current_app.config["STAFF_UPLOAD_MAX_BYTES"]
    if not all(may_see_region(user, region) for region in _requested_regions()):
        abort(403)
    return None
