"""A build with the work shared by forked workers (pages read, topics, term counts): the same store,
report and feeds as with everything done in one process."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from pathlib import Path

import pytest

from conftest import NOW, body, page
from newsfeed import core, ingest, parallel
from newsfeed.sources import readahead
from newsfeed.sources.common import MAX_PAGE_BYTES
from newsfeed.sources.pages import PageSource
from newsfeed.store import Store

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")

SECTIONS = ["Dunia", "Nasional", "Ekonomi", "Teknologi", "Olahraga"]
TOPICS = ["Rusia", "Korea Utara", "Bank Indonesia", "Timnas Indonesia"]
BROKEN = {
    "dunia/2024-10-03-0900-latin.txt": "Dunia\n\nJudul Rusak é\n\nIsi.".encode("latin-1"),
    "ekonomi/2024-10-05-0900-kosong.txt": "",
    "nasional/2024-10-07-0900-tanpa-judul.txt": "Nasional\n",
    "teknologi/2024-10-09-0900-tanpa-isi.txt": "Teknologi\n\nJudul tanpa isi\n",
    "olahraga/2024-10-11-0900-rubrik-asing.txt": page("Kuliner", "Judul rubrik asing", body("Rusia")),
    "dunia/2024-10-13-0900-besar.txt": b"Dunia\n\nJudul besar\n\n" + b"a" * (MAX_PAGE_BYTES + 10),
}


def _pages(n: int) -> dict[str, str | bytes]:
    pages: dict[str, str | bytes] = {}
    for i in range(n):
        section = SECTIONS[i % len(SECTIONS)]
        topic = TOPICS[i % len(TOPICS)]
        name = f"{section.lower()}/2024-10-{1 + i % 28:02d}-{i % 24:02d}00-artikel-{i}.txt"
        pages[name] = page(section, f"{topic} dan kabar nomor {i}", body(topic, 2 + i % 3), related=[f"{topic} dan kabar nomor {i - 1}"] if i else None)
    return {**pages, **BROKEN}


def _record_reader_pids(monkeypatch, log: Path) -> None:
    """Every PageSource.parse appends the pid of the process running it to `log` (workers inherit this)."""
    parse = PageSource.parse

    def recorded(self, raw, key, fingerprint):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return parse(self, raw, key, fingerprint)

    monkeypatch.setattr(PageSource, "parse", recorded)


def _pids(log: Path) -> set[int]:
    return {int(line) for line in log.read_text().split()} if log.exists() else set()


def _dump(store_path: Path) -> dict[str, list[tuple]]:
    """Every table's rows; articles also in insertion (rowid) order."""
    with Store(store_path) as store:
        tables = store.tables()
        dump = {name: sorted(tuple(row) for row in store.query(f"SELECT * FROM {name}")) for name in tables}
        if store.engine == "sqlite":  # PostgreSQL has no rowid: the order rows went in is SQLite's to keep
            dump["articles in order"] = [tuple(row) for row in store.query("SELECT * FROM articles ORDER BY rowid")]
        # when each file was written differs from run to run; what was written must not
        dump["published_files"] = sorted(tuple(row) for row in store.query("SELECT path, kind, sha256, size FROM published_files"))
    return dump


def _feeds(root: Path) -> dict[str, bytes]:
    return {str(path.relative_to(root)): path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file()}


def _build(settings, parallel_from: int, monkeypatch, log: Path):
    """A first build from scratch; returns (report, changed ids, progress calls, store rows, feed files, reader pids)."""
    shutil.rmtree(settings.store_path.parent, ignore_errors=True)
    shutil.rmtree(settings.feeds.output_dir, ignore_errors=True)
    log.unlink(missing_ok=True)
    monkeypatch.setattr(readahead, "PARALLEL_PARSE_FROM", parallel_from)
    calls: list[tuple[str, int, int]] = []
    with core.open_store(settings) as store:
        report, changed = core.gather(settings, store, NOW, lambda *call: calls.append(call))
        core.publish(settings, store, NOW)
    return report, changed, calls, _dump(settings.store_path), _feeds(settings.feeds.output_dir), _pids(log)


@pytest.fixture
def parallel_setup(monkeypatch, tmp_path):
    """Small batches, chunks and windows, so a small site crosses several of each; two workers even on one CPU."""
    monkeypatch.setattr(ingest, "BATCH", 7)
    monkeypatch.setattr(readahead, "_PARSE_CHUNK", 3)
    monkeypatch.setattr(readahead, "_PARSE_WINDOW", 10)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    log = tmp_path / "reader-pids.log"
    _record_reader_pids(monkeypatch, log)
    return log


def test_parallel_ingest_stores_reports_and_publishes_exactly_as_serial(make_site, monkeypatch, parallel_setup):
    settings = make_site(_pages(60))
    serial = _build(settings, 10**9, monkeypatch, parallel_setup)
    parallel = _build(settings, 10, monkeypatch, parallel_setup)

    assert serial[5] == {os.getpid()}  # one by one, in this process
    assert parallel[5] and os.getpid() not in parallel[5]  # every page read in a worker
    report = serial[0]
    assert report.new == 60 and report.updated == 0 and report.unchanged == 0
    assert [r.key.rsplit("/pages/", 1)[-1] for r in report.rejected] == sorted(BROKEN)
    assert any("not UTF-8" in r.reason for r in report.rejected) and any("too large" in r.reason for r in report.rejected)
    assert parallel[0] == report  # the same counts, the same rejections in the same order
    assert parallel[1] == serial[1]  # the same changed ids, in the same order
    assert parallel[2] == serial[2]  # the same progress calls, gather and enrich
    assert [c for c in serial[2] if c[0] == "gather halaman"] == [("gather halaman", done, 66) for done in range(1, 67)]
    assert parallel[3] == serial[3]  # every table, and the articles in the same insertion order
    assert len(serial[3]["articles"]) == 60
    assert parallel[4] == serial[4] and "rss.xml" in serial[4]  # byte-identical feeds


def test_parallel_ingest_of_edited_pages_only(make_site, monkeypatch, parallel_setup):
    """A rebuild after edits: unchanged pages are skipped, the changed ones (>= threshold) read in the pool."""
    settings = make_site(_pages(40))
    monkeypatch.setattr(readahead, "PARALLEL_PARSE_FROM", 10)
    with core.open_store(settings) as store:
        core.gather(settings, store, NOW)  # stored and enriched: the queue is empty
    pages = settings.root / "pages"
    edited = sorted(pages.glob("dunia/*-artikel-*.txt"))[:4] + sorted(pages.glob("nasional/*-artikel-*.txt"))[:8]
    for path in edited:
        path.write_text(path.read_text(encoding="utf-8").replace("Redaksi Kabar Uji", "Tambahan paragraf.\n\nRedaksi Kabar Uji"), encoding="utf-8")
    parallel_setup.unlink(missing_ok=True)
    with core.open_store(settings) as store:
        report = ingest.ingest(settings, store, NOW, core.no_progress)
        changed = store.queued()
        texts = {row["key"]: row["text"] for row in store.query("SELECT key, text FROM articles")}
    assert os.getpid() not in _pids(parallel_setup)
    assert report.updated == len(edited) and report.new == 0 and report.unchanged == 40 - len(edited)
    assert len(report.rejected) == len(BROKEN) and len(changed) == len(edited)
    assert all("Tambahan paragraf." in texts[str(path.relative_to(pages))] for path in edited)


def test_below_the_threshold_pages_are_read_here(make_site, monkeypatch, parallel_setup):
    settings = make_site(_pages(12))
    report, *_rest, pids = _build(settings, 10**9, monkeypatch, parallel_setup)
    assert pids == {os.getpid()} and report.new == 12


def test_pool_is_stopped_when_ingest_is_interrupted(make_site, monkeypatch, parallel_setup):
    settings = make_site(_pages(60))
    monkeypatch.setattr(readahead, "PARALLEL_PARSE_FROM", 10)

    def interrupt(phase, done, total):
        if done == 20:
            raise KeyboardInterrupt

    with core.open_store(settings) as store, pytest.raises(KeyboardInterrupt):
        ingest.ingest(settings, store, NOW, interrupt)
    assert multiprocessing.active_children() == []
    assert os.getpid() not in _pids(parallel_setup)
    with core.open_store(settings) as store:  # batches stored before the interruption stay, whole
        assert store.count() % 7 == 0 and 0 < store.count() < 60


def _log_pid_around(monkeypatch, owner, name: str, log: Path) -> None:
    original = getattr(owner, name)

    def logged(*args, **kwargs):
        with open(log, "a") as handle:
            handle.write(f"{os.getpid()}\n")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, logged)


def test_enrichment_in_workers_equals_enrichment_here(make_site, monkeypatch, tmp_path):
    """Topics and the related index's term counts computed by forked workers: the same store and feeds."""
    from newsfeed import enrichment
    from newsfeed.enrich import related, topics

    monkeypatch.setattr(enrichment, "TOPICS_BATCH", 16)
    monkeypatch.setattr(enrichment, "TOPICS_PARALLEL_FROM", 2)
    monkeypatch.setattr(related, "CHUNK", 20)
    monkeypatch.setattr(related, "PIECE", 6)
    topics_log, terms_log = tmp_path / "topics.log", tmp_path / "terms.log"
    _log_pid_around(monkeypatch, topics, "extract_topics", topics_log)
    _log_pid_around(monkeypatch, related, "feature_counts", terms_log)
    settings = make_site(_pages(50))

    monkeypatch.setattr(parallel, "workers", lambda: 1)
    serial = _build(settings, 10**9, monkeypatch, tmp_path / "reads.log")
    assert _pids(topics_log) == _pids(terms_log) == {os.getpid()}
    for log in (topics_log, terms_log):
        log.unlink()
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    forked = _build(settings, 10**9, monkeypatch, tmp_path / "reads.log")
    assert _pids(topics_log) and os.getpid() not in _pids(topics_log)
    assert _pids(terms_log) - {os.getpid()}  # the last, short chunk of 10 is counted here
    assert forked[3] == serial[3]  # topics, related lists and the stored index, row for row
    assert forked[4] == serial[4]  # byte-identical feeds


def test_a_failure_while_workers_extract_the_next_batch_frees_them(make_site, monkeypatch):
    """Topics of a batch are written while the workers extract the next one: a write that
    fails then gives that work up (no workers left waiting, a later fork_map still forks)."""
    from newsfeed import enrichment
    from newsfeed.errors import StoreError

    monkeypatch.setattr(enrichment, "TOPICS_BATCH", 16)
    monkeypatch.setattr(enrichment, "TOPICS_PARALLEL_FROM", 2)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    settings = make_site(_pages(50))

    def full_disk(self, conn, articles):
        raise StoreError("disk full")

    monkeypatch.setattr(Store, "set_topics", full_disk)
    with Store(settings.store_path) as store, pytest.raises(StoreError, match="disk full"):
        core.gather(settings, store, NOW)
    assert parallel._WORK is None
    assert os.getpid() not in parallel.fork_map(_own_pid, list(range(8)), min_items=2)


def _own_pid(_):
    return os.getpid()
