"""Where a page save's server time goes: ``python -m bench.profile_save [--saves 400] [--sort tottime]``.

The same request ``python -m bench survey`` times – one patient saving its
first question page with new answers – run in this process through the
production app (``PREM_PRODUCTION=1``) on a PostgreSQL database of its own
(``--database-url``, default ``PREM_BENCH_POSTGRES_URL`` or
``PREM_TEST_POSTGRES_URL``), with :mod:`cProfile` around the app's WSGI call
only: what gunicorn's worker would run for the request, without the client.
Prints the wall and CPU time per save, the SQL statements per save, and the
profile's top functions by cumulative time (``--sort``, ``--top``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import event

from bench.bench_survey import DEFAULT_URL, _database, _drop
from bench.survey_load import _ATTR, _INPUT, _csrf, import_round, prem_env


class _Profiled:
    """WSGI middleware: the wrapped app's calls, and only those, under one profiler."""

    def __init__(self, app, profiler: cProfile.Profile | None) -> None:
        self.app, self.profiler, self.on = app, profiler, False
        self.wall = 0.0
        self.cpu = 0.0

    def __call__(self, environ, start_response):
        if not self.on:
            return self.app(environ, start_response)
        wall, cpu = time.perf_counter(), time.process_time()
        if self.profiler is not None:
            self.profiler.enable()
        try:
            return list(self.app(environ, start_response))
        finally:
            if self.profiler is not None:
                self.profiler.disable()
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu


#: Parts of a save, each the cumulative time of one function (they nest: the session and the
#: response are parts of the view, the upsert of the save, the SQL of all of them).
PARTS = (
    ("the whole WSGI call", "flask/app.py", "wsgi_app"),
    ("  request context: cookie session opened", "flask/sessions.py", "open_session"),
    ("  the view (question_page)", "prem/survey/controllers.py", "question_page"),
    ("    session row, respondent and round (1 SELECT)", "prem/survey/operations.py", "session_respondent"),
    ("    the visit: response and answers (1 SELECT)", "prem/survey/controllers.py", "_load_visit"),
    ("    the page's form class built and bound", "prem/survey/controllers.py", "_page_form"),
    ("    form validated (CSRF included)", "wtforms/form.py", "validate"),
    ("      CSRF token checked", "flask_wtf/csrf.py", "validate_csrf"),
    ("    the save (locked SELECT, upsert)", "prem/survey/operations.py", "save_answers"),
    ("      the upsert's statement built", "sqlalchemy/sql/dml.py", "values"),
    ("    routing (pages shown, next page)", "prem/survey/router.py", "visible_page_ids"),
    ("    redirect and url_for", "flask/helpers.py", "url_for"),
    ("  after the view: commit (UPDATE, COMMIT)", "prem/db.py", "_commit_request"),
    ("  after the view: security headers", "prem/security.py", "_add_security_headers"),
    ("  after the view: cookie session saved", "flask/sessions.py", "save_session"),
    ("  teardown (the SQLAlchemy session removed)", "flask_sqlalchemy/extension.py", "_teardown_session"),
    ("every SQL statement sent, rows read", "sqlalchemy/engine/base.py", "_execute_context"),
    ("  of which in psycopg's wait (CPU only)", "psycopg/connection.py", "wait"),
    ("SQL compiled (cache misses)", "sqlalchemy/sql/compiler.py", "__init__"),
)


def parts(stats: pstats.Stats, saves: int) -> list[str]:
    """The cumulative milliseconds per save of each of :data:`PARTS` that the profile holds."""
    found: dict[str, float] = {}
    for (filename, _line, function), (_cc, _nc, _tt, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        for label, suffix, name in PARTS:
            if function == name and filename.endswith(suffix):
                found[label] = found.get(label, 0.0) + cumulative
    total = found.get(PARTS[0][0]) or 1.0
    return [
        f"  {label:<52} {1000 * found[label] / saves:6.2f} ms  {100 * found[label] / total:5.1f} %"
        for label, _suffix, _name in PARTS
        if label in found
    ]


def _radio_choices(page: str) -> dict[str, list[str]]:
    choices: dict[str, list[str]] = {}
    for tag in _INPUT.findall(page):
        attributes = dict(_ATTR.findall(tag))
        if attributes.get("type") == "radio":
            choices.setdefault(attributes["name"], []).append(attributes["value"])
    return choices


def profile(database_url: str, saves: int, sort: str, top: int, *, profiled: bool = True) -> str:
    with tempfile.TemporaryDirectory(prefix="prem-profile-save-") as folder:
        instance = Path(folder)
        code = import_round(database_url, instance, 1)[0]
        os.environ.update(prem_env(database_url, instance, PREM_PRODUCTION="1"))
        from prem import create_app
        from prem.db import db

        app = create_app()
        profiler = cProfile.Profile(time.process_time) if profiled else None  # CPU: steady on a shared machine
        app.wsgi_app = middleware = _Profiled(app.wsgi_app, profiler)
        statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        client = app.test_client()
        base = "https://127.0.0.1"
        page = client.get(f"{base}/").text
        where = client.post(f"{base}/", data={"csrf_token": _csrf(page), "code": code}).location
        if where.startswith("/introduction"):
            intro = client.get(f"{base}/introduction").text
            where = client.post(f"{base}/introduction", data={"csrf_token": _csrf(intro), "action": "start"}).location
        page = client.get(f"{base}{where}").text
        choices = _radio_choices(page)
        token = _csrf(page)
        forms = [
            {
                "csrf_token": token,
                "action": "next",
                **{name: values[i % len(values)] for name, values in choices.items()},
            }
            for i in range(2)
        ]
        for form in forms * 10:  # warm: templates compiled, pools filled
            assert client.post(f"{base}{where}", data=form).status_code == 302
        statements.clear()
        middleware.on = True
        for index in range(saves):
            assert client.post(f"{base}{where}", data=forms[index % 2]).status_code == 302
        middleware.on = False
        with app.app_context():
            db.engine.dispose()
    out = io.StringIO()
    print(f"page save {where}: {saves} saves, {len(choices)} questions answered", file=out)
    print(
        f"per save: wall {1000 * middleware.wall / saves:.2f} ms, CPU {1000 * middleware.cpu / saves:.2f} ms,"
        f" {len(statements) / saves:g} SQL statements",
        file=out,
    )
    for statement in statements[: round(len(statements) / saves)]:
        print("   ", " ".join(statement.split())[:110], file=out)
    if profiler is not None:
        print("(the times above include cProfile's overhead; --no-profile measures without it)", file=out)
        stats = pstats.Stats(profiler, stream=out)
        print("\n".join(parts(stats, saves)), file=out)
        stats.sort_stats(sort).print_stats(top)
    return out.getvalue()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_save", description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=400)
    parser.add_argument("--sort", default="cumulative", help="pstats sort key (cumulative, tottime, ...)")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--no-profile", action="store_true", help="time the saves without the profiler")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PREM_BENCH_POSTGRES_URL") or os.environ.get("PREM_TEST_POSTGRES_URL") or DEFAULT_URL,
    )
    args = parser.parse_args(argv)
    if not 0 < args.saves <= 10_000:
        parser.error("--saves is bounded (1-10000)")
    database_url = _database(args.database_url)
    try:
        print(profile(database_url, args.saves, args.sort, args.top, profiled=not args.no_profile))
    finally:
        _drop(database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
