"""`newsfeed digest` through click's CliRunner; outputs under feeds/edisi/; preview server;
weeks that have not ended; failed writes; byte-identical outputs across runs and processes."""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import urllib.request
from datetime import UTC, datetime, timedelta
from email import policy
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from test_digest_support import NOW, SCHEDULED_TITLE, build, korut_week, story, week_of_stories
from pgstore import forget_store

from newsfeed import core, editions
from newsfeed.cli import main
from newsfeed.deliver.preview import PreviewServer
from newsfeed.store import Store
from newsfeed.times import week_bounds

WIB = ZoneInfo("Asia/Jakarta")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December")


def run(settings, *args):
    return CliRunner().invoke(main, ["digest", "--config", str(settings.path), *args], catch_exceptions=False)


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_digest_writes_edition_files_and_archive(make_site):
    pages = week_of_stories(2)
    pages["dunia/lama.txt"] = story("dunia", "Berita Pekan Sebelumnya", "2024-10-09 10:00")
    settings, store = build(make_site, pages)
    store.close()
    result = run(settings, "--week", "2024-W42")
    assert result.exit_code == 0, result.output
    assert "digest 2024-W42: 10 stories" in result.output
    assert "https://kabaruji.example/feeds/edisi/2024-W42/" in result.output
    feeds = settings.feeds.output_dir
    for name in ("index.html", "digest.txt", "digest.eml"):
        assert (feeds / "edisi" / "2024-W42" / name).is_file()
    msg = email.message_from_bytes((feeds / "edisi/2024-W42/digest.eml").read_bytes(), policy=policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    assert run(settings, "--week", "2024-W41", "--quiet").exit_code == 0
    archive = (feeds / "edisi" / "index.html").read_text(encoding="utf-8")
    assert archive.index("2024-W42/") < archive.index("2024-W41/")  # newest first
    assert "14–20 Oktober 2024" in archive and "7–13 Oktober 2024" in archive


def test_same_week_twice_is_byte_identical(make_site):
    settings, store = build(make_site, week_of_stories(3))
    store.close()
    assert run(settings, "--week", "2024-W42").exit_code == 0
    first = snapshot(settings.feeds.output_dir)
    result = run(settings, "--week", "2024-W42")
    assert "0 written" in result.output
    assert snapshot(settings.feeds.output_dir) == first


def test_empty_week_exits_0_with_a_message(make_site):
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Berita", "2024-10-15 10:00")})
    store.close()
    result = run(settings, "--week", "2024-W30")
    assert result.exit_code == 0
    assert "No digest" in result.output and "2024-W30" in result.output
    assert not (settings.feeds.output_dir / "edisi").exists()


def test_sections_option_writes_a_variant(make_site):
    settings, store = build(make_site, week_of_stories(2))
    store.close()
    result = run(settings, "--week", "2024-W42", "--sections", "olahraga,dunia")
    assert result.exit_code == 0, result.output
    page = (settings.feeds.output_dir / "edisi/2024-W42/dunia+olahraga/index.html").read_text(encoding="utf-8")
    assert "Dunia 0:" in page and "Olahraga 0:" in page and "Nasional 0:" not in page
    assert not (settings.feeds.output_dir / "edisi/index.html").exists()  # the archive lists full editions only


def test_bad_options_give_one_line_errors(make_site):
    settings, store = build(make_site, week_of_stories(1))
    store.close()
    result = run(settings, "--week", "42")
    assert result.exit_code == 1 and "Error: --week '42' is not an ISO week; write it as 2024-W42" in result.output
    result = run(settings, "--week", "2024-W42", "--sections", "cuaca")
    assert result.exit_code == 1 and "cuaca is not a configured section" in result.output


def test_preview_opens_the_web_copy(make_site, monkeypatch):
    settings, store = build(make_site, week_of_stories(1))
    store.close()
    opened = []
    monkeypatch.setattr("newsfeed.deliver.preview.has_browser", lambda: True)
    monkeypatch.setattr("click.launch", lambda target, **kw: opened.append(target) or 0)
    result = run(settings, "--week", "2024-W42", "--preview")
    assert result.exit_code == 0, result.output
    assert opened == [str(settings.feeds.output_dir / "edisi/2024-W42/index.html")]


def test_preview_server_serves_the_page_over_a_real_socket(make_site):
    settings, store = build(make_site, week_of_stories(1))
    store.close()
    assert run(settings, "--week", "2024-W42").exit_code == 0
    page = settings.feeds.output_dir / "edisi/2024-W42/index.html"
    with PreviewServer(page).start() as server:
        assert server.url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(server.url, timeout=5) as response:
            assert response.status == 200
            assert response.read() == page.read_bytes()


# weeks that have not ended -------------------------------------------------------------


def current_week() -> tuple[str, datetime, datetime]:
    """(code, start, end) of the ISO week in progress in Jakarta, by the real clock (the CLI's)."""
    iso = datetime.now(UTC).astimezone(WIB).isocalendar()
    start, end = week_bounds(iso.year, iso.week, WIB)
    if end - datetime.now(UTC) < timedelta(minutes=2):
        pytest.skip("the week is about to end; its refusal cannot be tested reliably now")
    return f"{iso.year}-W{iso.week:02d}", start, end


def test_current_and_future_weeks_are_refused_with_a_one_line_error(make_site):
    code, start, end = current_week()
    settings, store = build(make_site, {"dunia/a.txt": story("dunia", "Sudah Terbit", start.strftime("%Y-%m-%d %H:%M"))})
    store.close()
    result = run(settings, "--week", code)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: week {code} has not ended yet (it ends Monday {end.day} {MONTHS[end.month - 1]} {end.year} 00:00 WIB); "
        "pick a past week\n"
    )
    result = run(settings, "--week", "2099-W10", "--sections", "dunia")
    assert result.exit_code == 1
    assert result.output == "Error: week 2099-W10 has not ended yet (it ends Monday 9 March 2099 00:00 WIB); pick a past week\n"
    assert not settings.feeds.output_dir.exists()
    with Store(settings.store_path) as store:
        assert editions.published_editions(store) == []


def test_preview_of_the_week_in_progress_shows_it_so_far_and_publishes_nothing(make_site, monkeypatch):
    code, start, end = current_week()
    last_minute = end - timedelta(minutes=1)
    settings, store = build(make_site, {
        "dunia/a.txt": story("dunia", "Sudah Terbit Awal Pekan", start.strftime("%Y-%m-%d %H:%M")),
        "dunia/b.txt": story("dunia", "Dijadwalkan Menit Terakhir", last_minute.strftime("%Y-%m-%d %H:%M")),
    })
    store.close()
    served = []

    def serve_one_request(server):  # the real server on a real socket, for one page load
        server.start()
        with urllib.request.urlopen(server.url, timeout=5) as response:
            served.append(response.read().decode("utf-8"))

    monkeypatch.setattr("newsfeed.deliver.preview.has_browser", lambda: False)
    monkeypatch.setattr(PreviewServer, "serve_forever", serve_one_request)
    result = run(settings, "--week", code, "--preview")
    assert result.exit_code == 0, result.output
    assert f"preview of {code} so far (the week has not ended): 1 stories" in result.output
    assert "nothing written" in result.output and "preview: http://127.0.0.1:" in result.output
    assert len(served) == 1 and "Sudah Terbit Awal Pekan" in served[0] and "Dijadwalkan Menit Terakhir" not in served[0]
    assert not settings.feeds.output_dir.exists()  # no web copy, no archive
    with Store(settings.store_path) as store:
        assert editions.published_editions(store) == []
    # without --preview the same week is refused
    assert run(settings, "--week", code).exit_code == 1


def test_scheduled_page_is_not_linked_from_the_cli_digest(make_site):
    settings, store = build(make_site, korut_week("2099-01-05 08:00"))  # scheduled by any real clock
    store.close()
    result = run(settings, "--week", "2024-W42")
    assert result.exit_code == 0, result.output
    folder = settings.feeds.output_dir / "edisi/2024-W42"
    for name in ("index.html", "digest.txt", "digest.eml"):
        data = (folder / name).read_bytes()
        assert b"korut-nanti" not in data and SCHEDULED_TITLE.encode() not in data
    assert b"Artikel Terkait" in (folder / "index.html").read_bytes()


# failures and determinism ---------------------------------------------------------------


def test_a_failed_write_does_not_list_the_edition(make_site):
    pages = week_of_stories(1)
    pages["dunia/lama.txt"] = story("dunia", "Berita Pekan Sebelumnya", "2024-10-09 10:00")
    settings, store = build(make_site, pages)
    store.close()
    feeds = settings.feeds.output_dir
    assert run(settings, "--week", "2024-W41").exit_code == 0
    blocker = feeds / "edisi" / "2024-W42"
    blocker.write_text("not a folder\n", encoding="utf-8")  # the edition's folder cannot be made, even by root
    result = run(settings, "--week", "2024-W42")
    assert result.exit_code == 1 and "cannot write" in result.output
    with Store(settings.store_path) as store:
        assert [e["code"] for e in editions.published_editions(store)] == ["2024-W41"]
    assert "2024-W42" not in (feeds / "edisi" / "index.html").read_text(encoding="utf-8")
    # another edition rewrites the archive: still without the one whose files are missing
    assert run(settings, "--week", "2024-W41").exit_code == 0
    assert "2024-W42" not in (feeds / "edisi" / "index.html").read_text(encoding="utf-8")
    blocker.unlink()
    assert run(settings, "--week", "2024-W42").exit_code == 0
    archive = (feeds / "edisi" / "index.html").read_text(encoding="utf-8")
    assert archive.index("2024-W42/") < archive.index("2024-W41/")
    assert (feeds / "edisi" / "2024-W42" / "digest.eml").is_file()


def run_in_process(settings, seed: str, *args: str) -> None:
    """The CLI in a fresh interpreter with its own hash seed (set and dict orders differ)."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    code = "import sys; from newsfeed.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", code, "digest", "--config", str(settings.path), "--quiet", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr + done.stdout


def test_outputs_are_byte_identical_across_processes_and_publishing_order(make_site, tmp_path):
    pages = {**week_of_stories(3), **korut_week("2099-01-05 08:00")}
    pages["dunia/lama.txt"] = story("dunia", "Berita Pekan Sebelumnya", "2024-10-09 10:00")
    settings, store = build(make_site, pages)
    store.close()
    feeds = settings.feeds.output_dir
    run_in_process(settings, "1", "--week", "2024-W41")
    run_in_process(settings, "1", "--week", "2024-W42")
    run_in_process(settings, "1", "--week", "2024-W42", "--sections", "olahraga,dunia")
    first = snapshot(feeds)
    assert "edisi/index.html" in first and "edisi/2024-W42/dunia+olahraga/digest.eml" in first
    # a new store from the same pages, the editions in the other order, other hash seeds
    shutil.rmtree(feeds)
    forget_store(settings.store_path)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
    run_in_process(settings, "2", "--week", "2024-W42", "--sections", "dunia,olahraga")
    run_in_process(settings, "3", "--week", "2024-W42")
    run_in_process(settings, "4", "--week", "2024-W41")
    assert snapshot(feeds) == first


def test_digest_waits_for_a_build_holding_the_site_lock(make_site):
    # a publish running meanwhile would sweep the edition's temporary files from feeds/
    import threading

    from newsfeed.locking import site_lock

    settings, store = build(make_site, week_of_stories(1))
    store.close()
    held, release = threading.Event(), threading.Event()

    def hold():
        with site_lock(settings.store_path):
            held.set()
            release.wait(60)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(10)
    run_ = subprocess.Popen([sys.executable, "-c", "import sys; from newsfeed.cli import main; sys.exit(main())",
                             "digest", "--week", "2024-W42", "--config", str(settings.path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            run_.wait(timeout=3)
        assert not (settings.feeds.output_dir / "edisi" / "2024-W42").exists()
    finally:
        release.set()
        holder.join()
    out, err = run_.communicate(timeout=60)
    assert run_.returncode == 0, err
    assert "another newsfeed run" in err and "digest 2024-W42" in out
    assert (settings.feeds.output_dir / "edisi" / "2024-W42" / "digest.eml").is_file()
