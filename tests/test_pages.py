"""The text page adapter: the reference page's exact parse, headers, file names, bad pages."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from conftest import DESCRIPTION, body, page
from newsfeed.errors import SourceError
from newsfeed.sources.pages import parse_page

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "dunia-article.txt"
WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def settings(make_site):
    return make_site({})


@pytest.mark.skipif(not SEED.exists(), reason="the shared reference page is not beside this clone")
def test_reference_page_parses_exactly(settings):
    item = parse_page(SEED.read_bytes(), "dunia/2024-10-14-0830-korut.txt", settings)
    paragraphs = item.text.split("\n\n")
    assert item.section == "dunia"
    assert item.title == "Korut Kembangkan Kerja Sama Militer, Kirim Senjata dan Prajurit ke Rusia"
    assert item.author == "Redaksi Ilmiah"
    assert len(paragraphs) == 12
    assert paragraphs[0].startswith("Presiden Ukraina Volodymyr Zelensky baru-baru ini")
    assert paragraphs[-1].startswith("Melihat ke depan, dinamika ini")
    assert "“Kami melihat aliansi yang semakin erat antara Rusia dan rezim seperti Korea Utara.”" in paragraphs[1]
    for furniture in ("Ilmiah merupakan situs", "Artikel Terkait", "Back to top button", "Redaksi Ilmiah"):
        assert furniture not in item.text
        assert furniture not in item.content_html
    assert "\u00a0" not in item.text
    assert item.related_titles == ()
    assert item.published == datetime(2024, 10, 14, 8, 30, tzinfo=WIB)
    assert item.content_html.count("<p>") == 12


def test_related_block_header_and_nbsp(settings):
    text = page(
        "Dunia",
        "Presiden Baru Dilantik",
        ["Presiden\u00a0Joko Widodo hadir “tepat waktu” di gedung\u00a0DPR.", "Paragraf kedua & penutup < akhir."],
        author="Rina Kartika",
        related=["Judul Pertama Terkait", "- Judul Kedua Terkait"],
        header="published: 2024-10-20 19:05\nupdated: 2024-10-21 07:00\nslug: Presiden Baru!\nimage: /gambar/lantik.jpg\ntags: Joko Widodo, DPR",
    )
    item = parse_page(text.encode(), "nasional/lantik.txt", settings)
    assert item.title == "Presiden Baru Dilantik"
    assert item.author == "Rina Kartika"
    assert item.text.split("\n\n")[0] == "Presiden Joko Widodo hadir “tepat waktu” di gedung DPR."
    assert "&amp; penutup &lt; akhir" in item.content_html
    assert item.related_titles == ("Judul Pertama Terkait", "Judul Kedua Terkait")
    assert item.published == datetime(2024, 10, 20, 19, 5, tzinfo=WIB)
    assert item.updated == datetime(2024, 10, 21, 7, 0, tzinfo=WIB)
    assert item.slug == "presiden-baru"
    assert item.image == "https://kabaruji.example/gambar/lantik.jpg"
    assert item.tags == ("Joko Widodo", "DPR")
    assert DESCRIPTION not in item.text


def test_file_name_gives_date_and_slug(settings):
    item = parse_page(page("Ekonomi", "Rupiah Menguat", body("Rupiah")).encode(), "ekonomi/2024-10-07-1415-rupiah-menguat.txt", settings)
    assert item.published == datetime(2024, 10, 7, 14, 15, tzinfo=WIB)
    assert item.slug == "rupiah-menguat"
    undated = parse_page(page("Ekonomi", "Rupiah Melemah", body("Rupiah")).encode(), "ekonomi/rupiah-melemah.txt", settings)
    assert undated.published is None
    assert undated.slug == "rupiah-melemah"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("Dunia\n\nJudul\n\nIsi berita yang cukup.".encode("utf-16"), "binary"),
        ("Dunia\n\nJudul Berita\n\nIsi dengan huruf é salah.".encode("latin-1"), "not UTF-8"),
        (b"Dunia\n", "no headline"),
        (b"Dunia\n\nJudul Saja\n", "no body"),
        (b"Gosip\n\nJudul\n\nIsi berita.\n", "not a section"),
        (b"---\npublished: kemarin\n---\nDunia\n\nJudul\n\nIsi berita.\n", "published"),
        (b"---\nwarna: merah\n---\nDunia\n\nJudul\n\nIsi berita.\n", "header line"),
        (b"---\nslug: x\nDunia\n\nJudul\n\nIsi berita.\n", "never closed"),
    ],
)
def test_malformed_pages_are_rejected_with_reason(settings, raw, reason):
    with pytest.raises(SourceError, match=reason):
        parse_page(raw, "dunia/rusak.txt", settings)


def test_xml_illegal_characters_are_dropped(settings):
    text = page("Dunia", "Judul\x07 Aneh", ["Isi\x01 dengan\x1b kontrol\x0c karakter ]]> di dalam."])
    item = parse_page(text.encode(), "dunia/aneh.txt", settings)
    assert item.title == "Judul Aneh"
    assert item.text == "Isi dengan kontrol karakter ]]> di dalam."
