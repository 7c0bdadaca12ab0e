"""One translation path: every text a person reads is an English message translated by the Babel catalogue.

Pages call ``gettext`` (``_``) or declare labels with ``lazy_gettext`` (``_l``), which the page's language
resolves when they are shown. Outputs that name their language instead of following the page's (an API's
``label_it`` and ``label_en``, a notice written in both languages, a dataset's Italian and English titles)
ask for a language explicitly with ``translate`` or ``in_both``; the catalogue stays the one source.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
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


def in_both(message, *, context: str | None = None, **values) -> tuple[str, str]:
    """``message`` in Italian and in English, in that order."""
    return translate(message, "it", context=context, **values), translate(message, "en", context=context, **values)
