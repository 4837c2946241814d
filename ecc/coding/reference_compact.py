"""Pure-Python reference of the `compact` stream format (the oracle of the native coder).

The `compressai` format's items and order (:mod:`ecc.coding.reference`: the encoder puts them in
reverse, the decoder reads them forwards, so a stream decodes in parts) on one 32-bit rANS state
with 16-bit words, started at x = 1 instead of the lower bound L = 2^16, so no state bits are
wasted. Below L the encoder never emits a word, so the decoder reads a word only when its state
is below L *and* words remain. The stream is the final state (3 bytes little-endian if below
2^24, else 4; the decoder tells which from the stream's parity) and the words in reading order.
See docs/format.md and csrc/common/compact_stream.h for why this is exact.
"""

from __future__ import annotations

import struct
from typing import Sequence

from . import reference
from .reference import _items

INITIAL = 1
LOWER = 1 << 16
SHORT_STATE = 1 << 24  # final states below it take 3 bytes


def encode_stream(
    symbols: Sequence[int],
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
) -> bytes:
    """One `compact`-format stream."""
    x, words = reference.put_items(_items(symbols, indexes, cdfs, cdf_lengths, offsets, skip_below), INITIAL, LOWER, 16)
    state = x.to_bytes(3 if x < SHORT_STATE else 4, "little")
    return state + struct.pack(f"<{len(words)}H", *reversed(words))


class StreamDecoder(reference.StreamDecoder):
    """Decodes one `compact`-format stream piece by piece (``decode``, then ``finished``)."""

    def __init__(self, data: bytes):
        if len(data) < 3:
            raise ValueError(f"a `compact` stream has at least 3 bytes, got {len(data)}")
        head = 3 if len(data) % 2 else 4
        self.x = int.from_bytes(data[:head], "little")
        if head == 4 and self.x < SHORT_STATE:
            raise ValueError("stream is corrupt: a 4-byte final state below 2^24")
        self.words = struct.unpack(f"<{(len(data) - head) // 2}H", data[head:])
        self.pos = 0

    def advance(self, start: int, freq: int, bits: int) -> None:
        self.x = freq * (self.x >> bits) + (self.x & ((1 << bits) - 1)) - start
        if self.x < LOWER and self.pos < len(self.words):
            self.x = (self.x << 16) | self.words[self.pos]
            self.pos += 1

    def finished(self) -> bool:
        return self.x == INITIAL and self.pos == len(self.words)


def decode_stream(
    data: bytes,
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
) -> list[int]:
    """Symbols of one `compact`-format stream; skipped elements decode to 0."""
    return reference.decode_stream(data, indexes, cdfs, cdf_lengths, offsets, skip_below, decoder=StreamDecoder)
