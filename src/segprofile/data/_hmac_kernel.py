"""Compiled HMAC-SHA256 pseudonyms over Arrow string buffers (used by :mod:`privacy`).

DuckDB's ``sha256()`` costs over a microsecond a call and HMAC needs two, so an import spent more
time on two identifier columns than on everything else. Here the padded key blocks are hashed
once per key (the HMAC *midstates*); each value then costs its own block(s) plus one block of
the outer hash. The kernel walks the Arrow buffers (offsets + bytes) of a whole chunk without a
Python object per value and releases the GIL, so DuckDB's threads run it in parallel as a
vectorised UDF.

The SHA-256 block function is OpenSSL's (the library Python's ``hashlib`` uses, with the
processor's SHA instructions when it has them), called through its address; where it cannot be
found, a compiled Python twin of the block function does the same work more slowly. The result
is byte-for-byte ``privacy.encode_pseudonym(hmac.new(key, message, hashlib.sha256).digest())`` (the
first 16 bytes in base64url); the tests and a self-check at start-up compare it with :mod:`hmac`.

Imports prefer the engine extension of :mod:`segprofile.data.native` (the same in C, run by
DuckDB on all its threads); this kernel is the way where no C compiler is at hand.

Canonical forms are made inside the kernel for identifiers written with digits (the twin of
``privacy.clean_sql`` + ``privacy.canonical_sql``): every separator of ``privacy.SEPARATORS``
removed (any white space too); phones of 10 digits get a leading 7, of 11 starting with 8 have
it replaced by 7; an empty result is ``NULL``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import hmac
import logging
from functools import lru_cache
from typing import Any

import numpy as np
import pyarrow as pa

log = logging.getLogger(__name__)

try:  # numba is a dependency; without it privacy.py computes pseudonyms in SQL
    from llvmlite import ir  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from numba import njit, types  # type: ignore[import-untyped,import-not-found,unused-ignore]
    from numba.extending import intrinsic  # type: ignore[import-untyped,import-not-found,unused-ignore]

    AVAILABLE = True
except ImportError:  # pragma: no cover - exercised where numba is absent
    AVAILABLE = False

MODE_TEXT = 0  # the value is already canonical (made in SQL): hash it as it is
MODE_DIGITS = 1  # СНИЛС, ИНН, passport: separators removed
MODE_PHONE = 2  # separators removed, then 8XXXXXXXXXX / XXXXXXXXXX → 7XXXXXXXXXX

_IV = np.array(
    [
        0x6A09E667,
        0xBB67AE85,
        0x3C6EF372,
        0xA54FF53A,
        0x510E527F,
        0x9B05688C,
        0x1F83D9AB,
        0x5BE0CD19,
    ],
    dtype=np.uint32,
)
_K = np.array(
    [
        0x428A2F98, 0x71374491, 0xB5C0FBCF, 0xE9B5DBA5, 0x3956C25B, 0x59F111F1, 0x923F82A4,
        0xAB1C5ED5, 0xD807AA98, 0x12835B01, 0x243185BE, 0x550C7DC3, 0x72BE5D74, 0x80DEB1FE,
        0x9BDC06A7, 0xC19BF174, 0xE49B69C1, 0xEFBE4786, 0x0FC19DC6, 0x240CA1CC, 0x2DE92C6F,
        0x4A7484AA, 0x5CB0A9DC, 0x76F988DA, 0x983E5152, 0xA831C66D, 0xB00327C8, 0xBF597FC7,
        0xC6E00BF3, 0xD5A79147, 0x06CA6351, 0x14292967, 0x27B70A85, 0x2E1B2138, 0x4D2C6DFC,
        0x53380D13, 0x650A7354, 0x766A0ABB, 0x81C2C92E, 0x92722C85, 0xA2BFE8A1, 0xA81A664B,
        0xC24B8B70, 0xC76C51A3, 0xD192E819, 0xD6990624, 0xF40E3585, 0x106AA070, 0x19A4C116,
        0x1E376C08, 0x2748774C, 0x34B0BCB5, 0x391C0CB3, 0x4ED8AA4A, 0x5B9CCA4F, 0x682E6FF3,
        0x748F82EE, 0x78A5636F, 0x84C87814, 0x8CC70208, 0x90BEFFFA, 0xA4506CEB, 0xBEF9A3F7,
        0xC67178F2,
    ],
    dtype=np.uint32,
)  # fmt: skip
_B64URL = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", dtype=np.uint8
).copy()
CHARS = 22  # 16 bytes of the HMAC in base64url without padding (privacy.PSEUDONYM_CHARS)
_SEPARATOR = np.zeros(256, dtype=np.bool_)
_SEPARATOR[list(b"-()+./\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f ")] = True


def _openssl_transform() -> int:
    """The address of OpenSSL's ``SHA256_Transform`` (0 when the library does not export it)."""
    for name in ("crypto", "crypto-3", "crypto.so.3"):
        path = ctypes.util.find_library(name)
        if not path:
            continue
        try:
            lib = ctypes.CDLL(path)
            fn = lib.SHA256_Transform
        except (OSError, AttributeError):
            continue
        return int(ctypes.cast(fn, ctypes.c_void_p).value or 0)
    return 0


if AVAILABLE:

    @intrinsic
    def _call_transform(typingctx: Any, fn: Any, ctx: Any, block: Any) -> Any:
        """``((void (*)(void *, const void *)) fn)(ctx, block)`` — a C call by address."""
        sig = types.void(fn, ctx, block)

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            i8p = ir.IntType(8).as_pointer()
            fnty = ir.FunctionType(ir.VoidType(), [i8p, i8p])
            target = builder.inttoptr(args[0], fnty.as_pointer())
            builder.call(target, [builder.inttoptr(args[1], i8p), builder.inttoptr(args[2], i8p)])
            return context.get_dummy_value()

        return sig, codegen

    @njit(inline="always", cache=True)
    def _rotr(x: Any, n: int) -> Any:
        return (x >> np.uint32(n)) | (x << np.uint32(32 - n))

    @njit(inline="always", cache=True)
    def _unicode_space(data: Any, j: int, end: int) -> int:
        """Length of the multi-byte white space at ``data[j]`` (as privacy.WHITESPACE), or 0."""
        ch = data[j]
        if ch == 0xC2:
            return 2 if j + 1 < end and (data[j + 1] == 0x85 or data[j + 1] == 0xA0) else 0
        if j + 2 >= end:
            return 0
        b1, b2 = data[j + 1], data[j + 2]
        if ch == 0xE1:
            return 3 if b1 == 0x9A and b2 == 0x80 else 0
        if ch == 0xE2:
            if b1 == 0x80:
                return 3 if b2 <= 0x8A or b2 == 0xA8 or b2 == 0xA9 or b2 == 0xAF else 0
            return 3 if b1 == 0x81 and b2 == 0x9F else 0
        if ch == 0xE3:
            return 3 if b1 == 0x80 and b2 == 0x80 else 0
        return 0

    @njit(nogil=True, cache=True)
    def _compress(state: Any, block: Any, off: int, w: Any) -> None:
        """The SHA-256 block function on ``block[off:off + 64]`` (used without OpenSSL)."""
        for t in range(16):
            j = off + 4 * t
            w[t] = (
                (np.uint32(block[j]) << np.uint32(24))
                | (np.uint32(block[j + 1]) << np.uint32(16))
                | (np.uint32(block[j + 2]) << np.uint32(8))
                | np.uint32(block[j + 3])
            )
        for t in range(16, 64):
            x = w[t - 15]
            y = w[t - 2]
            s0 = _rotr(x, 7) ^ _rotr(x, 18) ^ (x >> np.uint32(3))
            s1 = _rotr(y, 17) ^ _rotr(y, 19) ^ (y >> np.uint32(10))
            w[t] = np.uint32(w[t - 16] + s0 + w[t - 7] + s1)
        a, b, c, d = state[0], state[1], state[2], state[3]
        e, f, g, h = state[4], state[5], state[6], state[7]
        for t in range(64):
            s1 = _rotr(e, 6) ^ _rotr(e, 11) ^ _rotr(e, 25)
            ch = (e & f) ^ (~e & g)
            t1 = np.uint32(h + s1 + ch + _K[t] + w[t])
            s0 = _rotr(a, 2) ^ _rotr(a, 13) ^ _rotr(a, 22)
            mj = (a & b) ^ (a & c) ^ (b & c)
            t2 = np.uint32(s0 + mj)
            h = g
            g = f
            f = e
            e = np.uint32(d + t1)
            d = c
            c = b
            b = a
            a = np.uint32(t1 + t2)
        state[0] = np.uint32(state[0] + a)
        state[1] = np.uint32(state[1] + b)
        state[2] = np.uint32(state[2] + c)
        state[3] = np.uint32(state[3] + d)
        state[4] = np.uint32(state[4] + e)
        state[5] = np.uint32(state[5] + f)
        state[6] = np.uint32(state[6] + g)
        state[7] = np.uint32(state[7] + h)

    @njit(inline="always", cache=True)
    def _block(fn: int, ctx: Any, ctx_at: Any, buf: Any, buf_at: Any, off: int, w: Any) -> None:
        """One block: OpenSSL's function (``ctx_at``, ``buf_at``: addresses) or ours."""
        if fn != 0:
            _call_transform(fn, ctx_at, buf_at + np.uint64(off))  # type: ignore[call-arg]
        else:
            _compress(ctx, buf, off, w)

    @njit(nogil=True, cache=True)
    def _midstate(fn: int, pad: Any) -> Any:
        """The SHA-256 state after the one 64-byte block ``pad`` (a padded HMAC key)."""
        ctx = np.zeros(28, dtype=np.uint32)  # OpenSSL's SHA256_CTX; the state is its start
        ctx[:8] = _IV
        w = np.empty(64, dtype=np.uint32)
        _block(fn, ctx, ctx.ctypes.data, pad, pad.ctypes.data, 0, w)
        return ctx[:8].copy()

    @njit(nogil=True, cache=True)
    def _hmac_b64(
        fn: int,
        data: Any,
        offsets: Any,
        valid: Any,
        bit0: int,
        n: int,
        mode: int,
        prefix: Any,
        istate: Any,
        ostate: Any,
        out: Any,
        out_offsets: Any,
        out_mask: Any,
    ) -> int:
        """Pseudonyms of ``n`` strings as the buffers of an Arrow string array; returns nulls.

        ``offsets[i]``..``offsets[i + 1]`` delimit value ``i`` in ``data``; ``valid`` is the
        Arrow validity bitmap starting at bit ``bit0`` (empty: no nulls). The ``CHARS``
        base64url characters of each pseudonym go to ``out``, their offsets to
        ``out_offsets`` and their validity bits to ``out_mask`` (zeroed by the caller).
        """
        plen = prefix.shape[0]
        longest = 0
        for i in range(n):
            size = offsets[i + 1] - offsets[i]
            longest = max(longest, size)
        buf = np.zeros(((plen + longest + 1 + 64 + 9) // 64 + 1) * 64, dtype=np.uint8)
        digest = np.zeros(18, dtype=np.uint8)
        obuf = np.zeros(64, dtype=np.uint8)
        obuf[32] = 0x80
        obuf[62] = 0x03  # (64 + 32) bytes = 768 bits, big-endian
        ctx = np.zeros(28, dtype=np.uint32)
        w = np.empty(64, dtype=np.uint32)
        buf[:plen] = prefix
        ctx_at = ctx.ctypes.data
        buf_at = buf.ctypes.data
        obuf_at = obuf.ctypes.data
        pos = 0
        nulls = 0
        out_offsets[0] = 0
        for i in range(n):
            out_offsets[i + 1] = pos
            nulls += 1  # until the pseudonym is written
            if valid.shape[0] > 0:
                bit = bit0 + i
                if (valid[bit >> 3] >> (bit & 7)) & 1 == 0:
                    continue
            start = offsets[i]
            end = offsets[i + 1]
            size = plen
            if mode == 0:
                for j in range(start, end):
                    buf[size] = data[j]
                    size += 1
            else:
                j = start
                while j < end:
                    ch = data[j]
                    if _SEPARATOR[ch]:  # the ASCII separators of privacy.SEPARATORS
                        j += 1
                        continue
                    skip = _unicode_space(data, j, end)  # and the multi-byte white space
                    if skip:
                        j += skip
                        continue
                    buf[size] = ch
                    size += 1
                    j += 1
            if size == plen:
                continue  # empty after cleaning: NULL
            if mode == 2:
                chars = 0
                for j in range(plen, size):
                    if buf[j] & 0xC0 != 0x80:
                        chars += 1
                if chars == 11 and buf[plen] == 0x38:  # "8…" → "7…"
                    buf[plen] = 0x37
                elif chars == 10:
                    for j in range(size, plen, -1):
                        buf[j] = buf[j - 1]
                    buf[plen] = 0x37
                    size += 1
            # Inner hash: the key block is in the midstate; the message follows it.
            total = (size + 9 + 63) // 64 * 64
            buf[size] = 0x80
            for j in range(size + 1, total - 8):
                buf[j] = 0
            bits = (64 + size) * 8
            for j in range(8):
                buf[total - 1 - j] = (bits >> (8 * j)) & 0xFF
            for j in range(8):
                ctx[j] = istate[j]
            for off in range(0, total, 64):
                _block(fn, ctx, ctx_at, buf, buf_at, off, w)
            for j in range(8):
                word = ctx[j]
                obuf[4 * j] = (word >> 24) & 0xFF
                obuf[4 * j + 1] = (word >> 16) & 0xFF
                obuf[4 * j + 2] = (word >> 8) & 0xFF
                obuf[4 * j + 3] = word & 0xFF
            for j in range(8):
                ctx[j] = ostate[j]
            _block(fn, ctx, ctx_at, obuf, obuf_at, 0, w)
            for j in range(4):  # the first 16 bytes of the digest, big-endian words
                word = ctx[j]
                digest[4 * j] = (word >> 24) & 0xFF
                digest[4 * j + 1] = (word >> 16) & 0xFF
                digest[4 * j + 2] = (word >> 8) & 0xFF
                digest[4 * j + 3] = word & 0xFF
            o = pos
            for j in range(0, 18, 3):  # digest[16:18] are zero: the last group gives 2 characters
                v = (np.uint32(digest[j]) << 16) | (np.uint32(digest[j + 1]) << 8) | digest[j + 2]
                out[o] = _B64URL[v >> 18]
                out[o + 1] = _B64URL[(v >> 12) & 63]
                if o + 2 < pos + CHARS:
                    out[o + 2] = _B64URL[(v >> 6) & 63]
                    out[o + 3] = _B64URL[v & 63]
                o += 4
            pos += CHARS
            out_offsets[i + 1] = pos
            out_mask[i >> 3] |= np.uint8(1 << (i & 7))
            nulls -= 1
        return nulls


@lru_cache(maxsize=1)
def transform_address() -> int:
    return _openssl_transform()


class Hasher:
    """HMAC-SHA256 pseudonyms under one key, for Arrow string arrays."""

    def __init__(self, key: bytes, *, use_openssl: bool = True) -> None:
        block = hashlib.sha256(key).digest() if len(key) > 64 else key
        block = block.ljust(64, b"\0")
        self.fn = transform_address() if use_openssl else 0
        self._prefixes: dict[bytes, Any] = {}
        ipad = np.frombuffer(bytes(b ^ 0x36 for b in block), dtype=np.uint8).copy()
        opad = np.frombuffer(bytes(b ^ 0x5C for b in block), dtype=np.uint8).copy()
        self.istate = _midstate(self.fn, ipad)
        self.ostate = _midstate(self.fn, opad)

    def hash_array(self, values: Any, mode: int, prefix: bytes) -> pa.Array:
        """Pseudonyms of an Arrow string array (NULL and empty stay NULL)."""
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
            values = values.cast(pa.large_string())
        n = len(values)
        validity, offsets_buf, data_buf = values.buffers()[:3]
        wide = pa.types.is_large_string(values.type)
        offsets = np.frombuffer(offsets_buf, dtype=np.int64 if wide else np.int32)[
            values.offset : values.offset + n + 1
        ]
        data = (
            np.frombuffer(data_buf, dtype=np.uint8)
            if data_buf is not None
            else np.zeros(0, np.uint8)
        )
        valid = (
            np.frombuffer(validity, dtype=np.uint8)
            if validity is not None and values.null_count
            else np.zeros(0, np.uint8)
        )
        out = np.empty(n * CHARS + 2, dtype=np.uint8)  # + 2: the last group's spare bytes
        out_offsets = np.empty(n + 1, dtype=np.int32)
        out_mask = np.zeros((n + 7) // 8, dtype=np.uint8)
        nulls = _hmac_b64(
            self.fn,
            data,
            offsets,
            valid,
            values.offset,
            n,
            mode,
            self._prefix(prefix),
            self.istate,
            self.ostate,
            out,
            out_offsets,
            out_mask,
        )
        return pa.Array.from_buffers(
            pa.string(),
            n,
            [
                pa.py_buffer(out_mask) if nulls else None,
                pa.py_buffer(out_offsets),
                pa.py_buffer(out[: (n - nulls) * CHARS]),
            ],
            null_count=nulls,
        )

    def _prefix(self, prefix: bytes) -> Any:
        array = self._prefixes.get(prefix)
        if array is None:
            array = self._prefixes[prefix] = np.frombuffer(prefix, dtype=np.uint8).copy()
        return array


def self_check(hasher: Hasher, key: bytes) -> bool:
    """The kernel agrees with :mod:`hmac` on short, empty-after-cleaning and multi-block values."""
    samples = ["112-233-445 95", "x" * 200, "ёлка\u00a07", "", None]
    got = hasher.hash_array(pa.array(samples, pa.string()), MODE_TEXT, b"other:").to_pylist()
    from segprofile.data.privacy import encode_pseudonym

    expected = [
        None
        if not v
        else encode_pseudonym(hmac.new(key, b"other:" + v.encode(), hashlib.sha256).digest())
        for v in samples
    ]
    return bool(got == expected)
