"""The command line: summaries, rejected pages, bad config, determinism across clones."""

import os
import shutil
import time

from click.testing import CliRunner

from conftest import body, page
from newsfeed.cli import main


def _run(settings, *args):
    return CliRunner().invoke(main, [*args, "--config", str(settings.path)], catch_exceptions=False)


def test_build_publishes_and_summarises(make_site):
    settings = make_site({"dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul A", body("Rusia"))})
    result = _run(settings, "build")
    assert result.exit_code == 0, result.output
    assert "articles: 1 new, 0 updated, 0 unchanged, 0 rejected" in result.output
    assert "files: 12 written, 0 unchanged" in result.output  # 3 feeds each for the site and dunia, dunia's page, OPML, index, 2 sitemaps, the robots.txt lines
    again = _run(settings, "build")
    assert "articles: 0 new, 0 updated, 1 unchanged, 0 rejected; files: 0 written, 12 unchanged" in again.output


def test_rejected_page_still_publishes_the_rest_then_fails(make_site):
    settings = make_site(
        {
            "dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul A", body("Rusia")),
            "dunia/rusak.txt": "Dunia\n\nJudul Rusak é\n\nIsi.".encode("latin-1"),
            "dunia/kosong.txt": "",
        }
    )
    result = _run(settings, "build")
    assert result.exit_code == 1
    assert "rejected: " in result.output and "dunia/rusak.txt: not UTF-8" in result.output
    assert "dunia/kosong.txt: empty file" in result.output
    assert "articles: 1 new, 0 updated, 0 unchanged, 2 rejected" in result.output
    assert (settings.feeds.output_dir / "dunia" / "rss.xml").exists()


def test_quiet_prints_only_errors(make_site):
    settings = make_site({"dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul A", body("Rusia"))})
    result = _run(settings, "build", "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_gather_then_publish_separately(make_site):
    settings = make_site({"dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul A", body("Rusia"))})
    assert "articles: 1 new" in _run(settings, "gather").output
    assert not settings.feeds.output_dir.exists()
    assert "files: 12 written" in _run(settings, "publish").output


def test_bad_config_names_key_and_fix(make_site):
    settings = make_site({}, extra_config="")
    text = settings.path.read_text().replace("max_items = 50", "max_items = -3")
    settings.path.write_text(text)
    result = CliRunner().invoke(main, ["build", "--config", str(settings.path)])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: config.toml: feeds.max_items: must be a whole number >= 1, not -3"


def test_missing_and_broken_config(tmp_path):
    missing = CliRunner().invoke(main, ["build", "--config", str(tmp_path / "nope.toml")])
    assert missing.exit_code == 1 and "nope.toml: no such file" in missing.output
    broken = tmp_path / "config.toml"
    broken.write_text("[site\nname = 1")
    result = CliRunner().invoke(main, ["build", "--config", str(broken)])
    assert result.exit_code == 1 and "not valid TOML" in result.output and len(result.output.strip().splitlines()) == 1


def test_two_clones_built_at_different_times_are_identical(make_site, tmp_path_factory):
    settings = make_site({f"dunia/2024-10-0{i}-0900-a{i}.txt": page("Dunia", f"Judul {i}", body("Rusia")) for i in range(1, 5)})
    clone = tmp_path_factory.mktemp("clone") / "site"
    shutil.copytree(settings.root, clone, ignore=shutil.ignore_patterns("data", "feeds"))
    assert _run(settings, "build").exit_code == 0
    for path in (clone / "pages").rglob("*.txt"):  # the clone's files are checked out later
        os.utime(path, (path.stat().st_atime + 86400, path.stat().st_mtime + 86400))
    time.sleep(1.1)  # and built at another second: nothing may depend on the clock
    result = CliRunner().invoke(main, ["build", "--config", str(clone / "config.toml")])
    assert result.exit_code == 0
    first = {p.relative_to(settings.feeds.output_dir): p.read_bytes() for p in settings.feeds.output_dir.rglob("*") if p.is_file()}
    second = {p.relative_to(clone / "feeds"): p.read_bytes() for p in (clone / "feeds").rglob("*") if p.is_file()}
    assert first == second and "topik/rusia/atom.xml" in {p.as_posix() for p in first}


def test_section_slug_cannot_take_a_reserved_folder(make_site):
    settings = make_site({})
    settings.path.write_text(settings.path.read_text().replace('slug = "olahraga"', 'slug = "topik"'))
    result = CliRunner().invoke(main, ["build", "--config", str(settings.path)])
    assert result.exit_code == 1
    assert "sections.4.slug: 'topik' is taken by feeds/topik/ (topic feeds); choose another slug" in result.output


def test_huge_page_is_rejected_and_the_rest_published(make_site):
    huge = page("Dunia", "Judul Raksasa", ["Kata " * 600_000])
    settings = make_site({"dunia/2024-10-01-0900-a.txt": page("Dunia", "Judul A", body("Rusia")), "dunia/raksasa.txt": huge})
    result = _run(settings, "build")
    assert result.exit_code == 1
    assert "dunia/raksasa.txt: over 2 MB, too large for one article" in result.output
    assert "articles: 1 new" in result.output


def test_an_unchanged_build_imports_neither_the_numeric_nor_the_http_stack(make_site):
    # start-up is most of an unchanged build: numpy/scipy come only with enrichment work,
    # httpx and the page extractor only with a live source
    import subprocess
    import sys

    settings = make_site({f"dunia/2024-10-0{i}-0900-a{i}.txt": page("Dunia", f"Judul {i}", body("Rusia")) for i in range(1, 4)})
    assert _run(settings, "build").exit_code == 0
    probe = ("import sys\nfrom newsfeed.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(' '.join(sorted(m for m in ('numpy', 'scipy', 'httpx', 'protego', 'trafilatura') if m in sys.modules)))")
    done = subprocess.run([sys.executable, "-c", probe, "build", "--quiet", "--config", str(settings.path)],
                          capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "", done.stdout
