"""Candidate search: which articles are scored against an article. Never all N x N.

Two searches, whose results are joined:
- Lexical, over the sparse term vectors (an inverted index with the classic pruning): the
  article's QUERY_TERMS heaviest terms meet, for each term, the POSTINGS articles where that
  term weighs most; the partial dot products are summed and the LEXICAL best kept. A rare
  shared name is always found (its whole posting list is kept); a frequent word reaches
  only the articles it dominates, and articles sharing several words add up through each.
- Latent: the LATENT articles whose latent vectors are closest. Up to EXACT_LIMIT articles
  exactly (blocks of rows, memory O(block * N)); above, each article searches the members of
  the PROBES k-means clusters nearest to its own (an inverted-file search).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

QUERY_TERMS = 16
POSTINGS = 200
LEXICAL = 30
LATENT = 20
EXACT_LIMIT = 5_000
PROBES = 8


def postings(X: sp.csr_matrix, terms: np.ndarray | None = None) -> sp.csr_matrix:
    """Terms x articles: for each term its POSTINGS heaviest articles (all where fewer); among
    equal weights the earlier article, the same on every run. With `terms`, only those terms'
    rows are filled (the others are empty): enough for queries made of them, without a
    transposed copy of the whole matrix."""
    if terms is None:
        XT = X.T.tocsr()
    else:
        terms = np.unique(terms)
        part = X[:, terms].T.tocsr()
        counts = np.zeros(X.shape[1], dtype=np.int64)
        counts[terms] = np.diff(part.indptr)
        indptr = np.zeros(X.shape[1] + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        XT = sp.csr_matrix((part.data, part.indices, indptr), shape=(X.shape[1], X.shape[0]))
    XT.sort_indices()
    lengths = np.diff(XT.indptr)
    if not len(lengths) or lengths.max() <= POSTINGS:
        return XT
    return _top_per_row(XT, POSTINGS)


def heaviest_terms(X: sp.csr_matrix, q: int) -> sp.csr_matrix:
    """X with each row cut to its q heaviest terms (among equal weights the lower column)."""
    counts = np.diff(X.indptr)
    if not len(counts) or counts.max() <= q:
        return X
    if not X.has_sorted_indices:
        X = X.copy()
        X.sort_indices()
    return _top_per_row(X, q)


def _top_per_row(X: sp.csr_matrix, q: int) -> sp.csr_matrix:
    """X (column indices sorted in each row) with each row cut to its q largest values, ties
    to the lower column. Rows of one length are sorted together as one 2-D array (a stable
    sort along each row), so no sort ever spans the whole matrix."""
    counts = np.diff(X.indptr)
    keep = np.ones(X.nnz, dtype=bool)
    long = np.nonzero(counts > q)[0]
    lengths = counts[long]
    order = np.argsort(lengths, kind="stable")
    long, lengths = long[order], lengths[order]
    bounds = np.flatnonzero(np.diff(lengths)) + 1
    for group in np.split(np.arange(len(long)), bounds):
        rows, width = long[group], int(lengths[group[0]])
        at = X.indptr[rows][:, None] + np.arange(width)
        keep[at.ravel()] = False
        top = np.argsort(-X.data[at], axis=1, kind="stable")[:, :q]
        keep[np.take_along_axis(at, top, axis=1).ravel()] = True
    indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.minimum(counts, q), out=indptr[1:])
    out = sp.csr_matrix((X.data[keep], X.indices[keep], indptr), shape=X.shape)
    out.has_sorted_indices = True
    return out


def lexical(queries: sp.csr_matrix, index: sp.csr_matrix, want: int) -> np.ndarray:
    """Per query row, up to `want` article rows by pruned dot product (padded with -1)."""
    found = (queries @ index).tocsr()
    n = queries.shape[0]
    out = np.full((n, want), -1, dtype=np.int64)
    if not found.nnz:
        return out
    counts = np.diff(found.indptr)
    rows = np.repeat(np.arange(n), counts)
    place = np.arange(found.nnz) - found.indptr[rows]
    width = int(counts.max())
    values = np.full((n, width), -np.inf, dtype=np.float32)
    values[rows, place] = found.data
    columns = np.full((n, width), -1, dtype=np.int64)
    columns[rows, place] = found.indices
    if width > want:
        top = np.argpartition(-values, want - 1, axis=1)[:, :want]
        columns = np.take_along_axis(columns, top, axis=1)
        columns[~np.isfinite(np.take_along_axis(values, top, axis=1))] = -1
    out[:, : columns.shape[1]] = columns
    return out


def latent(Z: np.ndarray, block: np.ndarray, want: int, centroids: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Per row of `block`, up to `want` rows by latent cosine (padded with -1)."""
    n = len(Z)
    take = min(want, n)
    out = np.full((len(block), want), -1, dtype=np.int64)
    if not len(centroids):
        sims = Z[block] @ Z.T
        out[:, :take] = np.argpartition(-sims, take - 1, axis=1)[:, :take] if take < n else np.arange(n)
        return out
    members = _members(cluster, len(centroids))
    labels = cluster[block]
    for label in np.unique(labels):
        pool = latent_pool(label, centroids, members)
        size = min(want, len(pool))
        pool_vectors = Z[pool]
        everyone = np.nonzero(labels == label)[0]
        for start in range(0, len(everyone), 256):  # bounded memory even for a huge cluster
            mine = everyone[start : start + 256]
            if size < len(pool):
                sims = Z[block[mine]] @ pool_vectors.T
                out[mine, :size] = pool[np.argpartition(-sims, size - 1, axis=1)[:, :size]]
            else:
                out[mine, :size] = pool
    return out


def latent_pool(label: int, centroids: np.ndarray, members: list[np.ndarray]) -> np.ndarray:
    """The rows a member of cluster `label` is compared with: those of its PROBES nearest clusters."""
    near = np.argsort(-(centroids @ centroids[label]), kind="stable")[:PROBES]
    return np.concatenate([members[c] for c in near])


def latent_pools(rows: np.ndarray, centroids: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Every row the clustered latent search of `rows` can reach, sorted."""
    members = _members(cluster, len(centroids))
    pools = [latent_pool(label, centroids, members) for label in np.unique(cluster[rows])]
    return np.unique(np.concatenate(pools)) if pools else np.zeros(0, dtype=np.int64)


def joined(*pools: np.ndarray) -> np.ndarray:
    """Candidate pools side by side, each row's repeats replaced by -1."""
    pool = np.sort(np.hstack(pools), axis=1)
    pool[:, 1:][pool[:, 1:] == pool[:, :-1]] = -1
    return pool


def _members(labels: np.ndarray, k: int) -> list[np.ndarray]:
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    return [order[bounds[c] : bounds[c + 1]] for c in range(k)]
