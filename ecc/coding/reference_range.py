"""Pure-Python reference of the `range` stream format (the oracle of the native coder).

The `compressai` format's items (:mod:`ecc.coding.reference`) coded in decoding order by a range
coder: range in [2^24, 2^32) between items, an item (start, freq, bits) takes
``r = range >> bits; low += r * start; range = r * freq`` and shifts out bytes while range < 2^24.
Here ``low`` is one unbounded integer (the carry propagates by itself); the C++ coder keeps a
33-bit window with LZMA's cache instead, for the same bytes. The stream is the value in the final
interval with the most trailing zero bits, big-endian, less its first byte (always 0) and its
trailing zero bytes; the decoder reads zeros past the end. See docs/format.md and
csrc/common/range_stream.h.
"""

from __future__ import annotations

from typing import Sequence

from . import reference
from .reference import _items

TOP = 1 << 24  # range's lower bound between items
FULL = (1 << 32) - 1  # the initial range
CODE_BYTES = 4


def _narrow(low: int, range_: int, start: int, freq: int, bits: int) -> tuple[int, int, int]:
    """(low, range, bytes shifted out) after one item."""
    r = range_ >> bits
    low, range_, shifts = low + r * start, r * freq, 0
    while range_ < TOP:
        low, range_, shifts = low << 8, range_ << 8, shifts + 1
    return low, range_, shifts


def encode_stream(
    symbols: Sequence[int],
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
) -> bytes:
    """One `range`-format stream."""
    low, range_, shifts = 0, FULL, 0
    for item in _items(symbols, indexes, cdfs, cdf_lengths, offsets, skip_below):
        low, range_, n = _narrow(low, range_, *item)
        shifts += n
    k = (low + range_).bit_length()  # the value in [low, low + range) with the most trailing zeros
    while (v := -(-low >> k) << k) >= low + range_:
        k -= 1
    return v.to_bytes(CODE_BYTES + shifts, "big").rstrip(b"\0")


class StreamDecoder(reference.StreamDecoder):
    """Decodes one `range`-format stream piece by piece (``decode``, then ``finished``)."""

    def __init__(self, data: bytes):
        self.data, self.pos, self.range = bytes(data), 0, FULL
        self.code = int.from_bytes(bytes(self._next() for _ in range(CODE_BYTES)), "big")

    def _next(self) -> int:
        """The next byte; 0 past the end (the dropped zeros)."""
        self.pos += 1
        return self.data[self.pos - 1] if self.pos <= len(self.data) else 0

    def cum(self, bits: int) -> int:
        value = self.code // (self.range >> bits)
        if value >> bits:
            raise ValueError("stream is corrupt: a value outside the coder's interval")
        return value

    def advance(self, start: int, freq: int, bits: int) -> None:
        r = self.range >> bits
        self.code, self.range = self.code - r * start, r * freq
        while self.range < TOP:
            self.code, self.range = (self.code << 8) | self._next(), self.range << 8

    def finished(self) -> bool:
        """True when every byte was read, the stream does not end in 0 (the encoder drops them)
        and the final interval is as the termination leaves it: the coded value v (its low 32 bits
        are the last 4 bytes read) has the most trailing zeros k in it, so it holds neither
        v - 2^k nor v + 2^k."""
        window = int.from_bytes(self.data[self.pos - CODE_BYTES:self.pos].ljust(CODE_BYTES, b"\0"), "big") \
            if self.pos - CODE_BYTES < len(self.data) else 0
        step = window & -window  # 2^k; 0 when the low 32 bits are all zero (k >= 32: nothing to check)
        canonical = not step or (self.code < step and self.range - self.code <= step)
        return self.pos >= len(self.data) and not self.data.endswith(b"\0") and canonical


def decode_stream(
    data: bytes,
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
) -> list[int]:
    """Symbols of one `range`-format stream; skipped elements decode to 0."""
    return reference.decode_stream(data, indexes, cdfs, cdf_lengths, offsets, skip_below, decoder=StreamDecoder)
