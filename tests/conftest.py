"""Shared fixtures: a small site written into tmp_path, with a real config.toml and pages."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsfeed.config import Settings, load_settings
from pgstore import _pg_store_per_test, _pg_template  # noqa: F401 - NEWSFEED_TEST_STORE_URL: every store on PostgreSQL

SECTIONS = [("dunia", "Dunia"), ("nasional", "Nasional"), ("ekonomi", "Ekonomi"), ("teknologi", "Teknologi"), ("olahraga", "Olahraga")]
DESCRIPTION = "Kabar Uji merupakan situs media online yang menyajikan berita terbaru untuk pengujian."
# A clock after every fixture article: builds in tests never depend on the real date.
NOW = datetime(2024, 12, 1, tzinfo=UTC)


def config_text(extra: str = "") -> str:
    sections = "\n".join(f'[[sections]]\nslug = "{slug}"\nname = "{name}"\n' for slug, name in SECTIONS)
    return textwrap.dedent(
        f"""\
        [site]
        name = "Kabar Uji"
        base_url = "https://kabaruji.example"
        description = "{DESCRIPTION}"
        language = "id"
        timezone = "Asia/Jakarta"
        id_authority = "kabaruji.example,2024"

        [[sources]]
        name = "halaman"
        kind = "pages"
        path = "pages"

        [feeds]
        max_items = 50

        """
    ) + sections + "\n" + extra


def page(section: str, title: str, paragraphs: list[str], author: str = "Redaksi Kabar Uji", related: list[str] | None = None, header: str = "") -> str:
    """A page in the reference layout: section, headline, body, byline, description, related."""
    parts = [section, title, *paragraphs, author, DESCRIPTION]
    if related is not None:
        parts.append("Artikel Terkait\n" + "\n".join(related))
    parts.append("Back to top button")
    text = "\n\n".join(parts) + "\n"
    return f"---\n{header.strip()}\n---\n{text}" if header else text


@pytest.fixture
def make_site(tmp_path: Path) -> Callable[..., Settings]:
    """make_site({"dunia/2024-10-14-0830-judul.txt": page(...)}, extra_config="...") -> Settings."""

    def make(pages: dict[str, str | bytes], extra_config: str = "") -> Settings:
        (tmp_path / "config.toml").write_text(config_text(extra_config), encoding="utf-8")
        for name, content in pages.items():
            target = tmp_path / "pages" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
        (tmp_path / "pages").mkdir(exist_ok=True)
        return load_settings(tmp_path / "config.toml")

    return make


def body(topic: str, n: int = 3) -> list[str]:
    """n plausible Indonesian paragraphs mentioning `topic`."""
    return [
        f"Pemerintah menyampaikan perkembangan terbaru mengenai {topic} pada pekan ini. Para pejabat "
        f"menilai langkah tersebut penting bagi masyarakat, dan pembahasan lanjutan dijadwalkan bulan depan ({i})."
        for i in range(1, n + 1)
    ]


# Paragraphs of two unrelated running stories, for tests of topics and related articles.
KORUT = [
    "Korea Utara mengirim ribuan prajurit ke Rusia untuk membantu perang di Ukraina, menurut intelijen Korea Selatan.",
    "Pemerintah Ukraina menyebut pasukan Korea Utara sudah tiba di wilayah perbatasan Rusia dan berlatih bersama tentara Rusia.",
    "Seoul memanggil duta besar Rusia dan memprotes kerja sama militer Pyongyang dengan Moskow.",
    "Analis menilai pengiriman amunisi dan rudal Korea Utara memperpanjang perang di Ukraina.",
    "Amerika Serikat dan sekutunya membahas sanksi baru terhadap Korea Utara dan Rusia.",
    "Kyiv meminta bantuan senjata jarak jauh untuk menghadapi pasukan gabungan di garis depan.",
]
BOLA = [
    "Timnas Indonesia bermain imbang melawan Bahrain dalam laga kualifikasi Piala Dunia di Stadion Riffa.",
    "Pelatih Timnas Indonesia menilai para pemain tampil disiplin dan suporter Indonesia memenuhi stadion.",
    "Gol penyeimbang Bahrain lahir pada menit akhir tambahan waktu dan memicu protes pemain.",
    "PSSI mengirim surat keberatan kepada federasi sepak bola Asia soal kepemimpinan wasit.",
    "Pemain belakang Timnas Indonesia cedera dan diragukan tampil pada laga berikutnya melawan China.",
    "Peringkat Timnas Indonesia di grup kualifikasi Piala Dunia kini berada di posisi kelima.",
]
