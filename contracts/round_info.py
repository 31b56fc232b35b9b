"""The round information file: who sends the letters, whom to contact, the period of care, the plan.

A format between the parts: the region's letters (``sampling.letters``) print
it, and ``prem fieldwork import --round-info`` stores its patient-facing parts
(:func:`patient_info`) on the round for the web survey's introduction. A YAML
file written by the region once per round (``docs/letters.md`` shows one in
full)::

    round: vf-2026
    questionnaire: prem-vardforlopp        # optional, the bundled default
    questionnaire_version: "2026.1"        # the version the round is fielded on (letters need it)
    survey_url: https://enkat.region.example/
    sender: {name: ..., department: ..., street: ..., postal_code: ..., city: ...}
    contact: {phone: ..., email: ..., hours: {sv: ..., en: ...}}
    period: {start: 2025-01-01, end: 2025-12-31}
    plan: {invitation: 2026-03-02, reminder_1_after_days: 14, reminder_2_after_days: 28}
    data_protection:                        # each a text in sv and en
      controller: ...; purpose: ...; legal_basis: ...; retention: ...; rights: ...

Every problem is reported at once with the file and the key.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from contracts.errors import UserError
from contracts.messages import Message

__all__ = [
    "DATA_PROTECTION_KEYS",
    "LANGUAGES",
    "Plan",
    "RoundInfo",
    "RoundInfoError",
    "load_round_info",
    "patient_info",
]

LANGUAGES = ("sv", "en")
DATA_PROTECTION_KEYS = ("controller", "purpose", "legal_basis", "retention", "rights")
_SENDER_KEYS = ("name", "street", "postal_code", "city")


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates: dates stay text so that a bad one is reported with its key."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class RoundInfoError(UserError):
    """The round information file is missing something a letter must say."""


@dataclass(frozen=True)
class Plan:
    """When the letters go out: the invitation, then reminder 1 and 2 (with paper) after so many days."""

    invitation: dt.date
    reminder_1_after_days: int
    reminder_2_after_days: int

    def date_of(self, kind: str) -> dt.date:
        """The date printed on letters of ``kind`` (``invitation``, ``reminder-1``, ``reminder-2``)."""
        days = {"invitation": 0, "reminder-1": self.reminder_1_after_days, "reminder-2": self.reminder_2_after_days}
        return self.invitation + dt.timedelta(days=days[kind])


@dataclass(frozen=True)
class RoundInfo:
    """Everything a letter says that is the same for every person of the round."""

    round: str
    questionnaire: str | None
    survey_url: str
    sender: dict[str, str]
    contact: dict[str, Any]
    period: tuple[dt.date, dt.date]
    plan: Plan
    data_protection: dict[str, dict[str, str]]
    source: str = ""
    questionnaire_version: str | None = None
    """The questionnaire version the round is fielded on (``None``: not stated, the newest at import)."""

    def code_url(self, code: str) -> str:
        """The survey address with ``?code=`` filled in (what the QR code opens)."""
        return f"{self.survey_url.rstrip('/')}/?code={code}"


def _text(value: Any, where: str, problems: list[str]) -> dict[str, str]:
    if isinstance(value, dict) and all(isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGUAGES):
        return {lang: value[lang].strip() for lang in LANGUAGES}
    problems.append(Message("%(key)s: expected a text in both sv and en ({sv: ..., en: ...})", key=where))
    return {lang: "" for lang in LANGUAGES}


def _date(value: Any, where: str, problems: list[str]) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.append(Message("%(key)s: %(value)s is not a date (expected YYYY-MM-DD)", key=where, value=repr(value)))
        return dt.date.min


def load_round_info(path: str | Path) -> RoundInfo:
    """Read and check a round information file; :class:`RoundInfoError` lists every problem."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except FileNotFoundError:
        raise RoundInfoError(Message("%(file)s: the round information file does not exist", file=path)) from None
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        raise RoundInfoError(Message("%(file)s: not a UTF-8 YAML file (%(error)s)", file=path, error=error)) from None
    if not isinstance(data, dict):
        raise RoundInfoError(
            Message("%(file)s: expected a mapping of keys (round, sender, contact, ...) at the top level", file=path)
        )
    problems: list[str] = []

    def section(key: str) -> dict[str, Any]:
        value = data.get(key)
        if not isinstance(value, dict):
            problems.append(Message("%(key)s: missing or not a mapping", key=key))
            return {}
        return value

    sender = section("sender")
    for key in _SENDER_KEYS:
        if not str(sender.get(key) or "").strip():
            problems.append(Message("sender.%(key)s: missing (the letters' return address)", key=key))
    contact = section("contact")
    if not (str(contact.get("phone") or "").strip() or str(contact.get("email") or "").strip()):
        problems.append(Message("contact: needs a phone or an email (whom the patient can ask)"))
    if "hours" in contact:
        contact = {**contact, "hours": _text(contact["hours"], "contact.hours", problems)}
    period = section("period")
    start = _date(period.get("start"), "period.start", problems)
    end = _date(period.get("end"), "period.end", problems)
    if start > end:
        problems.append(Message("period: starts (%(start)s) after it ends (%(end)s)", start=start, end=end))
    plan_data = section("plan")
    invitation = _date(plan_data.get("invitation"), "plan.invitation", problems)
    days = []
    for key in ("reminder_1_after_days", "reminder_2_after_days"):
        value = plan_data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            problems.append(
                Message(
                    "plan.%(key)s: %(value)s (expected a whole number of days after the invitation)",
                    key=key,
                    value=repr(value),
                )
            )
            value = 0
        days.append(value)
    if days[0] and days[1] and days[1] <= days[0]:
        problems.append(Message("plan: reminder 2 must come after reminder 1"))
    protection = section("data_protection")
    data_protection = {
        key: _text(protection.get(key), f"data_protection.{key}", problems) for key in DATA_PROTECTION_KEYS
    }
    url = str(data.get("survey_url") or "").strip()
    if not url.startswith(("https://", "http://")):
        problems.append(Message("survey_url: %(value)s (expected the survey's address, https://...)", value=repr(url)))
    version = data.get("questionnaire_version")
    if version is not None and not (isinstance(version, str) and version.strip()):
        problems.append(
            Message(
                'questionnaire_version: %(value)s (expected the version as quoted text, e.g. "2026.1": '
                "unquoted, YAML reads it as a number and 2026.10 becomes 2026.1)",
                value=repr(version),
            )
        )
        version = None
    round_name = str(data.get("round") or "").strip()
    if not round_name:
        problems.append(Message("round: missing (the survey round's name)"))
    if problems:
        raise RoundInfoError(Message("%(file)s:%(problems)s", file=path, problems=tuple(problems)))
    return RoundInfo(
        round=round_name,
        questionnaire=data.get("questionnaire"),
        survey_url=url,
        sender={key: str(value).strip() for key, value in sender.items() if isinstance(value, str | int)},
        contact=contact,
        period=(start, end),
        plan=Plan(invitation, days[0], days[1]),
        data_protection=data_protection,
        source=str(path),
        questionnaire_version=version.strip() if isinstance(version, str) else None,
    )


def patient_info(info: RoundInfo) -> dict[str, Any]:
    """What the web survey tells patients of the round, as JSON-ready data (no address, no plan).

    ``period`` (ISO start and end of the care asked about), ``sender`` (name
    and department), ``contact`` (phone, email, ``hours`` per language, each
    only when given) and ``survey_url``.
    """
    contact: dict[str, Any] = {
        key: str(info.contact[key]).strip() for key in ("phone", "email") if info.contact.get(key)
    }
    if "hours" in info.contact:
        contact["hours"] = dict(info.contact["hours"])
    return {
        "period": {"start": info.period[0].isoformat(), "end": info.period[1].isoformat()},
        "sender": {key: info.sender[key] for key in ("name", "department") if info.sender.get(key)},
        "contact": contact,
        "survey_url": info.survey_url,
    }
