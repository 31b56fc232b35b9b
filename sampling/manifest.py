"""The manifest: what went into a draw, so that anyone can check or repeat it.

It records the sha256 of every input and rule file, the seed, the dates, the
software versions (numpy's included: the draw depends on its generator) and
which steps could not be applied. It holds no wall-clock time, so the same
inputs, seed and key give a byte-identical manifest; the key itself is only
named by its fingerprint.
"""

from __future__ import annotations

import datetime as dt
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sampling.extracts import ColumnMapping, Extract
from sampling.rules import PathwayRule

__all__ = ["build_manifest"]


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def _file(extract: Extract) -> dict[str, str]:
    return {"file": extract.path.name, "sha256": extract.sha256}


def build_manifest(
    *,
    rules: list[PathwayRule],
    contacts: list[Extract],
    population: Extract | None,
    previous: list[Extract],
    mapping: ColumnMapping,
    period: tuple[dt.date, dt.date],
    sampling_date: dt.date,
    seed: int,
    code_key_fingerprint: str,
    on_bad_rows: str,
    rejected_rows: int,
    pathway_order: list[str],
    strata: list[dict[str, Any]],
    steps_not_applied: list[str],
) -> dict[str, Any]:
    """The content of ``manifest.json`` (file names without folders, so the run can move)."""
    return {
        "software": {"prem": _version("prem"), "numpy": _version("numpy"), "polars": _version("polars")},
        "seed": seed,
        "period_start": period[0].isoformat(),
        "period_end": period[1].isoformat(),
        "sampling_date": sampling_date.isoformat(),
        "code_key_fingerprint": code_key_fingerprint,
        "on_bad_rows": on_bad_rows,
        "rejected_rows": rejected_rows,
        "inputs": {
            "contacts": [_file(extract) for extract in contacts],
            "population": _file(population) if population else None,
            "previous": [_file(extract) for extract in previous],
            "mapping": {"file": Path(mapping.source).name, "sha256": mapping.sha256} if mapping.source else None,
        },
        "rules": [
            {
                "pathway": rule.pathway,
                "version": rule.version,
                "file": Path(rule.source).name,
                "sha256": rule.sha256,
                "quarantine_months": rule.quarantine_months,
                "sample_size": {key: value for key, value in vars(rule.sample_size).items() if value is not None},
                "criteria": [{"name": criterion.name, "label": criterion.label} for criterion in rule.criteria],
            }
            for rule in rules
        ],
        "pathway_order": pathway_order,
        "strata": strata,
        "steps_not_applied": steps_not_applied,
    }
