"""The file formats between the parts: frame, mailing list, flow, manifest, responses export.

These are the contracts of docs/ARCHITECTURE.md, defined here once and
imported by every module that writes or reads them (``sampling`` writes the
sample directory, ``prem.fieldwork`` imports it and writes the responses
export, ``analysis`` reads that export). Column names are in file order;
the dtypes say what a reader must parse a column as (``"text"`` columns are
always read as text: region codes are two-digit strings such as ``"01"``).
"""

from __future__ import annotations

from typing import Final, Literal, Protocol

__all__ = [
    "AGE_GROUPS",
    "AGE_GROUP_LOWER_BOUNDS",
    "EXCLUSION_STEPS",
    "FIXED_STEPS",
    "FLOW_COLUMNS",
    "FLOW_DTYPES",
    "FRAME_COLUMNS",
    "FRAME_DTYPES",
    "MAILING_COLUMNS",
    "MANIFEST_FILE",
    "REGISTER_STEPS",
    "RESPONSES_COLUMNS",
    "RESPONSES_DTYPES",
    "RESPONSE_MODES",
    "RESPONSE_STATUSES",
    "SEXES",
    "Dtype",
    "age_group",
    "closed_item_ids",
]

#: How a column is read: text (never numbers, even when it looks like one), whole numbers, decimals.
Dtype = Literal["text", "integer", "float"]

#: Age groups of the frame and of the questionnaire's age-group question, lower bounds 0, 18, 35, 50, 65, 80.
AGE_GROUPS: Final[tuple[str, ...]] = ("0-17", "18-34", "35-49", "50-64", "65-79", "80+")
AGE_GROUP_LOWER_BOUNDS: Final[tuple[int, ...]] = (0, 18, 35, 50, 65, 80)

#: Sex in the frame: M (man), K (kvinna, woman).
SEXES: Final[tuple[str, ...]] = ("M", "K")

#: ``frame.csv`` (UTF-8, ``,``, header): one row per invited person, no personnummer, name or address.
FRAME_DTYPES: Final[dict[str, Dtype]] = {
    "respondent_id": "text",
    "pathway": "text",
    "region": "text",
    "sex": "text",
    "age": "integer",
    "age_group": "text",
    "stratum_population": "integer",
    "stratum_sample": "integer",
    "design_weight": "float",
}
FRAME_COLUMNS: Final[tuple[str, ...]] = tuple(FRAME_DTYPES)

#: ``mailing.csv``: the region's and the letter printer's only (holds personnummer and addresses).
MAILING_COLUMNS: Final[tuple[str, ...]] = (
    "respondent_id",
    "access_code",
    "personnummer",
    "name",
    "street",
    "postal_code",
    "city",
)

#: ``flow.csv``: how many remained after, and were removed by, each step of each stratum.
FLOW_DTYPES: Final[dict[str, Dtype]] = {
    "pathway": "text",
    "region": "text",
    "step": "text",
    "remaining": "integer",
    "removed": "integer",
}
FLOW_COLUMNS: Final[tuple[str, ...]] = tuple(FLOW_DTYPES)

#: The flow's steps that need the population register (not applied without it; the manifest says so).
REGISTER_STEPS: Final[tuple[str, ...]] = ("deceased", "protected_identity", "no_address")
#: The steps after a pathway's population criteria, in flow order (SAMPLING.md).
EXCLUSION_STEPS: Final[tuple[str, ...]] = (*REGISTER_STEPS, "quarantine", "other_pathway")
#: Every ``step`` of the flow that is not a population criterion (a criterion's step is its rule-file name).
#: A stratum's steps: ``rejected_rows`` (only with skipped rows), ``persons_with_qualifying_contacts``,
#: the criteria, :data:`EXCLUSION_STEPS`, ``sampled``.
FIXED_STEPS: Final[tuple[str, ...]] = (
    "rejected_rows",
    "persons_with_qualifying_contacts",
    *EXCLUSION_STEPS,
    "sampled",
)

#: ``manifest.json`` beside the frame: input and rule hashes, seed, dates, versions, key fingerprint.
MANIFEST_FILE: Final = "manifest.json"

#: The export's ``status`` column: fieldwork status so far.
RESPONSE_STATUSES: Final[tuple[str, ...]] = (
    "not_started",
    "started",
    "submitted",
    "refused",
    "screened_out",
    "deceased",
    "undeliverable",
)

#: The export's ``mode`` column: how the response was given (empty when never started). ``web``: the
#: web survey; ``paper``: a paper questionnaire keyed in (``prem fieldwork paper``).
RESPONSE_MODES: Final[tuple[str, ...]] = ("web", "paper")

#: ``prem export responses``: the frame's columns, then these, then one integer column per closed item
#: (:func:`closed_item_ids`), empty when unanswered or routed past.
RESPONSES_DTYPES: Final[dict[str, Dtype]] = {
    **FRAME_DTYPES,
    "status": "text",
    "questionnaire_id": "text",
    "questionnaire_version": "text",
    "submitted_at": "text",
    "screen_out_reason": "text",  # why a screened-out patient said the survey is not about their care, or empty
    "mode": "text",
    # A person who answered more than once (web and paper, two papers, paper after a refusal): the rule
    # by which the counted response counts (``first_complete_counts``, ``unfinished_replaced``,
    # ``paper_overrides_status``); empty for everybody else.
    "mode_conflict": "text",
}
RESPONSES_COLUMNS: Final[tuple[str, ...]] = tuple(RESPONSES_DTYPES)


class _Item(Protocol):
    @property
    def id(self) -> str: ...


class _Questionnaire(Protocol):
    @property
    def closed_items(self) -> tuple[_Item, ...]: ...


def closed_item_ids(questionnaire: _Questionnaire) -> list[str]:
    """The item columns of the responses export, in order (``Questionnaire.closed_items``' ids)."""
    return [item.id for item in questionnaire.closed_items]


def age_group(age: int) -> str:
    """The age group (one of :data:`AGE_GROUPS`) of an age in whole years.

    Raises
    ------
    ValueError
        For a negative age.
    """
    if age < 0:
        raise ValueError(f"age must not be negative, got {age}")
    group = AGE_GROUPS[0]
    for lower, name in zip(AGE_GROUP_LOWER_BOUNDS, AGE_GROUPS, strict=True):
        if age >= lower:
            group = name
    return group
