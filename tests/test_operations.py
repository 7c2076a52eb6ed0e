"""What operators do to a site: damage files, run twice at once, fill the disk, lock the store."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import KORUT, page
from pgstore import sqlite_only
from pgstore import forget_store
from newsfeed.deliver.server import make_http_server
from newsfeed.store import Store

CLI = [sys.executable, "-c", "import sys; from newsfeed.cli import main; sys.exit(main())"]


def newsfeed(settings, *args, check=False, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([*CLI, *args, "--config", str(settings.path)], capture_output=True, text=True, timeout=120, **kwargs)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def _pages(count: int) -> dict[str, str]:
    return {f"dunia/2024-10-{i % 28 + 1:02d}-{i:04d}-korut-{i}.txt": page("Dunia", f"Korea Utara Kirim Pasukan {i}", KORUT[i % 4 :] + [f"Kabar ke-{i}."]) for i in range(count)}


def test_damaged_or_deleted_feed_file_is_written_again(make_site):
    settings = make_site(_pages(5))
    newsfeed(settings, "build", check=True)
    atom = settings.feeds.output_dir / "atom.xml"
    good = atom.read_bytes()
    atom.write_text("x\n")
    (settings.feeds.output_dir / "dunia" / "feed.json").unlink()
    done = newsfeed(settings, "build", check=True)
    assert atom.read_bytes() == good
    assert (settings.feeds.output_dir / "dunia" / "feed.json").exists()
    assert "files: 2 written" in done.stdout


def test_temporaries_of_a_killed_publish_are_removed(make_site):
    """A publish killed while writing (tests/test_kills.py kills real ones) leaves its
    temporaries and its mark in the store; the next publish sweeps them."""
    from newsfeed.store import outputs

    settings = make_site(_pages(3))
    newsfeed(settings, "build", check=True)
    stale = [settings.feeds.output_dir / ".rss.xml.k2j3h4g5.tmp", settings.feeds.output_dir / "dunia" / ".atom.xml.abcdef12.tmp"]
    for path in stale:
        path.write_bytes(b"<rss")
    with Store(settings.store_path) as store:
        outputs.begin_writing(store)  # what the killed run did before writing them
    (settings.root / "pages" / "dunia" / "baru.txt").write_text(page("Dunia", "Berita Baru Korea Utara", KORUT), encoding="utf-8")
    newsfeed(settings, "build", check=True)
    assert not any(path.exists() for path in stale)


def test_two_first_builds_at_once_both_succeed_and_agree(make_site):
    settings = make_site(_pages(40))
    runs = [subprocess.Popen([*CLI, "build", "--config", str(settings.path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(run.wait(timeout=120), *run.communicate()) for run in runs]
    assert [code for code, _out, _err in results] == [0, 0], results
    assert "already exists" not in "".join(err for _c, _o, err in results)
    first = {p.relative_to(settings.feeds.output_dir): p.read_bytes() for p in settings.feeds.output_dir.rglob("*") if p.is_file()}
    shutil.rmtree(settings.feeds.output_dir)
    forget_store(settings.store_path)
    shutil.rmtree(settings.store_path.parent)
    newsfeed(settings, "build", check=True)
    again = {p.relative_to(settings.feeds.output_dir): p.read_bytes() for p in settings.feeds.output_dir.rglob("*") if p.is_file()}
    assert first == again


def test_server_serves_only_what_publish_wrote(make_site):
    settings = make_site(_pages(3), extra_config="")
    newsfeed(settings, "build", check=True)
    (settings.feeds.output_dir / "catatan.txt").write_text("tidak untuk umum")
    (settings.feeds.output_dir / "salinan.sqlite3").write_bytes(settings.store_path.read_bytes())
    server = make_http_server(settings, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with urllib.request.urlopen(f"{base}/rss.xml", timeout=10) as response:
            assert response.status == 200
        for stray in ("catatan.txt", "salinan.sqlite3"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{base}/{stray}", timeout=10)
            assert refused.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def _can_mount() -> bool:
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"], capture_output=True)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(shutil.which("unshare") is None or not _can_mount(), reason="needs unshare -m and tmpfs mounts (root in a container that allows them)")


def _in_namespace(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run a shell script in a private mount namespace (its mounts vanish with it)."""
    path = tmp_path / "scenario.sh"
    path.write_text(textwrap.dedent(script))
    return subprocess.run(["unshare", "-m", "bash", "-eu", str(path)], capture_output=True, text=True, timeout=300)


def _one_error_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("Error:")]
    assert len(lines) == 1, text
    assert "Traceback" not in text, text
    return lines[0]


@sqlite_only
@needs_mount
def test_full_disk_is_one_line_and_loses_nothing(make_site, tmp_path):
    settings = make_site(_pages(6))
    data = settings.store_path.parent
    data.mkdir(parents=True)
    command = " ".join(f"'{part}'" for part in [*CLI, "build", "--config", str(settings.path)])
    done = _in_namespace(
        f"""
        mount -t tmpfs -o size=8m tmpfs '{data}'
        {command}
        cp '{settings.store_path}' '{tmp_path}/before.sqlite3'
        for i in $(seq 1 40); do printf 'Dunia\\n\\nBerita Panjang %s\\n\\n%s\\n' $i "$(head -c 20000 /dev/zero | tr '\\0' 'a')" > '{settings.root}/pages/dunia/panjang-'$i.txt; done
        head -c 7500000 /dev/zero > '{data}/filler' || true
        set +e
        {command} > '{tmp_path}/full.out' 2> '{tmp_path}/full.err'
        echo $? > '{tmp_path}/full.code'
        set -e
        rm '{data}/filler'
        {command} > '{tmp_path}/after.out' 2> '{tmp_path}/after.err'
        cp '{settings.store_path}' '{tmp_path}/after.sqlite3'
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "full.code").read_text().strip() == "1"
    line = _one_error_line((tmp_path / "full.err").read_text())
    assert str(settings.store_path) in line and "full" in line and "free some space" in line
    import sqlite3

    before = sqlite3.connect(tmp_path / "before.sqlite3").execute("SELECT count(*) FROM articles").fetchone()[0]
    after = sqlite3.connect(tmp_path / "after.sqlite3").execute("SELECT count(*) FROM articles").fetchone()[0]
    assert (before, after) == (6, 46)  # nothing stored was lost; with space again, the rest came in


@sqlite_only
@needs_mount
def test_read_only_store_is_one_line_naming_the_fix(make_site, tmp_path):
    settings = make_site(_pages(3))
    newsfeed(settings, "build", check=True)
    (settings.root / "pages" / "dunia" / "baru.txt").write_text(page("Dunia", "Berita Baru Korea Utara", KORUT), encoding="utf-8")
    data = settings.store_path.parent
    command = " ".join(f"'{part}'" for part in [*CLI, "build", "--config", str(settings.path)])
    done = _in_namespace(
        f"""
        mount --bind '{data}' '{data}'
        mount -o remount,bind,ro '{data}'
        set +e
        {command} > '{tmp_path}/ro.out' 2> '{tmp_path}/ro.err'
        echo $? > '{tmp_path}/ro.code'
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "ro.code").read_text().strip() == "1"
    line = _one_error_line((tmp_path / "ro.err").read_text())
    assert str(data) in line and ("writable" in line or "read-only" in line)
    assert newsfeed(settings, "build", check=True).returncode == 0  # writable again: the run goes through


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52", "2024-W60"])
def test_absurd_digest_week_is_one_line(make_site, week):
    settings = make_site(_pages(3))
    newsfeed(settings, "build", check=True)
    done = newsfeed(settings, "digest", "--week", week)
    assert done.returncode == 1
    line = _one_error_line(done.stderr)
    assert "--week" in line and "2024-W42" in line
