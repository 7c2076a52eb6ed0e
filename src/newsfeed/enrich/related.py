"""Related articles: an incremental index over the whole archive, never N x N in memory.

Ranking (no section, publisher or URL is used; measured in bench/bench_related.py):
1. Terms: words of the headline (weight 4), of the lead (first 60 words, weight 3) and of
   the body (weight 1), lowercased; clitics (-nya, -lah, -kah, -pun) removed from lowercase
   words only, so names are never changed; reduplications count their base twice;
   stopwords-iso Indonesian stopwords and numbers dropped (`features`).
2. Vectors: (1 + ln tf) * idf, idf = ln((1 + N) / (1 + df)) + 1, for terms in at least 2
   and at most half of the articles; L2 normalised.
3. Latent vectors: a 100-dimensional LSA basis (randomized SVD with a fixed seed, fitted
   on at most 20,000 articles), so articles on one subject in different words are close.
4. Candidates: the 30 articles whose latent vectors are closest. Up to 20,000 articles
   they are exact (blocks of rows, memory O(block * N)); above, each article searches the
   members of the k-means clusters nearest to its own (an inverted-file search).
5. Score = term cosine + latent cosine + COARSE_WEIGHT * coarse cosine, rounded to 1e-6;
   ties broken by id. The coarse cosine compares only the first COARSE_DIM latent
   dimensions (the strongest: broad subjects such as sport, money, foreign news), so among
   equally close stories those of the same kind come first (30 and 0.75 were picked on the
   benchmark corpus; over 40 random halves of it the term adds 0.005 +- 0.003 to macro
   precision, and 20-50 dimensions with weights 0.5-1 do about as well). Never the article
   itself, never a near-duplicate (term cosine >= 0.9, or the same headline once
   lowercased and stripped of punctuation). The best `KEEP` are kept with their scores.

Incremental updates: `add(records)` gives new (or edited) articles vectors with the
vocabulary, idf, basis and clusters of the last full build, ranks them against the whole
archive and inserts each into the lists of the older articles it now beats; the lists that
held an edited article are ranked again, since they scored its old text. Old vectors are
not recomputed, so after adds the lists match a rebuild only up to those frozen weights;
callers rebuild from scratch when the archive has grown by a quarter (`stale`).

Persistence (the store's side): `state_blob()` (vocabulary, idf, basis, centroids) plus one
`row_blob(id)` per article (its vector, latent vector, headline key and scored list);
`RelatedIndex.load(state, rows)` restores an identical index (a stored list is parsed only
when it is used).
"""

from __future__ import annotations

import json
import re
import struct
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial, wraps
from itertools import chain
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
import scipy.linalg
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from newsfeed.enrich import text as T
from newsfeed.parallel import batched, fork_map

__all__ = ["RelatedIndex", "Record", "features"]

T_ = TypeVar("T_")

TITLE_WEIGHT = 4
LEAD_WEIGHT = 3
LEAD_WORDS = 60
MIN_DF = 2
MAX_DF = 0.5
LATENT_DIM = 100
COARSE_DIM = 30
COARSE_WEIGHT = 0.75
BASIS_SAMPLE = 20_000
POWER_ITERATIONS = 5
BASIS_DTYPE = np.float32
CANDIDATES = 30
EXACT_LIMIT = 20_000
DUPLICATE_COSINE = 0.9
KEEP = 10
BLOCK = 1024
PROBES = 8
GROWTH_FOR_REBUILD = 0.25
SEED = 20241014

_ROW_HEAD = struct.Struct(">IiII")  # a stored row: terms, cluster, headline key bytes, list bytes
_TOKEN = re.compile(r"[^\W\d_]{2,}")
_ASCII_TOKEN = re.compile(r"[A-Za-z]{2,}")  # the same tokens on ASCII text, found faster
_NON_WORD = re.compile(r"[^\w]+")
_FOLD_CACHE: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    title: str
    text: str
    published: datetime | None = None  # not used for ranking


def features(title: str, text: str) -> dict[str, int]:
    """Weighted term counts of one article (see the module docstring, step 1)."""
    body = T.strip_boilerplate(text)
    lead = " ".join(body.split(maxsplit=LEAD_WORDS)[:LEAD_WORDS])
    counts: dict[str, int] = {}
    for weight, part in ((1, body), (LEAD_WEIGHT, lead), (TITLE_WEIGHT, title)):
        # The token pattern already splits at no-break spaces, curly quotes and hyphens.
        for token, n in Counter((_ASCII_TOKEN if part.isascii() else _TOKEN).findall(part)).items():
            term = _FOLD_CACHE.get(token)
            if term is None:
                term = _fold(token)
            if term:
                counts[term] = counts.get(term, 0) + weight * n
    return counts


def _fold(token: str) -> str:
    low = token.lower()
    term = low if token[0].isupper() else T.strip_clitic(low)
    stop = T.stopwords()
    if low in stop or term in stop:
        term = ""
    if len(_FOLD_CACHE) < 1_000_000:
        _FOLD_CACHE[token] = term
    return term


def title_key(title: str) -> str:
    return " ".join(_NON_WORD.sub(" ", T.normalize(title).lower()).split())


def _one_blas_thread(method: Callable[..., T_]) -> Callable[..., T_]:
    """Run `method` with BLAS held to one thread: OpenBLAS's spinning threads made the latent
    basis 7x slower when other processes shared the CPU (a cron host) and saved nothing on an
    idle machine; one thread also makes the sums' order the same on every machine."""

    @wraps(method)
    def one_thread(*args: Any, **kwargs: Any) -> T_:
        with threadpool_limits(limits=1, user_api="blas"):
            return method(*args, **kwargs)

    return one_thread


class RelatedIndex:
    """Related-article lists for a whole archive; see the module docstring."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}
        self.titles: list[str] = []
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0, dtype=np.float32)
        self.basis = np.zeros((0, 0), dtype=np.float32)  # LATENT_DIM x vocabulary
        self.centroids = np.zeros((0, 0), dtype=np.float32)
        self.X = sp.csr_matrix((0, 0), dtype=np.float32)
        self.Z = np.zeros((0, 0), dtype=np.float32)
        self.cluster = np.zeros(0, dtype=np.int32)
        self.lists: list[list[tuple[float, str]] | bytes] = []  # bytes: as stored, parsed on first use
        self.built_size = 0

    # -- public -------------------------------------------------------------------------------
    @classmethod
    def build(cls, records: Iterable[Any]) -> RelatedIndex:
        """Index `records` from scratch: objects with .id, .title, .text, or such tuples."""
        return cls.build_sorted(iter(_unique(_records(records))))

    @classmethod
    @_one_blas_thread
    def build_sorted(
        cls, records: Iterator[tuple[str, str, str]], ranked: Callable[[int, int], None] | None = None
    ) -> RelatedIndex:
        """Index (id, title, text) tuples given in increasing id order, without holding all
        texts at once (the store's archive streams in). `ranked(done, total)` is called as
        the articles' lists are made."""
        index = cls()
        index._fit(records)
        index._rank_rows(np.arange(len(index.ids)), changed=None, ranked=ranked)
        return index

    @_one_blas_thread
    def add(self, records: Iterable[Any]) -> set[str]:
        """Add new articles or replace edited ones; returns the ids whose lists changed."""
        recs = _unique(_records(records))
        if not recs:
            return set()
        if not self.ids and not self.vocab:  # an index loaded from a state alone keeps its model
            fresh = RelatedIndex.build(recs)
            self.__dict__.update(fresh.__dict__)
            return set(self.ids)
        edited = {r[0] for r in recs if r[0] in self.pos}
        rows = self._append(recs)
        if edited:  # lists holding an edited article scored its old text: rank them again
            needles = [json.dumps(i, ensure_ascii=False).encode() for i in edited]
            holders = [row for row in range(len(self.lists)) if self._holds(row, edited, needles)]
            rows = np.union1d(rows, np.array(holders, dtype=np.int64))
        changed = {self.ids[r] for r in rows}
        self._rank_rows(rows, changed)
        return changed

    def related(self, article_id: str, k: int = 5, editor_ids: Sequence[str] = ()) -> tuple[str, ...]:
        """Up to k ids: editor-chosen first (in their order), then computed ones; never itself."""
        out: list[str] = []
        for other in editor_ids:
            if other != article_id and other not in out:
                out.append(other)
        row = self.pos.get(article_id)
        if row is not None:
            out += [other for _, other in self._entries(row) if other not in out]
        return tuple(out[:k])

    def scored(self, article_id: str) -> list[tuple[float, str]]:
        return list(self._entries(self.pos[article_id]))

    @property
    def stale(self) -> bool:
        """True once the archive has grown by a quarter since the last full build."""
        return len(self.ids) > self.built_size * (1 + GROWTH_FOR_REBUILD)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self.pos

    # -- persistence --------------------------------------------------------------------------
    def state_blob(self) -> bytes:
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        head = json.dumps(
            {"terms": terms, "built": self.built_size, "basis": list(self.basis.shape), "centroids": list(self.centroids.shape)},
            ensure_ascii=False,
        ).encode()
        arrays = (self.idf.astype(np.float32), self.basis.astype(np.float32), self.centroids.astype(np.float32))
        return struct.pack(">Q", len(head)) + head + b"".join(a.tobytes() for a in arrays)

    def row_blob(self, article_id: str) -> bytes:
        row = self.pos[article_id]
        start, end = self.X.indptr[row], self.X.indptr[row + 1]
        title = self.titles[row].encode()
        entries = self.lists[row]
        listed = entries if isinstance(entries, bytes) else json.dumps(entries, ensure_ascii=False).encode()
        return b"".join(
            (
                _ROW_HEAD.pack(int(end - start), int(self.cluster[row]), len(title), len(listed)),
                title,
                listed,
                self.X.indices[start:end].astype(np.int32).tobytes(),
                self.X.data[start:end].astype(np.float32).tobytes(),
                self.Z[row].astype(np.float32).tobytes(),
            )
        )

    @classmethod
    def load(cls, state: bytes, rows: Iterable[tuple[str, bytes]]) -> RelatedIndex:
        index = cls()
        size = struct.unpack(">Q", state[:8])[0]
        head = json.loads(state[8 : 8 + size])
        index.vocab = {t: i for i, t in enumerate(head["terms"])}
        index.built_size = head["built"]
        data = np.frombuffer(state, dtype=np.float32, offset=8 + size)
        vocab, (bd, bv), (cd, cv) = len(head["terms"]), head["basis"], head["centroids"]
        index.idf = data[:vocab].copy()
        index.basis = data[vocab : vocab + bd * bv].reshape(bd, bv).copy()
        index.centroids = data[vocab + bd * bv : vocab + bd * bv + cd * cv].reshape(cd, cv).copy()
        indptr, indices, weights, latents, clusters = [0], [], [], [], []
        for article_id, blob in sorted(rows):
            n, cluster, title_size, list_size = _ROW_HEAD.unpack_from(blob)
            offset = _ROW_HEAD.size + title_size + list_size
            indices.append(np.frombuffer(blob, dtype=np.int32, count=n, offset=offset))
            weights.append(np.frombuffer(blob, dtype=np.float32, count=n, offset=offset + 4 * n))
            latents.append(np.frombuffer(blob, dtype=np.float32, offset=offset + 8 * n))
            indptr.append(indptr[-1] + n)
            clusters.append(cluster)
            index.pos[article_id] = len(index.ids)
            index.ids.append(article_id)
            index.titles.append(blob[_ROW_HEAD.size : _ROW_HEAD.size + title_size].decode())
            index.lists.append(bytes(blob[_ROW_HEAD.size + title_size : offset]))  # parsed when first needed
        index.X = sp.csr_matrix(
            (_concat(weights, np.float32), _concat(indices, np.int32), np.array(indptr)), shape=(len(index.ids), vocab)
        )
        index.Z = np.vstack(latents) if latents else np.zeros((0, bd or 1), dtype=np.float32)  # no basis: 1 zero
        index.cluster = np.array(clusters, dtype=np.int32)
        return index

    # -- building -----------------------------------------------------------------------------
    def _fit(self, records: Iterator[tuple[str, str, str]]) -> None:
        self.ids, self.titles = [], []

        def texts() -> Iterator[tuple[str, str]]:
            for rid, title, text in records:
                if self.ids and rid <= self.ids[-1]:
                    raise ValueError(f"build_sorted: id {rid!r} after {self.ids[-1]!r}; give ids in increasing order")
                self.ids.append(rid)
                self.titles.append(title_key(title))
                yield title, text

        terms, counts = _count_terms(texts())
        n = len(self.ids)
        df = np.bincount(counts.indices, minlength=len(terms))
        usable = np.nonzero((df >= MIN_DF) & (df <= MAX_DF * n))[0]
        usable = usable[np.argsort([terms[i] for i in usable], kind="stable")]  # columns in term order
        self.vocab = {terms[i]: col for col, i in enumerate(usable)}
        self.idf = (np.log((1 + n) / (1 + df[usable])) + 1).astype(np.float32)
        column = np.full(len(terms), -1, dtype=np.int64)
        column[usable] = np.arange(len(usable))
        self.pos = {rid: i for i, rid in enumerate(self.ids)}
        self.X = self._weigh(counts, column)
        del counts
        self.basis = _latent_basis(self.X, LATENT_DIM)
        self.Z = self._latent(self.X)
        self.centroids = _kmeans(self.Z, int(np.sqrt(n))) if n > EXACT_LIMIT else np.zeros((0, self.Z.shape[1]), np.float32)
        self.cluster = _nearest(self.Z, self.centroids)
        self.lists = [[] for _ in self.ids]
        self.built_size = n

    def _append(self, recs: list[tuple[str, str, str]]) -> np.ndarray:
        """Vectors for new or edited records with the frozen model; returns their rows."""
        X = self._vectors([features(title, text) for _, title, text in recs])
        Z = self._latent(X)
        rows = []
        new_rows = []
        edited = []
        for i, (rid, title, _) in enumerate(recs):
            if rid in self.pos:
                row = self.pos[rid]
                self.titles[row] = title_key(title)
                rows.append(row)
                edited.append(i)
            else:
                new_rows.append(i)
        if edited:
            self._replace_rows(np.array(rows, dtype=np.int64), X[edited], Z[edited])
        if new_rows:
            first = len(self.ids)
            for i in new_rows:
                rid, title, _ = recs[i]
                self.pos[rid] = len(self.ids)
                self.ids.append(rid)
                self.titles.append(title_key(title))
                self.lists.append([])
            self.X = sp.vstack([self.X, X[new_rows]], format="csr")
            self.Z = np.vstack([self.Z, Z[new_rows]])
            self.cluster = np.concatenate([self.cluster, _nearest(Z[new_rows], self.centroids)])
            rows += list(range(first, len(self.ids)))
        return np.array(sorted(rows), dtype=np.int64)

    def _replace_rows(self, rows: np.ndarray, X: sp.csr_matrix, Z: np.ndarray) -> None:
        """Give the articles at `rows` new vectors, in one pass over the matrix."""
        n = self.X.shape[0]
        keep = np.ones(n, dtype=self.X.dtype)
        keep[rows] = 0
        old = sp.diags(keep, format="csr") @ self.X
        old.eliminate_zeros()
        place = sp.csr_matrix((np.ones(len(rows), dtype=X.dtype), (rows, np.arange(len(rows)))), shape=(n, len(rows)))
        self.X = (old + place @ X).tocsr()
        self.X.sort_indices()
        self.Z[rows] = Z
        if len(self.centroids):
            self.cluster[rows] = _nearest(Z, self.centroids)

    def _vectors(self, feats: list[dict[str, int]]) -> sp.csr_matrix:
        """Vectors of new articles with the frozen vocabulary (unknown terms are left out)."""
        terms, counts = _merge([_local_counts(feats)])
        column = np.array([self.vocab.get(t, -1) for t in terms], dtype=np.int64)
        return self._weigh(counts, column)

    def _weigh(self, counts: sp.csr_matrix, column: np.ndarray) -> sp.csr_matrix:
        """(1 + ln tf) * idf over the vocabulary's columns, rows L2-normalised."""
        coo = counts.tocoo()
        cols = column[coo.col]
        known = cols >= 0
        rows, cols, tf = coo.row[known], cols[known], coo.data[known].astype(np.float32)
        weights = (1.0 + np.log(tf)) * self.idf[cols]
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=counts.shape[0]))
        weights = weights / np.where(norms > 0, norms, 1.0)[rows]
        X = sp.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=(counts.shape[0], len(self.vocab)))
        X.sort_indices()
        return X

    def _latent(self, X: sp.csr_matrix) -> np.ndarray:
        if not self.basis.size:
            return np.zeros((X.shape[0], 1), dtype=np.float32)
        Z = np.asarray(X @ self.basis.T, dtype=np.float32)
        norms = np.linalg.norm(Z, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return Z / norms

    # -- ranking ------------------------------------------------------------------------------
    def _rank_rows(self, rows: np.ndarray, changed: set[str] | None, ranked: Callable[[int, int], None] | None = None) -> None:
        """Rank `rows` against the archive; with `changed`, also insert them into old lists."""
        if len(self.centroids):  # rows of one cluster share their search pool: keep them together
            rows = rows[np.lexsort((rows, self.cluster[rows]))]
        id_order = np.argsort(np.argsort(np.array(self.ids)))  # ties are broken by id
        title_hash = np.array([hash(t) for t in self.titles], dtype=np.int64)
        blocks = [rows[start : start + BLOCK] for start in range(0, len(rows), BLOCK)]
        rank = partial(self._rank_block, id_order, title_hash)
        done = 0
        for block, lists in zip(blocks, map(rank, blocks)):
            for row, entries in zip(block.tolist(), lists):
                self.lists[row] = entries[:KEEP]
                if changed is not None:
                    for score_value, other in entries:
                        if self._offer(self.pos[other], (score_value, self.ids[row])):
                            changed.add(other)
            done += len(block)
            if ranked is not None:
                ranked(done, len(rows))

    def _rank_block(self, id_order: np.ndarray, title_hash: np.ndarray, block: np.ndarray) -> list[list[tuple[float, str]]]:
        """Every valid candidate of each row of `block`, best first, with its score."""
        candidates = self._candidates(block)
        scores, cosines = self._scores(block, candidates)
        safe = np.where(candidates >= 0, candidates, 0)
        valid = (
            (candidates >= 0)
            & (candidates != block[:, None])
            & (cosines > 0)
            & (cosines < DUPLICATE_COSINE)
            & (title_hash[safe] != title_hash[block][:, None])
        )
        scores = np.where(valid, np.round(scores, 6), -np.inf)
        order = np.lexsort((id_order[safe], -scores), axis=-1)
        ranked = np.take_along_axis(safe, order, axis=1)
        ranked_scores = np.take_along_axis(scores, order, axis=1)
        counts = valid.sum(axis=1)
        return [
            [(s, self.ids[c]) for s, c in zip(ranked_scores[j, : counts[j]].tolist(), ranked[j, : counts[j]].tolist())]
            for j in range(len(block))
        ]

    def _offer(self, row: int, entry: tuple[float, str]) -> bool:
        """Put entry into row's list if it belongs among the best KEEP; True if the list changed."""
        current = [e for e in self._entries(row) if e[1] != entry[1]]
        merged = sorted([*current, entry], key=lambda e: (-e[0], e[1]))[:KEEP]
        if merged == self.lists[row]:
            return False
        self.lists[row] = merged
        return True

    def _entries(self, row: int) -> list[tuple[float, str]]:
        entries = self.lists[row]
        if isinstance(entries, bytes):
            entries = self.lists[row] = [(float(score), str(other)) for score, other in json.loads(entries)]
        return entries

    def _holds(self, row: int, ids: set[str], needles: list[bytes]) -> bool:
        """Does row's list hold any of `ids`? A stored list is first searched for their JSON forms."""
        entries = self.lists[row]
        if isinstance(entries, bytes) and not any(needle in entries for needle in needles):
            return False
        return any(other in ids for _, other in self._entries(row))

    def _candidates(self, block: np.ndarray) -> np.ndarray:
        """Per row, up to CANDIDATES rows by latent cosine (padded with -1), self included."""
        n = len(self.ids)
        want = min(CANDIDATES + 1, n)
        out = np.full((len(block), CANDIDATES + 1), -1, dtype=np.int64)
        if not len(self.centroids):
            sims = self.Z[block] @ self.Z.T
            top = np.argpartition(-sims, want - 1, axis=1)[:, :want] if want < n else np.tile(np.arange(n), (len(block), 1))
            out[:, : top.shape[1]] = top
            return out
        members = _members(self.cluster, len(self.centroids))
        labels = self.cluster[block]
        for label in np.unique(labels):
            near = np.argsort(-(self.centroids @ self.centroids[label]), kind="stable")[:PROBES]
            pool = np.concatenate([members[c] for c in near])
            take = min(want, len(pool))
            pool_vectors = self.Z[pool]
            everyone = np.nonzero(labels == label)[0]
            for start in range(0, len(everyone), 256):  # bounded memory even for a huge cluster
                mine = everyone[start : start + 256]
                if take < len(pool):
                    sims = self.Z[block[mine]] @ pool_vectors.T
                    out[mine, :take] = pool[np.argpartition(-sims, take - 1, axis=1)[:, :take]]
                else:
                    out[mine, :take] = pool
        return out

    def _scores(self, block: np.ndarray, candidates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(score, term cosine) for every (row, candidate) pair (the module docstring, step 5)."""
        rows = np.repeat(block, candidates.shape[1])
        cols = np.where(candidates >= 0, candidates, 0).ravel()
        cosine = np.asarray(self.X[rows].multiply(self.X[cols]).sum(axis=1)).ravel()
        latent = np.einsum("ij,ij->i", self.Z[rows], self.Z[cols])
        coarse_cosine = np.einsum("ij,ij->i", _coarse(self.Z[rows]), _coarse(self.Z[cols]))
        shape = candidates.shape
        return (cosine + latent + COARSE_WEIGHT * coarse_cosine).reshape(shape), cosine.reshape(shape)


def _local_counts(docs: list[dict[str, int]]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Per-chunk term counts as (local terms, indptr, local term ids, counts); the loops over
    every term are C-level (chain, map), which matters at millions of terms."""
    terms = list(dict.fromkeys(chain.from_iterable(docs)))  # in order of first appearance
    number = {term: i for i, term in enumerate(terms)}
    ids = np.fromiter(map(number.__getitem__, chain.from_iterable(docs)), dtype=np.int64)
    counts = np.fromiter(chain.from_iterable(doc.values() for doc in docs), dtype=np.int32, count=len(ids))
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)), out=indptr[1:])
    return terms, indptr, ids, counts


CHUNK = 8000  # documents held in memory at once while counting
PIECE = 1000  # documents per piece of a chunk counted in parallel


def _count_terms(docs: Iterable[tuple[str, str]]) -> tuple[list[str], sp.csr_matrix]:
    """Term counts of every document, CHUNK documents at a time, each chunk's pieces spread
    over the CPU cores."""
    parts = []
    for chunk in batched(docs, CHUNK):
        count, pieces = partial(_count_piece, chunk), range(0, len(chunk), PIECE)
        parts += fork_map(count, pieces, min_items=2) if len(chunk) >= 2 * PIECE else [count(p) for p in pieces]
    return _merge(parts)


def _count_piece(chunk: list[tuple[str, str]], start: int) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    return _local_counts([features(title, text) for title, text in chunk[start : start + PIECE]])


def _merge(parts) -> tuple[list[str], sp.csr_matrix]:
    """Chunks with their own term numbering -> one (terms, documents x terms counts) matrix."""
    terms: dict[str, int] = {}
    indptrs, columns, data, offset = [np.zeros(1, dtype=np.int64)], [], [], 0
    for local_terms, indptr, ids, counts in parts:
        remap = np.array([terms.setdefault(t, len(terms)) for t in local_terms], dtype=np.int64)
        columns.append(remap[ids] if len(ids) else ids)
        data.append(counts)
        indptrs.append(indptr[1:] + offset)
        offset += indptr[-1]
    indptr = np.concatenate(indptrs)
    matrix = sp.csr_matrix((_concat(data, np.int32), _concat(columns, np.int32), indptr), shape=(len(indptr) - 1, len(terms)))
    return list(terms), matrix


def _latent_basis(X: sp.csr_matrix, dim: int) -> np.ndarray:
    """Top right singular vectors of (an evenly spaced sample of) X, by randomized SVD."""
    n, v = X.shape
    dim = min(dim, n - 1, v - 1)
    if dim < 2:
        return np.zeros((0, v), dtype=np.float32)
    sample = X[:: max(1, -(-n // BASIS_SAMPLE))].astype(BASIS_DTYPE)
    rng = np.random.default_rng(SEED)
    q = sample @ rng.standard_normal((v, dim + 20)).astype(BASIS_DTYPE)
    for _ in range(POWER_ITERATIONS):  # LU keeps the columns apart as QR does, at a quarter of the cost
        q = sample @ scipy.linalg.lu(sample.T @ scipy.linalg.lu(q, permute_l=True)[0], permute_l=True)[0]
    q = scipy.linalg.qr(q, mode="economic")[0]
    _, _, vt = np.linalg.svd((sample.T @ q).T, full_matrices=False)
    vt = vt[:dim]
    signs = np.sign(vt[np.arange(dim), np.abs(vt).argmax(axis=1)])
    return (vt * signs[:, None]).astype(np.float32)


def _coarse(Z: np.ndarray) -> np.ndarray:
    """Latent vectors cut to their first COARSE_DIM dimensions, L2-normalised."""
    coarse = Z[:, :COARSE_DIM]
    norms = np.linalg.norm(coarse, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return coarse / norms


def _kmeans(Z: np.ndarray, k: int, iterations: int = 8) -> np.ndarray:
    """Spherical k-means with a fixed, evenly spaced initialisation (deterministic)."""
    centroids = Z[np.linspace(0, len(Z) - 1, k).astype(np.int64)].copy()
    for _ in range(iterations):
        labels = _nearest(Z, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, Z)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = centroids[empty]
        norms[empty] = 1.0
        centroids = (sums / norms).astype(np.float32)
    return centroids


def _nearest(Z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    if not len(centroids):
        return np.zeros(len(Z), dtype=np.int32)
    labels = np.empty(len(Z), dtype=np.int32)
    for start in range(0, len(Z), 8192):
        labels[start : start + 8192] = np.argmax(Z[start : start + 8192] @ centroids.T, axis=1)
    return labels


def _members(labels: np.ndarray, k: int) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(k)]


def _concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)


def _records(records: Iterable[Any]) -> list[tuple[str, str, str]]:
    return [(str(r[0]), r[1], r[2]) if isinstance(r, tuple) else (str(r.id), r.title, r.text) for r in records]


def _unique(recs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Last version of each id, sorted by id: the index does not depend on input order."""
    return sorted({r[0]: r for r in recs}.values())
