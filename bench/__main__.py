"""Run every benchmark module in this folder (``bench_*.py``), each via its ``main(argv)``.

``python -m bench`` runs them all; ``python -m bench sampling`` runs
``bench_sampling.py`` only; extra arguments after ``--`` go to the module.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    names, _, extra = " ".join(argv).partition("--")
    wanted = names.split()
    found = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    unknown = set(wanted) - set(found)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {', '.join(found)}", file=sys.stderr)
        return 2
    status = 0
    for name in wanted or found:
        print(f"== bench {name}", flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        status |= module.main(extra.split()) or 0
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
