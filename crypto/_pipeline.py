"""Worker-thread stages for sealing and opening. hashlib, file reads and writes release
the GIL on large buffers, so on a 2-core machine the stages really run in parallel:

    seal:  read + encrypt (caller)  →  hash plaintext, count rows  →  hash package + write
    open:  read + decrypt (caller)  →  split into files, hash, write

Buffers come from a small fixed pool per stage and go back to it once the worker is done
with them, so memory stays bounded (pool size × buffer size) whatever the input size.
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import Any, Callable

Progress = Callable[[int, int], None]
"""Called as progress(bytes_done, bytes_total) after each batch; must not raise."""

# About 1 MiB of chunks per hand-over between the threads: large enough that hashlib and
# write() release the GIL for long stretches, small enough to keep memory low.
BATCH_BYTES = 1024 * 1024
DEPTH = 3

_STOP = object()


def return_freed_memory() -> None:
    """Hand the pools' freed buffers back to the operating system (glibc only; elsewhere
    nothing). Once the KDF has freed its 24 MiB, glibc serves the 1 MiB buffers (and the
    row counter's arrays) from its arenas, which it keeps after free: without this, ~8 MiB
    stays in `package seal`'s footprint while the notice is drawn, its peak (issue 15 §4)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes   # here: opening and `package inspect` never need it
    try:
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):   # not glibc (musl has no malloc_trim)
        pass


class Pipeline:
    """Hand buffers to `consume` in a worker thread, in order.

    Use as a context manager. `buffer()` takes a free buffer from the pool (blocking
    while the worker is behind); `put(buf, length, note)` queues it; the worker calls
    `consume(memoryview, note)` and then returns the buffer to the pool. An exception in
    the worker is re-raised in the calling thread at the next buffer()/put() or at exit."""

    def __init__(self, consume: Callable[[memoryview, Any], None], buffer_size: int,
                 depth: int = 3):
        self._consume = consume
        # SimpleQueue: a C queue without Queue's Python locks and conditions, which cost a
        # few microseconds on every hand-over (four per batch per stage).
        self._free: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(depth + 1):
            self._free.put(bytearray(buffer_size))
        self._work: queue.SimpleQueue = queue.SimpleQueue()
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
            buf, length, note, pooled = item
            if self._error is None:
                try:
                    self._consume(memoryview(buf)[:length], note)
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

    def put(self, buf: bytearray, length: int, note: Any = None) -> None:
        self._check()
        self._work.put((buf, length, note, True))

    def put_bytes(self, data: bytes) -> None:
        """Queue a small piece (header, manifest) without a pool buffer."""
        self._check()
        self._work.put((data, len(data), None, False))


class Flusher:
    """Starts writeback early: a thread calls fdatasync() on `fd` every `every` bytes
    written, so the final fsync before the rename finds little left to do and disk I/O
    overlaps with encryption and hashing instead of following it."""

    def __init__(self, fd: int, every: int = 64 * 1024 * 1024):
        self._fd = fd
        self._every = every
        self._pending = 0
        self._wake = threading.Event()
        self._stop = False
        self._thread = threading.Thread(target=self._run, name="handover-flusher", daemon=True)

    def __enter__(self) -> "Flusher":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop = True
        self._wake.set()
        self._thread.join()

    def wrote(self, n: int) -> None:
        self._pending += n
        if self._pending >= self._every:
            self._pending = 0
            self._wake.set()

    def _run(self) -> None:
        import os
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stop:
                return
            try:
                os.fdatasync(self._fd) if hasattr(os, "fdatasync") else os.fsync(self._fd)
            except OSError:
                return  # the final fsync in the caller reports real errors
