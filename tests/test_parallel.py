import multiprocessing
import os
import threading

import pytest

from newsfeed import parallel
from newsfeed.parallel import batched, fork_map

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork here")


@pytest.fixture(autouse=True)
def two_workers(monkeypatch):
    monkeypatch.setattr(parallel, "workers", lambda: 2)  # even on a one-CPU machine


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
    assert os.getpid() not in fork_map(_pid, items, min_items=2)


def test_short_lists_run_in_this_process():
    assert set(fork_map(_pid, [1, 2, 3], min_items=10)) == {os.getpid()}


def test_worker_exception_propagates():
    with pytest.raises(ValueError, match="bad item 7"):
        fork_map(_fail, list(range(20)), min_items=2)


def test_batched():
    assert list(batched(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(batched([], 3)) == []


def test_no_fork_while_other_threads_run(monkeypatch):
    monkeypatch.undo()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert parallel.workers() == 1
        assert set(fork_map(_pid, list(range(50)), min_items=2)) == {os.getpid()}
    finally:
        stop.set()
        thread.join()


def test_work_started_runs_in_workers_while_this_process_goes_on():
    from newsfeed.parallel import fork_start

    started = fork_start(_pid, list(range(50)), min_items=2)
    meanwhile = fork_start(_pid, list(range(50)), min_items=2)  # one at a time: this one runs here
    assert set(meanwhile.result()) == {os.getpid()}
    assert os.getpid() not in started.result()
    assert fork_start(_square, list(range(50)), min_items=2).result() == [n * n for n in range(50)]  # free again


def test_started_work_that_fails_raises_at_result_and_frees_the_workers():
    from newsfeed.parallel import fork_start

    started = fork_start(_fail, list(range(20)), min_items=2)
    with pytest.raises(ValueError, match="bad item 7"):
        started.result()
    assert os.getpid() not in fork_start(_pid, list(range(50)), min_items=2).result()


def test_started_work_given_up_frees_the_workers():
    from newsfeed.parallel import fork_start

    fork_start(_square, list(range(50)), min_items=2).cancel()
    assert os.getpid() not in fork_start(_pid, list(range(50)), min_items=2).result()
