"""Pure-Python reference of ecc's `compressai` stream format and Gaussian CDF tables.

Short and readable on purpose: this is the oracle every native backend is tested against byte
for byte, and the baseline in the benchmarks. The format (CompressAI's rans64 coder) in brief:

* 64-bit state x in [2^31, 2^63), 16-bit probabilities, 32-bit little-endian output words.
* Each symbol is looked up in its CDF row; values outside the row's last-but-one slot use the
  last slot (the escape) followed by 4-bit bypass items: the nibble count, then the nibbles of
  ``raw`` (``-2v-1`` below the table, ``2(v-max)`` above it), least significant first.
* Items are put in reverse order; the stream is the flushed state (low word, high word) followed
  by the emitted words in the order the decoder reads them.
* Entropy skip: elements whose index is below ``skip_below`` are not coded and decode to 0.

See docs/format.md for the byte layout.
"""

from __future__ import annotations

import bisect
import struct
import sys
from typing import Sequence

import numpy as np
import torch

PRECISION = 16
LOWER = 1 << 31  # the state's lower bound
WORD_MASK = (1 << 32) - 1
BYPASS_BITS = 4
MAX_NIBBLES = 8  # raw < 2^31
MAX_RAW_MAGNITUDE = 1 << 30
# float32(-Phi^-1(tail_mass / 2)) for tail_mass = 1e-9, as CompressAI's float32 product uses it
TAIL_MULTIPLIER = float.fromhex("0x1.870094p+2")


def _nibble_count(raw: int) -> int:
    return (raw.bit_length() + BYPASS_BITS - 1) // BYPASS_BITS


def _check_index(r: int, rows: int) -> None:
    if not 0 <= r < rows:
        raise ValueError(f"index {r} is outside [0, {rows}), the number of cdf rows")


def _element_items(symbol, r, cdfs, cdf_lengths, offsets):
    """(start, freq, scale_bits) coder items of one element, in decoding order: its slot, then
    for an escaped value the nibble count and the nibbles. The caller has checked ``r``."""
    row, top = cdfs[r], cdf_lengths[r] - 2
    v, raw = symbol - offsets[r], None
    if v < 0:
        v, raw = top, -2 * v - 1
    elif v >= top:
        v, raw = top, 2 * (v - top)
    items = [(row[v], row[v + 1] - row[v], PRECISION)]
    if raw is not None:
        if raw >= 2 * MAX_RAW_MAGNITUDE:
            raise ValueError(f"symbol {symbol} is too far outside its table to code")
        count = _nibble_count(raw)
        items.append((count, 1, BYPASS_BITS))
        items += [((raw >> (BYPASS_BITS * j)) & 15, 1, BYPASS_BITS) for j in range(count)]
    return items


def _items(symbols, indexes, cdfs, cdf_lengths, offsets, skip_below):
    """Coder items of a whole `compressai` stream, in decoding order (skipped elements have none)."""
    items = []
    for symbol, r in zip(symbols, indexes):
        _check_index(r, len(cdfs))
        if r >= skip_below:
            items += _element_items(symbol, r, cdfs, cdf_lengths, offsets)
    return items


def put_items(items: list[tuple[int, int, int]], x: int, lower: int, word_bits: int) -> tuple[int, list[int]]:
    """rANS-encodes ``items`` (start, freq, precision bits) last to first from state ``x``: before
    each put, if it would take the state past ``lower << word_bits``, the low ``word_bits`` are
    emitted. Returns the final state and the words in emission order."""
    words = []
    for start, freq, bits in reversed(items):
        if x >= ((lower >> bits) << word_bits) * freq:  # renormalise: emit the low word
            words.append(x & ((1 << word_bits) - 1))
            x >>= word_bits
        x = ((x // freq) << bits) + x % freq + start
    return x, words


def encode_stream(
    symbols: Sequence[int],
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
) -> bytes:
    """One `compressai`-format stream, as CompressAI's ``encode_with_indexes`` (skip off)."""
    x, words = put_items(_items(symbols, indexes, cdfs, cdf_lengths, offsets, skip_below), LOWER, LOWER, 32)
    words += [x >> 32, x & WORD_MASK]  # the flush, written last and read first
    return struct.pack(f"<{len(words)}I", *reversed(words))


def _unmap(raw: int, top: int, offset: int) -> int:
    """The symbol of an escaped element from its bypass value ``raw``."""
    if raw >= 2 * MAX_RAW_MAGNITUDE:
        raise ValueError("stream is corrupt: impossible bypass value")
    return (-(raw >> 1) - 1 if raw & 1 else (raw >> 1) + top) + offset


class _Decoder:
    """Reads one stream; raises ValueError on truncated or impossible data."""

    def __init__(self, data: bytes):
        if len(data) < 8 or len(data) % 4:
            raise ValueError(f"a stream is a multiple of 4 bytes of at least 8, got {len(data)}")
        self.words = struct.unpack(f"<{len(data) // 4}I", data)
        self.x = self.words[0] | self.words[1] << 32
        self.pos = 2

    def advance(self, start: int, freq: int, bits: int) -> None:
        self.x = freq * (self.x >> bits) + (self.x & ((1 << bits) - 1)) - start
        if self.x < LOWER:
            if self.pos == len(self.words):
                raise ValueError("stream is truncated: decoding needs more bytes than its size")
            self.x = (self.x << 32) | self.words[self.pos]
            self.pos += 1

    def cum(self, bits: int) -> int:
        """The next item's cumulative value, in [0, 2^bits)."""
        return self.x & ((1 << bits) - 1)

    def bits(self) -> int:
        value = self.cum(BYPASS_BITS)
        self.advance(value, 1, BYPASS_BITS)
        return value


def decode_stream(
    data: bytes,
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
    decoder: type | None = None,
) -> list[int]:
    """Symbols of one stream; skipped elements decode to 0. ``decoder``: the format's
    StreamDecoder class (default: this module's, the `compressai` format)."""
    dec = (decoder or StreamDecoder)(data)
    out = dec.decode(indexes, cdfs, cdf_lengths, offsets, skip_below)
    if not dec.finished():
        raise ValueError("stream is corrupt, or was not encoded with these indexes and tables")
    return out


class StreamDecoder(_Decoder):
    """Decodes one `compressai`-format stream piece by piece, as CompressAI's
    ``RansDecoder.set_stream`` + ``decode_stream`` do (autoregressive models decode a few
    symbols at a time, their indexes depending on what came before)."""

    def decode(self, indexes, cdfs, cdf_lengths, offsets, skip_below: int = -1) -> list[int]:
        out = []
        for r in indexes:
            _check_index(r, len(cdfs))
            if r < skip_below:
                out.append(0)
                continue
            row, top = cdfs[r], cdf_lengths[r] - 2
            s = bisect.bisect_right(row, self.cum(PRECISION), 0, cdf_lengths[r]) - 1
            self.advance(row[s], row[s + 1] - row[s], PRECISION)
            if s < top:
                out.append(s + offsets[r])
                continue
            count = self.bits()
            if count > MAX_NIBBLES:
                raise ValueError("stream is corrupt: impossible bypass length")
            out.append(_unmap(sum(self.bits() << (BYPASS_BITS * j) for j in range(count)), top, offsets[r]))
        return out

    def finished(self) -> bool:
        """True when the whole stream was read and the state is back at its start value."""
        return self.x == LOWER and self.pos == len(self.words)


def _rows(t: torch.Tensor) -> list[list[int]]:
    """(B, N) or (N,) tensor as B lists."""
    return (t.reshape(1, -1) if t.dim() == 1 else t).tolist()


def _table_lists(cdf: torch.Tensor, cdf_length: torch.Tensor, offset: torch.Tensor):
    return cdf.tolist(), cdf_length.tolist(), offset.tolist()


def _format_module(format: str):
    from . import reference_compact, reference_interleaved, reference_range

    modules = {"compressai": sys.modules[__name__], "interleaved": reference_interleaved, "compact": reference_compact,
               "range": reference_range}
    if format not in modules:
        raise ValueError(f"format must be one of {tuple(modules)}, got {format!r}")
    return modules[format]


def rans_encode(symbols, indexes, cdf, cdf_length, offset, skip_below: int = -1, format: str = "compressai",
                lanes: int | None = None, chunk_size: int = 1 << 16):
    """Same contract as :func:`ecc.ops.rans_encode`: (B, N) or (N,) int32 -> (data, sizes)."""
    tables = _table_lists(cdf, cdf_length, offset)
    extra = {"lanes": lanes, "chunk_size": chunk_size} if format == "interleaved" else {}
    encode = _format_module(format).encode_stream
    rows_s, rows_i = _rows(symbols), _rows(indexes)
    streams = [encode(s, i, *tables, skip_below, **extra) for s, i in zip(rows_s, rows_i)]
    data = torch.from_numpy(np.frombuffer(b"".join(streams), dtype=np.uint8).copy())  # empty-safe, unlike frombuffer
    return data, torch.tensor([len(s) for s in streams], dtype=torch.int64)


def rans_decode(data, sizes, indexes, cdf, cdf_length, offset, skip_below: int = -1, format: str = "compressai"):
    """Same contract as :func:`ecc.ops.rans_decode`: returns int32 symbols shaped like indexes."""
    tables = _table_lists(cdf, cdf_length, offset)
    decode = _format_module(format).decode_stream
    raw, rows, out, start = bytes(data.tolist()), _rows(indexes), [], 0
    for size, row in zip(sizes.tolist(), rows):
        out.append(decode(raw[start : start + size], row, *tables, skip_below))
        start += size
    return torch.tensor(out, dtype=torch.int32).reshape(indexes.shape)


def pmf_to_quantized_cdf(pmf: Sequence[float]) -> list[int]:
    """CompressAI's ``pmf_to_quantized_cdf`` at 16-bit precision (``pmf`` as float32 values)."""
    freq = [int(p * (1 << PRECISION) + 0.5) for p in pmf]  # std::round (p >= 0); exact in double
    total = sum(freq)
    cdf = [0]
    for f in freq:
        cdf.append(cdf[-1] + ((1 << PRECISION) * f) // total)
    cdf[-1] = 1 << PRECISION
    for i in range(len(cdf) - 1):  # zero frequencies steal from the smallest one > 1
        if cdf[i] == cdf[i + 1]:
            gaps = [(cdf[j + 1] - cdf[j], j) for j in range(len(cdf) - 1) if cdf[j + 1] - cdf[j] > 1]
            _, steal = min(gaps)
            if steal < i:
                for j in range(steal + 1, i + 1):
                    cdf[j] -= 1
            else:
                for j in range(i + 1, steal + 1):
                    cdf[j] += 1
    return cdf


def gaussian_cdf_table(scales: torch.Tensor):
    """CompressAI's ``GaussianConditional.update()`` tables, as :func:`ecc.ops.gaussian_cdf_table`.

    The same float32 torch operations on the same [S, max_length] matrix as CompressAI, so it
    inherits torch's erfc exactly as CompressAI does (MKL's vmsErfc in x86 wheels, SLEEF
    elsewhere). The native op uses SLEEF's algorithm on every device; see docs/format.md.
    """
    scales = scales.float().cpu()
    center = torch.ceil(scales * TAIL_MULTIPLIER).int()
    length = 2 * center + 1
    samples = (torch.arange(int(length.max())).int() - center[:, None]).abs().float()

    def cumulative(t):
        return 0.5 * torch.erfc(-(2**-0.5) * t)

    upper = cumulative((0.5 - samples) / scales[:, None])
    lower = cumulative((-0.5 - samples) / scales[:, None])
    pmf, tail = (upper - lower).tolist(), (2 * lower[:, 0]).tolist()
    rows = [pmf_to_quantized_cdf(p[:n] + [t]) for p, n, t in zip(pmf, length.tolist(), tail)]
    cdf = torch.zeros(len(rows), int(length.max()) + 2, dtype=torch.int32)
    for r, row in enumerate(rows):
        cdf[r, : len(row)] = torch.tensor(row, dtype=torch.int32)
    return cdf, length + 2, -center
