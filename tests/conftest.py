"""Fixtures shared by every test package."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(autouse=True)
def _no_global_numpy_random():
    """Fail any test that touches NumPy's global random state.

    All randomness in prem goes through an explicit, seeded Generator.
    """
    before = np.random.get_state()
    yield
    after = np.random.get_state()
    assert np.array_equal(before[1], after[1]) and before[2] == after[2], (
        "test used numpy's global random state; use a seeded numpy.random.Generator"
    )
