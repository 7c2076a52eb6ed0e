"""`newsfeed digest` through click's CliRunner; outputs under feeds/edisi/; preview server."""

from __future__ import annotations

import email
import urllib.request
from email import policy

from click.testing import CliRunner
from test_digest_support import build, story, week_of_stories

from newsfeed.cli import main
from newsfeed.deliver.preview import PreviewServer


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
