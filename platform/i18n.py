"""One translation path: every text a person reads is an English message translated by the Babel catalogue.

Pages call ``gettext`` (``_``) or declare labels with ``lazy_gettext`` (``_l``), which the page's language
resolves when they are shown. Outputs that name their language instead of following the page's (an API's
``label_it`` and ``label_en``, a notice written in both languages, a dataset's Italian and English titles)
ask for a language explicitly with ``translate`` or ``in_both``; the catalogue stays the one source.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import has_app_context
from flask_babel import force_locale

LANGUAGES = ("it", "en")


@contextmanager
def speaking(locale: str) -> Iterator[None]:
    """Messages resolved in the block speak ``locale``, whatever the request's language."""
    if locale not in LANGUAGES:
        raise ValueError(f"Unknown language {locale!r}: expected one of {', '.join(LANGUAGES)}.")
    with force_locale(locale):
        yield


def translate(message, locale: str, **values) -> str:
    """``message`` (a lazy string, or a catalogue message id) in ``locale``, with ``values`` put in its
    ``%(name)s`` places. Needs an application context, as every request and job has."""
    if not has_app_context():
        raise RuntimeError("translate() reads the catalogue of the application: call it inside its context.")
    from flask_babel import gettext

    with speaking(locale):
        text = str(message) if not isinstance(message, str) else gettext(message)
    return text % values if values else text


def in_both(message, **values) -> tuple[str, str]:
    """``message`` in Italian and in English, in that order."""
    return translate(message, "it", **values), translate(message, "en", **values)
