"""What the related-articles index reads of an article: weighted word terms of the whole
text, character n-grams of the headline, and a headline key for near-duplicates.

- `features`: words of the headline (weight 4), of the lead (first 60 words, weight 3) and of
  the body (weight 1), lowercased; clitics (-nya, -lah, -kah, -pun) removed from lowercase
  words only, so names are never changed; a hyphenated word gives the forms of
  `text.compound_parts`, a reduplication twice ("negara-negara" -> "negara", "Berjam-jam"
  -> "berjam", never "jam");
  stopwords-iso Indonesian stopwords and numbers dropped.
- `headline_grams`: the 2- and 3-letter pieces of each headline word padded with a space
  ("naik" -> " n", "na", ..., " na", "nai", "aik", "ik "). On a headline of six content words
  the word terms alone match or miss on one spelling ("vaksin", "vaksinasi", "divaksin");
  the pieces let close spellings and shared affixes count a little.
"""

from __future__ import annotations

import re
from collections import Counter

from newsfeed.enrich import text as T

__all__ = ["features", "headline_grams", "title_key"]

TITLE_WEIGHT = 4
LEAD_WEIGHT = 3
LEAD_WORDS = 60
GRAM_SIZES = (2, 3)

_TOKEN = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]{2,})*")
_ASCII_TOKEN = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]{2,})*")  # the same tokens on ASCII text, found faster
_GRAM_WORD = re.compile(r"[^\W_]+")
_NON_WORD = re.compile(r"[^\w]+")
_CACHE_LIMIT = 1_000_000
_FOLD_CACHE: dict[str, tuple[str, ...]] = {}
_GRAM_CACHE: dict[str, tuple[str, ...]] = {}


def features(title: str, text: str) -> dict[str, int]:
    """Weighted term counts of one article (see the module docstring)."""
    body = T.strip_boilerplate(text)
    lead = " ".join(body.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])
    counts: dict[str, int] = {}
    for weight, part in ((1, body), (LEAD_WEIGHT, lead), (TITLE_WEIGHT, title)):
        # The token pattern already splits at no-break spaces and curly quotes.
        for token, n in Counter((_ASCII_TOKEN if part.isascii() else _TOKEN).findall(part)).items():
            terms = _FOLD_CACHE.get(token)
            if terms is None:
                terms = _fold(token)
            for term in terms:
                counts[term] = counts.get(term, 0) + weight * n
    return counts


def _fold(token: str) -> tuple[str, ...]:
    stop = T.stopwords()
    if "-" in token:
        forms = T.compound_parts(token)
        if len(forms) == 1:  # a reduplication counts its word twice, as if written twice
            forms = forms * 2
    else:
        low = token.lower()
        forms = (low if token[0].isupper() else T.strip_clitic(low),) if low not in stop else ()
    terms = tuple(f for f in forms if len(f) > 1 and f not in stop)
    if len(_FOLD_CACHE) < _CACHE_LIMIT:
        _FOLD_CACHE[token] = terms
    return terms


def headline_grams(title: str) -> dict[str, int]:
    """Counts of the headline's letter pieces (see the module docstring)."""
    counts: dict[str, int] = {}
    for word in _GRAM_WORD.findall(T.normalize(title).lower()):
        grams = _GRAM_CACHE.get(word)
        if grams is None:
            padded = f" {word} "
            grams = tuple(padded[i : i + n] for n in GRAM_SIZES for i in range(len(padded) - n + 1))
            if len(_GRAM_CACHE) < _CACHE_LIMIT:
                _GRAM_CACHE[word] = grams
        for gram in grams:
            counts[gram] = counts.get(gram, 0) + 1
    return counts


def title_key(title: str) -> str:
    """The headline lowercased, without punctuation: equal keys are near-duplicates."""
    return " ".join(_NON_WORD.sub(" ", T.normalize(title).lower()).split())
