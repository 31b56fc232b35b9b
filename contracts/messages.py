"""Error messages that can be shown translated: English text that remembers its template and values.

The libraries and the ``prem`` command speak English; the staff web speaks
the staff member's language (Swedish first). A :class:`Message` is both: it
*is* the English text (a ``str``, so every caller, log and test that reads
an error's text is unchanged), and it keeps the template and the values it
was made from, so that the web can look the template up in its catalogue
and fill in the same values (:func:`translated`). Templates are extracted
for the catalogue by their call, ``Message("...")`` (see
``prem/translations/babel.cfg``).

A value may itself be a :class:`Message` (translated in turn) or a tuple of
them: a list of problems, shown one per line (``"\\n  "`` between them).
Text that is not a :class:`Message` (a value from a file, or an older
f-string message) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["PROBLEM_SEPARATOR", "Message", "from_data", "replaced", "to_data", "translated"]

#: Between the problems of a list value (and before the first): one per line, indented.
PROBLEM_SEPARATOR = "\n  "


class Message(str):
    """English text made from ``template % values``, remembering both (see the module docstring)."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, /, **values: Any) -> Message:
        text = template % {name: _english(value) for name, value in values.items()} if values else template
        message = super().__new__(cls, text)
        message.template = template
        message.values = values
        return message

    def __reduce__(self) -> tuple[Any, ...]:  # keeps template and values through pickling (job queues, workers)
        return (_rebuild, (self.template, self.values))


def _rebuild(template: str, values: dict[str, Any]) -> Message:
    return Message(template, **values)


def _english(value: Any) -> str:
    if isinstance(value, tuple):
        return "".join(PROBLEM_SEPARATOR + str(part) for part in value)
    return str(value)


def translated(text: Any, gettext: Callable[[str], str]) -> str:
    """``text`` in the language of ``gettext``: a :class:`Message`'s template looked up, its values filled in.

    A template the catalogue does not know falls back to English (``gettext``
    returns it unchanged); anything that is not a :class:`Message` is shown
    as it is.
    """
    if isinstance(text, tuple):
        return "".join(PROBLEM_SEPARATOR + translated(part, gettext) for part in text)
    if not isinstance(text, Message):
        return str(text)
    if not text.values:
        return gettext(text.template)
    return gettext(text.template) % {name: translated(value, gettext) for name, value in text.values.items()}


def replaced(text: Any, old: str, new: str) -> Any:
    """``text`` with ``old`` replaced by ``new`` in every value it was made from (a temporary folder's
    path, say), the template and numbers kept: the result translates as ``text`` would."""
    if isinstance(text, tuple):
        return tuple(replaced(part, old, new) for part in text)
    if isinstance(text, Message):
        return Message(text.template, **{name: replaced(value, old, new) for name, value in text.values.items()})
    if isinstance(text, int | float):
        return text
    return str(text).replace(old, new)


def to_data(text: Any) -> Any:
    """``text`` as plain JSON data that :func:`from_data` turns back into it: a :class:`Message` as its
    template and values (so that what is stored, a failed job's reason say, can be shown translated later),
    a tuple of problems as a list, numbers as they are, anything else as its text."""
    if isinstance(text, Message):
        return {"template": text.template, "values": {name: to_data(value) for name, value in text.values.items()}}
    if isinstance(text, tuple):
        return [to_data(part) for part in text]
    if isinstance(text, bool) or not isinstance(text, int | float):
        return str(text)
    return text


def from_data(data: Any) -> Any:
    """What :func:`to_data` made ``data`` from: a :class:`Message`, a tuple, a number or a text."""
    if isinstance(data, dict):
        return Message(data["template"], **{name: from_data(value) for name, value in data["values"].items()})
    if isinstance(data, list):
        return tuple(from_data(part) for part in data)
    return data
