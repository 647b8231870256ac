"""im_fork: a callable over forked workers that inherit it (a closure too), results in the items' order."""

from __future__ import annotations

import os

import pytest

from plugins.portal_pages.parallel import im_fork


def test_workers_inherit_a_closure_and_return_in_order() -> None:
    gross = list(range(100_000))  # inherited, never pickled

    def arbeit(i: int) -> tuple[int, int]:
        return gross[i] * 2, os.getpid()

    items = list(range(0, 100_000, 997))
    ergebnis = im_fork(arbeit, items, jobs=2)
    assert [wert for wert, _pid in ergebnis] == [2 * i for i in items]
    assert os.getpid() not in {pid for _wert, pid in ergebnis}  # done in the workers
    assert im_fork(arbeit, items, jobs=1) == [(2 * i, os.getpid()) for i in items]  # one job: here


def test_a_worker_s_error_reaches_the_caller() -> None:
    def arbeit(i: int) -> int:
        if i == 3:
            raise ValueError("item 3 is broken")
        return i

    with pytest.raises(ValueError, match="item 3 is broken"):
        im_fork(arbeit, [1, 2, 3, 4], jobs=2)
    assert im_fork(arbeit, [1, 2], jobs=2) == [1, 2]  # nothing left over from the failed run
