"""The html source's parts on their own: text decoding, dates as pages write them, config keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from conftest import config_text
from newsfeed.config import load_settings
from newsfeed.errors import ConfigError
from newsfeed.sources.dates import find_written_date, parse_moment
from newsfeed.sources.encoding import decode

WIB = timezone(timedelta(hours=7))
PAGE = "<html><head>{head}</head><body><p>{body}</p></body></html>"


@pytest.mark.parametrize(
    ("raw", "header", "expected"),
    [
        (PAGE.format(head='<meta charset="utf-8">', body="Zürich — “kutipan”").encode(), None, "Zürich — “kutipan”"),
        (PAGE.format(head='<meta charset="windows-1252">', body="café “x”").encode("cp1252"), None, "café “x”"),
        (PAGE.format(head="", body="São Paulo").encode("latin-1"), None, "São Paulo"),  # undeclared, not UTF-8
        (PAGE.format(head="", body="São Paulo").encode("latin-1"), "text/html; charset=iso-8859-1", "São Paulo"),
        (PAGE.format(head='<meta charset="iso-8859-1">', body="São Paulo").encode(), None, "São Paulo"),  # UTF-8 wins
        (PAGE.format(head='<meta charset="utf-8">', body="日本語のニュース").encode("shift_jis"), "text/html; charset=Shift_JIS", "日本語のニュース"),
        ("\ufeff".encode("utf-16-le") + PAGE.format(head="", body="Jakarta").encode("utf-16-le"), "text/html; charset=iso-8859-1", "Jakarta"),
        (b"\xef\xbb\xbf" + PAGE.format(head='<meta charset="iso-8859-1">', body="café").encode(), None, "café"),
        (PAGE.format(head='<meta http-equiv="Content-Type" content="text/html; charset=utf-8">', body="Rp1.000 \u2013 naik").encode(), None, "Rp1.000 – naik"),
    ],
)
def test_text_of_a_page(raw, header, expected):
    assert expected in decode(raw, header)


def test_a_cut_multibyte_character_does_not_turn_the_page_to_latin1():
    raw = PAGE.format(head='<meta charset="utf-8">', body="Zürich " * 50).encode() + "é".encode()[:1]
    text = decode(raw)
    assert text.count("Zürich") == 50 and "Ã" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-10-14T08:30:00+07:00", datetime(2024, 10, 14, 8, 30, tzinfo=WIB)),
        ("2024-10-14T01:30:00.000Z", datetime(2024, 10, 14, 1, 30, tzinfo=UTC)),
        ("2024-10-14 08:30:00", datetime(2024, 10, 14, 1, 30, tzinfo=UTC)),  # naive: the site's zone (WIB)
        ("2024/10/14 08:30:00", datetime(2024, 10, 14, 1, 30, tzinfo=UTC)),
        ("2024-10-14T08:30:00+0700", datetime(2024, 10, 14, 8, 30, tzinfo=WIB)),
        ("2024-10-14", datetime(2024, 10, 13, 17, 0, tzinfo=UTC)),
        ("Mon, 14 Oct 2024 01:30:00 GMT", datetime(2024, 10, 14, 1, 30, tzinfo=UTC)),
        ("Senin, 14 Oktober 2024 08:30 WIB", datetime(2024, 10, 14, 1, 30, tzinfo=UTC)),
        ("Kamis, 05 Des 2024 | 14:30 WITA", datetime(2024, 12, 5, 6, 30, tzinfo=UTC)),
        ("Oct. 14, 2024 8:30 PM", datetime(2024, 10, 14, 13, 30, tzinfo=UTC)),
    ],
)
def test_times_as_pages_write_them(value, expected):
    assert parse_moment(value, "Asia/Jakarta") == expected


@pytest.mark.parametrize("value", ["", "kemarin", "2024-13-45", "31 Februari 2024", "99999-01-01", "Senin", None, 20241014])
def test_what_is_not_a_time(value):
    assert parse_moment(value, "Asia/Jakarta") is None


def test_a_written_date_in_a_byline():
    text = "Kompas Uji - 11/06/2024, 21:40 WIB | Penulis: Andi"
    assert find_written_date(text, "Asia/Jakarta") == datetime(2024, 6, 11, 14, 40, tzinfo=UTC)
    assert find_written_date("06/11/2024 21:40", "Asia/Jakarta") is None  # day or month first? no zone, no guess


def _load(tmp_path, source: str):
    (tmp_path / "config.toml").write_text(config_text(f'[[sources]]\nname = "situs"\nkind = "html"\npath = "html"\n{source}\n'), encoding="utf-8")
    return load_settings(tmp_path / "config.toml")


def test_section_mapping_and_site_rules_are_read(tmp_path):
    settings = _load(
        tmp_path,
        'section_paths = { "/internasional/" = "dunia" }\nsection_hosts = { "bola.kompas.com" = "olahraga" }\n'
        'body_selector = "div.read__content"\ndrop_selectors = [".ads", "div#baca-juga > ul"]\n'
        '[sources.section_names]\n"Bola" = "olahraga"\n',
    )
    source = settings.sources[-1]
    assert source.section_names == {"Bola": "olahraga"}
    assert source.section_paths == {"/internasional/": "dunia"}
    assert source.section_hosts == {"bola.kompas.com": "olahraga"}
    assert (source.body_selector, source.drop_selectors) == ("div.read__content", (".ads", "div#baca-juga > ul"))


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ('section_names = { "Bola" = "sepakbola" }', "sources.1.section_names.Bola: 'sepakbola' is not a configured section slug"),
        ('section_paths = { "/x/" = 3 }', "sources.1.section_paths./x/: 3 is not a configured section slug"),
        ('body_selector = "div..isi["', "sources.1.body_selector: 'div..isi[' is not a CSS selector"),
        ('drop_selectors = [".ads", ""]', "sources.1.drop_selectors.1: must be a CSS selector string"),
        ('drop_selectors = ["p >> a"]', "sources.1.drop_selectors.0: 'p >> a' is not a CSS selector"),
    ],
)
def test_bad_section_mapping_or_selector_names_the_key(tmp_path, source, message):
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, source)
    assert message in str(caught.value) and "\n" not in str(caught.value)
