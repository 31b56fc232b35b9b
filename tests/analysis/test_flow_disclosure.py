"""The sampling flow in the method appendix protects counts of 1-4 persons (issue #12, section 1).

The flow of a pathway report is summed over all regions and a region report shows its region's: both
are published, for every pathway and region of the round. A removed count of 1-4 (one person with
protected identity, two deceased) must not be readable from them. The counts of each pathway and region
are published rounded to the nearest 5 (and summed after rounding), each removed count being the
difference of the rounded remainders; the eligible population that remains at the end is published
exactly elsewhere (the frame populations N_h). Rounding the sum instead of its parts failed this audit
(three regions were enough for the LP to pin a single protected-identity removal to 1).

The attacker here takes every published flow of a round (per region and summed per pathway), the exact
final populations, and that removals are never negative, and computes by linear programming the range
of every removed count; the protection stated in the appendix holds when every true count of 1-4 is
consistent with 0 or with 5 or more.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from analysis.report.content import FLOW_ROUNDING, _flow

STEPS = ("qualifying", "criteria", "adult", "deceased", "protected_identity", "no_address", "quarantine", "sampled")


def _synthetic_flow(seed: int, regions: int) -> pd.DataFrame:
    """A flow of two pathways in ``regions`` regions, with many small removals (0-4 persons) per step."""
    rng = np.random.default_rng(seed)
    rows = []
    for pathway in ("ibd-vuxna", "reumatoid-artrit"):
        for region in range(1, regions + 1):
            remaining = int(rng.integers(6, 400))
            for index, step in enumerate(STEPS):
                removed = 0 if index == 0 else int(min(remaining, rng.choice([0, 0, 1, 2, 3, 4, rng.integers(5, 30)])))
                remaining -= removed
                rows.append((pathway, f"{region:02d}", step, remaining, removed))
    return pd.DataFrame(rows, columns=["pathway", "region", "step", "remaining", "removed"])


def _published(flow: pd.DataFrame, kind: str, pathway: str | None = None, region: str | None = None) -> pd.DataFrame:
    scope = SimpleNamespace(kind=kind, pathway=pathway, region=region, region_filter=(), lang="sv")
    rows = _flow(flow, scope, {}, {})
    return pd.DataFrame(
        [(r.pathway, r.step, r.remaining, r.removed) for r in rows], columns=["pathway", "step", "remaining", "removed"]
    )


@pytest.mark.parametrize(("seed", "regions"), [(1, 21), (2, 3), (3, 1)])
def test_no_removed_count_of_1_to_4_can_be_read_from_all_published_flows(seed, regions):
    flow = _synthetic_flow(seed, regions)
    half = FLOW_ROUNDING // 2
    for pathway, own in flow.groupby("pathway", sort=False):
        region_codes = list(dict.fromkeys(own["region"]))
        # unknowns: per region the first remainder, then the removed count of every later step
        per_region = len(STEPS)
        size = per_region * len(region_codes)
        rows, low, high = [], [], []
        region_remaining = []

        def remainder(i: int, k: int, size: int = size, per_region: int = per_region) -> np.ndarray:
            row = np.zeros(size)
            row[i * per_region] = 1.0
            row[i * per_region + 1 : i * per_region + k + 1] = -1.0
            return row

        for i, code in enumerate(region_codes):
            shown = _published(flow, "region", region=code)
            shown = shown[shown["pathway"] == pathway].reset_index(drop=True)
            assert (shown["remaining"] % FLOW_ROUNDING == 0).all() and (shown["removed"] % FLOW_ROUNDING == 0).all()
            assert (shown["removed"].iloc[1:].to_numpy() == -np.diff(shown["remaining"].to_numpy())).all()
            region_remaining.append(shown["remaining"].to_numpy())
            for k in range(per_region):
                rows.append(remainder(i, k))
                low.append(shown["remaining"][k] - half)
                high.append(shown["remaining"][k] + half)
            final = own[own["region"] == code]["remaining"].iloc[-1]  # the exact N_h, published elsewhere
            rows.append(remainder(i, per_region - 1))
            low.append(final)
            high.append(final)
        # The pathway report's flow: the sum of the regions' published (rounded) counts, so it adds nothing the
        # region reports do not say; its window is that of the sum of the parts.
        total = _published(flow, "pathway", pathway=pathway)
        total = total[total["pathway"] == pathway].reset_index(drop=True)
        assert (total["remaining"].to_numpy() == np.sum(region_remaining, axis=0)).all()
        for k in range(per_region):
            rows.append(sum(remainder(i, k) for i in range(len(region_codes))))
            low.append(total["remaining"][k] - half * len(region_codes))
            high.append(total["remaining"][k] + half * len(region_codes))
        matrix = np.vstack(rows)
        a_ub = np.vstack([matrix, -matrix])
        b_ub = np.concatenate([np.array(high, dtype=float), -np.array(low, dtype=float)])
        checked = 0
        for i, code in enumerate(region_codes):
            true = own[own["region"] == code]["removed"].to_numpy()
            for k in range(1, per_region):
                if not 1 <= true[k] <= 4:
                    continue
                objective = np.zeros(size)
                objective[i * per_region + k] = 1.0
                bounds = [(0, None)] * size
                smallest = linprog(objective, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
                largest = linprog(-objective, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
                assert smallest.status == 0 and largest.status == 0
                assert smallest.fun <= 1e-6 or -largest.fun >= 5 - 1e-6, (pathway, code, STEPS[k], true[k])
                checked += 1
        assert checked > 0


def test_exact_flows_would_give_the_small_counts_away():
    """Without the rounding the subtraction is exact: the audit above would fail (it sees something real)."""
    flow = _synthetic_flow(1, 3)
    exact = flow[(flow["region"] == "01") & (flow["pathway"] == "ibd-vuxna")]
    small = exact[(exact["removed"] >= 1) & (exact["removed"] <= 4)]
    assert not small.empty
    remaining = exact["remaining"].to_numpy()
    assert (-np.diff(remaining) == exact["removed"].to_numpy()[1:]).all()
