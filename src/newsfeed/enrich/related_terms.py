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
from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np
import scipy.sparse as sp

from newsfeed.enrich import text as T

__all__ = ["feature_counts", "features", "gram_counts", "headline_grams", "title_key"]

# the counts of many documents, as related_model.local_counts gives them: (terms, indptr,
# term number per entry, count per entry)
Counts = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]

TITLE_WEIGHT = 4
LEAD_WEIGHT = 3
LEAD_WORDS = 60
GRAM_SIZES = (2, 3)

_TOKEN = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]{2,})*")
_ASCII_TOKEN = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]{2,})*")  # the same tokens on ASCII text, found faster
_GRAM_WORD = re.compile(r"[^\W_]+")
_NON_WORD = re.compile(r"[^\w]+")
_CACHE_LIMIT = 1_000_000
# bytes.translate table: ASCII characters that are not letters or "-" become spaces
_CUT = bytes(c if c >= 128 or c == ord("-") or chr(c).isalpha() else ord(" ") for c in range(256))
_PIECE_CACHE: dict[bytes, tuple[str, ...]] = {}
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


def feature_counts(docs: Sequence[tuple[str, str]]) -> Counts:
    """`features` of many (title, text) documents at once, equal to it term for term, about
    five times faster. The text is cut, as UTF-8 bytes, at every ASCII character that is not a
    letter or a hyphen (bytes.translate and split, no regular expression); a token never
    spans such a character, so each piece holds whole tokens. Each distinct piece of the
    batch is folded once (the token pattern runs only on pieces that are not plain ASCII
    words), and the weighing and counting are sparse-matrix sums."""
    segments = []
    for title, text in docs:
        body = T.strip_boilerplate(text)
        lead = " ".join(body.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])
        for part in (body, lead, title):
            segments.append(part.encode("utf-8", "surrogatepass").translate(_CUT).split())
    return _counted(segments, (1, LEAD_WEIGHT, TITLE_WEIGHT), len(docs), _folded)


def gram_counts(titles: Sequence[str]) -> Counts:
    """`headline_grams` of many headlines at once, equal to it piece for piece."""
    segments = [_GRAM_WORD.findall(T.normalize(title).lower()) for title in titles]
    return _counted(segments, (1,), len(titles), _grams)


class _Numbering(dict):
    """key -> 0, 1, 2, ... in order of first use."""

    def __missing__(self, key: str) -> int:
        number = self[key] = len(self)
        return number


def _counted(segments: list[list[str]], weights: tuple[int, ...], docs: int, fold: Callable[[str], tuple[str, ...]]) -> Counts:
    """Documents of len(weights) token lists each (segments in document order) -> weighted term
    counts, each token counting weight x once for each term it folds to."""
    tokens = _Numbering()
    ids = np.fromiter(map(tokens.__getitem__, chain.from_iterable(segments)), dtype=np.int64)
    lengths = np.fromiter(map(len, segments), dtype=np.int64, count=len(segments))
    doc = np.repeat(np.repeat(np.arange(docs, dtype=np.int64), len(weights)), lengths)
    weight = np.repeat(np.tile(np.array(weights, dtype=np.int64), docs), lengths)
    per_doc = sp.csr_matrix((weight, (doc, ids)), shape=(docs, len(tokens)))  # repeats are summed
    terms = _Numbering()
    folds = [fold(token) for token in tokens]  # in token number order
    rows = np.repeat(np.arange(len(folds), dtype=np.int64), np.fromiter(map(len, folds), dtype=np.int64, count=len(folds)))
    columns = np.fromiter(map(terms.__getitem__, chain.from_iterable(folds)), dtype=np.int64)
    folding = sp.csr_matrix((np.ones(len(columns), dtype=np.int64), (rows, columns)), shape=(len(tokens), len(terms)))
    counts = (per_doc @ folding).tocsr()
    return list(terms), counts.indptr.astype(np.int64), counts.indices.astype(np.int64), counts.data.astype(np.int32)


def _folded(piece: bytes) -> tuple[str, ...]:
    """The terms of one piece of text cut by `_CUT` (any number of tokens)."""
    terms = _PIECE_CACHE.get(piece)
    if terms is None:
        word = piece.decode("utf-8", "surrogatepass")
        if word.isascii() and word.isalpha():
            tokens = [word] if len(word) > 1 else []
        else:
            tokens = _TOKEN.findall(word)
        terms = tuple(chain.from_iterable(_FOLD_CACHE.get(token) or _fold(token) for token in tokens))
        if len(_PIECE_CACHE) < _CACHE_LIMIT:
            _PIECE_CACHE[piece] = terms
    return terms


def _grams(word: str) -> tuple[str, ...]:
    grams = _GRAM_CACHE.get(word)
    if grams is None:
        padded = f" {word} "
        grams = tuple(padded[i : i + n] for n in GRAM_SIZES for i in range(len(padded) - n + 1))
        if len(_GRAM_CACHE) < _CACHE_LIMIT:
            _GRAM_CACHE[word] = grams
    return grams


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
        for gram in _grams(word):
            counts[gram] = counts.get(gram, 0) + 1
    return counts


def title_key(title: str) -> str:
    """The headline lowercased, without punctuation: equal keys are near-duplicates."""
    return " ".join(_NON_WORD.sub(" ", T.normalize(title).lower()).split())
