"""SQLite stays the embedded default: WAL journal and a busy timeout, so a writer never fails a reader."""

from __future__ import annotations

from sqlalchemy import text

from prem import create_app
from prem.db import SQLITE_BUSY_TIMEOUT, db, upgrade_database


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prem.sqlite'}", "SECRET_KEY": "x"})
    upgrade_database(app)
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() == SQLITE_BUSY_TIMEOUT * 1000
        db.engine.dispose()
    assert (tmp_path / "prem.sqlite").exists()


def test_a_configured_engine_option_keeps_the_defaults_it_does_not_name(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prem.sqlite'}",
            "SECRET_KEY": "x",
            "SQLALCHEMY_ENGINE_OPTIONS": {"echo": False},
        }
    )
    with app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() == SQLITE_BUSY_TIMEOUT * 1000
        db.engine.dispose()
