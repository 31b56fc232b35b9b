"""Simulated answers to a questionnaire, for the demo and for testing the analysis.

Synthetic people only. The simulation is a small, explicit model so that the
analysis has real structure to find:

- **Fieldwork**: a few letters are undeliverable or the patient has died
  (more often at 80+); response propensity rises with age (the parents of
  children answer too) and is higher for women; non-respondents sometimes
  refuse, screen themselves out ("this is not my care") or start and never
  submit; a few submit after answering only the first page or two.
- **Experience**: each respondent has a latent experience made of a personal
  trait, a region effect, a pathway effect, and effects of age, self-rated
  health and education; each dimension adds a per-respondent factor, so that
  items within a dimension correlate more than items across dimensions.
  Dimensions differ as in the pilot: respect best, involvement and emotional
  support weaker, and the written care plan near half "yes".
- **Answers**: the latent value is cut into the scale's ordered options;
  "Vet inte / Inte aktuellt" and skipped items occur at item-specific rates;
  routing is respected (routed items are empty when not shown), and
  pathway-specific items are answered on their pathways only; background
  answers agree with the frame (age group, sex) for almost everyone.

All randomness comes from one ``numpy.random.Generator`` seeded by ``seed``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist
from typing import Any, cast

import numpy as np
import pandas as pd

from contracts.formats import AGE_GROUPS
from questionnaires.model import Item, Questionnaire

__all__ = ["AGE_GROUPS", "STATUSES", "simulate_comments", "simulate_responses"]

STATUSES = ("not_started", "started", "submitted", "refused", "screened_out", "deceased", "undeliverable")
"""Fieldwork statuses of the responses export (ARCHITECTURE.md)."""

_REQUIRED_COLUMNS = ("respondent_id", "pathway", "region", "sex", "age_group")

# -- fieldwork, by age group (index into AGE_GROUPS) ---------------------------
_DECEASED = np.array([0.0005, 0.001, 0.002, 0.005, 0.012, 0.04])
_UNDELIVERABLE = np.array([0.012, 0.03, 0.02, 0.012, 0.008, 0.008])
_RESPONSE_LOGIT_BY_AGE = np.array([-0.45, -1.25, -0.85, -0.3, 0.35, 0.05])
_RESPONSE_LOGIT_WOMEN = 0.3
_REFUSED, _SCREENED_OUT, _ABANDONED = 0.04, 0.025, 0.05  # shares of non-respondents
_FEW_ITEMS = 0.04  # share of submitters who answered only the first page or two

# -- experience ------------------------------------------------------------------
_TRAIT_SD, _DIMENSION_SD, _ITEM_NOISE_SD = 0.6, 0.45, 0.6
_REGION_SD, _PATHWAY_SD = 0.15, 0.2
_EXPERIENCE_BY_AGE = np.array([0.0, -0.25, -0.15, 0.0, 0.15, 0.2])
_EXPERIENCE_BY_HEALTH = np.array([0.35, 0.2, 0.0, -0.3, -0.55])  # very good .. very poor
_EXPERIENCE_BY_EDUCATION = np.array([0.1, 0.0, -0.15, 0.0])  # compulsory, upper secondary, university, other
_DIMENSION_SHIFT: dict[str | None, float] = {
    "respect": 0.9,
    "overall": 0.35,
    "information": 0.25,
    "accessibility": 0.0,
    "continuity": -0.1,
    "involvement": -0.3,
    "emotional_support": -0.45,
}
_ITEM_SHIFT = {
    "treated_equally": 0.2,
    "staff_attitude": 0.1,
    "info_where_to_turn": 0.1,
    "contact_person": -0.1,
    "support_close_ones": -0.1,
    "reasonable_waiting": -0.15,
    "municipality_coordination": -0.2,
}
# Shares of options, best first, for a respondent of average experience.
_BASELINE_SHARES = {2: (0.6, 0.4), 3: (0.55, 0.35, 0.1), 4: (0.3, 0.38, 0.2, 0.12)}
_DONT_KNOW = {"support_close_ones": 0.18, "care_plan": 0.08, "municipality_coordination": 0.1, "timely_results": 0.06}
_DONT_KNOW_DEFAULT, _SKIPPED = 0.03, 0.015

# -- background, by age group ------------------------------------------------------
_HEALTH_SHIFT_BY_AGE = np.array([-0.6, -0.4, -0.2, 0.1, 0.35, 0.6])
_HEALTH_CUTS = np.array([-1.0, 0.0, 1.0, 1.8])
_EDUCATION_BY_AGE = np.array(
    [
        [0.6, 0.3, 0.05, 0.05],
        [0.08, 0.45, 0.44, 0.03],
        [0.08, 0.40, 0.49, 0.03],
        [0.12, 0.48, 0.37, 0.03],
        [0.25, 0.43, 0.28, 0.04],
        [0.45, 0.33, 0.16, 0.06],
    ]
)
_PROXY_BY_AGE = np.array([0.85, 0.03, 0.03, 0.04, 0.07, 0.25])
_HELPED_BY_AGE = np.array([0.3, 0.03, 0.03, 0.05, 0.12, 0.35])
_CONTACT_YES_BY_AGE = np.array([0.05, 0.04, 0.06, 0.1, 0.25, 0.55])
_BACKGROUND_MISSING, _REPORTED_AGE_ADJACENT, _REPORTED_SEX_OTHER = 0.02, 0.03, 0.01

# -- timing -------------------------------------------------------------------
_WAVES = ((0, 0.55, 4.0), (14, 0.3, 3.0), (28, 0.15, 3.0))  # (reminder day, share, mean delay in days)


def _logistic(x: np.ndarray) -> np.ndarray:
    result: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return result


def _effects(rng: np.random.Generator, levels: Sequence[str], sd: float) -> dict[str, float]:
    """One normal effect per level, drawn in sorted order so that the seed alone fixes them."""
    ordered = sorted(set(levels))
    return dict(zip(ordered, rng.normal(0.0, sd, len(ordered)), strict=True))


def _age_index(frame: pd.DataFrame) -> np.ndarray:
    index = frame["age_group"].astype("string").map({group: k for k, group in enumerate(AGE_GROUPS)})
    unknown = sorted(set(frame.loc[index.isna(), "age_group"].astype(str)))
    if unknown:
        raise ValueError(f"frame column age_group has values {unknown}; expected one of {', '.join(AGE_GROUPS)}")
    result: np.ndarray = index.to_numpy(dtype=int)
    return result


def _choose(rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """One category index per row of ``shares`` (rows sum to 1)."""
    cumulative = np.cumsum(shares, axis=1)
    draws = rng.random((shares.shape[0], 1))
    result: np.ndarray = np.minimum((draws > cumulative).sum(axis=1), shares.shape[1] - 1)
    return result


def _statuses(rng: np.random.Generator, age: np.ndarray, women: np.ndarray, region_logit: np.ndarray) -> np.ndarray:
    n = len(age)
    u = rng.random(n)
    deceased = u < _DECEASED[age]
    undeliverable = ~deceased & (u < _DECEASED[age] + _UNDELIVERABLE[age])
    responds = rng.random(n) < _logistic(_RESPONSE_LOGIT_BY_AGE[age] + _RESPONSE_LOGIT_WOMEN * women + region_logit)
    other = rng.random(n)
    status = np.full(n, "not_started", dtype=object)
    status[other < _REFUSED + _SCREENED_OUT + _ABANDONED] = "started"
    status[other < _REFUSED + _SCREENED_OUT] = "screened_out"
    status[other < _REFUSED] = "refused"
    status[responds] = "submitted"
    status[undeliverable] = "undeliverable"
    status[deceased] = "deceased"
    return status


def _pages_reached(rng: np.random.Generator, status: np.ndarray, n_pages: int) -> np.ndarray:
    """How many pages each respondent answered (all for a normal submit)."""
    reached = np.zeros(len(status), dtype=int)
    submitted = status == "submitted"
    reached[submitted] = n_pages
    few = submitted & (rng.random(len(status)) < _FEW_ITEMS)
    reached[few] = rng.integers(1, 3, few.sum())
    started = status == "started"
    reached[started] = rng.integers(0, n_pages, started.sum())
    return reached


def _cuts(n_options: int, total_sd: float) -> np.ndarray:
    """Latent thresholds, best option first, giving the baseline shares at mean experience."""
    shares = _BASELINE_SHARES.get(n_options) or tuple(np.full(n_options, 1.0 / n_options))
    upper = np.cumsum(shares)[:-1]
    return np.array([NormalDist(0.0, total_sd).inv_cdf(1.0 - share) for share in upper])


def _scored_codes(rng: np.random.Generator, item: Item, latent: np.ndarray, total_sd: float) -> np.ndarray:
    scored = sorted((o for o in item.choices.options if o.scored), key=lambda option: -cast(float, option.score))
    unscored = [option for option in item.choices.options if not option.scored]
    category = (latent[:, None] < _cuts(len(scored), total_sd)[None, :]).sum(axis=1)
    codes: np.ndarray = np.array([option.code for option in scored])[category].astype(float)
    if unscored:
        dont_know = rng.random(len(latent)) < _DONT_KNOW.get(item.id, _DONT_KNOW_DEFAULT)
        codes[dont_know] = rng.choice([option.code for option in unscored], dont_know.sum())
    return codes


def _codes_by_value(item: Item, values: pd.Series) -> np.ndarray:
    by_value = {option.value: option.code for option in item.choices.options if option.value is not None}
    result: np.ndarray = values.astype("string").map(by_value).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return result


def _background_codes(
    rng: np.random.Generator, item: Item, frame: pd.DataFrame, age: np.ndarray, person: Mapping[str, np.ndarray]
) -> np.ndarray:
    """Answers to a background question, consistent with the frame and the person."""
    n = len(frame)
    options = [option.code for option in item.choices.options if not option.declined]
    if item.role == "age_group":
        reported = np.clip(
            age + rng.choice([-1, 1], n) * (rng.random(n) < _REPORTED_AGE_ADJACENT), 0, len(AGE_GROUPS) - 1
        )
        codes = _codes_by_value(item, pd.Series(np.array(AGE_GROUPS)[reported]))
    elif item.role == "sex":
        other = rng.random(n) < _REPORTED_SEX_OTHER
        reported = frame["sex"].astype("string").where(~other, frame["sex"].map({"K": "M", "M": "K"}))
        codes = _codes_by_value(item, reported)
    elif item.role in ("self_rated_health", "education"):
        codes = np.array(options, dtype=float)[np.minimum(person[item.role], len(options) - 1)]
    elif item.role == "respondent":
        codes = np.array(options, dtype=float)[np.minimum(person["proxy"].astype(int), len(options) - 1)]
    elif item.role == "help":
        helped = ~person["proxy"] & (rng.random(n) < _HELPED_BY_AGE[age])
        by_other = helped & (rng.random(n) < 0.1)
        choice = np.where(by_other, 2, np.where(helped, 1, 0))
        codes = np.array(options, dtype=float)[np.minimum(choice, len(options) - 1)]
    else:
        codes = rng.choice(np.array(options, dtype=float), n)
    codes[rng.random(n) < _BACKGROUND_MISSING] = np.nan
    return codes


def _filter_codes(rng: np.random.Generator, item: Item, age: np.ndarray) -> np.ndarray:
    """An unscored question without a role (a routing filter): first option "yes", more often when older."""
    options = np.array([option.code for option in item.choices.options], dtype=float)
    n = len(age)
    if len(options) < 2:
        return np.full(n, options[0])
    shares = np.zeros((n, len(options)))
    shares[:, 0] = _CONTACT_YES_BY_AGE[age]
    if len(options) > 2:
        shares[:, -1] = 0.04
    shares[:, 1] = 1.0 - shares.sum(axis=1)
    result: np.ndarray = options[_choose(rng, shares)]
    return result


def _person(rng: np.random.Generator, frame: pd.DataFrame, age: np.ndarray) -> dict[str, np.ndarray]:
    """Each respondent's health, education, proxy answering and latent experience level."""
    n = len(frame)
    health = (rng.normal(_HEALTH_SHIFT_BY_AGE[age], 1.0)[:, None] > _HEALTH_CUTS[None, :]).sum(axis=1)
    education = _choose(rng, _EDUCATION_BY_AGE[age])
    region = _effects(rng, frame["region"].astype(str), _REGION_SD)
    pathway = _effects(rng, frame["pathway"].astype(str), _PATHWAY_SD)
    experience = (
        rng.normal(0.0, _TRAIT_SD, n)
        + frame["region"].astype(str).map(region).to_numpy()
        + frame["pathway"].astype(str).map(pathway).to_numpy()
        + _EXPERIENCE_BY_AGE[age]
        + _EXPERIENCE_BY_HEALTH[health]
        + _EXPERIENCE_BY_EDUCATION[education]
    )
    return {
        "self_rated_health": health,
        "education": education,
        "proxy": rng.random(n) < _PROXY_BY_AGE[age],
        "experience": experience,
    }


def _submitted_at(rng: np.random.Generator, submitted: np.ndarray, opens: date, closes: date) -> list[str | None]:
    """ISO 8601 UTC submission times: a first wave and one after each reminder."""
    days = max((closes - opens).days, 1)
    n = int(submitted.sum())
    wave = rng.choice(len(_WAVES), n, p=[share for _, share, _ in _WAVES])
    start = np.array([day for day, _, _ in _WAVES])[wave]
    delay = rng.exponential(np.array([mean for _, _, mean in _WAVES])[wave])
    day = np.minimum(start + delay, days - 1e-3)
    seconds = np.floor(day).astype(int) * 86400 + rng.integers(7 * 3600, 23 * 3600, n)
    moment = datetime(opens.year, opens.month, opens.day, tzinfo=UTC)
    stamps = iter((moment + timedelta(seconds=int(s))).isoformat(timespec="seconds") for s in seconds)
    return [next(stamps) if flag else None for flag in submitted]


def simulate_responses(
    frame: pd.DataFrame,
    q: Questionnaire,
    *,
    seed: int,
    opens: date = date(2026, 3, 2),
    closes: date = date(2026, 4, 12),
) -> pd.DataFrame:
    """Simulate a survey round's responses for a sample frame.

    Parameters
    ----------
    frame
        The sample frame (``frame.csv``): at least ``respondent_id``,
        ``pathway``, ``region``, ``sex`` (``K``/``M``) and ``age_group``;
        every column is copied to the result.
    q
        The questionnaire answered.
    seed
        Seed of the one ``numpy.random.Generator`` used: the same frame,
        questionnaire and seed give the same responses.
    opens, closes
        The fieldwork window; submission times fall inside it.

    Returns
    -------
    pandas.DataFrame
        The responses export format of ARCHITECTURE.md: the frame's
        columns, ``status``, ``questionnaire_id``, ``questionnaire_version``
        (empty unless started or submitted), ``submitted_at`` (ISO UTC text
        or empty), then one nullable ``Int64`` column per closed item with
        the option code, empty when unanswered or routed past. One row per
        frame row, in frame order.

    Raises
    ------
    ValueError
        A required frame column is missing or holds an unknown age group.
    """
    missing = [column for column in _REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        raise ValueError(f"the frame lacks the column(s) {', '.join(missing)}")
    rng = np.random.default_rng(seed)
    frame = frame.reset_index(drop=True)
    n = len(frame)
    age = _age_index(frame)
    women = (frame["sex"].astype("string") == "K").to_numpy(dtype=bool, na_value=False)
    region_logit = frame["region"].astype(str).map(_effects(rng, frame["region"].astype(str), 0.1)).to_numpy()
    status = _statuses(rng, age, women, region_logit)
    person = _person(rng, frame, age)
    dimension_factor: dict[str | None, np.ndarray] = {d.id: rng.normal(0.0, _DIMENSION_SD, n) for d in q.dimensions}
    total_sd = float(np.sqrt(person["experience"].var() + _DIMENSION_SD**2 + _ITEM_NOISE_SD**2)) if n > 1 else 1.0

    reached = _pages_reached(rng, status, len(q.pages))
    answers: dict[str, np.ndarray] = {}
    for page_number, page in enumerate(q.pages):
        for item in page.items:
            if item.kind != "choice":
                continue
            if item.choices.scored and item.role is None:
                latent = (
                    person["experience"]
                    + _DIMENSION_SHIFT.get(item.dimension, 0.0)
                    + _ITEM_SHIFT.get(item.id, 0.0)
                    + dimension_factor.get(item.dimension, 0.0)
                    + rng.normal(0.0, _ITEM_NOISE_SD, n)
                )
                codes = _scored_codes(rng, item, latent, total_sd)
            elif item.role is not None:
                codes = _background_codes(rng, item, frame, age, person)
            else:
                codes = _filter_codes(rng, item, age)
            codes[(reached <= page_number) | (rng.random(n) < _SKIPPED)] = np.nan
            if item.pathways is not None:
                codes[~frame["pathway"].astype(str).isin(item.pathways).to_numpy()] = np.nan
            if item.show_if is not None:
                controlling = answers[item.show_if.item]
                codes[~np.isin(controlling, list(item.show_if.codes))] = np.nan
            answers[item.id] = codes

    started = np.isin(status, ["started", "submitted"])
    responses = frame.copy()
    responses["status"] = pd.array(status, dtype="string")
    unstarted: Any = None  # numpy's stubs take no None here; it makes an object array, read as <NA>
    responses["questionnaire_id"] = pd.array(np.where(started, q.id, unstarted), dtype="string")
    responses["questionnaire_version"] = pd.array(np.where(started, q.version, unstarted), dtype="string")
    responses["submitted_at"] = pd.array(_submitted_at(rng, status == "submitted", opens, closes), dtype="string")
    responses["screen_out_reason"] = pd.array([None] * len(responses), dtype="string")  # no reason simulated
    items = pd.DataFrame(
        {item.id: pd.array(answers[item.id], dtype="Float64").astype("Int64") for item in q.closed_items}
    )
    return pd.concat([responses, items], axis=1)


_COMMENTS = {
    "positive": (
        "Jag har blivit väl omhändertagen hela vägen, stort tack till personalen.",
        "Min kontaktsjuksköterska har varit ovärderlig. Jag har alltid vetat vem jag ska ringa.",
        "Bra bemötande och tydlig information om behandlingen.",
        "Allt har fungerat smidigt mellan vårdcentralen och mottagningen.",
    ),
    "mixed": (
        "Bra vård på mottagningen, men det tog lång tid att få den första tiden.",
        "Personalen är vänlig, men jag har fått berätta min historia för många olika läkare.",
        "Jag hade önskat mer stöd när jag var orolig, annars har det varit bra.",
    ),
    "negative": (
        "Ingen verkar ha helheten. Jag har fått samordna allt själv.",
        "Svårt att komma fram på telefon och långa väntetider mellan besöken.",
        "Jag har aldrig fått någon vårdplan och vet inte vad nästa steg är.",
        "Jag kände mig inte lyssnad på.",
    ),
}


def simulate_comments(responses: pd.DataFrame, q: Questionnaire, *, seed: int, share: float = 0.25) -> dict[str, str]:
    """Synthetic free-text comments for a share of the submitted respondents.

    The tone follows the respondent's overall rating, so that reviewers'
    material looks plausible. Returns ``{respondent_id: text}`` for the
    questionnaire's last free-text item (the web stores it under that id).
    """
    rng = np.random.default_rng(seed)
    overall = next((item for item in q.scored_items if item.dimension == q.dimensions[0].id), None)
    submitted = responses[responses["status"] == "submitted"]
    writes = rng.random(len(submitted)) < share
    comments: dict[str, str] = {}
    for respondent_id, rating in zip(
        submitted["respondent_id"][writes],
        submitted[overall.id][writes] if overall else [pd.NA] * writes.sum(),
        strict=True,
    ):
        score = None if pd.isna(rating) or overall is None else overall.choices.option(int(rating)).score
        tone = "mixed" if score is None or 30 < score < 70 else ("positive" if score >= 70 else "negative")
        comments[str(respondent_id)] = str(rng.choice(_COMMENTS[tone]))
    return comments
