"""A topic's folder name under feeds/topik/: ASCII, lowercase, hyphenated, short and stable.

"Korea Utara" -> "korea-utara", "Gdańsk" -> "gdansk". Names that differ only in case, accents,
spacing or punctuation share a folder (they are one topic written two ways). Any other name
that an ASCII slug would lose something of gets a short hash of the name after its slug, so
two different names never share a folder: another script (transliterated with anyascii:
"東京" -> "dong-jing-…", "北京" -> "bei-jing-…"), symbols ("C++", "]]>"), a slug that would be
empty ("topik-…"), or one longer than MAX_SLUG characters (cut at a word, then the hash).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from anyascii import anyascii

MAX_SLUG = 64  # characters, hash included: far below any file system's limit on a name
_HASH = 8  # hex digits of sha256 over the name (case, spacing and Unicode form folded)
_SEPARATORS = frozenset(" -_.,'&/:;!?()\"")
_DROP = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")  # syllables anyascii writes as "DongJing"


def topic_slug(name: str) -> str:
    name = unicodedata.normalize("NFC", name)
    plain = True
    parts: list[str] = []
    foreign: list[str] = []  # a run of characters outside Latin script, transliterated together
    for ch in name:
        if ch.isascii():
            if foreign:
                parts.append(_transliterate("".join(foreign)))
                foreign.clear()
            if not (ch.isalnum() or ch in _SEPARATORS):
                plain = False
            parts.append(ch)
        elif foreign and unicodedata.category(ch)[0] == "M":
            foreign.append(ch)  # a mark of the script before it
        elif _latin(ch) or unicodedata.category(ch)[0] in "PZM":
            if foreign:
                parts.append(_transliterate("".join(foreign)))
                foreign.clear()
            parts.append(anyascii(ch) if ch.isalpha() else " ")  # (other punctuation and spaces separate)
        else:
            plain = False
            foreign.append(ch)
    if foreign:
        parts.append(_transliterate("".join(foreign)))
    slug = _DROP.sub("-", "".join(parts).lower()).strip("-")
    if plain and slug and len(slug) <= MAX_SLUG:
        return slug
    room = MAX_SLUG - _HASH - 1
    if len(slug) > room:
        cut = slug.rfind("-", 0, room + 1)
        slug = slug[: cut if cut > room // 2 else room].rstrip("-")
    return f"{slug or 'topik'}-{_digest(name)}"


def _latin(ch: str) -> bool:
    """A letter of the Latin script, with or without accents ("ń", "ß", "Æ")."""
    return ch.isalpha() and "LATIN" in unicodedata.name(ch, "")


def _transliterate(text: str) -> str:
    return " " + _CAMEL.sub(" ", anyascii(text)) + " "


def _digest(name: str) -> str:
    key = " ".join(unicodedata.normalize("NFKC", name).casefold().split())
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:_HASH]
