"""Giving memory back to the system after a crowd leaves.

Measured (issue 17, `bench/load.py --cycles`): RSS 117 MB idle, 435 MB with 1,000 clients and
730-768 MB after all had left, cycle after cycle. What was freed stayed with the process: a closed
session's objects sit in reference cycles (the session, its connection and their bound methods)
until the collector's oldest generation runs, and glibc keeps freed heap pages in its arenas (one
per thread that allocated: the event loop, the worker threads) instead of returning them. So once
the number of open sockets has fallen by half from its peak, the server runs a full collection and
`malloc_trim(0)` a few seconds after the last departure of that wave (so a reconnect storm is not
taxed, and the trim comes once, after everyone who was leaving has left).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging

log = logging.getLogger(__name__)
_libc: ctypes.CDLL | None = None
_looked = False


def _malloc_trim() -> bool:
    global _libc, _looked
    if not _looked:
        _looked = True
        name = ctypes.util.find_library("c")
        try:
            lib = ctypes.CDLL(name) if name else None
            _libc = lib if lib is not None and hasattr(lib, "malloc_trim") else None
        except OSError:
            _libc = None
    if _libc is None:  # not glibc (musl, macOS): the collection alone has to do
        return False
    _libc.malloc_trim(0)
    return True


def give_back() -> None:
    """A full collection, then glibc's trim of every arena (call outside the event loop: ~10-100 ms)."""
    freed = gc.collect()
    trimmed = _malloc_trim()
    log.info("memory given back after clients left: %d objects collected%s", freed,
             ", heap trimmed" if trimmed else "")


YOUNG = 10_000  # objects allocated (net) between two collections of the youngest generation (CPython: 700)
_thresholds: tuple[int, int, int] | None = None


def freeze_startup() -> None:
    """For a server's life: move everything made while it started (the world, the libraries, the safety
    head: ~140k objects) out of the cyclic collector's sight (`gc.freeze`), so its oldest generation
    walks only what the players made since; and collect the youngest generation every YOUNG allocations
    rather than 700. With 1,000 clients moving (issue 18, `bench/load.py --clients 1000 --procs 2`), the
    collector ran 760 young, 69 middle and 7 full collections in a 45 s run, 1.5 s in all; the full
    ones held the event loop up to 221 ms each, the longest stalls moves met. With both: no full
    collection once the server is up, 0.3-0.4 s in all counted from the interpreter's start (the
    longest pause 46 ms).
    Startup objects that become garbage later are left to reference counting; cyclic garbage of the
    crowd is still collected (a full collection when memory is given back, below)."""
    global _thresholds
    gc.collect()
    gc.freeze()
    if _thresholds is None:
        _thresholds = gc.get_threshold()
        gc.set_threshold(YOUNG, *_thresholds[1:])


def thaw() -> None:
    """Undo `freeze_startup` (the server stopped)."""
    global _thresholds
    gc.unfreeze()
    if _thresholds is not None:
        gc.set_threshold(*_thresholds)
        _thresholds = None


class Watermark:
    """Says when to give memory back: the count of open sockets fell to half its peak (and the peak
    was a crowd, not a handful)."""

    def __init__(self, crowd: int = 50) -> None:
        self.crowd, self.peak = crowd, 0

    def update(self, count: int) -> bool:
        self.peak = max(self.peak, count)
        if self.peak >= self.crowd and count <= self.peak // 2:
            self.peak = count
            return True
        return False
