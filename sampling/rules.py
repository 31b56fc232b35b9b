"""Rule files: one declarative, versioned YAML file per care pathway.

A rule file says which contacts qualify, which further population criteria a
person must meet (each criterion's ``name`` becomes a step of the flow
report), how large each stratum's sample is and how long invited people are
quarantined. The four pilot pathways ship in ``sampling/rules/``. Example::

    pathway: reumatoid-artrit          # a slug of sampling/reference/pathways.csv
    version: "2026.1"                  # recorded in the manifest
    description: ...                   # optional, free text
    qualifying_contacts:               # contacts in the period P = [start, end]
      diagnoses:                       # any entry matching makes a contact qualify
        - position: any                # main | any (main or other diagnoses)
          codes: [M05, M06]            # prefixes after normalisation (m05.9 → M059)
          except: []                   # optional prefixes that never match (S060)
      care_levels: [primary, specialist, inpatient]   # optional; default all
    criteria:                          # applied in order, one flow step each
      - name: two_contact_dates        # lower_snake_case; the flow step's name
        label: {sv: Minst 2 kontakter på olika dagar, en: At least 2 contacts on different dates}  # optional, sv required
        min_contact_dates: 2           # qualifying contacts on distinct dates
      - {name: specialist_contact, any_contact_at: [specialist]}   # ≥ 1 qualifying contact there
      - {name: adult, min_age: 18, age_at: period_end}             # or first_qualifying_contact; max_age too
    sample_size: {margin: 0.05, response_rate: 0.5}   # or {n: 400} per stratum
    quarantine_months: 12              # optional, default 12

A criterion may combine several conditions (all must hold). Ages are whole
years, limits included. Errors name the file and line (PyYAML node marks).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from contracts.formats import FIXED_STEPS
from contracts.rules import (
    AGE_REFERENCES,
    CARE_LEVELS,
    LABEL_LANGUAGES,
    Criterion,
    DiagnosisRule,
    PathwayRule,
    SampleSize,
)
from sampling.errors import RuleFileError
from sampling.reference import pathways as known_pathways

__all__ = [
    "CARE_LEVELS",
    "FIXED_STEPS",
    "Criterion",
    "DiagnosisRule",
    "PathwayRule",
    "SampleSize",
    "bundled_rules_dir",
    "load_rule",
    "load_rules",
]

_CODE = re.compile(r"^[A-Z][0-9][0-9A-Z]{0,5}$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def normalise_code(code: str) -> str:
    """ICD-10-SE as compared: upper case, dots and spaces removed (``m05.9`` → ``M059``)."""
    return re.sub(r"[.\s]", "", code).upper()


def bundled_rules_dir() -> Path:
    """The folder of rule files shipped with prem (the four pilot pathways)."""
    return Path(str(files("sampling").joinpath("rules")))


class _Located:
    """Turns a composed YAML node tree into plain data, keeping each value's line."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, node: yaml.Node, message: str) -> RuleFileError:
        return RuleFileError(f"{self.source}, line {node.start_mark.line + 1}: {message}")

    def mapping(self, node: yaml.Node, where: str, allowed: dict[str, bool]) -> dict[str, yaml.Node]:
        """Keys of a mapping node; ``allowed`` maps each key to whether it is required."""
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, f"{where} must be a mapping of keys to values")
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key not in allowed:
                raise self.fail(key_node, f"unknown key '{key}' in {where}; expected one of: {', '.join(allowed)}")
            if key in found:
                raise self.fail(key_node, f"key '{key}' given twice in {where}")
            found[key] = value_node
        missing = [key for key, required in allowed.items() if required and key not in found]
        if missing:
            raise self.fail(node, f"{where} lacks required key '{missing[0]}'")
        return found

    def scalar(self, node: yaml.Node, where: str, kind: type) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            raise self.fail(node, f"{where} must be a single {kind.__name__}")
        value = yaml.safe_load(yaml.serialize(node)) if node.tag != "tag:yaml.org,2002:str" else node.value
        if kind is str:
            return str(value)
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            raise self.fail(node, f"{where} must be {'an integer' if kind is int else 'a number'}, not '{node.value}'")
        return value

    def strings(self, node: yaml.Node, where: str) -> list[tuple[str, yaml.Node]]:
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, f"{where} must be a list")
        return [(self.scalar(item, where, str), item) for item in node.value]


def _diagnoses(doc: _Located, node: yaml.Node) -> tuple[DiagnosisRule, ...]:
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        raise doc.fail(node, "qualifying_contacts.diagnoses must be a non-empty list")
    rules = []
    for item in node.value:
        keys = doc.mapping(item, "a diagnoses entry", {"position": True, "codes": True, "except": False})
        position = doc.scalar(keys["position"], "position", str)
        if position not in ("main", "any"):
            raise doc.fail(keys["position"], f"position must be 'main' or 'any', not '{position}'")
        code_lists = []
        for key in ("codes", "except"):
            codes = []
            for code, code_node in doc.strings(keys[key], key) if key in keys else []:
                if not _CODE.match(normalise_code(code)):
                    raise doc.fail(
                        code_node, f"unknown code pattern '{code}'; expected an ICD-10-SE code prefix like M05 or S720"
                    )
                codes.append(normalise_code(code))
            code_lists.append(tuple(codes))
        if not code_lists[0]:
            raise doc.fail(keys["codes"], "codes must list at least one code")
        rules.append(DiagnosisRule(position, code_lists[0], code_lists[1]))
    return tuple(rules)


def _care_levels(doc: _Located, node: yaml.Node, where: str) -> tuple[str, ...]:
    levels = []
    for level, level_node in doc.strings(node, where):
        if level not in CARE_LEVELS:
            raise doc.fail(
                level_node, f"unknown care level '{level}' in {where}; expected one of: {', '.join(CARE_LEVELS)}"
            )
        levels.append(level)
    if not levels:
        raise doc.fail(node, f"{where} must list at least one care level")
    return tuple(levels)


def _criterion(doc: _Located, node: yaml.Node, seen: set[str]) -> Criterion:
    allowed = {
        "name": True,
        "label": False,
        "min_contact_dates": False,
        "any_contact_at": False,
        "min_age": False,
        "max_age": False,
        "age_at": False,
    }
    keys = doc.mapping(node, "a criterion", allowed)
    name = doc.scalar(keys["name"], "name", str)
    if not _NAME.match(name) or name in FIXED_STEPS or name in seen:
        raise doc.fail(
            keys["name"], f"criterion name '{name}' must be unique, lower_snake_case and not a fixed step name"
        )
    seen.add(name)
    if not set(keys) - {"name", "label", "age_at"}:
        raise doc.fail(
            node, f"criterion '{name}' has no condition; give min_contact_dates, any_contact_at, min_age or max_age"
        )
    values: dict[str, Any] = {}
    for key in ("min_contact_dates", "min_age", "max_age"):
        if key in keys:
            values[key] = doc.scalar(keys[key], key, int)
            if values[key] < 0:
                raise doc.fail(keys[key], f"{key} must not be negative")
    if "any_contact_at" in keys:
        values["any_contact_at"] = _care_levels(doc, keys["any_contact_at"], "any_contact_at")
    if "age_at" in keys:
        age_at = doc.scalar(keys["age_at"], "age_at", str)
        if age_at not in AGE_REFERENCES:
            raise doc.fail(keys["age_at"], f"age_at must be one of: {', '.join(AGE_REFERENCES)}")
        values["age_at"] = age_at
    if "label" in keys:
        values["label"] = _label(doc, keys["label"])
    return Criterion(name=name, **values)


def _label(doc: _Located, node: yaml.Node) -> dict[str, str]:
    """A step's name in words, ``{sv: ..., en: ...}``; Swedish is required."""
    keys = doc.mapping(node, "label", {language: language == "sv" for language in LABEL_LANGUAGES})
    texts = {language: doc.scalar(value, f"label.{language}", str).strip() for language, value in keys.items()}
    empty = [language for language, text in texts.items() if not text]
    if empty:
        raise doc.fail(keys[empty[0]], f"label.{empty[0]} must not be empty")
    return texts


def _sample_size(doc: _Located, node: yaml.Node) -> SampleSize:
    keys = doc.mapping(node, "sample_size", {"n": False, "margin": False, "response_rate": False})
    if "n" in keys and len(keys) == 1:
        n = doc.scalar(keys["n"], "n", int)
        if n < 1:
            raise doc.fail(keys["n"], "n must be at least 1")
        return SampleSize(n=n)
    if set(keys) != {"margin", "response_rate"}:
        raise doc.fail(node, "sample_size must be either {n: INT} or {margin: NUMBER, response_rate: NUMBER}")
    margin = doc.scalar(keys["margin"], "margin", float)
    rate = doc.scalar(keys["response_rate"], "response_rate", float)
    if not 0 < margin < 0.5:
        raise doc.fail(keys["margin"], "margin must be a proportion between 0 and 0.5, e.g. 0.05")
    if not 0 < rate <= 1:
        raise doc.fail(keys["response_rate"], "response_rate must be a proportion above 0 and at most 1, e.g. 0.45")
    return SampleSize(margin=margin, response_rate=rate)


def load_rule(path: str | Path) -> PathwayRule:
    """Read and validate one rule file.

    Raises
    ------
    RuleFileError
        With the file and line, for invalid YAML, an unknown key, a wrong type,
        an unknown pathway, care level or code pattern.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
        root = yaml.compose(raw.decode("utf-8"))
    except OSError as error:
        raise RuleFileError(f"{path}: cannot read rule file ({error.strerror})") from None
    except UnicodeDecodeError:
        raise RuleFileError(f"{path}: rule file is not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f", line {mark.line + 1}" if mark else ""
        raise RuleFileError(f"{path}{line}: not valid YAML ({getattr(error, 'problem', error)})") from None
    doc = _Located(str(path))
    if root is None:
        raise RuleFileError(f"{path}: rule file is empty")
    allowed = {
        "pathway": True,
        "version": True,
        "description": False,
        "qualifying_contacts": True,
        "criteria": False,
        "sample_size": True,
        "quarantine_months": False,
    }
    keys = doc.mapping(root, "the rule file", allowed)
    pathway = doc.scalar(keys["pathway"], "pathway", str)
    if pathway not in known_pathways():
        raise doc.fail(
            keys["pathway"], f"unknown pathway '{pathway}'; expected a slug from sampling/reference/pathways.csv"
        )
    qualifying = doc.mapping(
        keys["qualifying_contacts"], "qualifying_contacts", {"diagnoses": True, "care_levels": False}
    )
    seen: set[str] = set()
    criteria_node = keys.get("criteria")
    if criteria_node is not None and not isinstance(criteria_node, yaml.SequenceNode):
        raise doc.fail(criteria_node, "criteria must be a list")
    quarantine = doc.scalar(keys["quarantine_months"], "quarantine_months", int) if "quarantine_months" in keys else 12
    if quarantine < 0:
        raise doc.fail(keys["quarantine_months"], "quarantine_months must not be negative")
    return PathwayRule(
        pathway=pathway,
        version=doc.scalar(keys["version"], "version", str),
        diagnoses=_diagnoses(doc, qualifying["diagnoses"]),
        care_levels=_care_levels(doc, qualifying["care_levels"], "care_levels")
        if "care_levels" in qualifying
        else CARE_LEVELS,
        criteria=tuple(_criterion(doc, item, seen) for item in (criteria_node.value if criteria_node else [])),
        sample_size=_sample_size(doc, keys["sample_size"]),
        quarantine_months=quarantine,
        source=str(path),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def load_rules(location: str | Path | None = None, pathways: Sequence[str] | None = None) -> list[PathwayRule]:
    """Rule files from a file or a folder (default: the bundled pilot rules), sorted by pathway.

    ``pathways`` keeps only those slugs; asking for one without a rule file is an error.
    """
    location = Path(location) if location is not None else bundled_rules_dir()
    if location.is_dir():
        paths = sorted(location.glob("*.yaml")) + sorted(location.glob("*.yml"))
        if not paths:
            raise RuleFileError(f"{location}: no rule files (*.yaml) in this folder")
    else:
        paths = [location]
    rules = [load_rule(path) for path in paths]
    by_pathway: dict[str, PathwayRule] = {}
    for rule in rules:
        if rule.pathway in by_pathway:
            raise RuleFileError(
                f"{rule.source}: pathway '{rule.pathway}' also defined in {by_pathway[rule.pathway].source}"
            )
        by_pathway[rule.pathway] = rule
    if pathways:
        unknown = [slug for slug in pathways if slug not in by_pathway]
        if unknown:
            raise RuleFileError(
                f"{location}: no rule file for pathway '{unknown[0]}'; have: {', '.join(sorted(by_pathway))}"
            )
        by_pathway = {slug: by_pathway[slug] for slug in pathways}
    return [by_pathway[slug] for slug in sorted(by_pathway)]
