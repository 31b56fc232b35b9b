"""Alembic environment: runs on the connection handed over by :func:`prem.db.upgrade_database`."""

from __future__ import annotations

from alembic import context

from prem.db import Base
from prem.fieldwork import models as _fieldwork_models  # noqa: F401
from prem.staff import models as _staff_models  # noqa: F401
from prem.staff.reports import models as _staff_job_models  # noqa: F401
from prem.survey import models as _survey_models  # noqa: F401

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
