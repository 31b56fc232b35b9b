"""Alembic migrations of the survey database (run by ``prem db upgrade`` and every command)."""
