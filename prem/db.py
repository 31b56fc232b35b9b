"""The database: SQLAlchemy 2.0 models through Flask-SQLAlchemy, Alembic migrations.

One transaction per request (committed once after the view, rolled back on
any error; see :func:`init_app`) and one per command (:func:`transaction`).
The schema is only ever created by the migrations in ``prem/migrations``;
:func:`upgrade_database` runs them and is called by every command that needs
the database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from flask import Flask, Response, abort
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

__all__ = [
    "MIGRATIONS",
    "Base",
    "Model",
    "UTCDateTime",
    "db",
    "found_or_404",
    "init_app",
    "transaction",
    "upgrade_database",
]

MIGRATIONS = Path(__file__).with_name("migrations")

#: Seconds an SQLite connection waits for another's write lock before failing.
SQLITE_BUSY_TIMEOUT = 30

_NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A moment in time, always timezone-aware UTC in Python, on SQLite and PostgreSQL alike.

    SQLite has no time zones: values are stored as UTC without an offset and
    given the UTC zone back when read. Naive datetimes are refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names that are stable across databases."""

    metadata = MetaData(naming_convention=_NAMING)


db = SQLAlchemy(model_class=Base)

# The models' base class. Flask-SQLAlchemy makes ``db.Model`` (a subclass of :class:`Base`) when it
# runs, which a type checker cannot follow as a base class; it checks the models against ``Base``.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


_Found = TypeVar("_Found")


def found_or_404(found: _Found | None) -> _Found:
    """``found``, or the 404 page when a view's lookup found nothing.

    The views' one not-found path for lookups that are not by primary key
    (for those, Flask-SQLAlchemy's ``db.get_or_404``): a round by name, a job
    or respondent that the account may see.
    """
    if found is None:
        abort(404)
    return found


def init_app(app: Flask) -> None:
    """Bind the database and commit each request's transaction in one place.

    SQLite (the embedded default) waits up to 30 s for a writer's lock and
    runs in WAL mode, so that readers never block the one writer.
    PostgreSQL connections are checked with a ping when taken from the pool:
    after a server restart a stale connection is replaced instead of failing
    the next request that happens to get it. While the database is down a
    request gets the calm "try again" page (:func:`prem.errors.database_unavailable`).
    """
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": SQLITE_BUSY_TIMEOUT})
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_wal)
    # Import the models so that the metadata is complete (for Alembic and tests).
    from prem.fieldwork import models as _fieldwork_models  # noqa: F401
    from prem.staff import models as _staff_models  # noqa: F401
    from prem.staff.reports import models as _staff_job_models  # noqa: F401
    from prem.survey import models as _survey_models  # noqa: F401

    app.after_request(_commit_request)
    from prem.errors import database_unavailable

    app.register_error_handler(DBAPIError, database_unavailable)


def _sqlite_wal(dbapi_connection, connection_record) -> None:
    """WAL journal: readers see the last commit while one writer writes (not for in-memory databases)."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _commit_request(response: Response) -> Response:
    """Commit the request's work unless the view answered with a server error.

    On any exception Flask-SQLAlchemy's teardown removes the session, which
    rolls back everything the request did. A commit that fails (the database
    went away between the view and the commit) turns the response into the
    calm 503 page: the view's redirect must not acknowledge what was not
    stored, and an exception here would bypass the error handlers (a 500).

    A response that stored nothing leaves the browser's cookie as it was
    (:func:`_keep_cookie`), so the patient can send the same page again.
    """
    if response.status_code >= 500:
        db.session.rollback()
        _keep_cookie()
        return response
    try:
        db.session.commit()
    except DBAPIError as error:
        db.session.rollback()
        _keep_cookie()
        from prem.errors import database_unavailable

        page, status, headers = database_unavailable(error)
        response.headers.pop("Location", None)
        response.headers.update(headers)
        response.content_type = "text/html; charset=utf-8"
        response.set_data(page)
        response.status_code = status
    return response


def _keep_cookie() -> None:
    """Send no new session cookie with this response: the browser keeps the one it came with.

    The view may have begun a sign-in (a new session token, the CSRF secret
    cleared) that was rolled back; had the cookie followed it, the form sent
    again after the "try again" page would fail its CSRF check.
    """
    from flask import session

    session.modified = False


def _alembic_config(connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade_database(app: Flask, revision: str = "head") -> None:
    """Bring the app's database schema up to ``revision`` with the bundled migrations."""
    from alembic import command

    with app.app_context():
        with db.engine.begin() as connection:
            command.upgrade(_alembic_config(connection), revision)


def current_revision(app: Flask) -> str | None:
    """The schema revision the app's database is at (``None`` when empty)."""
    from alembic.runtime.migration import MigrationContext

    with app.app_context(), db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def transaction(app: Flask, *, upgrade: bool = True) -> Iterator[Session]:
    """One command's unit of work: upgrade the schema, yield the session, commit or roll back.

    Everything done inside the ``with`` block is committed together when it
    ends normally and rolled back entirely when it raises, so a failed import
    leaves nothing half-written.

    Examples
    --------
    >>> app = create_app()
    >>> with transaction(app) as session:
    ...     import_round(session, ...)
    """
    if upgrade:
        upgrade_database(app)
    with app.app_context():
        try:
            yield db.session()  # the app context's session (db.session is its scoped proxy)
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()
