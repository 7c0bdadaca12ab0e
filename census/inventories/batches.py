"""Rows grouped into batches ready for COPY, read ahead in a thread while the database works.

Reading and checking rows is Python work; upserting a batch is PostgreSQL work. Reading the next
batch in a thread while the database works on the current one keeps both cores busy (the database
driver releases the interpreter lock while it waits). At most ``depth`` batches wait in memory.
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from .validation import CleanRow, Rejection

_DONE = object()


@dataclass
class Batch:
    """One batch of a file: its number, row count, rows ready for COPY and rejected rows."""

    number: int
    rows: int
    good: list[tuple]
    bad: list[Rejection]
    bad_rows: int


def copy_tuple(row: CleanRow) -> tuple:
    """A clean row as the staging table's COPY columns (JSON already encoded)."""
    return (row.line, row.asset_id, row.category, row.operator, row.longitude, row.latitude, row.length_m,
            None if row.geometry is None else json.dumps(row.geometry),
            json.dumps(row.attributes, ensure_ascii=False, separators=(",", ":")))


def batches(rows: Iterator, batch_rows: int, *, first: int = 0) -> Iterator[Batch]:
    """Group checked rows into batches; batches numbered below ``first`` are read but not kept."""
    number, count, good, bad, bad_rows = 0, 0, [], [], 0
    for _, clean, errors in rows:
        count += 1
        if number >= first:
            if clean is not None:
                good.append(copy_tuple(clean))
            else:
                bad.extend(errors)
                bad_rows += 1
        if count == batch_rows:
            if number >= first:
                yield Batch(number, count, good, bad, bad_rows)
            number, count, good, bad, bad_rows = number + 1, 0, [], [], 0
    if count and number >= first:
        yield Batch(number, count, good, bad, bad_rows)


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
