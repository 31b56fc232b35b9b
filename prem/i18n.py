"""Languages of the web survey: Swedish by default, others chosen by the patient.

A language is available when the app has a message catalogue for it under
``prem/translations/`` (``pybabel``'s ``.po``/``.mo``) – adding a language is
adding a catalogue plus the questionnaire's texts, no code.
"""

from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, request, session
from flask_babel import Babel, format_date

__all__ = ["available_languages", "current_language", "init_app", "language_name"]

babel = Babel()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with the patient's chosen language."""
    babel.init_app(app, locale_selector=current_language)
    app.jinja_env.globals.update(
        current_language=current_language,
        language_name=language_name,
        available_languages=available_languages,
        format_date=format_date,
    )


def available_languages() -> list[str]:
    """Language codes with a catalogue, the default (Swedish) first.

    Read from the catalogue folders once per app (they ship with it): asked
    several times on every page, the scan was a good part of a request's work.
    """
    languages = current_app.extensions.get("prem_languages")
    if languages is None:
        default = current_app.config["BABEL_DEFAULT_LOCALE"]
        codes = sorted({str(locale) for locale in babel.list_translations()} | {default})
        languages = current_app.extensions["prem_languages"] = [default] + [code for code in codes if code != default]
    return list(languages)


def current_language() -> str:
    """The session's language if it is available, else the default."""
    chosen = session.get("lang") if request else None
    return chosen if chosen in available_languages() else current_app.config["BABEL_DEFAULT_LOCALE"]


def language_name(code: str) -> str:
    """A language's name in that language, capitalised (``Svenska``, ``English``)."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]
