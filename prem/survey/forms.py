"""Forms of the survey pages that are not questionnaire pages (those come from the questionnaire)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired, Length

__all__ = ["ActionForm", "CodeForm", "csrf_failed"]


class ActionForm(FlaskForm):
    """A form that only carries the CSRF token; the pressed button says what to do."""


class CodeForm(FlaskForm):
    """The access code from the letter, and answers (or the page to return to) carried over an ended session."""

    code = StringField(
        _l("Access code"),
        validators=[InputRequired(_l("Enter the access code from your letter.")), Length(max=64)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"},
    )
    carry = HiddenField()
    resume = HiddenField()


def csrf_failed(form: FlaskForm) -> bool:
    """Whether the form failed only because its CSRF token was missing, expired or wrong."""
    return "csrf_token" in form.errors
