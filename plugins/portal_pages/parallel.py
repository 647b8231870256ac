"""Work over forked worker processes that inherit what they need instead of receiving it pickled.

The build's big objects (the portal read from the store, the page list, compiled templates) are made once in
the parent; a worker forked afterwards has them as they are. :func:`im_fork` runs a callable (a closure or a
``functools.partial`` is fine: it is inherited, not pickled) on each item; only the items' indices go to the
workers and only the results come back.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# The job the workers inherit through fork: the callable and its items (set only while a pool runs).
_AUFTRAG: list[Any] = []


def _ausfuehren(i: int) -> Any:
    funktion, items = _AUFTRAG
    return funktion(items[i])


def im_fork(funktion: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """``[funktion(item) for item in items]``; with ``jobs`` > 1 and more than one item in that many forked
    workers (at most one per item), which take the next item as they finish one (uneven items balance out)."""
    workers = max(1, min(jobs, len(items)))
    if workers == 1:
        return [funktion(item) for item in items]
    _AUFTRAG[:] = [funktion, items]
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_ausfuehren, range(len(items)), chunksize=1)
    finally:
        _AUFTRAG.clear()
