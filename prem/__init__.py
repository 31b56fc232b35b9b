"""prem: sampling, web survey and comparison reports for care-pathway PREMs.

The web application is built by :func:`create_app`, in the order of Flask's
tutorial: defaults, then ``instance/config.py``, then the test config; each
extension binds itself with ``init_app``; blueprints last.
"""

from __future__ import annotations

import os
from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "create_app"]


def create_app(test_config: dict[str, Any] | None = None):
    """Create and configure the survey web application.

    Parameters
    ----------
    test_config
        Settings that override the defaults and ``instance/config.py``
        (tests pass a temporary database and keys here).

    Returns
    -------
    flask.Flask
        The configured application.
    """
    from flask import Flask

    from prem import db, i18n, security, server
    from prem.settings import default_config
    from prem.staff import login as staff_login

    app = Flask(__name__, instance_relative_config=True, instance_path=_instance_path())
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(default_config(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    security.finalise_config(app)

    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    server.init_app(app)
    staff_login.init_app(app)

    from prem.staff.blueprint import bp as staff_bp
    from prem.survey.blueprint import bp as survey_bp

    app.register_blueprint(survey_bp)
    app.register_blueprint(staff_bp)
    return app


def _instance_path() -> str:
    """``PREM_INSTANCE_PATH`` or ``./instance`` (the working directory's)."""
    return os.path.abspath(os.environ.get("PREM_INSTANCE_PATH", "instance"))
