"""One translation path: every text a person reads is an English message translated by the Babel catalogue.

Pages call ``gettext`` (``_``) or declare labels with ``lazy_gettext`` (``_l``), which the page's language
resolves when they are shown. Outputs that name their language instead of following the page's (an API's
``label_it`` and ``label_en``, a notice written in both languages, a dataset's Italian and English titles)
ask for a language explicitly with ``translate`` or ``in_both``; the catalogue stays the one source.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from babel.support import NullTranslations, Translations
from flask import has_app_context
from flask_babel import force_locale

LANGUAGES = ("it", "en")
DIRECTORY = Path(__file__).parent / "translations"


@functools.cache
def catalogue(locale: str) -> NullTranslations:
    """The compiled catalogue of ``locale`` (English, the messages' own language, has none)."""
    if locale not in LANGUAGES:
        raise ValueError(f"Unknown language {locale!r}: expected one of {', '.join(LANGUAGES)}.")
    return Translations.load(str(DIRECTORY), [locale])


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Messages resolved in the block speak ``locale``, whatever the request's language."""
    if locale not in LANGUAGES:
        raise ValueError(f"Unknown language {locale!r}: expected one of {', '.join(LANGUAGES)}.")
    with force_locale(locale):
        yield


def N_(message: str) -> str:
    """Marks a message id declared as data (a label in a table) for the catalogue; it stays a plain string.

    pybabel reads ``N_`` as it reads ``_``; ``translate``, ``in_both`` or ``gettext`` resolve the message
    where it is shown.
    """
    return message


def NC_(context: str, message: str) -> str:
    """``N_`` for a message id that needs a context (one English word, two Italian ones); the caller passes the
    same context to ``translate``. pybabel reads it with the keyword ``NC_:1c,2``."""
    return message


def translate(message, locale: str, *, context: str | None = None, **values) -> str:
    """``message`` in ``locale``, with ``values`` put in its ``%(name)s`` places.

    A message id (a plain string, within ``context`` if given) is read from the catalogue anywhere, even outside
    the application; a lazy string (``_l``) is resolved by Flask-Babel, so it needs the application's context,
    as every request and job has.
    """
    if isinstance(message, str):
        book = catalogue(locale)
        text = book.pgettext(context, message) if context else book.gettext(message)
    else:
        if not has_app_context():
            raise RuntimeError("A lazy string is read in the application's context: call translate() inside it.")
        with speaking(locale):
            text = str(message)
    return text % values if values else text


class Labelled:
    """A thing named by a message of the catalogue: its ``message`` (the English id, given by the class) read
    in the page's language (``label``), in a named one (``label_in``), and in each (``label_it``, ``label_en``)."""

    message: str

    @property
    def label(self) -> str:
        from flask_babel import gettext

        return gettext(self.message)

    def label_in(self, locale: str) -> str:
        return translate(self.message, locale)

    @property
    def label_it(self) -> str:
        return translate(self.message, "it")

    @property
    def label_en(self) -> str:
        return translate(self.message, "en")


def in_both(message, *, context: str | None = None, **values) -> tuple[str, str]:
    """``message`` in Italian and in English, in that order."""
    return translate(message, "it", context=context, **values), translate(message, "en", context=context, **values)


Rewrite = Callable[[str, str], str]
_PLACE = re.compile(r"%\((\w+)\)s|%%")


class Shape:
    """A message with values, read back from the English text a service stored or raised.

    The pattern is built from the message id (``%(name)s`` matches any text); ``rewrites`` write a value again
    for the language asked for (an amount, a status word). ``read`` answers None for a text of another shape.
    """

    def __init__(self, message_id: str, pattern: str | None = None, **rewrites: Rewrite) -> None:
        self.message_id = message_id
        self.rewrites = rewrites
        self.pattern = re.compile(pattern or self._pattern(message_id))

    @staticmethod
    def _pattern(message_id: str) -> str:
        parts, seen, end = ["^"], set(), 0
        for place in _PLACE.finditer(message_id):
            parts.append(re.escape(message_id[end:place.start()]))
            name = place.group(1)
            if name is None:
                parts.append("%")
            elif name in seen:
                parts.append(f"(?P={name})")
            else:
                seen.add(name)
                parts.append(f"(?P<{name}>.+?)")
            end = place.end()
        parts.append(re.escape(message_id[end:]) + "$")
        return "".join(parts)

    def read(self, message: str, locale: str) -> str | None:
        match = self.pattern.match(message)
        if match is None:
            return None
        values = {name: self.rewrites.get(name, lambda value, _locale: value)(value, locale)
                  for name, value in match.groupdict().items()}
        return translate(self.message_id, locale, **values)
