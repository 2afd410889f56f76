"""Hashed character n-grams computed with numpy: the character view's buckets since model format 4.

sklearn's HashingVectorizer builds a Python string per n-gram and hashes each one (MurmurHash3) in a
loop: for a 3,000-character text that is ~9,000 strings, most of a suggestion's time besides jieba.
Here a text becomes one array of code points and every n-gram's bucket is a 64-bit mix of its code
points computed for all n-grams at once (a few arrays operations, whatever the length).

The text is read as sklearn's `analyzer="char"` reads it (lower-cased, runs of white space folded to
one space), so the n-grams are the same; only the bucket numbers differ from sklearn's hash, which
is why a format-3 version keeps sklearn's hasher (`TextClassifier._char_counts`).
"""

from __future__ import annotations

import re

import numpy as np
from scipy import sparse

_SPACES = re.compile(r"\s\s+")
_MULT = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio odd constant: spreads code points over 64 bits
_M1 = np.uint64(0xBF58476D1CE4E5B9)  # splitmix64's finaliser
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _mix(h: np.ndarray) -> np.ndarray:
    h = (h ^ (h >> _S30)) * _M1
    h = (h ^ (h >> _S27)) * _M2
    return h ^ (h >> _S31)


def code_points(text: str) -> np.ndarray:
    """The code points of `text` as sklearn's char analyzer sees it (lower case, white-space runs folded)."""
    text = _SPACES.sub(" ", text.lower())
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def buckets(text: str, ngram_range: tuple[int, int], n_buckets: int) -> np.ndarray:
    """The bucket (0..n_buckets-1, a power of two) of every character n-gram occurrence of `text`."""
    cp = code_points(text)
    out = []
    with np.errstate(over="ignore"):
        for n in range(ngram_range[0], ngram_range[1] + 1):
            m = len(cp) - n + 1
            if m <= 0:
                break
            h = np.full(m, np.uint64(n) * _M2, dtype=np.uint64)
            for j in range(n):
                h = (h ^ (cp[j:j + m] + np.uint64(1))) * _MULT
            out.append(_mix(h))
    if not out:
        return np.zeros(0, dtype=np.int64)
    return (np.concatenate(out) & np.uint64(n_buckets - 1)).astype(np.int64)


_BUFFER = 1 << 24  # entries of the counting buffers: 64 MB each, reserved, not resident until written


def counts_matrix(texts, ngram_range: tuple[int, int], n_buckets: int) -> sparse.csr_matrix:
    """(texts, n_buckets) n-gram counts, float32, duplicates summed (what HashingVectorizer gives, norm=None).

    The entries go into two buffers reserved large (only the pages written become resident), doubled if
    ever full, then copied to their size. Not one small array per text kept in a list (freed, those stay
    in the heap), nor buffers grown from small: glibc raises its mmap threshold to the size of a freed
    mapping below 32 MB, and the training's later arrays then stay in the heap (+24 MB of peak RSS on
    5,000 texts)."""
    size, nnz, indptr = _BUFFER, 0, [0]
    index_type = np.int32 if n_buckets <= np.iinfo(np.int32).max else np.int64
    indices, data = np.empty(size, dtype=index_type), np.empty(size, dtype=np.float32)
    for text in texts:
        cols, counts = np.unique(buckets(text, ngram_range, n_buckets), return_counts=True)
        end = nnz + len(cols)
        if end > size:
            size = max(2 * size, end)
            indices = np.concatenate([indices[:nnz], np.empty(size - nnz, dtype=index_type)])
            data = np.concatenate([data[:nnz], np.empty(size - nnz, dtype=np.float32)])
        indices[nnz:end], data[nnz:end] = cols, counts
        nnz = end
        indptr.append(nnz)
    indices, data = indices[:nnz].copy(), data[:nnz].copy()
    pointer_type = np.int32 if nnz <= np.iinfo(np.int32).max and index_type == np.int32 else np.int64
    return sparse.csr_matrix((data, indices.astype(pointer_type, copy=False), np.array(indptr, dtype=pointer_type)),
                             shape=(len(indptr) - 1, n_buckets))
