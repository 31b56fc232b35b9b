"""URL rules of the patient's web survey (views in :mod:`prem.survey.controllers`)."""

from __future__ import annotations

from flask import Blueprint

from prem.survey import controllers

__all__ = ["bp"]

bp = Blueprint("survey", __name__, template_folder="templates")

bp.add_url_rule("/", "code_entry", controllers.code_entry, methods=["GET", "POST"])
bp.add_url_rule("/introduction", "introduction", controllers.introduction, methods=["GET", "POST"])
bp.add_url_rule("/decline", "decline", controllers.decline, methods=["GET", "POST"])
bp.add_url_rule("/screen-out", "screen_out", controllers.screen_out, methods=["GET", "POST"])
bp.add_url_rule("/page/<page_id>", "page", controllers.question_page, methods=["GET", "POST"])
bp.add_url_rule("/review", "review", controllers.review, methods=["GET", "POST"])
bp.add_url_rule("/done", "done", controllers.done)
bp.add_url_rule("/saved", "saved", controllers.saved)
bp.add_url_rule("/end", "end", controllers.end, methods=["POST"])
bp.add_url_rule("/language/<lang>", "language", controllers.language)

for _status in (400, 404, 405, 413, 500):
    bp.app_errorhandler(_status)(controllers.http_error)
