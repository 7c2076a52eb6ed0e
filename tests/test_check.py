"""`newsfeed check`: per aggregator, the feed items that miss what it requires."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import NOW, body, page
from imagesite import write_site
from newsfeed import core
from newsfeed.check import check, feed_items, load_profiles
from newsfeed.cli import main
from newsfeed.errors import ConfigError
from newsfeed.store import Store


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    settings = write_site(tmp_path_factory.mktemp("periksa"))
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        problems = check(settings, store, NOW, load_profiles())
    return settings, problems


def _of(problems, key_part: str, profile: str) -> list[str]:
    return [p.what for p in problems if key_part in p.key and p.profile == profile]


def test_the_five_profiles_come_from_the_data_file():
    profiles = {p.key: p for p in load_profiles()}
    assert list(profiles) == ["google-news", "flipboard", "microsoft-start", "kurio", "smartnews"]
    assert profiles["kurio"].image_min_width == 300 and profiles["microsoft-start"].image_required
    assert all(20 <= p.title_min < p.title_max <= 150 for p in profiles.values())


def test_an_item_without_image_misses_it_where_an_image_is_required(site):
    _settings, problems = site
    key = "nasional/2024-10-07-2000-dpr.txt"
    for profile in ("Flipboard", "Microsoft Start", "Kurio"):
        assert "no lead image" in _of(problems, key, profile)
    for profile in ("Google News", "SmartNews"):
        assert _of(problems, key, profile) == []


def test_image_sizes_are_checked_where_known(site):
    _settings, problems = site
    small = "ekonomi/2024-10-05-1010-rupiah.txt"  # 280 x 200
    assert _of(problems, small, "Kurio") == ["lead image 280 px wide, under 300 px"]
    assert _of(problems, small, "Flipboard") == ["lead image 280 px wide, under 400 px"]
    assert _of(problems, small, "Microsoft Start") == []  # 150 x 150 is its minimum
    big = "dunia/2024-10-01-0815-korut-1.txt"  # 1200 x 675
    assert [p for p in problems if big in p.key] == []
    remote = "ekonomi/2024-10-06-1015-pelabuhan.txt"  # size unknown: not reported
    assert [p for p in problems if remote in p.key] == []


def test_a_short_headline_and_a_teaser_body_are_reported_with_the_fix(site):
    _settings, problems = site
    key = "nasional/2024-10-08-0930-pendek.txt"
    found = [p for p in problems if p.key == key and p.profile == "Google News"]
    assert [p.what for p in found] == [
        "headline of 5 characters, under 20",
        "body of 37 characters is not the full article",
        "description of 37 characters, under 50",
    ]
    assert str(found[0]) == f"{key}: Google News: headline of 5 characters, under 20; write a headline of 20 to 110 characters"
    assert "not a teaser" in found[1].fix


def test_items_are_those_of_the_feeds_each_once(site):
    settings, _problems = site
    with Store(settings.store_path) as store:
        items = feed_items(settings, store, NOW)
    assert len(items) == len({a.id for a in items}) == 8


def _cli(settings, *args):
    return CliRunner().invoke(main, ["check", "--config", str(settings.path), *args])


def test_cli_prints_one_line_per_problem_and_exits_1(site):
    settings, problems = site
    result = _cli(settings)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines == [str(p) for p in problems]
    assert all(line.split(": ", 1)[0].endswith(".txt") for line in lines)
    assert f"{len(problems)} problem(s)" in result.stderr


def test_cli_exits_0_when_every_item_meets_a_profile(tmp_path):
    good = {f"dunia/2024-10-0{d}-0900-baik-{d}.txt": page("Dunia", f"Berita Dunia yang Lengkap dan Jelas Nomor {d}", body("Rusia", n=4)) for d in (1, 2)}
    settings = write_site(tmp_path, site_pages=good)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
    result = _cli(settings, "--profile", "google-news", "--profile", "smartnews")
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "0 problem(s) in 0 item(s) for Google News, SmartNews" in result.stderr
    assert _cli(settings).stdout.count("Feed validator") == 0
    assert _cli(settings, "--profile", "flipboard").exit_code == 1  # no images


def test_unknown_profile_is_a_usage_error(site):
    settings, _problems = site
    result = _cli(settings, "--profile", "yahoo")
    assert result.exit_code == 2 and "unknown profile yahoo; choose from" in result.output


def test_a_broken_profile_file_is_one_line_naming_the_key(tmp_path: Path):
    bad = tmp_path / "profiles.toml"
    bad.write_text('[kurio]\nname = "Kurio"\nimage_required = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"profiles.toml: \[kurio\] image_required must be a bool"):
        load_profiles(bad)
    bad.write_text("[kurio\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the aggregator profiles"):
        load_profiles(bad)


def test_two_items_of_one_feed_at_the_same_second_are_reported_once(tmp_path):
    same = {
        "dunia/2024-10-01-0900-satu.txt": page("Dunia", "Berita Dunia Pertama yang Cukup Panjang", body("Rusia", n=4)),
        "dunia/2024-10-01-0900-dua.txt": page("Dunia", "Berita Dunia Kedua yang Cukup Panjang", body("Rusia", n=4)),
        "dunia/2024-10-01-0930-tiga.txt": page("Dunia", "Berita Dunia Ketiga yang Cukup Panjang", body("Rusia", n=4)),
    }
    settings = write_site(tmp_path, site_pages=same)
    with Store(settings.store_path) as store:
        core.gather(settings, store, NOW)
        core.publish(settings, store, NOW)
        problems = [p for p in check(settings, store, NOW, ()) if p.profile == "Feed validator"]
    [problem] = problems  # in the site feed and the section feed, said once
    assert {problem.key, problem.what.split()[6]} == {"dunia/2024-10-01-0900-satu.txt", "dunia/2024-10-01-0900-dua.txt"}
    assert "DuplicateUpdated" in problem.what
    import feedrules

    atom = (settings.feeds.output_dir / "dunia" / "atom.xml").read_bytes()
    assert any(p.startswith("DuplicateUpdated") for p in feedrules.atom_problems(atom))  # what the validator would say
    result = _cli(settings, "--profile", "feed-validator")
    assert result.exit_code == 1 and result.stdout.splitlines() == [str(problem)]
