"""Rows grouped into batches ready for COPY, read ahead in a thread while the database works.

Reading and checking rows is Python work; upserting a batch is PostgreSQL work. Reading the next
batch in a thread while the database works on the current one keeps both cores busy (the database
driver releases the interpreter lock while it waits). At most ``depth`` batches wait in memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from .validation import Rejection

_DONE = object()


@dataclass
class Batch:
    """One batch of a file: its number, row count, rows as COPY text, and rejected rows.

    ``bad_rows`` counts the rows rejected here, an asset id repeated inside the batch included;
    an asset id repeated from an earlier batch is recognised by the database.
    """

    number: int
    rows: int
    good: list[str]
    bad: list[Rejection]
    bad_rows: int


def batches(rows: Iterator, batch_rows: int, *, first: int = 0, territory=None) -> Iterator[Batch]:
    """Group (line, asset id, COPY text, rejections, point) rows into batches; batches below ``first`` are skipped.

    Points still to be placed are checked against the territory once per batch, before repeated
    asset ids are looked for, so that a row outside the territory never hides a later good one.
    """
    number, count, pending, bad_rows = 0, 0, [], 0
    bad: list[Rejection] = []
    for line, asset_id, text, errors, point in rows:
        count += 1
        if number >= first:
            if text is None:
                bad.extend(errors)
                bad_rows += 1
            else:
                pending.append((line, asset_id, text, point))
        if count == batch_rows:
            if number >= first:
                yield _close(number, count, pending, bad, bad_rows, territory)
            number, count, pending, bad, bad_rows = number + 1, 0, [], [], 0
    if count and number >= first:
        yield _close(number, count, pending, bad, bad_rows, territory)


def _close(number: int, count: int, pending: list, bad: list[Rejection], bad_rows: int, territory) -> Batch:
    outside = _outside(pending, territory)
    good: list[str] = []
    seen: dict[str, int] = {}
    for position, (line, asset_id, text, point) in enumerate(pending):
        if position in outside:
            lon, lat = point
            bad.append(Rejection(line, "location", "outside_territory",
                                 territory.reason(f"the point ({lat}, {lon})"), f"{lat} {lon}"))
            bad_rows += 1
        elif (earlier := seen.setdefault(asset_id, line)) != line:
            bad.append(Rejection(line, "asset_id", "duplicate_asset_id",
                                 f"asset_id {asset_id} already appears on line {earlier}", asset_id))
            bad_rows += 1
        else:
            good.append(text)
    # Rejections are written in file order, as the error report lists them.
    bad.sort(key=lambda r: r.line)
    return Batch(number, count, good, bad, bad_rows)


def _outside(pending: list, territory) -> set[int]:
    if territory is None:
        return set()
    positions = [i for i, row in enumerate(pending) if row[3] is not None]
    if not positions:
        return set()
    inside = territory.contains([pending[i][3][0] for i in positions], [pending[i][3][1] for i in positions])
    return {i for i, ok in zip(positions, inside.tolist(), strict=True) if not ok}


class ReadAhead:
    """Iterate a generator in a daemon thread, ``depth`` items ahead; exceptions reach the consumer."""

    def __init__(self, source: Iterator, depth: int = 1) -> None:
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(source,), name="inventory-read-ahead", daemon=True)
        self._thread.start()

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def _run(self, source: Iterator) -> None:
        try:
            for item in source:
                if not self._put(item):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            self._put(exc)
            return
        self._put(_DONE)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._queue.get()
        if item is _DONE:
            raise StopIteration
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        """Stop reading (the consumer gave up) and wait for the thread to notice."""
        self._stop.set()
        self._thread.join(timeout=5)
