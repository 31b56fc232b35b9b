"""Forms of the staff pages; every one carries a CSRF token (Flask-WTF), checked for every post."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from prem.staff.passwords import MAX_LENGTH, MIN_LENGTH

__all__ = ["ActionForm", "LoginForm", "NewPasswordForm", "ReturnedForm", "RoundForm", "UserForm"]


class ActionForm(FlaskForm):
    """A form that only carries the CSRF token (open, close, reset, log out)."""


class LoginForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[InputRequired(_l("Enter your user name.")), Length(max=80)],
        render_kw={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[
            InputRequired(_l("Enter a new password.")),
            Length(min=MIN_LENGTH, max=MAX_LENGTH, message=_l("Use %(min)d to %(max)d characters.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("The new password again"),
        validators=[
            InputRequired(_l("Enter the new password again.")),
            EqualTo("password", _l("The passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class UserForm(FlaskForm):
    username = StringField(
        _l("User name"),
        validators=[InputRequired(_l("Enter a user name.")), Length(max=80)],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"},
    )
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("coordinator", _l("Region coordinator")),
            SelectChoice("analyst", _l("Analyst")),
            SelectChoice("administrator", _l("Administrator")),
        ],
    )
    regions = SelectMultipleField(_l("Regions (region coordinators only)"), validators=[Optional()])


class ReturnedForm(FlaskForm):
    returned = FileField(
        _l("Returned letters and deceased (CSV with respondent_id and reason)"),
        validators=[FileRequired(_l("Choose the file."))],
    )


class RoundForm(FlaskForm):
    """A new round: its name, window and the files ``prem sample`` wrote (read once, never kept)."""

    name = StringField(_l("Name of the round"), validators=[InputRequired(_l("Enter a name.")), Length(max=100)])
    opens = DateField(_l("First day of fieldwork"), validators=[InputRequired(_l("Enter the first day."))])
    closes = DateField(_l("Last day of fieldwork"), validators=[InputRequired(_l("Enter the last day."))])
    questionnaire = SelectField(_l("Questionnaire"))
    frame = FileField(_l("Sample frame (frame.csv)"), validators=[FileRequired(_l("Choose the frame file."))])
    mailing = FileField(
        _l("Mailing list with access codes (mailing.csv)"),
        validators=[FileRequired(_l("Choose the mailing list."))],
    )
    flow = FileField(_l("Sampling flow (flow.csv, optional)"))
    manifest = FileField(_l("Manifest (manifest.json, optional)"))
    round_info = FileField(_l("Round information (round-info.yaml, optional)"))
