"""The benchmark corpus (../shared/corpus, third-party news read as local input, never copied):
where it is, reading it, and recombining its sentences into new articles."""

from __future__ import annotations

import html
import json
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "indo-news-2025-fulltext" / "articles.jsonl"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def load(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def recombine(texts: list[str], n: int, rng: random.Random) -> Iterator[tuple[int, str]]:
    """`n` new bodies, each of 3-sentence chunks drawn from 2-3 of `texts`, in random order, with
    the index of the first text drawn (whose headline the caller may use). Lazy: a caller may
    draw from `rng` between articles."""
    sentences = [_SENTENCE_END.split(text) for text in texts]
    for _ in range(n):
        picks = rng.sample(range(len(texts)), rng.choice((2, 3)))
        chunks = []
        for p in picks:
            s = sentences[p]
            for _ in range(rng.randint(2, 4)):
                a = rng.randrange(max(1, len(s) - 2))
                chunks.append(" ".join(s[a : a + 3]))
        rng.shuffle(chunks)
        yield picks[0], "\n\n".join(chunks)


# -- cleaning and per-section drawing (bench_build's realistic pages) ------------------------
# Scraper furniture and publisher credits that a site's own pages would not carry: the
# advertisement banner and embed markers, datelines ("JAKARTA, KOMPAS.com -", "TEMPO.CO,
# Jakarta -"), and trailers that point elsewhere ("Pilihan Editor: ...", "Simak Video ...").
_FURNITURE = re.compile(r"\bADVERTISEMENT\b|\bSCROLL TO CONTINUE WITH CONTENT\b|\[Gambas:[^\]]*\]")
_DATELINE = re.compile(r"^\s*(?:[A-Z][A-Z .'-]*,\s*)?(?:KOMPAS\.com|TEMPO\.CO(?:,\s*[A-Z][a-z]+)?)\s*[-\u2013\u2014]\s*")
_TRAILER = re.compile(
    r"\s*(?:Pilihan [Ee]ditor\s*:|Artikel ini telah tayang di|Simak (?:[Jj]uga )?[Vv]ideo|Baca berita lengkapnya).*\Z", re.S
)
_TITLE_SITE = re.compile(r"\s*\|\s*[\w.]+\s*$")


def scrub(text: str) -> str:
    """Article text without scraper furniture, dateline and trailer; whitespace collapsed.
    Glued words and mojibake stay: they are part of the real-world mess."""
    text = html.unescape(text).replace("\xa0", " ")
    text = _TRAILER.sub("", _DATELINE.sub("", text))
    return " ".join(_FURNITURE.sub(" ", text).split())


def scrub_title(title: str) -> str:
    """A headline without the " | tempo.co" suffix, entities decoded, whitespace collapsed."""
    return " ".join(_TITLE_SITE.sub("", html.unescape(title)).split())


def split_sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def draw_chunks(sentences: Sequence[list[str]], pool: Sequence[int], rng: random.Random) -> tuple[int, list[str]]:
    """One body the way `recombine` makes them (2-4 chunks of 3 consecutive sentences from
    each of 2-3 texts, shuffled), its texts drawn from `pool` (indices into `sentences`):
    the index of the first text drawn, and the chunks (one paragraph each)."""
    picks = rng.sample(pool, min(len(pool), rng.choice((2, 3))))
    chunks = []
    for p in picks:
        s = sentences[p]
        for _ in range(rng.randint(2, 4)):
            a = rng.randrange(max(1, len(s) - 2))
            chunks.append(" ".join(s[a : a + 3]))
    rng.shuffle(chunks)
    return picks[0], chunks
