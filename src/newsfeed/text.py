"""Small text helpers shared by sources and renderers."""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 forbids these; one stray character makes a whole feed unreadable.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    return _XML_ILLEGAL.sub("", text) if _XML_ILLEGAL.search(text) else text


def clean_line(text: str) -> str:
    """One line of prose: XML-safe, no-break and odd spaces made plain, runs collapsed."""
    return " ".join(xml_safe(text).split())


def slugify(text: str, limit: int = 80) -> str:
    """ASCII, lowercase, hyphen-separated: "Korea Utara" -> "korea-utara"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")
