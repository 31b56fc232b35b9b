"""The core of ``python -m bench survey`` with a few patients: no errors, every stored answer exact.

Timings are the bench's business; this test checks only what must hold
at any load: every request answered as a browser expects, and each
patient's answers in the database exactly what that patient last sent.
"""

from __future__ import annotations

import pytest

from bench.bench_survey import run_load

pytestmark = pytest.mark.postgres


def test_the_load_bench_core_loses_and_mixes_nothing(pg_database, instance, server_port):
    lines: list[str] = []
    result = run_load(
        pg_database,
        instance,
        server_port,
        patients=8,
        p99_patients=3,
        saves=3,
        trivial_requests=5,
        timeout=120,
        report=lines.append,
    )
    assert result.errors == []
    assert result.wrong_answers == []
    assert len(result.phases) == 6
    saves = result.phases[1]
    assert saves.requests == 8 * 3 and len(saves.timings) == 24
    assert all(phase.requests > 0 for phase in result.phases)
    assert any(line.startswith("page saves") for line in lines)
