"""Sampling: from register extracts to a reproducible, auditable survey sample.

A plain library (no Flask): rule files per pathway, the selection engine,
stratified sampling and the frame / mailing / flow / manifest outputs::

    from sampling import draw_sample, write_sample, load_code_key
    result = draw_sample(None, ["contacts.csv"], population="population.csv",
                         period_start="2025-01-01", period_end="2025-12-31",
                         sampling_date="2026-02-01", seed=2026,
                         code_key=load_code_key("instance/sampling-code.key"))
    write_sample(result, "sample-2026")
"""

from sampling.engine import SampleResult, draw_sample
from sampling.errors import ExtractError, RuleFileError, SamplingError
from sampling.extracts import ColumnMapping, load_mapping
from sampling.output import load_code_key, write_sample
from sampling.rules import PathwayRule, load_rule, load_rules

__all__ = [
    "ColumnMapping",
    "ExtractError",
    "PathwayRule",
    "RuleFileError",
    "SampleResult",
    "SamplingError",
    "draw_sample",
    "load_code_key",
    "load_mapping",
    "load_rule",
    "load_rules",
    "write_sample",
]
