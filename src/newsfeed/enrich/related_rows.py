"""The stored form of the related index's rows (table related_index, one blob an article):
a fixed head, the headline key, the scored list as JSON, the kept term and headline-piece
vectors and the latent vector; read back a chunk of rows at a time into whole arrays."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

# a stored row: kept terms, headline pieces, cluster, distinct terms, headline key bytes, list
# bytes, and the list's floor (the score an offer must beat: its last, when it holds KEEP)
ROW_HEAD = struct.Struct(">IIiIIId")
HEAD_DTYPE = np.dtype([("terms_kept", ">u4"), ("grams", ">u4"), ("cluster", ">i4"), ("terms", ">u4"), ("title", ">u4"), ("list", ">u4"), ("floor", ">f8")])


@dataclass(frozen=True, slots=True)
class RowParts:
    """Stored rows of the index (a chunk of them), read into arrays by parse_rows."""

    ARRAYS = ("terms_at", "weights", "n", "grams_at", "gram_weights", "g", "Z", "cluster", "terms", "floors")
    ids: list[str]
    titles: list[str]
    lists: list[bytes]  # parsed when first needed
    dim: int
    terms_at: np.ndarray
    weights: np.ndarray
    n: np.ndarray
    grams_at: np.ndarray
    gram_weights: np.ndarray
    g: np.ndarray
    Z: np.ndarray
    cluster: np.ndarray
    terms: np.ndarray
    floors: np.ndarray


def parse_rows(entries: list[tuple[str, bytes]]) -> RowParts:
    """Rows' blobs joined, their heads read as one array, each kind of segment gathered in one
    pass (a per-row parse cost most of a 100,000-row load)."""
    blobs = [blob for _, blob in entries]
    buf = b"".join(blobs)
    ends = np.cumsum(np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)))
    starts = ends - np.diff(ends, prepend=0)
    u8 = np.frombuffer(buf, dtype=np.uint8)
    heads = u8[starts[:, None] + np.arange(ROW_HEAD.size)].view(HEAD_DTYPE).ravel()
    n, g = heads["terms_kept"].astype(np.int64), heads["grams"].astype(np.int64)
    title_at = starts + ROW_HEAD.size
    list_at = title_at + heads["title"]
    words_at = list_at + heads["list"]
    latent_at = words_at + 8 * (n + g)
    dims = set(((ends - latent_at) // 4).tolist())
    if len(dims) != 1:
        raise ValueError(f"related index rows of {len(dims)} latent sizes; rebuild it")
    dim = dims.pop()
    pieces_at = words_at + 8 * n
    return RowParts(
        ids=[article_id for article_id, _ in entries],
        titles=[buf[a:b].decode() for a, b in zip(title_at.tolist(), list_at.tolist())],
        lists=[buf[a:b] for a, b in zip(list_at.tolist(), words_at.tolist())],
        dim=dim,
        terms_at=segments(u8, words_at, 4 * n, np.int32),
        weights=segments(u8, words_at + 4 * n, 4 * n, np.float32),
        n=n,
        grams_at=segments(u8, pieces_at, 4 * g, np.int32),
        gram_weights=segments(u8, pieces_at + 4 * g, 4 * g, np.float32),
        g=g,
        Z=segments(u8, latent_at, np.full(len(n), 4 * dim), np.float32),
        cluster=heads["cluster"].astype(np.int32),
        terms=heads["terms"].astype(np.int32),
        floors=heads["floor"].astype(np.float64),
    )


@dataclass(frozen=True, slots=True)
class RowVectors:
    """Of stored rows (a chunk), only what the lexical search reads of every row: the kept
    term vectors, with each row's cluster, distinct term count and list floor."""

    ARRAYS = ("terms_at", "weights", "n", "cluster", "terms", "floors")
    ids: list[str]
    naming: list[int]  # places of the rows whose bytes hold one of the needles given
    terms_at: np.ndarray
    weights: np.ndarray
    n: np.ndarray
    cluster: np.ndarray
    terms: np.ndarray
    floors: np.ndarray


def parse_vectors(entries: list[tuple[str, bytes]], needles: Sequence[bytes] = ()) -> RowVectors:
    """parse_rows' heads and term segments only (the rest of a row is not gathered), and
    which rows hold one of `needles` anywhere in their bytes."""
    blobs = [blob for _, blob in entries]
    buf = b"".join(blobs)
    ends = np.cumsum(np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)))
    found = []
    for needle in needles:  # one search of the joined chunk, not one a row
        at = buf.find(needle)
        while at >= 0:
            found.append(at)
            at = buf.find(needle, at + 1)
    naming = sorted(set(np.searchsorted(ends, np.array(found, dtype=np.int64), side="right").tolist()))
    starts = ends - np.diff(ends, prepend=0)
    u8 = np.frombuffer(buf, dtype=np.uint8)
    heads = u8[starts[:, None] + np.arange(ROW_HEAD.size)].view(HEAD_DTYPE).ravel()
    n = heads["terms_kept"].astype(np.int64)
    words_at = starts + ROW_HEAD.size + heads["title"] + heads["list"]
    return RowVectors(
        ids=[article_id for article_id, _ in entries],
        naming=naming,
        terms_at=segments(u8, words_at, 4 * n, np.int32),
        weights=segments(u8, words_at + 4 * n, 4 * n, np.float32),
        n=n,
        cluster=heads["cluster"].astype(np.int32),
        terms=heads["terms"].astype(np.int32),
        floors=heads["floor"].astype(np.float64),
    )


def segments(u8: np.ndarray, at: np.ndarray, sizes: np.ndarray, dtype) -> np.ndarray:
    """The byte segments u8[at[i] : at[i] + sizes[i]] joined and read as `dtype`, gathered a
    few thousand rows at a time (the index array is 8 bytes per byte gathered)."""
    parts = []
    for start in range(0, len(at), 4096):
        places, lengths = at[start : start + 4096], sizes[start : start + 4096]
        total = int(lengths.sum())
        if total:
            parts.append(u8[np.repeat(places - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)])
    return (np.concatenate(parts) if parts else np.zeros(0, dtype=np.uint8)).view(dtype)


def csr(indices: np.ndarray, weights: np.ndarray, counts: np.ndarray, columns: int) -> sp.csr_matrix:
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return sp.csr_matrix((weights, indices, indptr), shape=(len(counts), columns))


def row_of(X: sp.csr_matrix, row: int) -> tuple[np.ndarray, np.ndarray]:
    start, end = X.indptr[row], X.indptr[row + 1]
    return X.indices[start:end], X.data[start:end]
