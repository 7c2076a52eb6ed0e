"""Scoring candidate pairs: how close two articles are, and whether they may be linked at all.

score = term cosine (over each article's SCORE_TERMS heaviest terms: all of a headline's, the
        ones that carry a long text; the rest add little and cost the most)
        + GRAM_WEIGHT * (1 - g) * headline-piece cosine
        + g * (LATENT_WEIGHT * latent cosine + COARSE_WEIGHT * coarse latent cosine)
with g = m / (m + SHORT_TERMS), m = the smaller number of distinct terms of the two. A
latent vector resting on six headline words is a noisy guess at a subject, one resting on
two hundred body words a good one: short texts lean on their words and headline pieces,
long ones on the latent space. The coarse cosine compares only the strongest latent
dimensions (broad subjects), so among equally close stories those of the same kind come
first. Rounded to 1e-6; symmetric, so an article ranked later can be offered to the lists of
older ones with the same score.

A pair is never linked on thin evidence: the two must share at least two terms, or one term
that is not generic (in at most GENERIC_SHARE of the archive's articles, or in at most
GENERIC_MIN). Nor is an article linked to itself or to a near-duplicate (term cosine >=
DUPLICATE_COSINE, or the same headline once lowercased and stripped of punctuation). Where
nothing passes, a list is shorter: no filler.

The weights were chosen on one random half of a set of 10,868 one-line headlines and on the
full-text corpus (bench/bench_headlines.py, bench/bench_related.py print the held-out figures);
nearby values (SHORT_TERMS 15-40, GRAM_WEIGHT 1-1.5, LATENT and COARSE 0.5-1.5) do about
as well.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

SCORE_TERMS = 48
GRAM_WEIGHT = 1.5
LATENT_WEIGHT = 1.0
COARSE_WEIGHT = 1.0
SHORT_TERMS = 10
SHAPE = 2
GRAM_FADE = 1.0
GENERIC_SHARE = 0.01
GENERIC_MIN = 20
DUPLICATE_TERMS = 3
DUPLICATE_COSINE = 0.9


def generic_idf(idf_of_size: int) -> float:
    """The idf (as in related_model) below which a term is generic in an archive of that size."""
    df = max(GENERIC_SHARE * idf_of_size, GENERIC_MIN)
    return float(np.log((1 + idf_of_size) / (1 + df)) + 1)


def dots(
    mine: sp.csr_matrix, others: sp.csr_matrix, left: np.ndarray, right: np.ndarray, idf: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For pairs (mine[left[p]], others[right[p]]): dot product, number of shared terms and the
    sum of the shared terms' idf (zeros without `idf`). The pairs' rows are gathered and
    multiplied term by term (scipy merges two sorted rows), so memory follows the pairs'
    terms and only the shared ones are summed. Weights are positive: a product is never 0."""
    pairs = len(left)
    dot, shared, shared_idf = np.zeros(pairs), np.zeros(pairs, dtype=np.int64), np.zeros(pairs)
    if not pairs:
        return dot, shared, shared_idf
    a, b = mine[left], others[right]
    a.sort_indices()
    b.sort_indices()
    both = a.multiply(b).tocsr()
    shared[:] = np.diff(both.indptr)
    some = shared > 0
    if both.nnz:
        starts = both.indptr[:-1][some]
        dot[some] = np.add.reduceat(both.data.astype(np.float64), starts)
        if idf is not None:
            shared_idf[some] = np.add.reduceat(idf[both.indices].astype(np.float64), starts)
    return dot, shared, shared_idf


def score_pairs(
    cosine: np.ndarray, grams: np.ndarray, latent: np.ndarray, coarse: np.ndarray, terms_a: np.ndarray, terms_b: np.ndarray
) -> np.ndarray:
    m = np.minimum(terms_a, terms_b).astype(np.float64) ** SHAPE
    g = m / (m + SHORT_TERMS**SHAPE)
    return np.round(cosine + GRAM_WEIGHT * (1 - g * GRAM_FADE) * grams + g * (LATENT_WEIGHT * latent + COARSE_WEIGHT * coarse), 6)


def linkable(cosine: np.ndarray, shared: np.ndarray, shared_idf: np.ndarray, generic: float, terms: np.ndarray) -> np.ndarray:
    """Enough shared evidence, and not a near-duplicate (the module docstring); `cosine` of
    the two (cut) term vectors, `terms`: the smaller number of distinct terms of the two."""
    duplicate = (cosine >= DUPLICATE_COSINE) & (terms >= DUPLICATE_TERMS)
    return ((shared >= 2) | ((shared == 1) & (shared_idf >= generic))) & ~duplicate
