"""The names of a headline.

Headlines are written in Title Case, so a capital says little there: a headline word is part
of a name only where the article's text writes it with a capital too and never in lowercase
("Divonis", "Rumah" and "Ungkap" are not), or it is an acronym or a word of a known name; the
rest is cut into names as any run of the text is ("Mendes Yandri" -> "Yandri").
"""

from __future__ import annotations

import re

from newsfeed.enrich.topics.common import is_common
from newsfeed.enrich.topics.lexicon import Lexicon
from newsfeed.enrich.topics.mentions import RUN, lower_occurs
from newsfeed.enrich.topics.runs import analyse

# a site's name after the headline: "... | tempo.co", "... - detikNews"
_NUMERAL = re.compile(r"^(?:[IVX]+[AB]?|\d+)$")
_SITE_SUFFIX = re.compile(r"\s+[|\u2013\u2014-]\s+[\w.-]*\.(?:co|com|id|net|org)(?:\.\w{2})?\s*$", re.IGNORECASE)


def clean_headline(title: str) -> str:
    return _SITE_SUFFIX.sub("", title)


def headline_names(lex: Lexicon, headline: str, body: str, words: set[str], lowered: dict[str, bool],
                   counts: dict[str, int]) -> list[str]:
    """The names of `headline`; `words`: the capitalised words of the text, `counts`: its names.
    A name the text does not give loses its leading dictionary words ("Gaya Jokowi" -> "Jokowi")."""
    out: list[str] = []
    runs = lex.cache["runs"]
    known = lex.name_words
    generic = lex.generic
    for run in RUN.findall(headline):
        piece: list[str] = []
        for w in _words(run, words) + [""]:
            if w and (w in known and not (w in lex.word_places and _lower(w.lower(), body, lowered))
                      or not w[1:].islower() and not _hyphenated_words(w, words)
                      or w.lower() in generic  # (titles cut names as in the text)
                      or w in words and not _lower(w.lower(), body, lowered)):
                piece.append(w)
                continue
            if piece:
                text = " ".join(piece)
                hit = runs.get(text)
                if hit is None:
                    hit = runs[text] = analyse(lex, text)
                for name in hit[0] if hit else ():
                    if name not in counts and " " in name:
                        name = _without_leading_words(lex, name, counts)
                        if name not in counts and " " in name:
                            name = _text_name_inside(name, counts)
                    if name not in out:
                        out.append(name)
                piece = []
    return out


_WORD_PREFIXES = frozenset(("non", "anti", "pro", "pasca", "pra", "antar", "multi", "semi"))


def _hyphenated_words(w: str, words: set[str]) -> bool:
    """Is `w` words of the dictionary joined by a hyphen, written so only in the headline
    ("Non-Aktif", "Pasca-Banjir"), not a name ("Al-Salam", "Alexander-Arnold")?"""
    if "-" not in w or w in words:
        return False
    parts = w.lower().split("-")
    return all(p in _WORD_PREFIXES or is_common(p) for p in parts if p)


def _lower(low: str, body: str, lowered: dict[str, bool]) -> bool:
    hit = lowered.get(low)
    if hit is None:
        hit = lowered[low] = lower_occurs(body, low)
    return hit


def _text_name_inside(name: str, counts: dict[str, int]) -> str:
    """The text's name of two words or more that ends `name`, when the text never writes `name`
    itself: "(Mantan Karyawan) TV Dian Akbar" is "Dian Akbar"."""
    words = name.split(" ")
    for i in range(1, len(words) - 1):
        tail = " ".join(words[i:])
        if tail in counts:
            return tail
    return name


def _without_leading_words(lex: Lexicon, name: str, counts: dict[str, int]) -> str:
    """`name` without its leading dictionary words, but for a name the text uses ("Tom" of "Tom Lembong")."""
    words = name.split(" ")
    i = 0
    while i < len(words) - 1 and words[i] not in lex.name_words and words[i] not in counts and is_common(words[i].lower()):
        i += 1
    if i and _NUMERAL.match(words[i]) and words[i] not in lex.numeral_names:
        return name  # "Komisi V": the numeral names nothing without its head (but "Pengguna X" is "X")
    return " ".join(words[i:])


def _words(run: str, words: set[str]) -> list[str]:
    """The run's words, "Dudung-Gus" read as "Dudung", "", "Gus" when the text has both."""
    out: list[str] = []
    for w in run.split(" "):
        first, dash, rest = w.partition("-")
        if dash and first in words and rest in words and first != rest:
            out += [first, "", rest]
        else:
            out.append(w)
    return out
