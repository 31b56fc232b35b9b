"""The form of the reports page (its choices are set by the view, from the round and the account)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

__all__ = ["JobForm"]


class JobForm(FlaskForm):
    """What to make: the product, the round, and for a report its scope and language."""

    product = RadioField(
        _l("What to download"),
        choices=[
            SelectChoice("report", _l("Comparison report (PDF)")),
            SelectChoice(
                "tables", _l("Tables (CSV and Parquet, with the data dictionary and the codebook, as a zip file)")
            ),
            SelectChoice("codebook", _l("Codebook of the round's questionnaire (CSV and Markdown, as a zip file)")),
        ],
        default="report",
        validators=[InputRequired(_l("Choose what to download."))],
    )
    round_name = SelectField(_l("Round"), validators=[InputRequired(_l("Choose a round."))])
    kind = RadioField(
        _l("The report compares"),
        default="pathway",
        validators=[Optional()],
    )
    pathway = SelectField(_l("Pathway (for a pathway report)"), validators=[Optional()])
    region = SelectField(_l("Region"), validators=[Optional()])
    lang = RadioField(
        _l("Language"),
        choices=[SelectChoice("sv", "svenska"), SelectChoice("en", "English")],
        default="sv",
        validators=[InputRequired(_l("Choose a language."))],
    )
