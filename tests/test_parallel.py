import os

import pytest

from newsfeed.parallel import batched, fork_map


def _square(n):
    return n * n


def _pid(_):
    return os.getpid()


def _fail(n):
    if n == 7:
        raise ValueError("bad item 7")
    return n


def test_results_in_order_from_worker_processes():
    items = list(range(50))
    assert fork_map(_square, items, min_items=2) == [n * n for n in items]
    if (os.cpu_count() or 1) > 1:
        assert os.getpid() not in fork_map(_pid, items, min_items=2)


def test_short_lists_run_in_this_process():
    assert set(fork_map(_pid, [1, 2, 3], min_items=10)) == {os.getpid()}


def test_worker_exception_propagates():
    with pytest.raises(ValueError, match="bad item 7"):
        fork_map(_fail, list(range(20)), min_items=2)


def test_batched():
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(batched([], 3)) == []
