"""Independent column computations on the machine's cores.

Over a million respondents, a column's numpy and pyarrow operations (take,
bincount, factorising text, filling new arrays) release the GIL, so a
second thread runs another column meanwhile. The analysis uses this where
it does the same work for many columns (items, dimensions, outcomes).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["in_threads"]

_THREADS: ThreadPoolExecutor | None = None


def in_threads(work: Sequence[Callable[[], Any]]) -> list[Any]:
    """The results of ``work`` (calls without arguments, independent of each other), in order.

    They run on up to two threads; the first exception in order is raised here, as a loop would raise it.
    """
    global _THREADS
    if _THREADS is None:
        _THREADS = ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1), thread_name_prefix="prem-analysis")
    return [future.result() for future in [_THREADS.submit(task) for task in work]]


def _forget_threads() -> None:
    global _THREADS
    _THREADS = None  # a forked child has none of its parent's threads: it starts its own pool


os.register_at_fork(after_in_child=_forget_threads)
