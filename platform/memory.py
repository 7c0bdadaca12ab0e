"""Keeping a long-running multi-threaded server's memory flat under glibc.

glibc gives each thread that allocates concurrently an arena of its own (up to 8 per core) and returns
little of it to the system: a server whose threads parse uploads one after another keeps growing in
resident memory although Python freed the objects. Two arenas are enough for 8 request threads that
mostly wait on the database. MALLOC_ARENA_MAX in the environment overrides this (and is what to set
for gunicorn in production).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # mallopt parameter, from glibc's malloc.h


def _libc():
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") else None


def limit_arenas(arenas: int = 2) -> bool:
    """Cap glibc's malloc arenas before the server starts its threads; False where it does not apply."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    libc = _libc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_ARENA_MAX, arenas))


def trim() -> None:
    """Give the heap's free pages back to the system (after a large upload was parsed)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


LARGE_BODY = 1 << 20


def init_app(app) -> None:
    """After a request with a large body (an upload), return the freed heap to the system."""
    from flask import request

    @app.teardown_request
    def _trim_after_large_body(_exc) -> None:
        if (request.content_length or 0) >= LARGE_BODY:
            trim()
