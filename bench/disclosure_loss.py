"""Information lost to disclosure control: counts masked, rates hidden or coarsened, intervals withheld.

``python -m bench.disclosure_loss NAME=DIR [NAME=DIR ...]`` reads published tables (Parquet) and
prints, per round, what a reader does not see. ``DIR`` is either a dump of
``python -m bench.reference_rounds dump`` (one folder per round) or one folder of tables as
``prem tables`` / ``prem demo`` write them (``demo-output/tables``). Give the tables of two versions
(e.g. ``before=old-dump after=new-dump``) to compare them round by round.

Columns: ``units`` units with invited persons in ``response_rates`` (strata: pathway × region);
``rr1 hid`` / ``adj hid`` units (strata) whose RR1 / adjusted rate is not shown; ``coarse`` units
whose rates are rounded more coarsely than whole percent; ``masked`` disposition counts masked;
``sexage`` invited and complete counts masked in ``response_by_sex_age`` and ``sa rate`` its
response rates not shown; ``n mask`` result rows (item, dimension) with n masked, of which
``no ci`` show an estimate without interval; ``cells`` weighting cells whose figures are withheld.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DISPOSITIONS = ("complete", "partial", "refusal", "screened_out", "deceased", "undeliverable", "no_response")
COLUMNS = ("units", "rr1 hid", "adj hid", "coarse", "masked", "sexage", "sa rate", "n mask", "no ci", "cells")


def loss(folder: Path) -> dict[str, str]:
    """The figures of one round's published tables."""
    rates = pd.read_parquet(folder / "response_rates.parquet")
    rates = rates[rates["invited"] > 0]
    strata = rates["level"] == "pathway_region"
    coarse = (rates["rate_rounding"] > 1).sum() if "rate_rounding" in rates else 0
    by_sex_age = pd.read_parquet(folder / "response_by_sex_age.parquet")
    results = pd.concat(
        [pd.read_parquet(folder / f"{name}.parquet") for name in ("item_results", "dimension_results")],
        ignore_index=True,
    )
    cells = pd.read_parquet(folder / "weighting_cells.parquet")
    hidden_n = results["n"].isna()

    def of(column: str) -> str:
        return f"{rates.loc[strata, column].isna().sum()}/{rates.loc[~strata, column].isna().sum()}"

    return {
        "units": f"{strata.sum()}/{(~strata).sum()}",
        "rr1 hid": of("rr1"),
        "adj hid": of("adjusted_rate"),
        "coarse": f"{(rates.loc[strata, 'rate_rounding'] > 1).sum()}/{coarse}" if "rate_rounding" in rates else "0/0",
        "masked": str(int(rates[list(DISPOSITIONS)].isna().sum().sum())),
        "sexage": str(int(by_sex_age[["invited", "complete"]].isna().sum().sum())),
        "sa rate": f"{by_sex_age['response_rate'].isna().sum()}/{len(by_sex_age)}",
        "n mask": f"{hidden_n.sum()}/{len(results)}",
        "no ci": str(int((hidden_n & results["estimate"].notna() & results["lower"].isna()).sum())),
        "cells": f"{cells['adjustment_factor'].isna().sum()}/{len(cells)}",
    }


def _rounds(directory: Path) -> dict[str, Path]:
    if (directory / "response_rates.parquet").is_file():
        return {directory.name: directory}
    return {
        folder.name: folder for folder in sorted(directory.iterdir()) if (folder / "response_rates.parquet").is_file()
    }


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__)
        return 2
    versions = {}
    for argument in argv:
        name, _, path = argument.rpartition("=")
        versions[name or path] = _rounds(Path(path))
    names = list(dict.fromkeys(round_name for rounds in versions.values() for round_name in rounds))
    print("units, rr1 hid, adj hid, coarse: strata / other units; n mask, sa rate, cells: hidden / rows")
    print(f"{'round':18} {'version':8} " + " ".join(f"{column:>9}" for column in COLUMNS))
    for round_name in names:
        for version, rounds in versions.items():
            if round_name in rounds:
                figures = loss(rounds[round_name])
                print(f"{round_name:18} {version:8} " + " ".join(f"{figures[column]:>9}" for column in COLUMNS))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
