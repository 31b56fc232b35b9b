"""Sampling flow steps in words, for the method appendix.

The flow report names its steps by id: the fixed steps of SAMPLING.md
(``deceased``, ``quarantine``, ...) and one step per population criterion of
the pathway's rule file, named by the rule author (``two_contact_dates``).
The fixed steps have texts of their own in :mod:`analysis.report.labels`.
A criterion is described by the label the sampling manifest recorded for
it, or by its ``label`` in the rule file, in the report's language; else
from its conditions ("minst 2
kvalificerande kontakter på olika dagar; ålder minst 18 år vid periodens
slut"), so the reader sees what was required rather than an identifier.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from analysis.report.labels import label
from contracts.formats import FIXED_STEPS
from contracts.rules import Criterion, PathwayRule

__all__ = ["criterion_text", "recorded_labels", "rules_for_report", "step_label"]


def _conditions(criterion: Criterion, lang: str) -> list[str]:
    """Each condition of a criterion in words, in the rule language's order."""
    parts = []
    if criterion.min_contact_dates is not None:
        parts.append(label("criterion.min_contact_dates", lang, n=criterion.min_contact_dates))
    if criterion.any_contact_at:
        levels = [label(f"care_level.{level}", lang) for level in criterion.any_contact_at]
        joined = ", ".join(levels[:-1]) + f" {label('or', lang)} {levels[-1]}" if len(levels) > 1 else levels[0]
        parts.append(label("criterion.any_contact_at", lang, levels=joined))
    if criterion.min_age is not None or criterion.max_age is not None:
        at = label(f"criterion.at.{criterion.age_at}", lang)
        if criterion.min_age is not None and criterion.max_age is not None:
            key = "criterion.age_range"
        else:
            key = "criterion.min_age" if criterion.min_age is not None else "criterion.max_age"
        parts.append(label(key, lang, low=criterion.min_age, high=criterion.max_age, at=at))
    return parts


def criterion_text(criterion: Criterion, lang: str) -> str:
    """A population criterion in the report's language.

    The rule file's own ``label`` (a mapping of language to text, when the
    rule format has it) wins; otherwise the conditions are spelled out.
    """
    own = getattr(criterion, "label", None)
    if isinstance(own, Mapping) and own.get(lang):
        return str(own[lang])
    text = "; ".join(_conditions(criterion, lang))
    return text[:1].upper() + text[1:] if text else criterion.name


def step_label(step: str, lang: str, rule: PathwayRule | None = None, recorded: Mapping[str, str] | None = None) -> str:
    """One flow step in words.

    In order: a fixed step's text; the label the sampling manifest recorded
    for the criterion (``recorded``: language → text, from the very rule
    file the sample used); the criterion of ``rule`` (its label, else its
    conditions spelled out); the recorded label in another language; the id.
    """
    if step in FIXED_STEPS:
        return label(f"step.{step}", lang)
    if recorded and recorded.get(lang):
        return str(recorded[lang])
    for criterion in rule.criteria if rule is not None else ():
        if criterion.name == step:
            return criterion_text(criterion, lang)
    return str(next(iter(recorded.values()))) if recorded else step


def recorded_labels(manifest: Mapping[str, object] | None) -> dict[tuple[str, str], dict[str, str]]:
    """The criterion labels a sampling manifest recorded, by ``(pathway, criterion name)``."""
    found: dict[tuple[str, str], dict[str, str]] = {}
    for entry in cast(Iterable[object], (manifest or {}).get("rules", []) or []):
        if not isinstance(entry, Mapping):
            continue
        for criterion in entry.get("criteria", []) or []:
            if isinstance(criterion, Mapping) and isinstance(criterion.get("label"), Mapping):
                texts = {str(k): str(v) for k, v in criterion["label"].items() if v}
                if texts:
                    found[(str(entry.get("pathway")), str(criterion.get("name")))] = texts
    return found


def rules_for_report(
    pathways: Sequence[str], manifest: Mapping[str, object] | None, rules: Sequence[PathwayRule] | None = None
) -> dict[str, PathwayRule]:
    """The rule file of each of the report's pathways, when it is known to be the one the sample used.

    ``rules`` are the rule files the caller read (``prem report`` passes a
    region's own rule folder, or else the rule files bundled with prem);
    without them, none. A file is only used when the sampling manifest
    records no rule file for its pathway or records this very file (same
    sha256): a criterion of another version could say something the sample
    did not do.
    """
    if rules is None:
        return {}
    recorded = {}
    for entry in cast(Iterable[object], (manifest or {}).get("rules", []) or []):
        if isinstance(entry, Mapping) and entry.get("sha256"):
            recorded[str(entry.get("pathway"))] = str(entry["sha256"])
    return {
        rule.pathway: rule
        for rule in rules
        if rule.pathway in pathways and recorded.get(rule.pathway, rule.sha256) == rule.sha256
    }
