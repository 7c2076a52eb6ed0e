"""Indonesian text handling for topics and related articles.

- `normalize`: no-break and other odd spaces become plain spaces, zero-width characters and
  soft hyphens go, curly quotes become straight ones, HTML entities left by scrapers are decoded.
- `strip_boilerplate`: drops scraper and page furniture ("ADVERTISEMENT", "SCROLL TO CONTINUE
  WITH CONTENT", "[Gambas:Video ...]", "Baca juga: ..." and "Pilihan Editor: ..." lines).
- `words` / `terms`: lowercase word tokens. Reduplication is folded to its base
  ("negara-negara" -> "negara", "sehari-hari" -> "hari"), clitics are removed where that is
  safe ("pemerintahnya" -> "pemerintah", "apakah" -> "apa", "pentinglah" -> "penting").
  There is no stemmer: words are otherwise kept as written, so names are never mangled
  ("Bali" -> "bali", "Kenya" -> "kenya", "masalah" and "langkah" stay whole). Capitalised
  words (names) never lose a clitic-looking ending.
- Stopwords are the stopwords-iso Indonesian list (MIT, package `stopwordsiso`), loaded on
  first use.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "normalize", "strip_boilerplate", "words", "terms", "term_counts", "stopwords", "fold_ascii", "base_word", "compound_parts",
]

_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\r\f\v]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"', "\u2010": "-", "\u2011": "-",
    }
)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]{2,8});")

# Whole lines that are page or scraper furniture, never article text.
_BOILER_LINE = re.compile(
    r"^\s*(?:baca juga|baca selengkapnya|pilihan editor|simak juga|simak video|lihat juga|"
    r"saksikan (?:juga|video)|tonton juga|\[gambas:)[^\n]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Cheap pre-checks for the pattern above, and the furniture that scrapers glue into the
# running text.
_BOILER_LINE_START = re.compile(
    r"\n\s*(?i:baca juga|baca selengkapnya|pilihan editor|simak juga|simak video|lihat juga|"
    r"saksikan (?:juga|video)|tonton juga|\[gambas:)"
)
_GAMBAS = re.compile(r"\[Gambas:[^\]]*\]")
_INLINE_PHRASES = ("ADVERTISEMENT", "SCROLL TO CONTINUE WITH CONTENT", "SCROLL TO RESUME CONTENT", "Back to top button")

_ASCII_SPACES = re.compile(r"[\t\r\f\v]")
# Every character `normalize` changes after NFC, and what it becomes.
_ODD_MAP = {chr(c): "" for c in (0x00AD, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF)}
_ODD_MAP.update({chr(c): " " for c in (0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000)})
_ODD_MAP.update({"\t": " ", "\r": " ", "\f": " ", "\v": " "})
_ODD_MAP.update({chr(k): v for k, v in _QUOTES.items()})
_ODD_ITEMS = tuple(sorted(_ODD_MAP.items()))


# A word: letters/digits, optionally joined by hyphens or apostrophes ("negara-negara",
# "Yong-hyun", "Jum'at", "COVID-19").
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")

# Clitic endings, with the lexical words that merely look like them.
_NYA_KEEP = ("hanya", "punya", "tanya", "kenya", "sonya", "sanya", "vanya", "tonya", "sunya", "manya")
_KAH_KEEP = ("ngkah", "nikah", "ekah", "akkah")
_PUN_KEEP = ("himpun", "rumpun", "ampun")
_CONSONANTS = frozenset("bcdfghjkpqrstvwxyz")  # -lah after l/m is lexical: Allah, jumlah


def normalize(text: str) -> str:
    """Unicode NFC, plain spaces, straight quotes, decoded stray HTML entities."""
    if "&" in text and _ENTITY.search(text):
        text = html.unescape(text)
    if text.isascii():
        # the only ASCII characters to change are the odd spaces \t \r \f \v
        if "\t" in text or "\r" in text or "\f" in text or "\v" in text:
            text = _ASCII_SPACES.sub(" ", text)
        return text
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    # invisible characters, odd spaces and curly quotes: each becomes ASCII (or nothing), so
    # replacing them one kind after another equals one simultaneous pass; `in` is a fast scan
    for odd, plain in _ODD_ITEMS:
        if odd in text:
            text = text.replace(odd, plain)
    return text


def strip_boilerplate(text: str) -> str:
    """Remove furniture lines and glued-in scraper phrases; keeps paragraph breaks."""
    # A furniture line starts the text or follows a line break: check that cheaply first
    # (a pattern with a literal first character is found fast; the full one is slower).
    if _BOILER_LINE.match(text) or ("\n" in text and _BOILER_LINE_START.search(text)):
        text = _BOILER_LINE.sub("", text)
    if "[Gambas:" in text:
        text = _GAMBAS.sub(" ", text)
    for phrase in _INLINE_PHRASES:
        if phrase in text:
            text = text.replace(phrase, " ")
    return text


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The stopwords-iso Indonesian list, lowercase, with reduplications folded too."""
    import stopwordsiso

    base = {w.lower() for w in stopwordsiso.stopwords("id")}
    return frozenset(base | {base_word(w) for w in base})


def strip_clitic(word: str) -> str:
    """Remove one clitic (-nya, -lah, -kah, -pun) from a lowercase word where that is safe."""
    n = len(word)
    if n < 6:
        return word
    if word.endswith("nya"):
        if word.endswith(_NYA_KEEP):
            return word
        return word[:-3]
    if word.endswith("lah"):
        if word[-4] in _CONSONANTS and word[-4] != "l":
            return word[:-3]
        return word
    if word.endswith("kah"):
        return word if word.endswith(_KAH_KEEP) else word[:-3]
    if word.endswith("pun") and n >= 7:
        return word if word.endswith(_PUN_KEEP) else word[:-3]
    return word


def base_word(token: str) -> str:
    """Fold one written token (any case) to its index form: lowercase, base of reduplication,
    clitic removed unless the token is capitalised (a name)."""
    capital = token[:1].isupper()
    low = token.lower()
    if "-" in low:
        parts = low.split("-")
        if len(parts) == 2:
            a, b = parts
            if not capital:
                a, b = strip_clitic(a), strip_clitic(b)
            if a == b:
                return a
            # partial reduplication: sehari-hari, bermain-main, berlari-lari
            if len(b) >= 3 and a.endswith(b):
                return b
            if len(a) >= 3 and b.endswith(a) and b.startswith(("ber", "me", "ter", "di", "ke", "se")):
                return a
        return low
    return low if capital else strip_clitic(low)


def compound_parts(token: str) -> tuple[str, ...]:
    """Index forms of a hyphenated token (any case), for related articles, where a word must
    keep its meaning: a full reduplication is its base ("negara-negara" -> "negara"); an
    affixed one is its affixed word, never the bare base ("Berjam-jam" -> "berjam": for
    hours, not "jam", a clock; "sehari-hari" -> "sehari"); any other compound gives each part
    ("Dokter-Manajer" -> "dokter", "manajer"). Clitics are removed from lowercase parts only,
    as in `base_word`."""
    capital = token[:1].isupper()
    parts = [p if capital else strip_clitic(p) for p in token.lower().split("-") if p]
    if len(set(parts)) == 1:
        return (parts[0],)
    if len(parts) == 2 and len(parts[1]) >= 3 and parts[0].endswith(parts[1]):
        return (parts[0],)
    return tuple(parts)


def words(text: str) -> list[str]:
    """All word tokens of `text` in index form (see `base_word`), stopwords included."""
    return [base_word(t) for t in _WORD.findall(normalize(text))]


def terms(text: str) -> list[str]:
    """Content terms: `words` minus stopwords, one-letter words and bare numbers."""
    stop = stopwords()
    out = []
    for t in _WORD.findall(normalize(text)):
        w = base_word(t)
        if len(w) > 1 and w not in stop and not w.isdigit():
            out.append(w)
    return out


_TERM_CACHE: dict[str, str] = {}


def term_counts(text: str, normalized: bool = False) -> dict[str, int]:
    """Counts of content terms (as `terms`), fast: each distinct written form is folded once."""
    from collections import Counter

    cache = _TERM_CACHE
    if not cache:
        cache[""] = ""
    stop = stopwords()
    out: dict[str, int] = {}
    for tok, n in Counter(_WORD.findall(text if normalized else normalize(text))).items():
        w = cache.get(tok)
        if w is None:
            w = base_word(tok)
            if len(w) < 2 or w in stop or w.isdigit():
                w = ""
            if len(cache) < 2_000_000:
                cache[tok] = w
        if w:
            out[w] = out.get(w, 0) + n
    return out


def fold_ascii(text: str) -> str:
    """ASCII transliteration by dropping accents ("Gdańsk" -> "Gdansk")."""
    text = unicodedata.normalize("NFKD", normalize(text))
    return text.encode("ascii", "ignore").decode("ascii")
