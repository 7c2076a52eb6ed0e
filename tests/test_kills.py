"""Every run finishes what the one before it started.

A build is SIGKILLed at many different steps (store transactions, file renames, progress
inside gathering, topics, the related index and publishing); the next build must leave the
store and feeds/ exactly as one uninterrupted build would, byte for byte.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BOLA, KORUT, page
from newsfeed.store.store import Store
from pgstore import close_connections, store_copied

RUNNER = Path(__file__).with_name("killpoints.py")
FIRST, SECOND = "2024-12-01T00:00:00+00:00", "2024-12-02T00:00:00+00:00"
# Tables compared after a rerun: everything a feed or a digest depends on.
TABLES = ("articles", "withdrawn_articles", "article_topics", "related", "related_index", "related_state", "source_state", "enrich_queue")


def _run(settings, kill_at: int, now: str, log: Path, *args: str) -> int:
    done = subprocess.run(
        [sys.executable, str(RUNNER), str(kill_at), str(log), now, *(args or ("build",)), "--config", str(settings.path)],
        capture_output=True, text=True, timeout=180,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr
    return done.returncode


def _site(make_site, extra=""):
    pages = {}
    for i in range(24):
        story, section, name = (KORUT, "Dunia", "dunia") if i % 2 else (BOLA, "Olahraga", "olahraga")
        pages[f"{name}/2024-10-{i + 1:02d}-0900-berita-{i}.txt"] = page(section, f"Berita {section} Nomor {i}", story[i % 3 :] + [f"Catatan ke-{i}."])
    return make_site(pages, extra)


def _edit(root: Path) -> None:
    """A day's changes: edits, deletions, new pages."""
    pages = root / "pages"
    for path in sorted(pages.rglob("*.txt"))[:4]:
        path.write_text(path.read_text(encoding="utf-8").replace("Catatan ke-", "Catatan yang diperbarui ke-"), encoding="utf-8")
    for path in sorted(pages.rglob("*.txt"))[-3:]:
        path.unlink()
    for i in range(5):
        (pages / "dunia" / f"2024-11-{i + 1:02d}-0900-baru-{i}.txt").write_text(page("Dunia", f"Pasukan Korea Utara Tiba di Kursk {i}", KORUT[i:] + ["Baru."]), encoding="utf-8")


def _state(settings) -> tuple[dict, dict]:
    with Store(settings.store_path) as store:
        tables = {name: sorted(tuple(row) for row in store.query(f"SELECT * FROM {name}")) for name in TABLES}
        tables["published_files"] = sorted(tuple(row) for row in store.query("SELECT path, kind, sha256, size FROM published_files"))
    close_connections()
    root = settings.feeds.output_dir
    return tables, {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _snapshot(settings, where: Path) -> None:
    for folder in ("data", "feeds", "pages"):
        shutil.copytree(settings.root / folder, where / folder)
    store_copied(where / settings.store_path.relative_to(settings.root))


def _restore(settings, where: Path) -> None:
    for folder in ("data", "feeds", "pages"):
        shutil.rmtree(settings.root / folder, ignore_errors=True)
        shutil.copytree(where / folder, settings.root / folder)


def _kill_points(labels: list[str], only: tuple[str, ...] = ()) -> list[int]:
    """Before and after each commit (a kill inside a transaction is a kill before its commit),
    and the first and last step of every other kind (progress in each phase, file renames).
    With `only`, the steps between the first and the last label containing one of those words."""
    chosen = {i for i, label in enumerate(labels, start=1) if label in ("before commit", "after commit")}
    for kind in set(labels) - {"before commit", "after commit"}:
        where = [i for i, label in enumerate(labels, start=1) if label == kind]
        chosen |= {where[0], where[-1]}
    if only:
        inside = [i for i, label in enumerate(labels, start=1) if any(word in label for word in only)]
        chosen = {i for i in chosen if inside[0] - 2 <= i <= inside[-1] + 2}
    return sorted(chosen)


@pytest.mark.parametrize("mode", ["rebuilt related index", "incremental related index"])
def test_killed_build_is_finished_by_the_next_exactly(make_site, tmp_path, mode):
    extra = "[related]\nrebuild_below = 0\n" if mode.startswith("incremental") else ""
    settings = _site(make_site, extra)
    log = tmp_path / "steps.log"
    assert _run(settings, 0, FIRST, log) == 0
    _edit(settings.root)
    base = tmp_path / "base"
    _snapshot(settings, base)
    assert _run(settings, 0, SECOND, log) == 0  # the uninterrupted run, step by step
    reference = _state(settings)
    labels = [line for line in log.read_text().splitlines() if line]
    if mode.startswith("incremental"):  # the whole run is covered above; here, the index updates
        points = _kill_points(labels, only=("topics", "related"))
    else:
        points = _kill_points(labels)
        kinds = {labels[i - 1] for i in points}
        assert {"begin", "before commit", "after commit", "before rename", "after rename"} <= kinds
        assert {"progress topics", "progress related: terms", "progress related: lists", "progress publish"} <= kinds
    for point in points:
        _restore(settings, base)
        assert _run(settings, point, SECOND, log) == -signal.SIGKILL, f"step {point} ({labels[point - 1]}) was not reached"
        assert _run(settings, 0, SECOND, tmp_path / "rerun.log") == 0
        state = _state(settings)
        assert state[0] == reference[0], f"store differs after a kill at step {point} ({labels[point - 1]})"
        assert state[1] == reference[1], f"feeds differ after a kill at step {point} ({labels[point - 1]})"


def test_killed_publish_is_finished_by_the_next_publish(make_site, tmp_path):
    settings = _site(make_site)
    log = tmp_path / "steps.log"
    assert _run(settings, 0, FIRST, log, "gather") == 0
    base = tmp_path / "base"
    shutil.copytree(settings.root / "data", base / "data")
    store_copied(base / settings.store_path.relative_to(settings.root))
    assert _run(settings, 0, FIRST, log, "publish") == 0
    reference = _state(settings)[1]
    labels = [line for line in log.read_text().splitlines() if line]
    renames = [i for i, label in enumerate(labels, start=1) if "rename" in label]
    for point in [renames[0], renames[len(renames) // 2], renames[-1], renames[-1] + 1]:
        shutil.rmtree(settings.root / "data")
        shutil.rmtree(settings.feeds.output_dir, ignore_errors=True)
        shutil.copytree(base / "data", settings.root / "data")
        assert _run(settings, point, FIRST, log, "publish") == -signal.SIGKILL
        assert _run(settings, 0, FIRST, tmp_path / "rerun.log", "publish") == 0
        assert _state(settings)[1] == reference, f"feeds differ after a kill at step {point}"
        assert not list(settings.feeds.output_dir.rglob("*.tmp"))
