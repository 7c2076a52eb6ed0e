"""Staged writes (deliver/files.py): temporaries beside their targets, renamed all together."""

import os

import pytest

from newsfeed.deliver.files import Staged, remove_stale_temporaries


def test_staged_files_appear_only_at_commit_with_their_mode_whatever_the_umask(tmp_path):
    (tmp_path / "dunia").mkdir()
    (tmp_path / "dunia" / "rss.xml").write_bytes(b"old")
    staged = Staged(tmp_path)
    before = os.umask(0o077)
    try:
        staged.add("dunia/rss.xml", b"new")
        staged.add("topik/korea-utara/atom.xml", b"x" * 300_000)
    finally:
        os.umask(before)
    assert (tmp_path / "dunia" / "rss.xml").read_bytes() == b"old"
    assert not (tmp_path / "topik" / "korea-utara" / "atom.xml").exists()
    staged.commit()
    assert (tmp_path / "dunia" / "rss.xml").read_bytes() == b"new"
    written = tmp_path / "topik" / "korea-utara" / "atom.xml"
    assert written.read_bytes() == b"x" * 300_000
    assert written.stat().st_mode & 0o777 == 0o644
    assert staged.written["topik/korea-utara/atom.xml"] == (written.stat().st_size, written.stat().st_mtime_ns)
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_killed_publish_leaves_temporaries_the_sweep_knows(tmp_path):
    staged = Staged(tmp_path)
    staged.add("rss.xml", b"<rss")
    staged.add("dunia/atom.xml", b"<feed")
    left = sorted(p.name for p in tmp_path.rglob("*.tmp"))  # killed here: no commit, no discard
    assert len(left) == 2
    assert remove_stale_temporaries(tmp_path) == 2
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_temporary_name_taken_already_falls_back_to_a_fresh_one(tmp_path):
    staged = Staged(tmp_path)
    taken = tmp_path / f".rss.xml.{staged._token}000000.tmp"
    taken.write_bytes(b"someone else's")
    staged.add("rss.xml", b"mine")
    staged.commit()
    assert (tmp_path / "rss.xml").read_bytes() == b"mine"
    assert taken.read_bytes() == b"someone else's"


def test_discard_removes_every_temporary_and_leaves_published_files(tmp_path):
    (tmp_path / "rss.xml").write_bytes(b"published")
    staged = Staged(tmp_path)
    staged.add("rss.xml", b"half")
    staged.add("dunia/rss.xml", b"other")
    staged.discard()
    assert (tmp_path / "rss.xml").read_bytes() == b"published"
    assert not list(tmp_path.rglob("*.tmp"))
    with pytest.raises(FileNotFoundError):
        (tmp_path / "dunia" / "rss.xml").read_bytes()
