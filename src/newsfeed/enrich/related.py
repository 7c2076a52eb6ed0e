"""Related articles: an incremental index over the whole archive, never N x N in memory.

No section, publisher or URL is used; quality and speed are measured by bench/bench_related.py
(full texts) and bench/bench_headlines.py (one-line headlines, through `newsfeed build`).
1. Terms (related_terms): weighted words of the headline, lead and body, and letter pieces
   of the headline.
2. Vectors (related_model): TF-IDF word and headline-piece vectors, latent (LSA) vectors.
   The latent vectors are made from the whole word vectors; then only each article's
   rank.SCORE_TERMS heaviest terms are kept (and stored), all that ranking reads.
3. Candidates (related_search): the lexical neighbours from an inverted index over the term
   vectors joined with the latent neighbours; the latent space never filters.
4. Score and links (related_rank): word, headline-piece and latent cosines weighed by how
   long the texts are; links only on shared evidence; the best KEEP kept with their scores,
   ties broken by id.

Incremental updates: `add(records)` gives new (or edited) articles vectors with the
vocabulary, idf, basis and clusters of the last full build, ranks them against the whole
archive and inserts each into the lists of the older articles it now beats; the lists that
held an edited article are ranked again, since they scored its old text. `remove(ids)` drops
withdrawn articles and ranks again the lists that held them. Old vectors are not
recomputed, so after adds the lists match a rebuild only up to those frozen weights; callers
rebuild from scratch when the archive has grown by a quarter (`stale`).

Persistence (the store's side): `state_blob()` (vocabularies, idf, basis, centroids) plus one
`row_blob(id)` per article (its vectors, headline key and scored list);
`RelatedIndex.load(state, rows)` restores an identical index (a stored list is parsed only
when it is used). `RelatedIndex.load_for_change` is for an edit of a large archive: it keeps
of every row only its term vector and reads the rest of a row from the store when the
change reaches it, with the same results.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial, wraps
from typing import Any, TypeVar

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from newsfeed.enrich import related_model as M
from newsfeed.enrich import related_rank as rank
from newsfeed.enrich import related_rows as rows_format
from newsfeed.enrich import related_search as search
from newsfeed.enrich.related_terms import feature_counts, features, gram_counts, title_key
from newsfeed.parallel import batched, fork_map

__all__ = ["RelatedIndex", "Record", "features"]

T_ = TypeVar("T_")

KEEP = 10
BLOCK = 512
GROWTH_FOR_REBUILD = 0.25
FORMAT = 4  # of the state and row blobs
CHUNK = 8000  # documents held in memory at once while counting
PIECE = 1000  # documents per piece of a chunk counted in parallel
PARALLEL_BLOCKS = 16  # blocks of rows ranked by forked workers at once (progress is reported between)
LOAD_CHUNK = 8192  # stored rows parsed at once by load()
SCAN_CHUNK = 2048  # by load_for_change's scan (8192: 50 MB more at 100,000 articles, no faster)
MENTIONING_LIMIT = 200  # edited or withdrawn articles above which load_for_change loads everything
HOLDER_NEEDLES = 32  # ids above which _holders parses each stored list instead of searching it for each


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    title: str
    text: str
    published: datetime | None = None  # not used for ranking


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
        self.gram_vocab: dict[str, int] = {}
        self.gram_idf = np.zeros(0, dtype=np.float32)
        self.basis = np.zeros((0, 0), dtype=np.float32)  # LATENT_DIM x vocabulary
        self.centroids = np.zeros((0, 0), dtype=np.float32)
        # word vectors cut to each article's rank.SCORE_TERMS heaviest terms (all the ranking
        # reads of them; the latent vectors are made from the whole vectors first)
        self.X = sp.csr_matrix((0, 0), dtype=np.float32)
        self.terms = np.zeros(0, dtype=np.int32)  # distinct terms of each whole word vector
        self.G = sp.csr_matrix((0, 0), dtype=np.float32)  # headline-piece vectors
        self.Z = np.zeros((0, 0), dtype=np.float32)
        self.cluster = np.zeros(0, dtype=np.int32)
        self.lists: list[list[tuple[float, str]] | bytes | None] = []  # bytes: as stored, parsed on first use; None: not read yet
        self.floors = np.zeros(0)  # per row: the floor stored with its list, read while the list is still bytes
        self.built_size = 0
        self._postings: sp.csr_matrix | None = None  # derived from X when first needed
        # loaded for a change (load_for_change): which rows are read whole, how to read the
        # others, and the ids whose holders were kept whole while scanning; None: all loaded
        self._loaded: np.ndarray | None = None
        self._fetch: Callable[[list[str]], Iterable[tuple[str, bytes]]] | None = None
        self._mentioning: frozenset[str] = frozenset()
        self._norms: np.ndarray | None = None  # of the rows of X
        self._coarse: np.ndarray | None = None  # derived from Z

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
        self._load(np.array(sorted(self.pos[i] for i in edited), dtype=np.int64))  # _append rewrites them
        rows = self._append(recs)
        if edited:  # lists holding an edited article scored its old text: rank them again
            rows = np.union1d(rows, np.array(self._holders(edited), dtype=np.int64))
        changed = {self.ids[r] for r in rows}
        self._rank_rows(rows, changed)
        return changed

    @_one_blas_thread
    def remove(self, ids: Iterable[str]) -> set[str]:
        """Drop withdrawn articles; returns the ids of the articles whose lists held one of
        them (ranked again here, so their stored lists must be rewritten). An id may already
        have no row (the store drops a withdrawn article's row with the article): the lists
        holding it are still ranked again."""
        ids = set(ids)
        gone = {i for i in ids if i in self.pos}
        holders = {self.ids[r] for r in self._holders(ids)} - ids if ids else set()
        if not gone and not holders:
            return set()
        keep = np.array([r for r, i in enumerate(self.ids) if i not in gone], dtype=np.int64)
        self.X, self.G, self.Z = self.X[keep], self.G[keep], self.Z[keep]
        self.cluster, self.terms = self.cluster[keep], self.terms[keep]
        self.ids = [self.ids[r] for r in keep.tolist()]
        self.titles = [self.titles[r] for r in keep.tolist()]
        self.lists = [self.lists[r] for r in keep.tolist()]
        self.floors = self.floors[keep]
        if self._loaded is not None:
            self._loaded = self._loaded[keep]
        self.pos = {i: r for r, i in enumerate(self.ids)}
        self._postings = self._norms = self._coarse = None
        self._rank_rows(np.array(sorted(self.pos[i] for i in holders), dtype=np.int64), changed=None)
        return holders

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
        head = json.dumps(
            {
                "format": FORMAT,
                "terms": sorted(self.vocab, key=self.vocab.__getitem__),
                "grams": sorted(self.gram_vocab, key=self.gram_vocab.__getitem__),
                "built": self.built_size,
                "basis": list(self.basis.shape),
                "centroids": list(self.centroids.shape),
            },
            ensure_ascii=False,
        ).encode()
        arrays = (self.idf, self.gram_idf, self.basis, self.centroids)
        return struct.pack(">Q", len(head)) + head + b"".join(a.astype(np.float32).tobytes() for a in arrays)

    def row_blob(self, article_id: str) -> bytes:
        row = self.pos[article_id]
        self._load(np.array([row]))
        title = self.titles[row].encode()
        entries = self.lists[row]
        listed = entries if isinstance(entries, bytes) else json.dumps(entries, ensure_ascii=False).encode()
        floor = self.floors[row] if isinstance(entries, bytes) else (entries[-1][0] if len(entries) >= KEEP else -np.inf)
        (terms, weights), (grams, gram_weights) = rows_format.row_of(self.X, row), rows_format.row_of(self.G, row)
        return b"".join(
            (
                rows_format.ROW_HEAD.pack(len(terms), len(grams), int(self.cluster[row]), int(self.terms[row]), len(title), len(listed), floor),
                title,
                listed,
                terms.astype(np.int32).tobytes(),
                weights.astype(np.float32).tobytes(),
                grams.astype(np.int32).tobytes(),
                gram_weights.astype(np.float32).tobytes(),
                self.Z[row].astype(np.float32).tobytes(),
            )
        )

    @classmethod
    def load(cls, state: bytes, rows: Iterable[tuple[str, bytes]]) -> RelatedIndex:
        index = cls._from_state(state)
        vocab, grams, bd = len(index.vocab), len(index.gram_vocab), index.basis.shape[0]
        # a chunk of rows at a time (the store gives them in id order): all rows' blobs at
        # once were twice their size in memory on top of the index itself
        parts = [rows_format.parse_rows(chunk) for chunk in batched(rows, LOAD_CHUNK)]
        if not parts:
            index.Z = np.zeros((0, bd or 1), dtype=np.float32)  # no basis: 1 zero
            index.X, index.G = sp.csr_matrix((0, vocab), dtype=np.float32), sp.csr_matrix((0, grams), dtype=np.float32)
            return index
        dims = {part.dim for part in parts}
        if len(dims) != 1:
            raise ValueError(f"related index rows of {len(dims)} latent sizes; rebuild it")
        ids = [i for part in parts for i in part.ids]
        order = np.argsort(np.array(ids, dtype=object), kind="stable") if any(a >= b for a, b in zip(ids, ids[1:])) else None
        joined = {name: np.concatenate([getattr(part, name) for part in parts]) for name in rows_format.RowParts.ARRAYS}
        titles = [t for part in parts for t in part.titles]
        lists = [entry for part in parts for entry in part.lists]
        del parts
        index.X = rows_format.csr(joined["terms_at"], joined["weights"], joined["n"], vocab)
        index.G = rows_format.csr(joined["grams_at"], joined["gram_weights"], joined["g"], grams)
        index.Z = joined["Z"].reshape(len(ids), dims.pop())
        index.cluster, index.terms, index.floors = joined["cluster"], joined["terms"], joined["floors"]
        if order is not None:  # rows given out of order (not by the store): sorted here
            ids, titles, lists = [ids[r] for r in order], [titles[r] for r in order], [lists[r] for r in order]
            index.X, index.G, index.Z = index.X[order], index.G[order], index.Z[order]
            index.cluster, index.terms, index.floors = index.cluster[order], index.terms[order], index.floors[order]
        index.ids, index.titles, index.lists = ids, titles, lists
        index.pos = {article_id: row for row, article_id in enumerate(ids)}
        return index

    @classmethod
    def _from_state(cls, state: bytes) -> RelatedIndex:
        """An index holding the model of `state` and no rows yet."""
        index = cls()
        head = _state_head(state)
        index.vocab = {t: i for i, t in enumerate(head["terms"])}
        index.gram_vocab = {t: i for i, t in enumerate(head["grams"])}
        index.built_size = head["built"]
        data = np.frombuffer(state, dtype=np.float32, offset=8 + head["size"])
        vocab, grams, (bd, bv), (cd, cv) = len(index.vocab), len(index.gram_vocab), head["basis"], head["centroids"]
        bounds = np.cumsum([0, vocab, grams, bd * bv, cd * cv])
        index.idf = data[bounds[0] : bounds[1]].copy()
        index.gram_idf = data[bounds[1] : bounds[2]].copy()
        index.basis = data[bounds[2] : bounds[3]].reshape(bd, bv).copy()
        index.centroids = data[bounds[3] : bounds[4]].reshape(cd, cv).copy()
        return index

    @classmethod
    def load_for_change(
        cls,
        state: bytes,
        rows: Iterable[tuple[str, bytes]],
        fetch: Callable[[list[str]], Iterable[tuple[str, bytes]]],
        mentioning: Iterable[str] = (),
    ) -> RelatedIndex:
        """An index for adding, editing or withdrawing a few articles without holding the
        whole archive: every stored row is scanned for its kept term vector (the lexical
        search needs them all), its cluster and the floor of its list, but its latent vector,
        headline pieces and list are kept only for rows whose bytes name one of `mentioning`
        (the ids about to be edited or withdrawn: their holders are ranked again). Any other row a change ranks, scores or offers to is read again by
        `fetch(ids)` when it is needed. Lists and rows written back are those of load().
        Without clusters (a small archive: the latent search is exact), or for more than
        MENTIONING_LIMIT ids (every row would be searched for each), it is load()."""
        mentioning = sorted(set(mentioning))
        index = cls._from_state(state)
        if not len(index.centroids) or len(mentioning) > MENTIONING_LIMIT:
            return cls.load(state, rows)
        needles = [json.dumps(i, ensure_ascii=False).encode() for i in mentioning]
        light = rows_format.RowVectors.ARRAYS
        ids, parts, kept = [], [], []
        for chunk in batched(rows, SCAN_CHUNK):
            part = rows_format.parse_vectors(chunk, needles)
            ids += part.ids
            parts.append([getattr(part, name) for name in light])
            if part.naming:  # a row naming one elsewhere than in its list is only kept needlessly
                kept.append([chunk[i] for i in part.naming])
        if not parts:  # the model alone
            return cls.load(state, ())
        if any(a >= b for a, b in zip(ids, ids[1:])):
            raise ValueError("related index rows not in id order; rebuild it")
        n, dim = len(ids), index.basis.shape[0] or 1
        joined = {name: np.concatenate([p[k] for p in parts]) for k, name in enumerate(light)}
        del parts
        index.X = rows_format.csr(joined["terms_at"], joined["weights"], joined["n"], len(index.vocab))
        index.G = sp.csr_matrix((n, len(index.gram_vocab)), dtype=np.float32)
        index.Z = np.zeros((n, dim), dtype=np.float32)
        index.cluster, index.terms = joined["cluster"].astype(np.int32), joined["terms"].astype(np.int32)
        index.floors = joined["floors"].astype(np.float64)
        index.ids, index.titles, index.lists = ids, [""] * n, [None] * n
        index.pos = {article_id: row for row, article_id in enumerate(ids)}
        index._loaded, index._fetch, index._mentioning = np.zeros(n, dtype=bool), fetch, frozenset(mentioning)
        for chunk in kept:
            index._fill(rows_format.parse_rows(chunk))
        return index

    def _load(self, rows: np.ndarray) -> None:
        """Read whole the rows of `rows` not read yet (an index loaded for a change)."""
        if self._loaded is None or not len(rows):
            return
        rows = np.unique(rows)
        missing = [self.ids[r] for r in rows[~self._loaded[rows]].tolist()]
        for chunk in batched(self._fetch(missing) if missing else (), LOAD_CHUNK):
            self._fill(rows_format.parse_rows(list(chunk)))
        if missing and not self._loaded[[self.pos[i] for i in missing]].all():
            raise ValueError("related index rows missing from the store; rebuild it")

    def _fill(self, part: rows_format.RowParts) -> None:
        if part.dim != self.Z.shape[1]:
            raise ValueError(f"related index rows of latent size {part.dim}, not {self.Z.shape[1]}; rebuild it")
        at = np.array([self.pos[i] for i in part.ids], dtype=np.int64)
        self.Z[at] = part.Z.reshape(len(at), part.dim)
        self.G = _replace_rows(self.G, at, rows_format.csr(part.grams_at, part.gram_weights, part.g, self.G.shape[1]))
        for row, title, listed in zip(at.tolist(), part.titles, part.lists):
            self.titles[row], self.lists[row] = title, listed
        self._loaded[at] = True
        self._coarse = None

    def _ready(self, rows: np.ndarray) -> None:
        """Before ranking `rows` in an index loaded for a change: read whole every row their
        search can reach (their lexical candidates and the members of their latent probes)."""
        if self._loaded is None or not len(rows):
            return
        queries = search.heaviest_terms(self.X[rows], search.QUERY_TERMS)
        # the postings of these rows' query terms only: all the ranking that follows reads
        self._postings = search.postings(self.X, queries.indices)
        reach = [rows, search.latent_pools(rows, self.centroids, self.cluster)]
        for start in range(0, len(rows), BLOCK):  # the blocks _rank_rows ranks: the same ties kept
            lexical = search.lexical(queries[start : start + BLOCK], self._postings, search.LEXICAL + 1)
            reach.append(lexical[lexical >= 0])
        self._load(np.unique(np.concatenate(reach)))

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

        (terms, counts), (grams, gram_counts) = _count_terms(texts())
        n = len(self.ids)
        self.pos = {rid: i for i, rid in enumerate(self.ids)}
        self.vocab, self.idf, column = M.vocabulary(terms, counts)
        X = M.weigh(counts, column, self.idf)
        del counts
        self.gram_vocab, self.gram_idf, gram_column = M.vocabulary(grams, gram_counts)
        self.G = M.weigh(gram_counts, gram_column, self.gram_idf)
        self.basis = M.latent_basis(X, M.LATENT_DIM)
        self.Z = M.latent(X, self.basis)
        self.terms = np.diff(X.indptr).astype(np.int32)
        self.X = search.heaviest_terms(X, rank.SCORE_TERMS)
        del X
        big = n > search.EXACT_LIMIT
        self.centroids = M.kmeans(self.Z, int(np.sqrt(n))) if big else np.zeros((0, self.Z.shape[1]), np.float32)
        self.cluster = M.nearest(self.Z, self.centroids)
        self.lists = [[] for _ in self.ids]
        self.floors = np.full(n, -np.inf)
        self.built_size = n

    def _append(self, recs: list[tuple[str, str, str]]) -> np.ndarray:
        """Vectors for new or edited records with the frozen model; returns their rows."""
        X = M.weigh(*M.counts_of(feature_counts([(title, text) for _, title, text in recs]), self.vocab), self.idf)
        G = M.weigh(*M.counts_of(gram_counts([title for _, title, _ in recs]), self.gram_vocab), self.gram_idf)
        Z = M.latent(X, self.basis)
        terms = np.diff(X.indptr).astype(np.int32)
        X = search.heaviest_terms(X, rank.SCORE_TERMS)
        rows, new_rows, edited = [], [], []
        for i, (rid, title, _) in enumerate(recs):
            if rid in self.pos:
                row = self.pos[rid]
                self.titles[row] = title_key(title)
                rows.append(row)
                edited.append(i)
            else:
                new_rows.append(i)
        if edited:
            at = np.array(rows, dtype=np.int64)
            self.X = _replace_rows(self.X, at, X[edited])
            self.G = _replace_rows(self.G, at, G[edited])
            self.Z[at] = Z[edited]
            self.terms[at] = terms[edited]
            if len(self.centroids):
                self.cluster[at] = M.nearest(Z[edited], self.centroids)
        if new_rows:
            first = len(self.ids)
            for i in new_rows:
                rid, title, _ = recs[i]
                self.pos[rid] = len(self.ids)
                self.ids.append(rid)
                self.titles.append(title_key(title))
                self.lists.append([])
            self.floors = np.concatenate([self.floors, np.full(len(new_rows), -np.inf)])
            if self._loaded is not None:
                self._loaded = np.concatenate([self._loaded, np.ones(len(new_rows), dtype=bool)])
            self.X = sp.vstack([self.X, X[new_rows]], format="csr")
            self.G = sp.vstack([self.G, G[new_rows]], format="csr")
            self.Z = np.vstack([self.Z, Z[new_rows]])
            self.terms = np.concatenate([self.terms, terms[new_rows]])
            self.cluster = np.concatenate([self.cluster, M.nearest(Z[new_rows], self.centroids)])
            rows += list(range(first, len(self.ids)))
        self._postings = self._norms = self._coarse = None
        return np.array(sorted(rows), dtype=np.int64)

    # -- ranking ------------------------------------------------------------------------------
    def _rank_rows(self, rows: np.ndarray, changed: set[str] | None, ranked: Callable[[int, int], None] | None = None) -> None:
        """Rank `rows` against the archive; with `changed`, also insert them into old lists."""
        if not len(rows):
            return
        if len(self.centroids):  # rows of one cluster share their search pool: keep them together
            rows = rows[np.lexsort((rows, self.cluster[rows]))]
        self._ready(rows)
        self._searchable()
        if self._coarse is None:
            self._coarse = M.coarse(self.Z)
        id_order = np.argsort(np.argsort(np.array(self.ids)))  # ties are broken by id
        title_hash = np.array([hash(t) for t in self.titles], dtype=np.int64)
        generic = rank.generic_idf(self.built_size)
        blocks = [rows[start : start + BLOCK] for start in range(0, len(rows), BLOCK)]
        # a build keeps each row's best KEEP; an add offers every linkable pair to the older lists
        score = partial(self._rank_block, id_order, title_hash, generic, KEEP if changed is None else None)
        offers: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        done = 0
        for group in batched(blocks, PARALLEL_BLOCKS):
            # the blocks are independent: forked workers rank them (same lists as one process)
            for block, (left, right, scores) in zip(group, fork_map(score, group, min_items=2)):
                if self._loaded is not None and not self._loaded[right].all():
                    raise ValueError("a related candidate was scored without its row read whole; rebuild the index")
                bounds = np.searchsorted(left, np.arange(len(block) + 1)).tolist()
                ids, values = [self.ids[r] for r in right.tolist()], scores.tolist()
                for i, row in enumerate(block.tolist()):
                    a, b = bounds[i], bounds[i + 1]
                    self.lists[row] = list(zip(values[a : min(b, a + KEEP)], ids[a : min(b, a + KEEP)]))
                if changed is not None:
                    offers.append((block[left], right, scores))
                done += len(block)
            if ranked is not None:
                ranked(done, len(rows))
        if offers:
            self._offer(*(np.concatenate(parts) for parts in zip(*offers)), changed)

    def _searchable(self) -> None:
        if self._norms is None:
            squares = np.zeros(len(self.ids), dtype=np.float32)
            some = np.diff(self.X.indptr) > 0
            if some.any():  # the float32 sums of X.multiply(X).sum(), copying only the values
                squares[some] = np.add.reduceat(self.X.data * self.X.data, self.X.indptr[:-1][some])
            norms = np.sqrt(squares)
            self._norms = np.where(norms > 0, norms, 1.0)
        if self._postings is None:
            self._postings = search.postings(self.X)

    def _rank_block(
        self, id_order: np.ndarray, title_hash: np.ndarray, generic: float, keep: int | None, block: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The linkable candidates of each row of `block` (all, or the best `keep`), as (place
        of the row in `block`, candidate row, score), each row's best first."""
        terms = self.terms
        mine = self.X[block]
        pool = search.joined(
            search.lexical(search.heaviest_terms(mine, search.QUERY_TERMS), self._postings, search.LEXICAL + 1),
            search.latent(self.Z, block, search.LATENT + 1, self.centroids, self.cluster),
        )
        width = pool.shape[1]
        left = np.repeat(np.arange(len(block)), width)
        right = pool.ravel()
        present = (right >= 0) & (right != np.repeat(block, width))
        left, right = left[present], right[present]
        rows = block[left]
        cosine, shared, shared_idf = rank.dots(mine, self.X, left, right, self.idf)
        grams = rank.dots(self.G[block], self.G, left, right)[0]
        latent = np.einsum("ij,ij->i", self.Z[rows], self.Z[right])
        coarse = np.einsum("ij,ij->i", self._coarse[rows], self._coarse[right])
        scores = rank.score_pairs(cosine, grams, latent, coarse, terms[rows], terms[right])
        fewer = np.minimum(terms[rows], terms[right])
        alike = cosine / (self._norms[rows] * self._norms[right])  # cosine of the cut vectors
        ok = rank.linkable(alike, shared, shared_idf, generic, fewer) & (title_hash[rows] != title_hash[right])
        left, right, scores = left[ok], right[ok], scores[ok]
        order = np.lexsort((id_order[right], -scores, left))
        left, right, scores = left[order], right[order], scores[order]
        if keep is not None:
            first = np.searchsorted(left, np.arange(len(block)))
            best = np.arange(len(left)) - first[left] < keep
            left, right, scores = left[best], right[best], scores[best]
        return left, right, scores

    def _offer(self, sources: np.ndarray, rows: np.ndarray, scores: np.ndarray, changed: set[str]) -> None:
        """Offer each source article, with its score, to the list of the row it was paired
        with; a list keeps its best KEEP (an entry already there for that source is replaced).
        The ids of the lists that changed join `changed`."""
        if not len(rows):
            return
        order = np.lexsort((sources, rows))
        sources, rows, scores = sources[order], rows[order], scores[order]
        starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]]).tolist() + [len(rows)]
        ids, values, targets = [self.ids[r] for r in sources.tolist()], scores.tolist(), rows.tolist()
        for a, b in zip(starts[:-1], starts[1:]):
            row = targets[a]
            stored = self.lists[row]
            # A full stored list that every offer falls below stays as it is, unparsed (most of an
            # add's lists). It holds none of the offered: a list holding an edited article was
            # ranked again (so is no longer bytes), and one holding an unchanged article offered
            # here holds it at this same score, which is not below the floor.
            if isinstance(stored, bytes) and max(values[a:b]) < self.floors[row]:
                continue
            offered = set(ids[a:b])
            current = self._entries(row)
            merged = sorted([*(e for e in current if e[1] not in offered), *zip(values[a:b], ids[a:b])], key=_best_first)[:KEEP]
            if merged != current:
                self.lists[row] = merged
                changed.add(self.ids[row])

    def _entries(self, row: int) -> list[tuple[float, str]]:
        if self.lists[row] is None:
            self._load(np.array([row]))
        entries = self.lists[row]
        if isinstance(entries, bytes):
            entries = self.lists[row] = [(float(score), str(other)) for score, other in json.loads(entries)]
        return entries

    def _holders(self, ids: set[str]) -> list[int]:
        """Rows whose lists hold any of `ids`; a stored list is first searched for their JSON forms."""
        if self._loaded is not None and not ids <= self._mentioning:
            raise ValueError("an index loaded for a change can only find the holders of the ids it was loaded for")
        needles = [json.dumps(i, ensure_ascii=False).encode() for i in ids]
        found = []
        for row, entries in enumerate(self.lists):
            # a row not read whole holds none of them (those that did were kept whole)
            if entries is None:
                continue
            if isinstance(entries, bytes):
                if len(needles) > HOLDER_NEEDLES:  # (a source withdrawn whole) parse rather than search
                    if any(other in ids for _, other in json.loads(entries)):
                        found.append(row)
                    continue
                if not any(needle in entries for needle in needles):
                    continue
            if any(other in ids for _, other in self._entries(row)):
                found.append(row)
        return found


def _state_head(state: bytes) -> dict[str, Any]:
    size = struct.unpack(">Q", state[:8])[0]
    head = json.loads(state[8 : 8 + size])
    if head.get("format") != FORMAT:
        raise ValueError(f"related index state of format {head.get('format')!r}, this code reads {FORMAT}; rebuild it")
    return {**head, "size": size}


def _best_first(entry: tuple[float, str]) -> tuple[float, str]:
    return -entry[0], entry[1]


def _replace_rows(X: sp.csr_matrix, rows: np.ndarray, new: sp.csr_matrix) -> sp.csr_matrix:
    """X with the rows at `rows` (distinct) replaced by `new`'s: in place where the lengths
    agree, else in one copy of its arrays (an edit at 100,000 articles: a sparse sum made three)."""
    order = np.argsort(rows, kind="stable")
    rows, new = np.asarray(rows)[order], new[order]
    new.sort_indices()
    if not X.has_sorted_indices:
        X.sort_indices()
    counts = np.diff(X.indptr)
    if (counts[rows] == np.diff(new.indptr)).all():  # the same lengths (a long text keeps its SCORE_TERMS): in place
        for k, row in enumerate(rows.tolist()):
            a, b = X.indptr[row], X.indptr[row + 1]
            X.data[a:b], X.indices[a:b] = new.data[new.indptr[k] : new.indptr[k + 1]], new.indices[new.indptr[k] : new.indptr[k + 1]]
        return X
    counts[rows] = np.diff(new.indptr)
    total = int(counts.sum())
    index_type = np.int32 if max(total, X.shape[1]) < 2**31 - 1 else np.int64
    indptr = np.zeros(X.shape[0] + 1, dtype=index_type)
    np.cumsum(counts, out=indptr[1:])
    data, indices = np.empty(total, dtype=X.dtype), np.empty(total, dtype=index_type)
    rows_list = rows.tolist()
    previous = 0
    for k, row in enumerate(rows_list + [X.shape[0]]):
        a, b, o = int(X.indptr[previous]), int(X.indptr[row]), int(indptr[previous])  # unchanged rows before this one
        data[o : o + b - a], indices[o : o + b - a] = X.data[a:b], X.indices[a:b]
        if k < len(rows_list):
            a, b, o = int(new.indptr[k]), int(new.indptr[k + 1]), int(indptr[row])
            data[o : o + b - a], indices[o : o + b - a] = new.data[a:b], new.indices[a:b]
        previous = row + 1
    out = sp.csr_matrix((data, indices, indptr), shape=X.shape)
    out.has_sorted_indices = True
    return out


def _count_terms(docs: Iterable[tuple[str, str]]):
    """Word and headline-piece counts of every document, CHUNK documents at a time, each
    chunk's pieces spread over the CPU cores."""
    words, grams = [], []
    for chunk in batched(docs, CHUNK):
        count, pieces = partial(_count_piece, chunk), range(0, len(chunk), PIECE)
        for w, g in fork_map(count, pieces, min_items=2) if len(chunk) >= 2 * PIECE else [count(p) for p in pieces]:
            words.append(w)
            grams.append(g)
    return M.merge(words), M.merge(grams)


def _count_piece(chunk: list[tuple[str, str]], start: int):
    part = chunk[start : start + PIECE]
    return feature_counts(part), gram_counts([title for title, _ in part])


def _records(records: Iterable[Any]) -> list[tuple[str, str, str]]:
    return [(str(r[0]), r[1], r[2]) if isinstance(r, tuple) else (str(r.id), r.title, r.text) for r in records]


def _unique(recs: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Last version of each id, sorted by id: the index does not depend on input order."""
    return sorted({r[0]: r for r in recs}.values())
