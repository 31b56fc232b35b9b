"""Fixtures shared by every test package.

Database tests take ``database_url``: they run on SQLite and, when
``PREM_TEST_POSTGRES_URL`` is set, on PostgreSQL too (one fresh schema per
test session, emptied between tests). With ``PREM_REQUIRE_POSTGRES=1`` a
missing server fails instead of skipping.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import create_engine, text

from prem import create_app
from prem.db import db, upgrade_database


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


def _postgres_url() -> str | None:
    url = os.environ.get("PREM_TEST_POSTGRES_URL")
    if not url and os.environ.get("PREM_REQUIRE_POSTGRES") == "1":
        pytest.fail("PREM_REQUIRE_POSTGRES=1 but PREM_TEST_POSTGRES_URL is not set")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """An SQLite database upgraded once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "prem.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "x", "ACCESS_CODE_KEY": "x"})
    upgrade_database(app)
    with app.app_context():
        db.engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_schema_url() -> str:
    """A fresh PostgreSQL schema for this test session, upgraded once, dropped at the end."""
    url = _postgres_url()
    if not url:
        pytest.skip("PostgreSQL tests need PREM_TEST_POSTGRES_URL (postgresql+psycopg://user@host:port/db)")
    schema = f"prem_test_{secrets.token_hex(4)}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    schema_url = f"{url}{separator}options=-csearch_path%3D{schema}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": schema_url, "SECRET_KEY": "x", "ACCESS_CODE_KEY": "x"})
    upgrade_database(app)
    with app.app_context():
        db.engine.dispose()
    yield schema_url
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path, sqlite_template) -> str:
    """The database of one test: a copy of the SQLite template, or the emptied PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path / "prem.sqlite"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_schema_url")
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "TRUNCATE survey_round, respondent, flow_step, response, answer, survey_session, code_attempt_bucket, "
                "staff_user, staff_user_region, staff_session, staff_password_reset, audit_event CASCADE"
            )
        )
    engine.dispose()
    return url
