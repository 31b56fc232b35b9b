"""Final dispositions of invited persons and the response rates built on them.

Every invited person ends fieldwork in exactly one disposition (ANALYSIS.md),
derived from the export's ``status`` and the number of core items answered.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.errors import AnalysisInputError
from analysis.tables import DISPOSITIONS
from contracts.formats import RESPONSE_STATUSES

__all__ = ["STATUSES", "classify_dispositions", "estimated_e_rates", "rates_from_counts"]

STATUSES: tuple[str, ...] = RESPONSE_STATUSES
"""The fieldwork statuses of the responses export (:data:`contracts.formats.RESPONSE_STATUSES`)."""

_FINAL_BY_STATUS = {
    "refused": "refusal",
    "screened_out": "screened_out",
    "deceased": "deceased",
    "undeliverable": "undeliverable",
    "not_started": "no_response",
}


def classify_dispositions(
    status: pd.Series,
    core_answered: pd.Series,
    n_core: int,
    *,
    complete_share: float = 0.5,
    respondent_id: pd.Series | None = None,
    categorical: bool = False,
) -> pd.Series:
    """Assign each invited person exactly one final disposition.

    Parameters
    ----------
    status : Series of str
        The export's ``status`` column.
    core_answered : Series of int
        Number of core items the person answered (any option, "don't know"
        included: it is an answer).
    n_core : int
        Number of core items in the questionnaire.
    complete_share : float
        Share of core items a submitted questionnaire needs to be complete.
    respondent_id : Series, optional
        Used to name the first offending row in an error.
    categorical : bool
        Return a categorical Series (categories :data:`~analysis.tables.DISPOSITIONS`,
        in that order) instead of text: cheaper to count and compare over a
        million persons.

    Returns
    -------
    Series of str
        One of :data:`analysis.tables.DISPOSITIONS`, aligned with ``status``
        (categorical when ``categorical``).

    Raises
    ------
    AnalysisInputError
        For a status that is not one of :data:`STATUSES`.

    Notes
    -----
    * ``submitted`` with at least ``complete_share × n_core`` core answers:
      complete (AAPOR I); with fewer but at least one: partial (P).
    * ``started`` (never submitted) with at least one core answer: partial.
    * ``started`` or ``submitted`` with no core answer, and ``not_started``:
      no response (NC).
    * ``refused``: refusal (R); ``screened_out`` and ``deceased``: ineligible;
      ``undeliverable``: unknown eligibility (U).

    References
    ----------
    The American Association for Public Opinion Research, *Standard
    Definitions: Final Dispositions of Case Codes and Outcome Rates for
    Surveys*, 10th edition, 2023.
    """
    # Every test on the status is made once per category, then spread by the codes.
    status = status.astype("string")
    by_category = pd.Categorical(status)
    categories = np.asarray(by_category.categories, dtype=object)
    codes = by_category.codes.astype("int64")  # -1 (missing) picks the appended last entry below
    known = np.append(np.isin(categories, STATUSES), False)
    unknown = ~known[codes]
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        who = f" (respondent_id {respondent_id.iloc[row]})" if respondent_id is not None else ""
        raise AnalysisInputError(
            f"column 'status', row {row + 1}{who}: {status.iloc[row]!r} is not a fieldwork "
            f"status; expected one of {', '.join(STATUSES)}"
        )
    answered = core_answered.to_numpy()
    complete_enough = answered >= complete_share * n_core
    # Codes into DISPOSITIONS; -1 (started, submitted) is decided by the core answers below.
    position: dict[str | None, int] = {name: index for index, name in enumerate(DISPOSITIONS)}
    final = np.append(
        np.array([position.get(_FINAL_BY_STATUS.get(name), -1) for name in categories], dtype="int64"), -1
    )
    disposition = final[codes]
    in_questionnaire = np.append(np.isin(categories, ["started", "submitted"]), False)[codes]
    submitted = np.append(categories == "submitted", False)[codes]
    disposition[in_questionnaire] = position["no_response"]
    disposition[in_questionnaire & (answered > 0)] = position["partial"]
    disposition[submitted & (answered > 0) & complete_enough] = position["complete"]
    result = pd.Series(
        pd.Categorical.from_codes(disposition, categories=list(DISPOSITIONS)), index=status.index, name="disposition"
    )
    return result if categorical else result.astype("string")


def rates_from_counts(counts: pd.DataFrame) -> pd.DataFrame:
    """AAPOR RR1 and the adjusted response rate from disposition counts, in percent.

    Parameters
    ----------
    counts : DataFrame
        Columns ``invited`` and each of :data:`~analysis.tables.DISPOSITIONS`.

    Returns
    -------
    DataFrame
        ``rr1`` and ``adjusted_rate`` (percent; missing when the denominator is 0).

    Notes
    -----
    RR1 = I / (I + P + R + NC + U), which keeps the undeliverable (unknown
    eligibility) in the denominator. The adjusted rate = I / (invited −
    ineligible − undeliverable), ineligible = screened out + deceased.
    """
    counts = counts[["invited", *DISPOSITIONS]].astype("float64")
    complete = counts["complete"]
    rr1_base = counts[["complete", "partial", "refusal", "no_response", "undeliverable"]].sum(axis=1)
    adjusted_base = counts["invited"] - counts[["screened_out", "deceased", "undeliverable"]].sum(axis=1)
    return pd.DataFrame(
        {
            "rr1": 100 * complete / rr1_base.where(rr1_base > 0),
            "adjusted_rate": 100 * complete / adjusted_base.where(adjusted_base > 0),
        }
    )


def estimated_e_rates(counts: pd.DataFrame) -> pd.DataFrame:
    """AAPOR's RR3 with an estimated e, in percent, beside the adjusted rate (RR3 with e = 0).

    Parameters
    ----------
    counts : DataFrame
        Columns ``invited`` and each of :data:`~analysis.tables.DISPOSITIONS`.

    Returns
    -------
    DataFrame
        ``eligibility_rate`` (e, percent) and ``rr3`` (percent); missing when
        no case's eligibility is known, or the denominator is 0.

    Notes
    -----
    e is the eligible share among the cases whose eligibility is known:
    e = (I + P + R + NC) / (I + P + R + NC + screened out + deceased), the
    proportional allocation AAPOR's Standard Definitions name; then
    RR3 = I / (I + P + R + NC + e × U). With e = 0 this is the adjusted rate,
    with e = 1 it is RR1.
    """
    counts = counts[["invited", *DISPOSITIONS]].astype("float64")
    eligible = counts[["complete", "partial", "refusal", "no_response"]].sum(axis=1)
    known = eligible + counts[["screened_out", "deceased"]].sum(axis=1)
    e = eligible / known.where(known > 0)
    base = eligible + e * counts["undeliverable"]
    return pd.DataFrame({"eligibility_rate": 100 * e, "rr3": 100 * counts["complete"] / base.where(base > 0)})
