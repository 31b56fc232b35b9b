"""The comparison PDF: what it shows (:mod:`.content`) and how it is drawn (:mod:`.document`).

``build_content(results, q, kind=..., ...)`` chooses a scope from a round's
results (a pathway across regions, a region across pathways, or the national
overview); ``write_pdf(content, path)`` draws it with reportlab, Swedish by
default, English on request.
"""

from analysis.report.content import CARE_PLAN_ITEM, ReportError, build_content, check_scope
from analysis.report.document import write_pdf
from analysis.report.model import ReportContent

__all__ = ["CARE_PLAN_ITEM", "ReportContent", "ReportError", "build_content", "check_scope", "write_pdf"]
