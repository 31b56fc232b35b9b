"""WTForms form classes derived from a questionnaire page.

The web survey renders and validates one page at a time with
``page_form_class(q, page, lang, base=FlaskForm)``; field names are item
ids, choice values are the option codes that are stored. Nothing here knows
about Flask: the web passes its own base class for CSRF.
"""

from __future__ import annotations

from typing import Any, ClassVar

import wtforms
from wtforms import validators

from questionnaires.model import Answers, Item, Option, Page, Questionnaire

try:  # WTForms >= 3.3 deprecates (value, label) tuples as choices
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    SelectChoice = None

__all__ = ["page_answers", "page_form_class", "page_form_data"]


def _option_code(value: Any) -> int | str | None:
    """Coerce a posted value to an option code; blank is no answer, anything else is left for validation."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        return text


class _ScaleCode:
    """Accept only the codes of the item's scale; a calm message in the page's language."""

    field_flags: ClassVar[dict[str, bool]] = {}

    def __init__(self, codes: frozenset[int], message: str) -> None:
        self.codes = codes
        self.message = message

    def __call__(self, form: wtforms.Form, field: wtforms.Field) -> None:
        if field.data not in self.codes:
            raise validators.StopValidation(self.message)


def _choice(option: Option, lang: str) -> Any:
    label = option.label[lang]
    return SelectChoice(option.code, label) if SelectChoice is not None else (option.code, label)


def _field(q: Questionnaire, item: Item, lang: str) -> wtforms.Field:
    label = item.text[lang]
    description = item.hint[lang] if item.hint else ""
    presence = validators.InputRequired(q.messages["invalid_choice"][lang]) if item.required else validators.Optional()
    if item.kind == "choice":
        return wtforms.RadioField(
            label,
            choices=[_choice(option, lang) for option in item.choices.options],
            coerce=_option_code,
            validate_choice=False,
            validators=[presence, _ScaleCode(item.choices.codes, q.messages["invalid_choice"][lang])],
            description=description,
        )
    return wtforms.TextAreaField(
        label,
        validators=[presence, validators.Length(max=item.max_length, message=q.messages["too_long"][lang])],
        filters=[lambda text: text.strip() if isinstance(text, str) else text],
        description=description,
        # No maxlength (WTForms would add it from Length): it cuts pasted text without a word. The
        # page states the limit before the field; a longer text gets an error that keeps it.
        render_kw={"maxlength": False},
    )


def page_form_class(
    q: Questionnaire, page: Page, lang: str, base: type[wtforms.Form] = wtforms.Form
) -> type[wtforms.Form]:
    """A form class with one field per item of ``page``, labelled in ``lang``.

    Parameters
    ----------
    q
        The questionnaire (for its messages).
    page
        One of ``q.pages``.
    lang
        One of ``q.languages``.
    base
        The form base class: ``wtforms.Form``, or ``flask_wtf.FlaskForm`` for CSRF.

    Returns
    -------
    type
        A subclass of ``base``; a ``RadioField`` per choice item (choices are
        ``(code, label)``, unknown codes rejected) and a ``TextAreaField``
        with the item's length limit per text item. No field is required
        unless the item says so: a PREM never forces an answer. The web
        decides which fields to render with ``q.is_shown(item, answers)``.
    """
    if lang not in q.languages:
        raise ValueError(f"{q.id} {q.version} has no language {lang!r} (languages: {', '.join(q.languages)})")
    fields = {item.id: _field(q, item, lang) for item in page.items}
    return type(f"{page.id.title().replace('_', '')}PageForm", (base,), fields)


def page_answers(form: wtforms.Form, page: Page) -> dict[str, int | str | None]:
    """The validated answers of ``page`` as stored values: ``{item_id: code | text | None}``.

    ``None`` means the item was left empty on this page (an earlier answer to
    it should be cleared).
    """
    answers: dict[str, int | str | None] = {}
    for item in page.items:
        value = form[item.id].data
        answers[item.id] = value if value not in ("", None) else None
    return answers


def page_form_data(page: Page, answers: Answers) -> dict[str, int | str]:
    """The stored answers of ``page``, as ``data=`` for re-displaying the form."""
    return {item.id: answers[item.id] for item in page.items if item.id in answers}
