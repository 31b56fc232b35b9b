"""What a patient had on screen when their session ended, carried signed through the code page.

Two kinds: the answers posted on a question page (saved after the code) and
the page a button was pressed on (the patient lands there again). Both are
tied by a keyed tag to the respondent of the ended session, so that they are
never applied to whoever enters a code next in that browser.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, cast

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from prem.survey.visits import CARRY_MAX_AGE

__all__ = ["CarriedPage", "carried_page", "carry_page", "carry_resume", "resume_target"]


def _serializer() -> URLSafeTimedSerializer:
    secret = current_app.secret_key
    assert secret is not None, "the app is always made with a SECRET_KEY (prem.settings)"
    return URLSafeTimedSerializer(secret, salt="prem-carried-answers")


def _owner_tag(respondent_pk: int) -> str:
    """A keyed tag of the respondent carried answers belong to (their database id is never readable)."""
    secret = current_app.secret_key
    key = secret if isinstance(secret, bytes) else str(secret).encode()
    return hmac.new(key, f"carry-owner:{respondent_pk}".encode(), hashlib.sha256).hexdigest()


def _payload(token: str | None, respondent_pk: int) -> dict[str, Any] | None:
    """The signed payload of ``token`` if it is fresh and was made in ``respondent_pk``'s session."""
    if not token:
        return None
    try:
        payload = _serializer().loads(token, max_age=CARRY_MAX_AGE)
    except BadSignature:
        return None
    owner = payload.get("owner") if isinstance(payload, dict) else None
    if not isinstance(owner, str) or not hmac.compare_digest(owner, _owner_tag(respondent_pk)):
        return None  # given in another patient's session (or none): never applied to this one
    return cast(dict[str, Any], payload)


def carry_page(owner: int | None, page_id: str, posted: Mapping[str, str]) -> str:
    """A token for the answers ``posted`` on ``page_id`` in ``owner``'s session ("" when the owner is unknown)."""
    if owner is None:
        return ""
    return _serializer().dumps({"page": page_id, "form": dict(posted), "owner": _owner_tag(owner)})


def carry_resume(owner: int | None, where: str) -> str:
    """A token naming the view ``where`` a button was pressed on in ``owner``'s session."""
    return _serializer().dumps({"to": where, "owner": _owner_tag(owner)}) if owner is not None else ""


@dataclass(frozen=True)
class CarriedPage:
    """Answers posted over an ended session: the page and its form data."""

    page_id: str
    form: MultiDict[str, str]


def carried_page(token: str | None, respondent_pk: int) -> CarriedPage | None:
    """The page and answers ``token`` carries, if they are ``respondent_pk``'s."""
    payload = _payload(token, respondent_pk)
    if payload is None or not isinstance(payload.get("page"), str) or not isinstance(payload.get("form"), dict):
        return None
    return CarriedPage(payload["page"], MultiDict(payload["form"]))


def resume_target(token: str | None, respondent_pk: int, allowed: Collection[str]) -> str | None:
    """The view ``token`` names, when it is one of ``allowed`` and was given in ``respondent_pk``'s session."""
    payload = _payload(token, respondent_pk)
    target = payload.get("to") if payload is not None else None
    return target if isinstance(target, str) and target in allowed else None
