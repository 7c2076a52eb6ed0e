"""The numbers behind related articles: term counts to weighted vectors, the latent (LSA)
basis and the k-means clusters that split a big archive for the latent search.

- Vectors: (1 + ln tf) * idf, idf = ln((1 + N) / (1 + df)) + 1, for terms in at least 2 and
  at most half of the articles; L2 normalised (words and headline pieces alike).
- Latent vectors: a LATENT_DIM-dimensional basis by randomized SVD (fixed seed) of an evenly
  spaced sample of at most BASIS_SAMPLE word vectors, so that articles on one subject in
  different words are close; L2 normalised.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import scipy.linalg
import scipy.sparse as sp

MIN_DF = 2
MAX_DF = 0.5
LATENT_DIM = 100
COARSE_DIM = 30
BASIS_SAMPLE = 20_000
POWER_ITERATIONS = 5
BASIS_DTYPE = np.float32
SEED = 20241014


def local_counts(docs: list[dict[str, int]]) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Per-chunk term counts as (local terms, indptr, local term ids, counts); the loops over
    every term are C-level (chain, map), which matters at millions of terms."""
    terms = list(dict.fromkeys(chain.from_iterable(docs)))  # in order of first appearance
    number = {term: i for i, term in enumerate(terms)}
    ids = np.fromiter(map(number.__getitem__, chain.from_iterable(docs)), dtype=np.int64)
    counts = np.fromiter(chain.from_iterable(doc.values() for doc in docs), dtype=np.int32, count=len(ids))
    indptr = np.zeros(len(docs) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, docs), dtype=np.int64, count=len(docs)), out=indptr[1:])
    return terms, indptr, ids, counts


def merge(parts) -> tuple[list[str], sp.csr_matrix]:
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
    matrix = sp.csr_matrix((concat(data, np.int32), concat(columns, np.int32), indptr), shape=(len(indptr) - 1, len(terms)))
    return list(terms), matrix


def vocabulary(terms: list[str], counts: sp.csr_matrix) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
    """(term -> column, idf per column, column per counted term or -1) for the usable terms,
    columns in term order."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=len(terms))
    usable = np.nonzero((df >= MIN_DF) & (df <= MAX_DF * n))[0]
    usable = usable[np.argsort([terms[i] for i in usable], kind="stable")]
    vocab = {terms[i]: col for col, i in enumerate(usable)}
    idf = (np.log((1 + n) / (1 + df[usable])) + 1).astype(np.float32)
    column = np.full(len(terms), -1, dtype=np.int64)
    column[usable] = np.arange(len(usable))
    return vocab, idf, column


def weigh(counts: sp.csr_matrix, column: np.ndarray, idf: np.ndarray) -> sp.csr_matrix:
    """(1 + ln tf) * idf over the vocabulary's columns, rows L2-normalised."""
    coo = counts.tocoo()
    cols = column[coo.col]
    known = cols >= 0
    rows, cols, tf = coo.row[known], cols[known], coo.data[known].astype(np.float32)
    weights = (1.0 + np.log(tf)) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=counts.shape[0]))
    weights = weights / np.where(norms > 0, norms, 1.0)[rows]
    X = sp.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=(counts.shape[0], len(idf)))
    X.sort_indices()
    return X


def counts_of(local, vocab: dict[str, int]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Counts of new documents (as `local_counts` gives them) and their columns in a frozen
    vocabulary (-1: unknown)."""
    terms, counts = merge([local])
    return counts, np.array([vocab.get(t, -1) for t in terms], dtype=np.int64)


def latent_basis(X: sp.csr_matrix, dim: int) -> np.ndarray:
    """Top right singular vectors of (an evenly spaced sample of) X, by randomized SVD; power
    iterations normalise with LU and finish with an economic QR, as scikit-learn's does."""
    n, v = X.shape
    dim = min(dim, n - 1, v - 1)
    if dim < 2:
        return np.zeros((0, v), dtype=np.float32)
    sample = X[:: max(1, -(-n // BASIS_SAMPLE))].astype(BASIS_DTYPE)
    rng = np.random.default_rng(SEED)
    q = sample @ rng.standard_normal((v, dim + 20)).astype(BASIS_DTYPE)
    for _ in range(POWER_ITERATIONS):
        q = sample @ scipy.linalg.lu(sample.T @ scipy.linalg.lu(q, permute_l=True)[0], permute_l=True)[0]
    q = scipy.linalg.qr(q, mode="economic")[0]
    _, _, vt = np.linalg.svd((sample.T @ q).T, full_matrices=False)
    vt = vt[:dim]
    signs = np.sign(vt[np.arange(dim), np.abs(vt).argmax(axis=1)])
    return (vt * signs[:, None]).astype(np.float32)


def latent(X: sp.csr_matrix, basis: np.ndarray) -> np.ndarray:
    """Latent vectors of X's rows, L2 normalised (one zero column when there is no basis)."""
    if not basis.size:
        return np.zeros((X.shape[0], 1), dtype=np.float32)
    return unit_rows(np.asarray(X @ basis.T, dtype=np.float32))


def coarse(Z: np.ndarray) -> np.ndarray:
    """Latent vectors cut to their first COARSE_DIM dimensions (the strongest: broad subjects
    such as sport, money, foreign news), L2 normalised."""
    return unit_rows(Z[:, :COARSE_DIM].copy())


def unit_rows(M: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(M, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (M / norms).astype(np.float32)


def kmeans(Z: np.ndarray, k: int, iterations: int = 8) -> np.ndarray:
    """Spherical k-means with a fixed, evenly spaced initialisation (deterministic)."""
    centroids = Z[np.linspace(0, len(Z) - 1, k).astype(np.int64)].copy()
    for _ in range(iterations):
        labels = nearest(Z, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, Z)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = centroids[empty]
        norms[empty] = 1.0
        centroids = (sums / norms).astype(np.float32)
    return centroids


def nearest(Z: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    if not len(centroids):
        return np.zeros(len(Z), dtype=np.int32)
    labels = np.empty(len(Z), dtype=np.int32)
    for start in range(0, len(Z), 8192):
        labels[start : start + 8192] = np.argmax(Z[start : start + 8192] @ centroids.T, axis=1)
    return labels


def concat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype=dtype)
