"""Helpers that keep page handlers thin: a refused form answered again.

A page handler reads like an API handler: parse, call a service, render. What a refused call needs
(roll back what the service wrote, answer the form again with its messages) is said once, here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import abort, make_response
from smartregion.db import get_session
from smartregion.errors import DomainError


@contextmanager
def on_refusal(respond: Callable[[Any], Any], *errors: type[Exception]) -> Iterator[None]:
    """A refusal raised in the block (a domain error unless ``errors`` says which) answers ``respond(error)``.

    The request's transaction is rolled back first, so nothing the block wrote is kept, not even when the
    answer is a redirect, and the page rendered again reads the data as it was.
    """
    caught = errors or (DomainError,)
    try:
        yield
    except caught as error:
        get_session().rollback()
        abort(make_response(respond(error)))
