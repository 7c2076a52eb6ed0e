"""config.toml at load time: unknown keys name the nearest valid one; every value a later
command needs is checked, with one line naming the key and the fix; the output folder can
never be the site, a source, or hold the store."""

from __future__ import annotations

import copy
import difflib
import math
import os
import tomllib
import unicodedata
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings as hsettings, strategies as st

from conftest import config_text
from newsfeed.config import known_keys, load_settings, parse_settings
from newsfeed.config_rules import sender_problem
from newsfeed.errors import ConfigError

BUNDLED = Path(__file__).resolve().parents[1] / "config.toml"
BASE_URL_LINE = 'base_url = "https://kabaruji.example"'


def load(tmp_path: Path, text: str):
    (tmp_path / "pages").mkdir(exist_ok=True)
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path / "config.toml")


def error(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    message = str(caught.value)
    assert_one_line(message)
    assert message.startswith("config.toml: ")
    return message


def assert_one_line(message: str) -> None:
    assert not [c for c in message if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")], message


def with_table(table: str, body: str) -> str:
    """The test config with `body` lines added to its [table] (created after the rest)."""
    text = config_text()
    if f"[{table}]\n" in text:
        return text.replace(f"[{table}]\n", f"[{table}]\n{body}\n", 1)
    return text + f"\n[{table}]\n{body}\n"


def site_value(key: str, value: str) -> str:
    """The test config with [site] `key` set to `value` (a TOML value)."""
    head, sources, rest = config_text().partition("[[sources]]")
    lines = [line for line in head.splitlines() if not line.startswith(f"{key} = ")]
    lines.insert(lines.index("[site]") + 1, f"{key} = {value}")
    return "\n".join(lines) + "\n" + sources + rest


# The bundled and the test configs ---------------------------------------------


def test_bundled_config_loads():
    settings = load_settings(BUNDLED)
    assert settings.site.id_authority == "wartanusantara.example,2024"
    assert settings.feeds.output_dir == BUNDLED.parent / "feeds"


def test_every_key_of_the_bundled_config_is_known():
    raw = tomllib.loads(BUNDLED.read_text(encoding="utf-8"))
    known = known_keys(raw, BUNDLED)
    for table, body in raw.items():
        if isinstance(body, dict):
            assert {f"{table}.{key}" for key in body} <= known | {"topics.aliases"}


# Unknown keys and tables ---------------------------------------------------------


def test_a_typo_names_the_key_and_the_nearest_valid_one(tmp_path):
    message = error(tmp_path, config_text().replace("max_items = 50", "max_itmes = 50"))
    assert message == "config.toml: feeds.max_itmes: unknown key; did you mean feeds.max_items?"


def test_an_unknown_table_names_the_nearest_table(tmp_path):
    message = error(tmp_path, config_text() + '\n[feed]\noutput_dir = "umpan"\n')
    assert message == "config.toml: [feed]: unknown table; did you mean [feeds]?"


def test_an_unknown_array_of_tables_names_the_nearest(tmp_path):
    text = config_text() + '\n[[source]]\nkind = "pages"\npath = "lain"\n'
    assert error(tmp_path, text) == "config.toml: [[source]]: unknown table; did you mean [[sources]]?"


def test_a_misspelt_array_of_tables_is_named_when_its_absence_fails_first(tmp_path):
    message = error(tmp_path, config_text().replace("[[sources]]", "[[source]]"))
    assert message.startswith("config.toml: sources: no source is configured")
    assert "[[source]] is there: a typo for [[sources]]?" in message


def test_a_misspelt_required_key_is_named_in_the_missing_message(tmp_path):
    message = error(tmp_path, config_text().replace('name = "Kabar Uji"', 'nmae = "Kabar Uji"'))
    assert message == "config.toml: site.name: missing; add it to config.toml (site.nmae is there: a typo for site.name?)"
    message = error(tmp_path, config_text().replace("[site]", "[sites]"))
    assert "site.name: missing" in message and "[sites] is there: a typo for [site]?" in message


def test_each_array_table_is_checked(tmp_path):
    text = config_text().replace('kind = "pages"', 'kind = "pages"\nsecton = "dunia"')
    assert error(tmp_path, text) == "config.toml: sources.0.secton: unknown key; did you mean sources.0.section?"
    text = config_text().replace('slug = "ekonomi"', 'slug = "ekonomi"\nnama = "Ekonomi"')
    assert error(tmp_path, text) == "config.toml: sections.2.nama: unknown key; did you mean sections.2.name?"


def test_a_key_in_the_wrong_table_names_where_it_belongs(tmp_path):
    message = error(tmp_path, with_table("feeds", 'timezone = "Asia/Jakarta"'))
    assert message == "config.toml: feeds.timezone: unknown key; did you mean site.timezone?"


def test_an_unknown_key_with_nothing_near_lists_the_table(tmp_path):
    message = error(tmp_path, with_table("feeds", "zzzq = 1"))
    assert message.startswith("config.toml: feeds.zzzq: unknown key; [feeds] takes ")
    assert "max_items" in message and "output_dir" in message


def test_free_form_tables_take_any_names(tmp_path):
    text = config_text() + '\n[topics.aliases]\nKorut = "Korea Utara"\n"Jokowi \\"Presiden\\"" = "Joko Widodo"\n'
    assert load(tmp_path, text).topics.aliases["Jokowi \"Presiden\""] == "Joko Widodo"


def test_a_free_form_table_inside_an_array_table(tmp_path):
    from newsfeed.config import _Reader

    raw = {"sources": [{"kind": "html", "section_names": {"Berita Dunia": "dunia"}}, {"kind": "pages", "pth": "x"}]}
    r = _Reader(raw, tmp_path / "config.toml")
    for i in range(len(r.list("sources", []))):
        r.str(f"sources.{i}.kind")
        r.str(f"sources.{i}.path", "")
        r.table(f"sources.{i}.section_names")
    with pytest.raises(ConfigError) as caught:
        r.check_unknown()
    assert str(caught.value) == "config.toml: sources.1.pth: unknown key; did you mean sources.1.path?"


def test_a_key_the_code_reads_is_known_without_a_schema(tmp_path):
    """Keys added to config.py through the reader need no list of valid keys."""
    from newsfeed.config import _Reader

    raw = {"feeds": {"max_items": 5, "brand_new": 3}}
    unread = _Reader(raw, tmp_path / "config.toml")
    unread.int("feeds.max_items", 50)
    with pytest.raises(ConfigError, match=r"feeds\.brand_new: unknown key; \[feeds\] takes max_items$"):
        unread.check_unknown()
    read = _Reader(raw, tmp_path / "config.toml")
    read.int("feeds.max_items", 50)
    assert read.int("feeds.brand_new", 1) == 3
    read.check_unknown()


def test_a_scalar_where_a_table_belongs_is_refused(tmp_path):
    text = 'feeds = "feeds"\n' + config_text().replace("[feeds]\nmax_items = 50\n", "")
    assert error(tmp_path, text) == "config.toml: feeds: must be a table of keys, not 'feeds'"


def test_odd_key_names_are_shown_on_one_line(tmp_path):
    message = error(tmp_path, with_table("feeds", '"max\\nitems" = 5'))
    assert message.startswith('config.toml: feeds."max\\u000aitems": unknown key')


# Values ------------------------------------------------------------------------


URL_KEYS = ["site.base_url", "feeds.base_url", "newsletter.endpoint_url"]
BAD_URLS = [
    ("https://kabar uji.example", "space"),
    ("https://kabaruji.example/a\tb", "\\x09"),
    ("kabaruji.example", "absolute"),
    ("ftp://kabaruji.example", "absolute"),
    ("https://kabaruji.example/?utm=1", "query"),
    ("https://kabaruji.example/#atas", "fragment"),
    ("https://admin:rahasia@kabaruji.example", "password"),
    ("https:///berita", "no host"),
    ("https://kabaruji.example:70000", "1-65535"),
    ("https://kabaruji.example:0", "port 0"),
    ("https://kabar_uji.example", "not a host name"),
    ("https://[::1", "not a URL"),
    ("https://bérita.example", "xn--"),
    ("https://kabaruji.example/berita/é", "percent-encode"),
    ("https://kabaruji.example/%zz", "percent-encode"),
]


@pytest.mark.parametrize("key", URL_KEYS)
@pytest.mark.parametrize(("value", "says"), BAD_URLS)
def test_bad_urls_are_refused_naming_the_key(tmp_path, key, value, says):
    table, name = key.split(".")
    text = site_value(name, f'"{value}"') if table == "site" else with_table(table, f'{name} = "{value}"')
    message = error(tmp_path, text)
    assert message.startswith(f"config.toml: {key}: ") and says in message


@pytest.mark.parametrize("value", ["http://localhost:8000", "https://kabaruji.example/sub/", "https://[::1]:8443", "https://kabaruji.example/a%20b", "https://192.0.2.7"])
def test_good_urls_load(tmp_path, value):
    assert load(tmp_path, site_value("base_url", f'"{value}"')).site.base_url == value.rstrip("/")


@pytest.mark.parametrize(
    "value",
    [
        "bukan sebuah authority",
        "kabaruji.example",
        "kabaruji.example,24",
        "kabaruji.example,2024-13",
        "kabaruji.example,2023-02-29",
        "kabaruji.example,2024-1-1",
        "kabaruji.example,0000",
        "-kabaruji.example,2024",
        "kabar uji,2024",
        "redaksi+feed@kabaruji.example,2024",
        "@kabaruji.example,2024",
        "kabaruji.example:2024",
        "kabaruji.example,\u0662\u0660\u0662\u0664",
        "kabaruji.example,2024\\n",
    ],
)
def test_tag_authority_follows_rfc_4151(tmp_path, value):
    message = error(tmp_path, site_value("id_authority", f'"{value}"'))
    assert message.startswith("config.toml: site.id_authority: ")
    assert "RFC 4151" in message and "never change" in message and '"yourdomain.example,2024"' in message


@pytest.mark.parametrize("value", ["kabaruji.example,2024", "kabaruji.example,2024-02", "redaksi@kabaruji.example,2024-02-29", "localhost,2000", "Kabar-Uji.example,1999-12-31"])
def test_good_tag_authorities_load(tmp_path, value):
    assert load(tmp_path, site_value("id_authority", f'"{value}"')).site.id_authority == value


@pytest.mark.parametrize("value", ["0", "70000", "-1", '"25"', "25.5", "true"])
def test_smtp_port_is_1_to_65535(tmp_path, value):
    assert error(tmp_path, with_table("smtp", f"port = {value}")).startswith("config.toml: smtp.port: must be a whole number")


@pytest.mark.parametrize("value", ["1", "65535", "587"])
def test_good_smtp_ports_load(tmp_path, value):
    assert load(tmp_path, with_table("smtp", f"port = {value}")).smtp.port == int(value)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "601", '"30"'])
def test_smtp_timeout_is_positive_and_sane(tmp_path, value):
    assert error(tmp_path, with_table("smtp", f"timeout = {value}")).startswith("config.toml: smtp.timeout: must be")


@pytest.mark.parametrize("value", ["-1", "nan", "inf", "-inf", "1e9"])
def test_rate_is_a_number_from_zero(tmp_path, value):
    assert error(tmp_path, with_table("smtp", f"rate_per_second = {value}")).startswith("config.toml: smtp.rate_per_second: must be a number")


def test_good_smtp_numbers_load(tmp_path):
    smtp = load(tmp_path, with_table("smtp", "timeout = 0.5\nrate_per_second = 2.5")).smtp
    assert (smtp.timeout, smtp.rate_per_second) == (0.5, 2.5)
    assert load(tmp_path, with_table("smtp", "rate_per_second = 0")).smtp.rate_per_second == 0


@pytest.mark.parametrize("value", ["", "smtp example.com", "smtp_1.example.com", "-smtp.example.com", "smtp.example.com\\n"])
def test_smtp_host_is_a_host_name(tmp_path, value):
    message = error(tmp_path, with_table("smtp", f'host = "{value}"'))
    assert message.startswith("config.toml: smtp.host: ") and "smtp.example.com" in message


@pytest.mark.parametrize("value", ["127.0.0.1", "::1", "smtp.example.com", "localhost"])
def test_good_smtp_hosts_load(tmp_path, value):
    assert load(tmp_path, with_table("smtp", f'host = "{value}"')).smtp.host == value


@pytest.mark.parametrize(
    "value",
    [
        "bukan alamat",
        "Kabar Uji <redaksi@>",
        "redaksi@kabar@uji.example",
        "Kabar, Uji <redaksi@kabaruji.example>",
        "a <a@kabaruji.example>, b <b@kabaruji.example>",
        "Kabar Uji <redaksi@kabaruji.example",
        "redaksi@localhost",
        "Kabar Uji\\nBcc: semua@kabaruji.example",
        "rédaksi@kabaruji.example",
    ],
)
def test_digest_sender_is_one_address(tmp_path, value):
    message = error(tmp_path, with_table("digest", f'sender = "{value}"'))
    assert message.startswith("config.toml: digest.sender: ") and '"Nama Situs <redaksi@domain.example>"' in message


@pytest.mark.parametrize("value", ["Kabar Uji <redaksi@kabaruji.example>", "redaksi@kabaruji.example", '\\"Kabar, Uji\\" <r@kabaruji.example>', "Kabar Uji — Redaksi <r@kabaruji.example>"])
def test_good_senders_load(tmp_path, value):
    assert load(tmp_path, with_table("digest", f'sender = "{value}"')).digest.sender == value.replace('\\"', '"')


def test_a_derived_sender_of_an_odd_site_name_is_still_one_address(tmp_path):
    text = config_text().replace('name = "Kabar Uji"', 'name = "Kabar \\"Uji\\", Jakarta"', 1)
    sender = load(tmp_path, text).digest.sender
    assert sender_problem(sender) == ""
    assert parseaddr(sender) == ('Kabar "Uji", Jakarta', "redaksi@kabaruji.example")


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("[feeds]\nmax_items = 1001", "feeds.max_items"),
        ("[feeds]\nmax_items = 0", "feeds.max_items"),
        ("[related]\ncount = 101", "related.count"),
        ("[related]\ncount = -1", "related.count"),
        ("[digest]\nmax_stories = 501", "digest.max_stories"),
        ("[digest]\nmax_per_section = 0", "digest.max_per_section"),
        ("[digest]\nrelated_per_story = 21", "digest.related_per_story"),
        ("[topics]\nmin_articles = 0", "topics.min_articles"),
        ("[topics]\nper_section_in_opml = 5000", "topics.per_section_in_opml"),
    ],
)
def test_counts_have_sane_bounds(tmp_path, line, key):
    table, body = line.split("\n")
    text = config_text().replace("max_items = 50", body) if table == "[feeds]" else with_table(table.strip("[]"), body)
    assert error(tmp_path, text).startswith(f"config.toml: {key}: must be a whole number")


@pytest.mark.parametrize("value", ["Asia", "Mars/Olympus", "../etc/passwd", "", "Asia/Jakarta/", "x" * 300, "/etc/localtime", "WIB"])
def test_timezone_must_exist(tmp_path, value):
    message = error(tmp_path, config_text().replace('timezone = "Asia/Jakarta"', f'timezone = "{value}"'))
    assert message.startswith("config.toml: site.timezone: ") and "Asia/Jakarta" in message


@pytest.mark.parametrize("value", ["UTC", "Asia/Makassar", "America/Argentina/Buenos_Aires", "Etc/GMT+7"])
def test_good_timezones_load(tmp_path, value):
    assert load(tmp_path, config_text().replace('timezone = "Asia/Jakarta"', f'timezone = "{value}"')).site.timezone == value


@pytest.mark.parametrize(("value", "key"), [("[]", "feeds.formats"), ('["rss", "rss"]', "feeds.formats"), ('["rss", 1]', "feeds.formats.1"), ('["xml"]', "feeds.formats")])
def test_formats_are_known_unique_and_not_empty(tmp_path, value, key):
    assert error(tmp_path, with_table("feeds", f"formats = {value}")).startswith(f"config.toml: {key}: ")


@pytest.mark.parametrize(
    ("table", "line", "key"),
    [
        ("smtp", 'password_env = "SMTP PASSWORD"', "smtp.password_env"),
        ("newsletter", 'secret_env = ""', "newsletter.secret_env"),
        ("digest", 'subject = "{site} {minggu}"', "digest.subject"),
        ("digest", 'subject = "{site"', "digest.subject"),
        ("digest", 'subject = "{0}"', "digest.subject"),
        ("digest", 'subject = "{site.x}"', "digest.subject"),
        ("digest", 'subject = "Ringkasan\\n{week}"', "digest.subject"),
        ("topics", "blocked = [1]", "topics.blocked.0"),
        ("topics", 'always = [""]', "topics.always.0"),
        ("topics.aliases", "Korut = 3", "topics.aliases.Korut"),
        ("store", 'path = ""', "store.path"),
        ("templates", 'dir = ""', "templates.dir"),
    ],
)
def test_other_values_a_command_needs(tmp_path, table, line, key):
    assert error(tmp_path, with_table(table, line)).startswith(f"config.toml: {key}: ")


def test_text_with_control_characters_is_refused(tmp_path):
    assert error(tmp_path, config_text().replace('name = "Kabar Uji"', 'name = "Kabar\\u0007Uji"')).startswith("config.toml: site.name: contains the control character \\x07")
    assert error(tmp_path, config_text().replace('name = "Dunia"', 'name = "Du\\u001bnia"')).startswith("config.toml: sections.0.name: ")
    description = load(tmp_path, site_value("description", '"Baris satu.\\nBaris dua."')).site.description
    assert description == "Baris satu.\nBaris dua."


@pytest.mark.parametrize("value", ["id_ID", "", "Indonesia", "i"])
def test_language_is_a_language_tag(tmp_path, value):
    assert error(tmp_path, site_value("language", f'"{value}"')).startswith("config.toml: site.language: ")


# The output folder and the store ------------------------------------------------


def feeds_dir(value: str, extra: str = "") -> str:
    return config_text().replace("[feeds]\n", f'[feeds]\noutput_dir = "{value}"\n', 1) + extra


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (".", "is the site folder"),
        ("", "is not a path"),
        ("./", "is the site folder"),
        ("..", "contains the site folder"),
        ("/", "file system root"),
        ("pages", "inside the source folder"),
        ("pages/feeds", "inside the source folder"),
        ("data", "contains the store"),
        ("templates", "contains the templates folder"),
    ],
)
def test_unsafe_output_folders_are_refused(tmp_path, value, says):
    message = error(tmp_path, feeds_dir(value))
    assert message.startswith("config.toml: feeds.output_dir: ") and says in message
    assert 'use a dedicated folder such as "feeds"' in message or not value


def test_an_output_folder_holding_a_source_or_the_store_is_refused(tmp_path):
    text = feeds_dir("konten").replace('path = "pages"', 'path = "konten/halaman"')
    assert "contains the source folder" in error(tmp_path, text)
    text = feeds_dir("umpan", '\n[store]\npath = "umpan/data.sqlite3"\n')
    assert "contains the store" in error(tmp_path, text)
    text = feeds_dir("umpan", '\n[templates]\ndir = "umpan/templat"\n')
    assert "contains the templates folder" in error(tmp_path, text)


def test_symlinks_are_followed_before_comparing(tmp_path):
    (tmp_path / "pages").mkdir()
    os.symlink(tmp_path, tmp_path / "publik")
    assert "is the site folder" in error(tmp_path, feeds_dir("publik"))
    os.symlink(tmp_path / "pages", tmp_path / "umpan")
    assert "inside the source folder" in error(tmp_path, feeds_dir("umpan"))
    elsewhere = tmp_path.parent / (tmp_path.name + "-feeds")
    elsewhere.mkdir()
    os.symlink(elsewhere, tmp_path / "keluar")
    assert load(tmp_path, feeds_dir("keluar")).feeds.output_dir == tmp_path / "keluar"


def test_a_symlink_loop_is_one_line(tmp_path):
    os.symlink(tmp_path / "b", tmp_path / "a")
    os.symlink(tmp_path / "a", tmp_path / "b")
    assert error(tmp_path, feeds_dir("a/feeds")).startswith("config.toml: feeds.output_dir: ")


def test_an_output_file_is_refused(tmp_path):
    (tmp_path / "umpan").write_text("bukan folder")
    assert "is a file" in error(tmp_path, feeds_dir("umpan"))


def test_safe_output_folders_load(tmp_path):
    assert load(tmp_path, feeds_dir("feeds")).feeds.output_dir == tmp_path / "feeds"
    assert load(tmp_path, feeds_dir("public/feeds")).feeds.output_dir == tmp_path / "public/feeds"
    outside = load(tmp_path, feeds_dir(f"../{tmp_path.name}-umpan"))
    assert outside.feeds.output_dir.resolve() == tmp_path.parent / f"{tmp_path.name}-umpan"


def test_the_store_may_not_live_in_a_source(tmp_path):
    message = error(tmp_path, config_text() + '\n[store]\npath = "pages/newsfeed.sqlite3"\n')
    assert message.startswith("config.toml: store.path: ") and "inside the source folder" in message
    (tmp_path / "data").mkdir()
    assert "is a folder" in error(tmp_path, config_text() + '\n[store]\npath = "data"\n')


# The command line -----------------------------------------------------------------


def test_a_typo_stops_every_command_with_one_line(tmp_path):
    from newsfeed.cli import main

    (tmp_path / "pages").mkdir()
    config = tmp_path / "config.toml"
    config.write_text(config_text().replace("max_items = 50", "max_itmes = 50"), encoding="utf-8")
    for command in (["build"], ["publish"], ["digest", "--week", "2024-W42"], ["subscribers", "list"]):
        result = CliRunner().invoke(main, [*command, "--config", str(config)])
        assert result.exit_code == 1, (command, result.output)
        assert result.output == "Error: config.toml: feeds.max_itmes: unknown key; did you mean feeds.max_items?\n"
    assert not (tmp_path / "data").exists() and not (tmp_path / "feeds").exists()


# Properties -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    (folder / "site" / "pages").mkdir(parents=True)
    return folder / "config.toml"


def _bundled_raw() -> dict:
    return tomllib.loads(BUNDLED.read_text(encoding="utf-8"))


RAW = _bundled_raw()
KNOWN = sorted(known_keys(RAW, BUNDLED))
# Keys whose typo is a one-letter edit of a key of their own table or array element
TYPO_TARGETS = [k for k in KNOWN if "." in k]


def _siblings(key: str) -> set[str]:
    parent = key.rsplit(".", 1)[0]
    return {k.rsplit(".", 1)[1] for k in KNOWN if k.rsplit(".", 1)[0] == parent}


@st.composite
def typo(draw, word: str) -> str:
    letters = "abcdefghijklmnopqrstuvwxyz_"
    i = draw(st.integers(0, len(word) - 1))
    kind = draw(st.sampled_from(["insert", "delete", "substitute", "swap"] if len(word) > 3 else ["insert", "substitute"]))
    c = draw(st.sampled_from(letters))
    if kind == "insert":
        return word[:i] + c + word[i:]
    if kind == "delete":
        return word[:i] + word[i + 1 :]
    if kind == "substitute":
        return word[:i] + c + word[i + 1 :]
    j = min(i + 1, len(word) - 1)
    return word[:i] + word[j] + word[i] + word[j + 1 :] if j != i else word[:-2] + word[-1] + word[-2]


def _node(raw: dict, parts: list[str]):
    node = raw
    for part in parts:
        node = node[int(part)] if isinstance(node, list) else node.setdefault(part, {})
    return node


@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_typos_of_valid_keys_are_refused_naming_the_nearest(site, data):
    key = data.draw(st.sampled_from(TYPO_TARGETS + ["site", "feeds", "smtp", "digest", "topics", "newsletter", "related", "store", "templates", "sources", "sections"]))
    parts = key.split(".")
    word = parts[-1]
    siblings = _siblings(key) if len(parts) > 1 else {k.split(".")[0] for k in KNOWN}
    wrong = data.draw(typo(word).filter(lambda w: w and w not in siblings and w != word))
    raw = copy.deepcopy(RAW)
    parent = _node(raw, parts[:-1])
    parent[wrong] = parent.pop(word) if word in parent else "nilai"
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw, site)
    message = str(caught.value)
    assert_one_line(message)
    shown_wrong = ".".join([*parts[:-1], wrong])
    assert shown_wrong in message, message
    if "a typo for" in message:  # a required key or table: the missing one is named
        assert ".".join(parts) in message
    else:
        assert "did you mean" in message, message
        meant = message.rsplit("did you mean ", 1)[1].rstrip("?").strip("[]").rsplit(".", 1)[-1]
        ratio = lambda a: difflib.SequenceMatcher(None, wrong, a).ratio()  # noqa: E731
        assert meant in siblings and ratio(meant) >= ratio(word), message


toml_scalars = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("/.:@,<>-_ ?#%\n\x00\x1b\u2028éa1"), max_size=30),
    st.sampled_from(["", ".", "..", "/", "pages", "data", "https://", "http://x", "a@b", "x,2024", "UTC", "rss", "none", "tls"]),
    st.sampled_from(["https://x.example", "https://x.example/a b", "http://[::1]:8000/", "https://x.example:99999", "https://x.example/?q",
                     "a@b.example", "Nama <a@b.example>", "x.example,2024-02-30", "a@x.example,2024", "Asia/Jakarta", "Etc/GMT+7",
                     "feeds", "../feeds", "data/feeds", "site", "site/pages/x", "templates/x", "{site} {week}", "{pekan}"]),
    st.sampled_from([0, 1, 25, 65535, 65536, 1000, 1001, 0.5, 600.0, 600.5, -0.0]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(),
    st.dates(),
)
toml_values = st.recursive(toml_scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)


def _leaf_paths(node, path=()):
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for name, child in items:
        sub = (*path, name)
        yield sub
        if isinstance(child, (dict, list)):
            yield from _leaf_paths(child, sub)


ALL_PATHS = sorted(set(_leaf_paths(RAW)) | {tuple(k.split(".")) for k in KNOWN}, key=str)


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(ALL_PATHS), toml_values), min_size=1, max_size=3))
def test_random_bad_values_give_one_line_config_errors(site, changes):
    raw = copy.deepcopy(RAW)
    for path, value in changes:
        try:
            parent = _node(raw, [str(p) for p in path[:-1]])
        except (KeyError, IndexError, TypeError, AttributeError, ValueError):
            continue  # an earlier change replaced a table on this path
        if isinstance(parent, list):
            if str(path[-1]).isdigit() and int(path[-1]) < len(parent):
                parent[int(path[-1])] = value
        elif isinstance(parent, dict):
            parent[path[-1]] = value
    assert_refused_or_usable(raw, site)


def assert_refused_or_usable(raw: dict, site: Path) -> None:
    try:
        settings = parse_settings(raw, site)
    except ConfigError as exc:
        message = str(exc)
        assert_one_line(message)
        assert message.startswith("config.toml: ")
        event("refused " + message.split(": ")[1].split(".")[0])
        return
    event("loaded")
    # whatever loads is usable by the commands that come later
    for url in (settings.site.base_url, settings.feeds.base_url, settings.newsletter.endpoint_url):
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.hostname and not parts.query and " " not in url
        assert parts.port is None or 1 <= parts.port <= 65535
    assert 1 <= settings.smtp.port <= 65535 and 0 < settings.smtp.timeout <= 600 and math.isfinite(settings.smtp.rate_per_second)
    if isinstance(raw.get("digest"), dict) and "sender" in raw["digest"]:
        assert sender_problem(settings.digest.sender) == ""
    else:  # derived from site.name and the host of site.base_url
        assert "@" in parseaddr(settings.digest.sender)[1]
    ZoneInfo(settings.site.timezone)
    authority, _, when = settings.site.id_authority.rpartition(",")
    assert authority and when[:4].isdigit() and " " not in authority
    assert settings.feeds.formats and len(set(settings.feeds.formats)) == len(settings.feeds.formats)
    output = settings.feeds.output_dir.resolve()
    assert output != settings.root and not settings.root.is_relative_to(output)
    assert not settings.store_path.resolve().is_relative_to(output)
    for source in settings.sources:
        if source.path is not None:
            assert not output.is_relative_to(source.path.resolve()) and not source.path.resolve().is_relative_to(output)


CHECKED_KEYS = [
    ("site", "base_url"), ("feeds", "base_url"), ("newsletter", "endpoint_url"), ("site", "id_authority"), ("digest", "sender"),
    ("smtp", "host"), ("smtp", "port"), ("smtp", "timeout"), ("smtp", "rate_per_second"), ("site", "timezone"),
    ("feeds", "output_dir"), ("store", "path"), ("templates", "dir"), ("feeds", "formats"), ("feeds", "max_items"),
]
near_valid = st.one_of(
    toml_scalars,
    st.builds(lambda a, b: a + b, st.sampled_from(["https://", "http://", "https://x.example", "x.example,", "Nama <", "a@", "../", "site/"]),
              st.text(alphabet=st.sampled_from("abcxyz0129.-/:@,<> %?#_[]"), max_size=20)),
    st.lists(st.sampled_from(["rss", "atom", "json", "xml"]), max_size=4),
)


@hsettings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.sampled_from(CHECKED_KEYS), value=near_valid)
def test_whatever_loads_is_usable_later(site, key, value):
    raw = copy.deepcopy(RAW)
    raw[key[0]][key[1]] = value
    assert_refused_or_usable(raw, site)


def test_any_packaged_topic_word_list_is_extended_from_config_and_a_misspelt_one_is_named(tmp_path):
    from newsfeed.enrich.topics import extract_topics

    text = config_text() + '\n[topics.word_lists]\ngeneric_acronyms = ["KPPS"]\n'
    settings = load(tmp_path, text).topics
    assert settings.word_lists == (("generic_acronyms", ("KPPS",)),)
    story = ("KPPS Bekerja Hingga Malam", "Petugas KPPS di Bandung menghitung suara. Ketua KPPS menyebut KPPS bekerja keras.")
    assert "KPPS" in extract_topics(*story, (), load(tmp_path, config_text()).topics)
    assert "KPPS" not in extract_topics(*story, (), settings)  # now a generic acronym, no topic
    message = error(tmp_path, config_text() + '\n[topics.word_lists]\ngeneric_acronym = ["KPPS"]\n')
    assert message == "config.toml: topics.word_lists.generic_acronym: unknown key; did you mean topics.word_lists.generic_acronyms?"
