"""The benchmark corpus (../shared/corpus, third-party news read as local input, never copied):
where it is, reading it, and recombining its sentences into new articles."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
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
