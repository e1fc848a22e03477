"""Threads kept for read-only tool calls, each with its own database connection.

A read (a `read` tool, or a guard checked before a human is asked) still runs on a thread, so
the hang cut-off (activities/cutoff.py) can walk away from it; but the thread and its
connection outlive the call, instead of a new thread and a new connection per call. A reader
whose call hangs is simply not given work until it finishes: the next read takes another idle
reader or starts one, so a hung read never holds up the others. Writes keep a fresh
transaction on a fresh connection each (activities/tools.py).
"""

import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

Job = Callable[[], None]


class Readers:
    """`launch(job)` runs a job on an idle reader thread, or on a new one when every reader is
    busy (or stuck); at most `keep` idle readers wait for work, the rest end when their call is
    done. `connection()`, from inside a job, is the reader's own kept connection."""

    def __init__(self, connect: Callable[[], Any] | None, keep: int = 4) -> None:
        self._connect = connect
        self._keep = keep
        self._jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()
        self._waiting = 0  # idle readers not yet promised a job
        self._lock = threading.Lock()
        self._local = threading.local()

    def launch(self, job: Job) -> None:
        with self._lock:
            claimed = self._waiting > 0
            if claimed:
                self._waiting -= 1
        self._jobs.put(job)
        if not claimed:
            threading.Thread(target=self._serve, name="relay-reader", daemon=True).start()

    def _serve(self) -> None:
        while True:
            self._jobs.get()()
            with self._lock:
                if self._waiting >= self._keep:
                    break
                self._waiting += 1
        self._drop()

    @contextlib.contextmanager
    def connection(self) -> Iterator[Any]:
        """This reader's connection (None when there is no database), opened on first use and
        dropped when a call fails with it, so a broken connection is never reused."""
        if self._connect is None:
            yield None
            return
        kept = getattr(self._local, "connection", None)
        if kept is None:
            kept = self._local.connection = self._connect()
        try:
            yield kept
        except BaseException:
            self._drop()
            raise

    def _drop(self) -> None:
        kept = getattr(self._local, "connection", None)
        self._local.connection = None
        if kept is not None:
            with contextlib.suppress(Exception):
                kept.close()
