"""A two-stage pipeline: the calling thread reads and encrypts (or decrypts), a worker
thread hashes and writes. hashlib and file writes release the GIL on large buffers, so
on a 2-core machine the stages really run in parallel.

Buffers come from a small fixed pool and go back to it after the worker is done with
them, so memory stays bounded (pool size × buffer size) whatever the input size.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable

_STOP = object()


class Pipeline:
    """Hand buffers to `consume` in a worker thread, in order.

    Use as a context manager. `buffer()` takes a free buffer from the pool (blocking
    while the worker is behind); `put(buf, length)` queues it; the worker calls
    `consume(memoryview)` then returns the buffer to the pool. An exception in the
    worker is re-raised in the calling thread at the next put() or at exit."""

    def __init__(self, consume: Callable[[memoryview], None], buffer_size: int, depth: int = 3):
        self._consume = consume
        self._free: queue.Queue = queue.Queue()
        for _ in range(depth + 1):
            self._free.put(bytearray(buffer_size))
        self._work: queue.Queue = queue.Queue()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="handover-pipeline", daemon=True)

    def __enter__(self) -> "Pipeline":
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self._work.put(_STOP)
        self._thread.join()
        if exc is None and self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            item = self._work.get()
            if item is _STOP:
                return
            buf, length, pooled = item
            if self._error is None:
                try:
                    self._consume(memoryview(buf)[:length])
                except BaseException as e:  # re-raised in the calling thread
                    self._error = e
            # Always recycle, even after an error, so the producer never blocks forever.
            if pooled:
                self._free.put(buf)

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def buffer(self) -> bytearray:
        self._check()
        return self._free.get()

    def put(self, buf: bytearray, length: int) -> None:
        self._check()
        self._work.put((buf, length, True))

    def put_bytes(self, data: bytes) -> None:
        """Queue a small piece (header, manifest) without a pool buffer."""
        self._check()
        self._work.put((data, len(data), False))
