"""Job functions for the operations tests, imported by real worker processes."""

from __future__ import annotations

import time

from smartregion.jobs import JobFailed


def linger(ctx, *, seconds: float = 60.0) -> dict:
    """Run for a while, reporting progress every tenth of a second (a long import, say)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        ctx.progress(100 * (time.monotonic() - started) / seconds)
        time.sleep(0.1)
    return {"lingered": seconds}


def explode(ctx) -> dict:
    """Fail the way a bug does: an exception whose text names a server path."""
    with open("/srv/smartregion/var/files/ab/cd/missing-file.csv") as missing:
        return {"read": len(missing.read())}


def refuse(ctx, *, reason: str) -> dict:
    """Fail the way a job explains itself to people."""
    raise JobFailed(reason)
