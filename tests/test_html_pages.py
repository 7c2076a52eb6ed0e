"""Article pages read by the html source: real HTML fixtures (tests/fixtures/html/), each built
like a kind of page real news sites publish."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import config_text
from newsfeed import core
from newsfeed.config import load_settings
from newsfeed.errors import SourceError
from newsfeed.sources.html import PageReader, strip_site_name
from newsfeed.store import Store

FIXTURES = Path(__file__).parent / "fixtures" / "html"

SOURCE = """
[[sources]]
name = "situs"
kind = "html"
path = "html"
section_names = { "Bisnis" = "ekonomi", "News" = "nasional", "Gaya Hidup" = "nasional", "Internasional" = "dunia" }
section_paths = { "/internasional/" = "dunia" }
section_hosts = { "bola.kompasuji.example" = "olahraga" }
"""


@pytest.fixture
def reader(tmp_path):
    (tmp_path / "config.toml").write_text(config_text(SOURCE), encoding="utf-8")
    settings = load_settings(tmp_path / "config.toml")
    return PageReader.of(settings.sources[-1], settings)


def read(reader, name: str, **kwargs):
    return reader.read((FIXTURES / name).read_bytes(), name, **kwargs)


def test_json_ld_inside_graph_gives_the_metadata(reader):
    item = read(reader, "graph-antara.html")
    assert item.title == "Pemerintah tambah kuota pupuk bersubsidi untuk petani"  # " - ANTARA News" gone
    assert item.author == "Ayu Lestari, Budi Santoso"
    assert item.section == "ekonomi"  # articleSection "Bisnis" through section_names
    assert item.image == "https://img.kabaruji.example/foto/pupuk-besar.jpg"  # JSON-LD's, over og:image
    assert item.tags == ("pupuk bersubsidi", "petani", "Kementerian Pertanian")
    assert item.url == "https://www.kabaruji.example/berita/4412345/pemerintah-tambah-kuota-pupuk-bersubsidi-untuk-petani"


def test_the_pages_own_json_ld_article_among_listed_ones(reader):
    listed = b"""<script type="application/ld+json">{"@context": "https://schema.org", "@type": "ItemList", "itemListElement": [
      {"@type": "NewsArticle", "headline": "Harga emas Antam turun", "datePublished": "2024-09-01T10:00:00+07:00",
       "url": "https://www.kabaruji.example/berita/1/harga-emas-antam-turun", "articleSection": "Olahraga"}]}</script>"""
    raw = (FIXTURES / "graph-antara.html").read_bytes().replace(b"<head>", b"<head>" + listed, 1)
    raw = raw.replace(b'"headline": "Pemerintah', b'"url": "https://www.kabaruji.example/berita/4412345/pemerintah-tambah-kuota-pupuk-bersubsidi-untuk-petani", "headline": "Pemerintah')
    item = reader.read(raw, "graph.html")
    assert (item.title, item.section) == ("Pemerintah tambah kuota pupuk bersubsidi untuk petani", "ekonomi")
    assert item.published == datetime(2024, 10, 14, 1, 30, tzinfo=UTC)


def test_a_naive_time_is_in_the_sites_zone(reader):
    item = read(reader, "graph-antara.html")  # datePublished "2024-10-14 08:30:00", no zone
    assert item.published == datetime(2024, 10, 14, 1, 30, tzinfo=UTC)  # 08:30 WIB, not 08:30 UTC
    assert item.updated == datetime(2024, 10, 14, 3, 5, tzinfo=UTC)


def test_related_blocks_and_furniture_leave_the_body(reader):
    item = read(reader, "graph-antara.html")
    assert item.related_titles == ("Harga gabah di tingkat petani naik tiga persen", "Bulog serap satu juta ton beras petani")
    paragraphs = item.text.split("\n\n")
    assert paragraphs[0].startswith("Jakarta (ANTARA) - Pemerintah menambah kuota")
    assert paragraphs[-1].startswith("Pemerintah daerah diminta")
    assert len(paragraphs) == 6
    for furniture in ("Baca juga", "Pewarta", "Editor:", "COPYRIGHT", "Bagikan", "Tweet", "ANTARA FOTO", "Terpopuler", "Timnas"):
        assert furniture not in item.text and furniture not in item.content_html


def test_captions_share_bars_ads_signups_and_comments_stay_out(reader):
    item = read(reader, "related-bola.html")
    assert item.section == "olahraga"  # by host: bola.kompasuji.example
    assert item.related_titles == (
        "Jelang Indonesia vs Filipina, pelatih minta pemain tenang",
        "Indonesia tahan imbang Irak di Basra",
        "Daftar pemain timnas untuk laga kualifikasi",  # a relative link; the shop on another site is not one
    )
    assert item.text.startswith("JAKARTA, KOMPAS UJI - Timnas Indonesia memastikan lolos")
    assert item.text.endswith("di Kuala Lumpur.")
    for furniture in (
        "ADVERTISEMENT", "Iklan", "Promo spesial", "Bagikan", "WhatsApp", "Salin tautan", "Pemain timnas merayakan",
        "Baca juga", "Simak breaking news", "Artikel Terkait", "newsletter", "Dapatkan berita", "Komentar",
        "Mantap timnas", "Wasitnya", "Hak cipta",
    ):
        assert furniture not in item.text, furniture
    assert item.published == datetime(2024, 6, 11, 14, 40, tzinfo=UTC)  # content_PublishedDate, WIB
    assert item.tags == ("Timnas Indonesia", "Piala Dunia 2026")


def test_a_meta_charset_late_in_the_file_is_honoured(reader):
    raw = (FIXTURES / "late-charset.html").read_bytes()
    assert raw.find(b"<meta charset") > 4096  # past where lxml looks
    item = reader.read(raw, "late-charset.html")
    assert item.title == "Café di Bandung raih penghargaan “kopi terbaik”"
    assert "Zürich" in item.text and "— sekitar 1.400 meter" in item.text
    assert "Ã" not in item.text + item.title


def test_a_latin1_page_is_read_as_latin1(reader):
    item = read(reader, "latin1-declared.html")
    assert item.title == "São Paulo inaugura nova estação de metrô"
    assert "R$ 1,2 bilhão e levou três anos" in item.text
    assert item.section == "dunia"  # article:section "Dunia", a configured section's name


def test_the_http_header_charset_wins_over_the_meta(reader):
    raw = (FIXTURES / "latin1-declared.html").read_bytes().replace(b"iso-8859-1", b"utf-8")
    item = reader.read(raw, "x.html", headers={"Content-Type": "text/html; charset=ISO-8859-1"})
    assert item.title == "São Paulo inaugura nova estação de metrô"


def test_utf8_bytes_under_a_latin1_declaration_are_utf8(reader):
    raw = (FIXTURES / "latin1-declared.html").read_bytes().decode("iso-8859-1").encode("utf-8")
    item = reader.read(raw, "x.html")  # still says charset=iso-8859-1, as many CMS templates do
    assert item.title == "São Paulo inaugura nova estação de metrô"


def test_a_readers_comment_article_before_the_story_is_not_the_story(tmp_path):
    (tmp_path / "config.toml").write_text(config_text(SOURCE.replace('path = "html"', 'path = "html"\nsection = "dunia"')), encoding="utf-8")
    settings = load_settings(tmp_path / "config.toml")
    item = PageReader.of(settings.sources[-1], settings).read((FIXTURES / "comment-first.html").read_bytes(), "c.html")
    assert item.title == "City council approves new bike lanes"
    assert item.text.startswith("The city council voted 7 to 2 on Monday night")
    assert "potholes" not in item.text and "long overdue" not in item.text
    assert item.section == "dunia"  # no signal of its own: the source's section


def test_many_article_teasers_around_the_story(reader):
    item = read(reader, "many-articles.html")
    assert item.title == "Banjir rendam ratusan rumah di Kabupaten Bekasi"
    assert item.text.startswith("Liputan6.com, Bekasi - Banjir setinggi satu meter")
    assert len(item.text.split("\n\n")) == 5
    assert "Berita pilihan nomor" not in item.text and "Advertisement" not in item.text
    assert item.published == datetime(2024, 12, 1, 23, 45, tzinfo=UTC)  # "2024/12/02 06:45:00" WIB
    assert item.section == "nasional"
    assert item.related_titles == ("Tanggul jebol di Karawang, warga mengungsi", "BMKG peringatkan hujan lebat di Jabodetabek")


def test_title_suffix_and_a_date_written_under_the_headline(reader):
    item = read(reader, "suffix-written-date.html")
    assert item.title == "How to pick a laptop for programming in 2024"  # " | ZDNet" gone, og:site_name "ZDNET"
    assert item.published == datetime(2024, 10, 14, 1, 30, tzinfo=UTC)  # the byline's, not the sidebar's 2023 <time>
    assert item.section == "dunia"  # URL path /internasional/


def test_detik_like_page_loose_lead_and_inline_furniture(reader):
    item = read(reader, "detik-like.html")
    assert item.section == "dunia"  # the breadcrumb "Internasional"
    assert item.published == datetime(2024, 12, 3, 23, 10, 12, tzinfo=UTC)  # "2024/12/04 06:10:12" WIB
    assert item.author == "Rita Uli Hutapea"
    assert item.related_titles == ("Ribuan warga kepung gedung parlemen Korsel",)
    paragraphs = item.text.split("\n\n")
    assert paragraphs[0].startswith("Seoul - Presiden Korea Selatan mencabut status darurat militer")  # text outside any <p>
    assert paragraphs[-1].startswith("Pengumuman darurat militer itu")
    for furniture in ("ADVERTISEMENT", "SCROLL TO CONTINUE", "Gambas", "rdp/imk", "Baca juga", "Warga berkumpul", "Terpopuler", "Harga BBM", "korea selatan darurat"):
        assert furniture not in item.text, furniture


@pytest.mark.parametrize(
    ("title", "sites", "others", "expected"),
    [
        ("Harga BBM naik - ANTARA News", ["ANTARA News"], [], "Harga BBM naik"),
        ("Harga BBM naik | ZDNet", ["ZDNET"], [], "Harga BBM naik"),
        ("Harga BBM naik - Kompas.com", [], ["Harga BBM naik"], "Harga BBM naik"),  # the <h1> leaves it out
        ("Harga BBM naik - Halaman all - Kompas.com", ["Kompas.com"], ["Harga BBM naik"], "Harga BBM naik"),
        ("Kompas.com | Harga BBM naik", ["Kompas.com"], [], "Harga BBM naik"),
        ("Jokowi - Prabowo bertemu di Solo", ["Kabar Uji"], [], "Jokowi - Prabowo bertemu di Solo"),
    ],
)
def test_site_names_are_cut_from_headlines(title, sites, others, expected):
    assert strip_site_name(title, sites, others) == expected


def test_the_fetched_url_maps_the_section_when_the_page_has_no_canonical(reader):
    raw = (FIXTURES / "comment-first.html").read_bytes().replace(b'<link rel="canonical"', b'<link rel="alternate"')
    item = reader.read(raw, "k", url="https://gazette.example/internasional/2024/bike-lanes")
    assert (item.section, item.url) == ("dunia", "https://gazette.example/internasional/2024/bike-lanes")


def test_an_unmapped_section_is_rejected_naming_the_value_and_the_key(reader):
    raw = (FIXTURES / "graph-antara.html").read_bytes().replace(b'"articleSection": "Bisnis"', b'"articleSection": "Hiburan"')
    raw = raw.replace(b'"name": "Ekonomi"', b'"name": "Seleb"').replace(b'"name": "Bisnis"', b'"name": "Musik"')
    with pytest.raises(SourceError) as caught:
        reader.read(raw, "hiburan.html")
    message = str(caught.value)
    assert "'Hiburan' (JSON-LD articleSection)" in message and "section_names of source 'situs'" in message
    assert "\n" not in message


def test_site_rules_pick_the_body_and_drop_blocks(tmp_path):
    rules = SOURCE.replace('path = "html"', 'path = "html"\nbody_selector = "div.read__content"\ndrop_selectors = [".ads", "p:nth-of-type(2)"]')
    (tmp_path / "config.toml").write_text(config_text(rules), encoding="utf-8")
    settings = load_settings(tmp_path / "config.toml")
    item = PageReader.of(settings.sources[-1], settings).read((FIXTURES / "related-bola.html").read_bytes(), "b.html")
    paragraphs = item.text.split("\n\n")
    assert paragraphs[0].startswith("JAKARTA, KOMPAS UJI - Timnas Indonesia memastikan lolos")
    assert paragraphs[1].startswith("Pelatih Shin Tae-yong")  # the second paragraph dropped by the rule
    assert "Promo spesial" not in item.text and "Iklan" not in item.text
    assert item.related_titles[0] == "Jelang Indonesia vs Filipina, pelatih minta pemain tenang"


def test_a_body_selector_that_matches_nothing_falls_back_to_extraction(tmp_path):
    rules = SOURCE.replace('path = "html"', 'path = "html"\nbody_selector = "div.isi-berita"')
    (tmp_path / "config.toml").write_text(config_text(rules), encoding="utf-8")
    settings = load_settings(tmp_path / "config.toml")
    item = PageReader.of(settings.sources[-1], settings).read((FIXTURES / "related-bola.html").read_bytes(), "b.html")
    assert item.text.startswith("JAKARTA, KOMPAS UJI - Timnas Indonesia memastikan lolos")


def test_html_source_end_to_end(make_site, tmp_path):
    settings = make_site({}, extra_config=SOURCE)
    (tmp_path / "html").mkdir()
    for name in ("graph-antara.html", "related-bola.html", "many-articles.html"):
        (tmp_path / "html" / name).write_bytes((FIXTURES / name).read_bytes())
    later = datetime(2025, 1, 1, tzinfo=UTC)  # after the newest fixture's date
    with Store(settings.store_path) as store:
        report, _ = core.gather(settings, store, later)
        articles = store.newest(50, later)
    assert report.rejected == () and report.new == 3
    assert sorted(a.section for a in articles) == ["ekonomi", "nasional", "olahraga"]


def test_a_page_with_nothing_but_its_headline_and_furniture_is_rejected(reader):
    raw = b"""<html><head><title>Gempa guncang Sukabumi</title><meta property="article:section" content="Nasional"></head>
    <body><h1>Gempa guncang Sukabumi</h1><footer><p>Hak cipta dilindungi undang-undang, Kabar Uji 2024.</p></footer></body></html>"""
    with pytest.raises(SourceError, match=r"^no article body \(no text besides the headline\)"):
        reader.read(raw, "gempa.html")


def test_the_visible_headline_over_a_social_variant_but_not_a_logo(reader):
    raw = (FIXTURES / "comment-first.html").read_bytes().replace(b"/news/2024", b"/internasional/2024")
    social = raw.replace(b'content="City council approves new bike lanes"', b'content="Bike lanes are coming downtown: what to know"')
    assert reader.read(social, "c.html").title == "City council approves new bike lanes"
    logo = raw.replace(b'<div class="page">', b'<div class="page"><h1 class="logo">Riverside Gazette</h1>').replace(b"<h1>City council", b"<h2>City council").replace(b"bike lanes</h1>", b"bike lanes</h2>")
    assert reader.read(logo, "c.html").title == "City council approves new bike lanes"


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        ("Hak cipta atas lagu itu dipegang oleh label rekaman sejak 1998.", True),
        ("Editor majalah itu, Budi Santoso, mengatakan edisi cetak akan dihentikan.", True),
        ("Sumber daya air di wilayah itu menipis sejak kemarau panjang.", True),
        ("Baca juga pernyataan lengkap kementerian di laman resminya.", True),  # no link: prose
        ("Copyright © 2024 Kabar Uji. All rights reserved.", False),
        ("Penulis: Andi | Editor: Budi", False),
        ("SCROLL TO CONTINUE WITH CONTENT", False),
        ("Ikuti berita terkini dari Kabar Uji di Google News, klik di sini.", False),
        ("(ant/wsn)", False),
    ],
)
def test_furniture_lines_leave_and_prose_stays(reader, line, kept):
    raw = (FIXTURES / "graph-antara.html").read_bytes()
    paragraph = "<p>Menurut dia, penyaluran pupuk bersubsidi"
    raw = raw.replace(paragraph.encode(), f"<p>{line}</p>\n{paragraph}".encode(), 1)
    item = reader.read(raw, "graph.html")
    assert (line in item.text) is kept
    assert "Menurut dia, penyaluran pupuk bersubsidi" in item.text


def test_a_saved_page_of_several_megabytes_is_read(make_site, tmp_path):
    settings = make_site({}, extra_config=SOURCE)
    (tmp_path / "html").mkdir()
    raw = (FIXTURES / "graph-antara.html").read_bytes()
    inline_image = b'<img alt="" src="data:image/png;base64,' + b"iVBORw0KGgo" * 400_000 + b'">'  # 4.4 MB, as "save as single file" writes
    (tmp_path / "html" / "besar.html").write_bytes(raw.replace(b"</body>", inline_image + b"</body>"))
    with Store(settings.store_path) as store:
        report, _ = core.gather(settings, store, datetime(2025, 1, 1, tzinfo=UTC))
    assert (report.new, report.rejected) == (1, ())
