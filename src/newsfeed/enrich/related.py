"""Related articles: an incremental, sub-quadratic index over the whole archive.

Ranking (no section, publisher or URL is used):
1. Each article becomes a sparse term vector: content words of the headline (counted twice)
   and the body (see `enrich.text`), plus capitalised two-word names ("korea_utara") as
   single terms; weight (1 + ln tf) * idf with idf = ln((N + 1) / (df + 1)) + 1; terms in
   fewer than 2 or more than half of the articles are dropped; L2 normalised.
2. Candidates: the `candidates` (default 50) articles with the highest cosine of those
   vectors (computed in row blocks, so memory is O(block * N), never N * N). An article that
   shares no term with another never becomes its candidate.
3. Re-ranking: cosine + 0.5 * cosine of 50-dimensional latent vectors (LSA; a randomized SVD
   fitted once, deterministically, on at most 20,000 articles) so that articles about the
   same kind of subject in different words score higher. Scores are rounded to 1e-6 and ties
   are broken by article id, so the order is deterministic.
4. Never the article itself, never a near-duplicate (cosine >= 0.9, or the same headline
   once lowercased and stripped of punctuation).

Incremental updates: `add(records)` computes vectors for the new articles with the current
document frequencies, ranks them against the whole archive, and inserts each new article
into the list of every old article whose candidate threshold and k-th score it beats. Old
articles keep the vectors they were given, so after an add the lists equal a rebuild only up
to those frozen weights (an article that shares no term with the old ones changes nothing).
Build from scratch now and then, e.g. when the archive grew by a
quarter, to refresh idf weights and the latent basis.

Persisting in SQLite (the store's side):
- one row per article: `article_blob(article_id) -> bytes` (its vector, latent vector,
  headline key, threshold and current list), e.g. in `related_index(article_id TEXT PRIMARY
  KEY, blob BLOB)`; plus one global row `globals_blob() -> bytes` (N, document frequencies,
  the latent basis), e.g. in a `meta(key, value BLOB)` table.
- on update: `index = RelatedIndex.load(globals_blob, rows)`, `changed = index.add(new)`,
  then write `article_blob(i)` for every id in `changed`, the new `globals_blob()`, and the
  lists `related(i, k, editor_ids)` of the changed ids into the articles.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import scipy.sparse as sp

from newsfeed.enrich import text as T

__all__ = ["RelatedIndex", "Record", "features"]

TITLE_WEIGHT = 2
MAX_DF = 0.5
MIN_DF = 2
LATENT_DIM = 50
LATENT_WEIGHT = 0.5
LATENT_SAMPLE = 20_000
DUPLICATE_COSINE = 0.9
BLOCK = 256
MAX_TERMS = 100  # strongest terms kept per article vector
KEEP = 10  # list length kept per article; related(k) serves k <= KEEP

_NAME_PAIR = re.compile(r"\b([A-Z][a-z]+|[A-Z]{2,})\s([A-Z][a-z]+|[A-Z]{2,})\b")
_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    title: str
    text: str
    published: datetime | None = None  # not used for ranking; kept for the caller's convenience


def features(title: str, text: str) -> Counter[str]:
    """Raw term counts of one article (headline terms count TITLE_WEIGHT times)."""
    body = T.strip_boilerplate(T.normalize(text))
    counts: Counter[str] = Counter(T.term_counts(body, normalized=True))
    for a, b in _NAME_PAIR.findall(body):
        counts[(a + "_" + b).lower()] += 1
    for t, n in T.term_counts(title).items():
        counts[t] += TITLE_WEIGHT * n
    return counts


def title_key(title: str) -> str:
    return " ".join(_NON_WORD.sub(" ", T.normalize(title).lower()).split())


class RelatedIndex:
    """Related-article lists for a whole archive; see the module docstring."""

    def __init__(self, candidates: int = 50):
        self.candidates = candidates
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}
        self.vocab: dict[str, int] = {}
        self.df = np.zeros(0, dtype=np.int64)
        self.n = 0
        self.X = sp.csr_matrix((0, 0), dtype=np.float32)
        self.Z = np.zeros((0, 0), dtype=np.float32)
        self.basis = np.zeros((0, 0), dtype=np.float32)  # dim x len(basis vocabulary)
        self.titles: list[str] = []
        self.thr = np.zeros(0, dtype=np.float32)
        self.lists: list[list[tuple[float, str]]] = []

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def build(cls, records: Iterable[Any], candidates: int = 50) -> RelatedIndex:
        """Index `records`: objects with .id, .title, .text (or (id, title, text, ...) tuples)."""
        index = cls(candidates)
        index._add(_records(records), initial=True)
        return index

    def add(self, records: Iterable[Any]) -> set[str]:
        """Add new articles (an id already indexed is ignored); returns the ids whose lists changed."""
        return self._add(_records(records), initial=self.n == 0)

    def related(self, article_id: str, k: int = 5, editor_ids: Sequence[str] = ()) -> tuple[str, ...]:
        """Up to k related ids: editor-chosen first (in their order), then computed ones."""
        out: list[str] = []
        for i in editor_ids:
            if i != article_id and i not in out:
                out.append(i)
        row = self.pos.get(article_id)
        if row is not None:
            for _, i in self.lists[row]:
                if i not in out:
                    out.append(i)
        return tuple(out[:k])

    def scored(self, article_id: str) -> list[tuple[float, str]]:
        """The computed list with scores, best first (for inspection and tests)."""
        return list(self.lists[self.pos[article_id]])

    def __len__(self) -> int:
        return self.n

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.pos

    # -- internals --------------------------------------------------------------------------
    def _add(self, recs: list[tuple[str, str, str]], initial: bool) -> set[str]:
        recs = [r for r in recs if r[0] not in self.pos]
        seen: set[str] = set()
        recs = [r for r in recs if not (r[0] in seen or seen.add(r[0]))]
        if not recs:
            return set()
        recs.sort(key=lambda r: r[0])
        feats = [features(title, body) for _, title, body in recs]
        old = self.n
        for f in feats:
            for t in f:
                if t not in self.vocab:
                    self.vocab[t] = len(self.vocab)
        df = np.zeros(len(self.vocab), dtype=np.int64)
        df[: len(self.df)] = self.df
        for f in feats:
            df[[self.vocab[t] for t in f]] += 1
        self.df = df
        self.n = old + len(recs)
        for rid, title, _ in recs:
            self.pos[rid] = len(self.ids)
            self.ids.append(rid)
            self.titles.append(title_key(title))
        Xn = self._vectors(feats)
        if self.X.shape[1] < len(self.vocab):
            self.X = sp.csr_matrix((self.X.data, self.X.indices, self.X.indptr), shape=(old, len(self.vocab)))
        self.X = sp.vstack([self.X, Xn], format="csr") if old else Xn
        if initial:
            self.basis = _latent_basis(self.X, LATENT_DIM)
            self.Z = self._latent(self.X)
        else:
            self.Z = np.vstack([self.Z, self._latent(Xn)])
        self.thr = np.concatenate([self.thr, np.zeros(len(recs), dtype=np.float32)])
        self.lists.extend([] for _ in recs)
        id_rank = np.argsort(np.argsort(np.array(self.ids, dtype=object)))  # rank of each id
        changed = {r[0] for r in recs}
        XT = self.X.T.tocsr()
        titles = self.titles
        for start in range(old, self.n, BLOCK):
            rows = np.arange(start, min(start + BLOCK, self.n))
            S = np.asarray((self.X[rows] @ XT).todense(), dtype=np.float32)
            S[np.arange(len(rows)), rows] = -1.0  # never itself
            for j, row in enumerate(rows):
                srow = S[j]
                if np.any(srow >= DUPLICATE_COSINE):
                    srow[srow >= DUPLICATE_COSINE] = -1.0
                self._rank(row, srow, id_rank, titles)
            if not initial:
                self._insert(rows, S, old, id_rank, titles, changed)
        return changed

    def _rank(self, row: int, srow: np.ndarray, id_rank: np.ndarray, titles: list[str]) -> None:
        c = min(self.candidates, len(srow))
        cand = np.argpartition(-srow, c - 1)[:c] if c < len(srow) else np.arange(len(srow))
        cand = cand[srow[cand] > 0]
        key = titles[row]
        cand = np.array([i for i in cand if titles[i] != key], dtype=np.int64)
        if len(cand) == 0:
            self.lists[row] = []
            return
        sc = srow[cand]
        self.thr[row] = sc.min() if len(cand) >= self.candidates else 0.0
        comb = np.round(sc + LATENT_WEIGHT * (self.Z[cand] @ self.Z[row]), 6)
        order = np.lexsort((id_rank[cand], -comb))[:KEEP]
        self.lists[row] = [(float(comb[o]), self.ids[cand[o]]) for o in order]

    def _insert(self, rows, S, old, id_rank, titles, changed) -> None:
        """Insert the new rows into the lists of old articles they now belong to."""
        sub = S[:, :old]
        hit_r, hit_c = np.nonzero((sub > 0) & (sub >= self.thr[:old][None, :]))
        for j, b in zip(hit_r.tolist(), hit_c.tolist()):
            a = int(rows[j])
            if titles[a] == titles[b]:
                continue
            score = round(float(S[j, b]) + LATENT_WEIGHT * float(self.Z[a] @ self.Z[b]), 6)
            lst = self.lists[b]
            entry = (score, self.ids[a])
            if len(lst) >= KEEP and not _better(entry, lst[-1]):
                continue
            lst.append(entry)
            lst.sort(key=lambda e: (-e[0], e[1]))
            del lst[KEEP:]
            changed.add(self.ids[b])

    def _vectors(self, feats: list[Counter[str]]) -> sp.csr_matrix:
        n = self.n
        idf = np.log((n + 1) / (self.df + 1)).astype(np.float32) + 1.0
        usable = (self.df >= MIN_DF) & (self.df <= MAX_DF * n)
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for f in feats:
            tids = np.fromiter((self.vocab[t] for t in f), dtype=np.int64, count=len(f))
            tf = np.fromiter(f.values(), dtype=np.float32, count=len(f))
            keep = usable[tids]
            tids, tf = tids[keep], tf[keep]
            w = (1.0 + np.log(tf)) * idf[tids]
            if len(w) > MAX_TERMS:
                top = np.lexsort((tids, -w))[:MAX_TERMS]
                tids, w = tids[top], w[top]
            norm = float(np.sqrt((w * w).sum()))
            if norm > 0:
                w /= norm
            order = np.argsort(tids)
            indices.extend(tids[order].tolist())
            data.extend(w[order].tolist())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
            shape=(len(feats), len(self.vocab)),
        )

    def _latent(self, X: sp.csr_matrix) -> np.ndarray:
        if self.basis.size == 0:
            return np.zeros((X.shape[0], 1), dtype=np.float32)
        v = self.basis.shape[1]
        Xb = X[:, :v] if X.shape[1] > v else X
        Z = np.asarray(Xb @ self.basis.T, dtype=np.float32)
        norms = np.linalg.norm(Z, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return Z / norms

    # -- persistence ------------------------------------------------------------------------
    def article_blob(self, article_id: str) -> bytes:
        row = self.pos[article_id]
        start, end = self.X.indptr[row], self.X.indptr[row + 1]
        terms = self._terms()
        doc = {
            "t": [terms[i] for i in self.X.indices[start:end]],
            "w": [round(float(w), 6) for w in self.X.data[start:end]],
            "z": [round(float(z), 6) for z in self.Z[row]],
            "k": self.titles[row],
            "h": round(float(self.thr[row]), 6),
            "r": [[s, i] for s, i in self.lists[row]],
        }
        return zlib.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode())

    def globals_blob(self) -> bytes:
        terms = self._terms()
        doc = {
            "n": self.n,
            "c": self.candidates,
            "df": {terms[i]: int(d) for i, d in enumerate(self.df) if d},
            "bt": terms[: self.basis.shape[1]],
            "bd": list(self.basis.shape),
        }
        head = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
        return zlib.compress(len(head).to_bytes(8, "big") + head + self.basis.astype(np.float32).tobytes())

    @classmethod
    def load(cls, globals_blob: bytes, articles: Iterable[tuple[str, bytes]]) -> RelatedIndex:
        raw = zlib.decompress(globals_blob)
        size = int.from_bytes(raw[:8], "big")
        doc = json.loads(raw[8 : 8 + size])
        index = cls(doc["c"])
        for t in doc["bt"]:
            index.vocab.setdefault(t, len(index.vocab))
        for t in doc["df"]:
            index.vocab.setdefault(t, len(index.vocab))
        index.df = np.zeros(len(index.vocab), dtype=np.int64)
        for t, d in doc["df"].items():
            index.df[index.vocab[t]] = d
        index.n = doc["n"]
        index.basis = np.frombuffer(raw[8 + size :], dtype=np.float32).reshape(doc["bd"]).copy()
        indptr, indices, data, zs, thr = [0], [], [], [], []
        for aid, blob in sorted(articles):
            a = json.loads(zlib.decompress(blob))
            index.pos[aid] = len(index.ids)
            index.ids.append(aid)
            index.titles.append(a["k"])
            pairs = sorted((index.vocab.setdefault(t, len(index.vocab)), w) for t, w in zip(a["t"], a["w"]))
            indices.extend(p[0] for p in pairs)
            data.extend(p[1] for p in pairs)
            indptr.append(len(indices))
            zs.append(a["z"])
            thr.append(a["h"])
            index.lists.append([(float(s), i) for s, i in a["r"]])
        if len(index.df) < len(index.vocab):
            index.df = np.concatenate([index.df, np.zeros(len(index.vocab) - len(index.df), dtype=np.int64)])
        index.X = sp.csr_matrix(
            (np.array(data, dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr)),
            shape=(len(index.ids), len(index.vocab)),
        )
        index.Z = np.array(zs, dtype=np.float32).reshape(len(index.ids), -1)
        index.thr = np.array(thr, dtype=np.float32)
        return index

    def _terms(self) -> list[str]:
        terms = [""] * len(self.vocab)
        for t, i in self.vocab.items():
            terms[i] = t
        return terms


def _better(a: tuple[float, str], b: tuple[float, str]) -> bool:
    return (-a[0], a[1]) < (-b[0], b[1])


def _records(records: Iterable[Any]) -> list[tuple[str, str, str]]:
    out = []
    for r in records:
        if isinstance(r, tuple):
            out.append((str(r[0]), r[1], r[2]))
        else:
            out.append((str(r.id), r.title, r.text))
    return out


def _latent_basis(X: sp.csr_matrix, dim: int) -> np.ndarray:
    """Right singular vectors of (a deterministic sample of) X by randomized SVD."""
    n, v = X.shape
    dim = min(dim, n - 1, v - 1)
    if dim < 2:
        return np.zeros((0, 0), dtype=np.float32)
    step = max(1, -(-n // LATENT_SAMPLE))
    Xs = X[::step].astype(np.float64)
    rng = np.random.default_rng(20241014)
    omega = rng.standard_normal((v, dim + 10))
    q, _ = np.linalg.qr(Xs @ omega)
    for _ in range(2):
        q, _ = np.linalg.qr(Xs.T @ q)
        q, _ = np.linalg.qr(Xs @ q)
    b = (Xs.T @ q).T
    _, _, vt = np.linalg.svd(b, full_matrices=False)
    vt = vt[:dim]
    signs = np.sign(vt[np.arange(dim), np.abs(vt).argmax(axis=1)])  # deterministic signs
    return (vt * signs[:, None]).astype(np.float32)
