"""A small site with lead images, an icon and a logo, for the feed and check tests (helper).

Images are real files under the site's static folder: a JPEG and a PNG header with the
pixel sizes the tests expect (enough for any reader of image headers), nothing remote.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

from conftest import body, config_text, page
from newsfeed.config import Settings, load_settings


def jpeg(width: int, height: int) -> bytes:
    """A baseline JPEG header (SOI, JFIF, SOF0) naming its size, then EOI."""
    return (
        b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        + b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9) + b"\xff\xd9"
    )


def png(width: int, height: int) -> bytes:
    """A complete grey PNG of that size."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes(width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


BIG = "gambar/rudal.jpg"  # 1200 x 675
SMALL = "gambar/kecil.png"  # 280 x 200
REMOTE = "https://cdn.kabaruji.example/foto/pelabuhan.jpg"
FILES = {BIG: jpeg(1200, 675), SMALL: png(280, 200), "ikon.png": png(64, 64), "logo.png": png(600, 120)}

SITE_KEYS = 'icon = "/ikon.png"\nlogo = "/logo.png"\nstatic_dir = "public"\n'


def pages() -> dict[str, str]:
    """Ten articles: a big local image, a small one, a remote one, none; a topic in three."""
    found = {}
    for day in range(1, 5):
        found[f"dunia/2024-10-0{day}-08{day}5-korut-{day}.txt"] = page(
            "Dunia", f"Korea Utara Menguji Rudal Baru untuk Kali Ke-{day}", body("Korea Utara"),
            header=f"image: /{BIG}" if day % 2 else "",
        )
    found["ekonomi/2024-10-05-1010-rupiah.txt"] = page("Ekonomi", "Rupiah Menguat terhadap Dolar Amerika", body("Rupiah"), header=f"image: /{SMALL}")
    found["ekonomi/2024-10-06-1015-pelabuhan.txt"] = page("Ekonomi", "Pelabuhan Tanjung Priok Diperluas Lagi", body("Pelabuhan"), header=f"image: {REMOTE}")
    found["nasional/2024-10-07-2000-dpr.txt"] = page("Nasional", "Sidang Paripurna DPR Membahas Anggaran", body("DPR"))
    found["nasional/2024-10-08-0930-pendek.txt"] = page("Nasional", "Rapat", ["Rapat digelar hari ini di gedung DPR."])
    return found


def write_site(folder: Path, extra_site: str = SITE_KEYS, extra_config: str = "", files: dict[str, bytes] | None = None,
               site_pages: dict[str, str] | None = None) -> Settings:
    """Write the site into `folder` and load its settings."""
    text = config_text(extra_config).replace('id_authority = "kabaruji.example,2024"\n', 'id_authority = "kabaruji.example,2024"\n' + extra_site, 1)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(text, encoding="utf-8")
    for name, content in (site_pages if site_pages is not None else pages()).items():
        target = folder / "pages" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    for name, data in (FILES if files is None else files).items():
        target = folder / "public" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (folder / "public").mkdir(exist_ok=True)
    return load_settings(folder / "config.toml")
