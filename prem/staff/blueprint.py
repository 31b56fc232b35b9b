"""URL rules of the staff pages (views in :mod:`prem.staff.controllers`), under ``/staff/``.

Before every view, in this order: the access rule the view declares
(:func:`prem.staff.access.check_access`), then the CSRF token of a post.
"""

from __future__ import annotations

from flask import Blueprint

from prem.staff import controllers, keyed_views
from prem.staff.access import check_access
from prem.staff.labels import template_helpers
from prem.staff.reports import controllers as reports
from prem.staff.reports.labels import report_helpers

__all__ = ["bp"]

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
bp.before_request(check_access)
bp.before_request(controllers.check_csrf)
bp.context_processor(template_helpers)
bp.context_processor(report_helpers)

bp.add_url_rule("/", "home", controllers.home)
bp.add_url_rule("/login", "login", controllers.login, methods=["GET", "POST"])
bp.add_url_rule("/logout", "logout", controllers.logout, methods=["POST"])
bp.add_url_rule("/reset/<token>", "reset_password", controllers.reset_password, methods=["GET", "POST"])
bp.add_url_rule("/language/<lang>", "language", controllers.language)

bp.add_url_rule("/users", "users", controllers.users)
bp.add_url_rule("/users/new", "new_user", controllers.new_user, methods=["GET", "POST"])
bp.add_url_rule("/users/<int:user_id>/reset", "reset_user", controllers.reset_user, methods=["POST"])
bp.add_url_rule("/users/<int:user_id>/active", "set_user_active", controllers.set_user_active, methods=["POST"])

bp.add_url_rule("/rounds", "round_list", controllers.round_list)
bp.add_url_rule("/new-round", "new_round", controllers.new_round, methods=["GET", "POST"])
bp.add_url_rule("/rounds/<round_name>", "round_detail", controllers.round_detail)
bp.add_url_rule("/rounds/<round_name>/open", "open_round", controllers.open_round, methods=["POST"])
bp.add_url_rule("/rounds/<round_name>/close", "close_round", controllers.close_round, methods=["GET", "POST"])
bp.add_url_rule("/rounds/<round_name>/dashboard", "dashboard", controllers.dashboard)
bp.add_url_rule("/rounds/<round_name>/regions/<region>/reminders.csv", "reminders_csv", controllers.reminders_csv)
bp.add_url_rule(
    "/rounds/<round_name>/regions/<region>/returned",
    "returned_mail",
    controllers.returned_mail,
    methods=["GET", "POST"],
)

bp.add_url_rule("/reports", "reports", reports.reports, methods=["GET", "POST"])
bp.add_url_rule("/jobs/<job_id>", "job", reports.job)
bp.add_url_rule("/jobs/<job_id>/download", "job_download", reports.job_download)
_PAPER = "/rounds/<round_name>/regions/<region>/paper"
bp.add_url_rule(_PAPER, "paper_start", keyed_views.paper_start, methods=["GET", "POST"])
bp.add_url_rule(f"{_PAPER}/<respondent_id>", "paper_entry", keyed_views.paper_entry, methods=["GET", "POST"])
bp.add_url_rule(
    f"{_PAPER}/<respondent_id>/resolve", "paper_resolve", keyed_views.paper_resolve, methods=["GET", "POST"]
)
bp.add_url_rule(f"{_PAPER}/<respondent_id>/discard", "paper_discard", keyed_views.paper_discard, methods=["POST"])
bp.add_url_rule("/rounds/<round_name>/regions/<region>/conflicts", "mode_conflicts", keyed_views.mode_conflicts)
bp.add_url_rule(
    "/rounds/<round_name>/regions/<region>/conflicts.csv", "mode_conflicts_csv", keyed_views.mode_conflicts_csv
)

bp.add_url_rule("/audit", "audit_log", controllers.audit_log)
bp.add_url_rule("/audit.csv", "audit_csv", controllers.audit_csv)

for _status in (400, 403, 404, 405, 413, 500):
    bp.register_error_handler(_status, controllers.http_error)
