"""Text and key fingerprints of the history index: MinHash over character 3-shingles of the
normalised text, LSH band keys, the b-bit similarity estimate, and the integer keys of phones,
matters and times."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np

from minyi.triage.text import normalise

EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
NUM_PERM = 64
MASK32 = 0xFFFFFFFF
_NOT_DIGIT = re.compile(r"\D")
U64 = np.uint64


# --- fingerprints ----------------------------------------------------------------------------

_rng = np.random.default_rng(20261121)  # fixed: fingerprints must not change between processes
_PERM_A = _rng.integers(1, 2**63, NUM_PERM, dtype=np.uint64) * U64(2) + U64(1)
_PERM_B = _rng.integers(0, 2**63, NUM_PERM, dtype=np.uint64)
_SALTS = _rng.integers(1, 2**63, 64, dtype=np.uint64)
_P1, _P2, _P3 = (
    np.array([v], dtype=np.uint64)
    for v in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)
)
_M1, _M2 = (
    np.array([0xFF51AFD7ED558CCD], dtype=np.uint64),
    np.array([0xC4CEB9FE1A85EC53], dtype=np.uint64),
)


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> U64(33))
    x = x * _M1
    x = x ^ (x >> U64(33))
    x = x * _M2
    mixed: np.ndarray = x ^ (x >> U64(33))
    return mixed


def shingle_hashes(text: str) -> np.ndarray:
    """64-bit hashes of the character 3-shingles of the normalised text (one for shorter text)."""
    norm = normalise(text, drop="particles")
    if not norm:
        return np.empty(0, dtype=np.uint64)
    cps = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(cps) < 3:
        cps = np.concatenate([cps, np.zeros(3 - len(cps), dtype=np.uint64)])
    return _mix((cps[:-2] * _P1) ^ (cps[1:-1] * _P2) ^ (cps[2:] * _P3))


def _permuted(hashes: np.ndarray) -> np.ndarray:
    """(64, n) the 64 permutations of each hash, computed in place: a long appeal has thousands
    of shingles, and each temporary of this size costs as much as the arithmetic."""
    h = np.multiply(_PERM_A[:, None], hashes[None, :])
    h += _PERM_B[:, None]
    h >>= U64(32)
    return h


def _minhash_block(hashes: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """(n_texts, 64) uint32 minima for texts whose shingle hashes are concatenated."""
    return np.minimum.reduceat(_permuted(hashes), offsets, axis=1).T.astype(np.uint32)


def minhash(text: str) -> np.ndarray | None:
    """The 64 full 32-bit minima, or None for a text with nothing to compare."""
    hashes = shingle_hashes(text)
    if len(hashes) == 0:
        return None
    minima: np.ndarray = _permuted(hashes).min(axis=1).astype(np.uint32)
    return minima


def minhash_many(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 64) uint32 minima and a mask of the texts that had something to compare. The
    shingles of all texts are hashed in one pass over their concatenation."""
    norms = [normalise(t, drop="particles") for t in texts]
    lengths = np.fromiter((len(t) for t in norms), dtype=np.int64, count=len(norms))
    out = np.zeros((len(texts), NUM_PERM), dtype=np.uint32)
    valid = lengths > 0
    # Shorter than a shingle: padded with zeros, as `shingle_hashes` does.
    padded = np.maximum(lengths, 3) * valid
    cps = np.zeros(int(padded.sum()), dtype=np.uint64)
    starts = np.concatenate([[0], np.cumsum(padded)[:-1]])
    src = np.frombuffer("".join(norms).encode("utf-32-le"), dtype=np.uint32)
    src_starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    for i in np.flatnonzero(valid & (lengths < 3)).tolist():
        cps[starts[i] : starts[i] + lengths[i]] = src[src_starts[i] : src_starts[i] + lengths[i]]
    full = valid & (lengths >= 3)
    if full.all():
        cps[:] = src
    else:
        take = np.concatenate(
            [np.arange(src_starts[i], src_starts[i] + lengths[i]) for i in np.flatnonzero(full)]
            or [np.empty(0, np.int64)]
        )
        put = np.concatenate(
            [np.arange(starts[i], starts[i] + lengths[i]) for i in np.flatnonzero(full)]
            or [np.empty(0, np.int64)]
        )
        cps[put] = src[take]
    if len(cps) < 3:
        return out, valid
    hashes = _mix((cps[:-2] * _P1) ^ (cps[1:-1] * _P2) ^ (cps[2:] * _P3))
    # Position p starts a shingle of its own text if p + 3 <= the text's end.
    ends = np.repeat(starts + padded, padded)[: len(hashes)]
    hashes = hashes[np.arange(len(hashes)) + 3 <= ends]
    counts = padded[valid] - 2
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rows = np.flatnonzero(valid)
    # About 2 MB of intermediate per block: (64 x 4096) uint64.
    first = 0
    while first < len(rows):
        last = int(np.searchsorted(offsets, offsets[first] + 4096, "left"))
        last = max(last, first + 1)
        lo = offsets[first]
        hi = offsets[last] if last < len(rows) else len(hashes)
        out[rows[first:last]] = _minhash_block(hashes[lo:hi], offsets[first:last] - lo)
        first = last
    return out, valid


def band_keys(minima: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(..., bands) uint32 LSH keys from (..., 64) minima; a key also encodes its band."""
    m = minima[..., : bands * rows].astype(np.uint64).reshape(*minima.shape[:-1], bands, rows)
    h = np.empty(m.shape[:-1], dtype=np.uint64)
    h[...] = _SALTS[:bands]
    for r in range(rows):
        h = _mix(h ^ m[..., r])
    return (h >> U64(32)).astype(np.uint32)


def estimate(sigs: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Jaccard estimates from 8-bit signatures: agreement, minus the chance two bytes agree."""
    agree = (sigs == query).sum(axis=-1) / NUM_PERM
    corrected: np.ndarray = np.clip((agree - 1 / 256) / (1 - 1 / 256), 0.0, 1.0)
    return corrected


def similarity(a: str, b: str) -> float:
    """The full-precision MinHash estimate of two texts' 3-shingle Jaccard (for tools and tests)."""
    ma, mb = minhash(a), minhash(b)
    if ma is None or mb is None:
        return 0.0
    return float((ma == mb).mean())


def phone_key(phone: str | None) -> int:
    """A phone as an integer (0 = unknown): digits only, without a +86 prefix."""
    digits = _NOT_DIGIT.sub("", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not digits:
        return 0
    if len(digits) > 18:
        return int.from_bytes(digits.encode()[-8:], "big") & (2**62 - 1) | 1
    return int(digits)


_GOLDEN = 0x9E3779B97F4A7C15


def matter_key(matter_id: int | None) -> int:
    return -1 if matter_id is None else matter_id


def hash32(value: int) -> int:
    return (((value * _GOLDEN) & (2**64 - 1)) >> 29) & MASK32


def hash32_array(values: np.ndarray) -> np.ndarray:
    return ((values.astype(np.uint64) * np.array([_GOLDEN], dtype=np.uint64)) >> U64(29)) & U64(
        MASK32
    )


def minute_of(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the history index")
    return int((at - EPOCH).total_seconds() // 60)


# --- the packed multimap -----------------------------------------------------------------------


def appeal_text(title: str | None, body: str | None) -> str:
    """The text an appeal is fingerprinted by: its title and body."""
    return f"{title or ''}。{body or ''}"
