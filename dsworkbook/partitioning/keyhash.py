"""MD5 of many short keys at once, in numpy, so a batch lookup is not bound by a Python loop.

Theory of operation
-------------------
A ring places a key at ``md5(str(key).encode("utf-8"))`` (see ring.py). Hashing a million keys
with :mod:`hashlib` costs one Python call per key, which dominates a vectorised lookup. MD5
(RFC 1321, sec. 3) processes 64-byte blocks; a key of at most 55 bytes fits in one padded
block (message, byte 0x80, zeros, then the bit length as a little-endian 64-bit integer), so
the digests of many such keys are 64 rounds of 32-bit additions, boolean functions and
rotations applied to whole arrays. :func:`md5_words` does that over chunks that stay in cache.

Keys that do not fit the fast path (longer than 55 bytes once encoded, or not ASCII, whose
UTF-8 bytes differ from their code points) are hashed with :mod:`hashlib` one by one, so the
result is always exactly the MD5 digest. The tests compare it with :mod:`hashlib` on random
keys, including the boundaries (0, 55 and 56 bytes, non-ASCII, embedded NUL characters).
"""

from __future__ import annotations

import hashlib
import math
from typing import Sequence

import numpy as np

__all__ = ["md5_words", "digest_words"]

_S = [7, 12, 17, 22] * 4 + [5, 9, 14, 20] * 4 + [4, 11, 16, 23] * 4 + [6, 10, 15, 21] * 4
_K = [int(abs(math.sin(i + 1)) * 2**32) & 0xFFFFFFFF for i in range(64)]  # RFC 1321 sec. 3.4
_G = [i if i < 16 else (5 * i + 1) % 16 if i < 32 else (3 * i + 5) % 16 if i < 48 else (7 * i) % 16
      for i in range(64)]
_INIT = (0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476)
_CHUNK = 16384


def digest_words(digest: bytes) -> tuple[int, int, int, int]:
    """The four little-endian 32-bit words of a 16-byte MD5 digest (A, B, C, D of RFC 1321)."""
    return tuple(int.from_bytes(digest[i:i + 4], "little") for i in range(0, 16, 4))  # type: ignore[return-value]


def _rounds(m: np.ndarray) -> np.ndarray:
    """MD5 compression of one padded block per column of ``m`` (16 x c uint32); returns 4 x c."""
    c = m.shape[1]
    a = np.full(c, _INIT[0], np.uint32)
    b = np.full(c, _INIT[1], np.uint32)
    cc = np.full(c, _INIT[2], np.uint32)
    d = np.full(c, _INIT[3], np.uint32)
    f = np.empty(c, np.uint32)
    t = np.empty(c, np.uint32)
    for i in range(64):
        if i < 16:      # F = (B and C) or (not B and D) == D xor (B and (C xor D))
            np.bitwise_xor(cc, d, out=f); f &= b; f ^= d
        elif i < 32:    # G = (B and D) or (C and not D) == C xor (D and (B xor C))
            np.bitwise_xor(b, cc, out=f); f &= d; f ^= cc
        elif i < 48:    # H = B xor C xor D
            np.bitwise_xor(b, cc, out=f); f ^= d
        else:           # I = C xor (B or not D)
            np.invert(d, out=f); f |= b; f ^= cc
        f += a
        f += np.uint32(_K[i])
        f += m[_G[i]]
        s = _S[i]
        np.left_shift(f, np.uint32(s), out=t)
        f >>= np.uint32(32 - s)
        f |= t
        f += b
        spare = a
        a, d, cc, b = d, cc, b, f
        f = spare  # the old A is dead: reuse its buffer for the next round
    return np.stack([a + np.uint32(_INIT[0]), b + np.uint32(_INIT[1]),
                     cc + np.uint32(_INIT[2]), d + np.uint32(_INIT[3])])


def md5_words(keys: Sequence[object]) -> np.ndarray:
    """MD5 digests of ``str(key).encode("utf-8")`` for every key, as a (n, 4) uint32 array.

    Row ``i`` holds the digest's four little-endian 32-bit words, i.e.
    ``digest_words(hashlib.md5(str(keys[i]).encode()).digest())``.
    """
    if isinstance(keys, np.ndarray) and keys.dtype.kind == "U":
        strs: list = keys.tolist()
    else:
        strs = keys if isinstance(keys, list) else list(keys)
    try:
        joined = "".join(strs)  # raises TypeError unless every key is already text
    except TypeError:
        strs = [k if type(k) is str else str(k) for k in strs]
        joined = "".join(strs)
    n = len(strs)
    out = np.empty((n, 4), np.uint32)
    if n == 0:
        return out
    lengths = np.fromiter(map(len, strs), dtype=np.int64, count=n)
    width = int(lengths.max())
    if width > 0 and int(lengths.min()) == width and joined.isascii():
        # equal lengths (generated keys): the joined text is already the byte matrix
        codes = np.frombuffer(joined.encode("ascii"), np.uint8).reshape(n, width)
        slow = np.zeros(n, bool)
    elif width > 0:
        codes = np.array(strs, dtype=f"<U{width}").view(np.uint32).reshape(n, width)
        slow = (codes > 127).any(axis=1)
    else:
        codes = np.zeros((n, 0), np.uint32)
        slow = np.zeros(n, bool)
    slow |= lengths > 55
    w = min(width, 55)
    padded = np.minimum(lengths, 55)  # rows longer than 55 are computed, then replaced below
    for s in range(0, n, _CHUNK):
        e = min(n, s + _CHUNK)
        block = np.zeros((e - s, 64), np.uint8)
        block[:, :w] = codes[s:e, :w]
        ln = padded[s:e]
        block[np.arange(e - s), ln] = 0x80
        block[:, 56:64] = (lengths[s:e] * 8).astype("<u8").view(np.uint8).reshape(e - s, 8)
        out[s:e] = _rounds(np.ascontiguousarray(block.view("<u4").T)).T
    for i in np.flatnonzero(slow):
        out[i] = digest_words(hashlib.md5(strs[i].encode("utf-8")).digest())
    return out
