"""Is a word an ordinary Indonesian word (not a name)?

The dictionary is the root-word list of the Indonesian dictionary (KBBI) that the Sastrawi
stemmer ships (package pysastrawi, MIT): about 30,000 roots. A word is common when it is a
root or a root with the usual affixes ("Perpecahan" -> "pecah", "Mengunggah" -> "unggah",
"Pelapor" -> "lapor"). Only the light, regular affixes are undone, which is enough to tell
"Robot" or "Kecelakaan" from "Prabowo"; a name that is also a word ("Budi", "Jaya") is common
too, so callers use this only where a capital is doubtful anyway (a sentence's first word).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

_CACHE: dict[str, bool] = {}
_PARTICLES = ("lah", "kah", "tah", "pun", "nya", "ku", "mu")
_SUFFIXES = ("kan", "an", "i")
# prefix -> what may stand for the letter the prefix swallowed ("menulis" -> "tulis")
_PREFIXES = (
    ("meny", ("s",)), ("peny", ("s",)), ("meng", ("", "k")), ("peng", ("", "k")), ("mem", ("", "p")),
    ("pem", ("", "p")), ("men", ("", "t")), ("pen", ("", "t")), ("mem", ("",)), ("me", ("",)), ("pe", ("",)),
    ("ber", ("",)), ("be", ("",)), ("ter", ("",)), ("per", ("",)), ("di", ("",)), ("ke", ("",)), ("se", ("",)),
)


@lru_cache(maxsize=1)
def roots() -> frozenset[str]:
    try:
        data = resources.files("Sastrawi").joinpath("Stemmer/data/kata-dasar.txt").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):  # pragma: no cover - a broken install
        return frozenset()
    return frozenset(w for w in data.split() if len(w) > 2)


def is_common(low: str) -> bool:
    """Is the lowercase word `low` an ordinary word (a dictionary root, plain or affixed)?"""
    hit = _CACHE.get(low)
    if hit is None:
        if len(_CACHE) > 200_000:
            _CACHE.clear()
        hit = _CACHE[low] = _common(low, roots())
    return hit


def _common(low: str, words: frozenset[str]) -> bool:
    if len(low) < 3 or not low.isalpha():
        return False
    stems = {low}
    for p in _PARTICLES:
        if low.endswith(p) and len(low) - len(p) >= 3:
            stems.add(low[: -len(p)])
    for stem in list(stems):
        for s in _SUFFIXES:
            if stem.endswith(s) and len(stem) - len(s) >= 3:
                stems.add(stem[: -len(s)])
    for stem in list(stems):
        for prefix, swallowed in _PREFIXES:
            if stem.startswith(prefix) and len(stem) - len(prefix) >= 3:
                rest = stem[len(prefix):]
                stems.update(letter + rest for letter in swallowed)
    return not words.isdisjoint(stems)


def is_derived(low: str) -> bool:
    """A noun made from a root with -an or -kan ("peraturan", "penurunan", "kebijakan"): never a
    name, unlike a bare root, which may be one ("Budi", "Jaya")."""
    return len(low) >= 7 and low.endswith("an") and low not in roots() and is_common(low)


_VERB_PREFIXES = ("me", "di", "ber", "ter")


def is_verb(low: str) -> bool:
    """A verb made from a root with a prefix ("mengunggah", "diduga", "bertemu"): never a name."""
    return len(low) >= 7 and low.startswith(_VERB_PREFIXES) and low not in roots() and is_common(low)


def clear() -> None:
    _CACHE.clear()
