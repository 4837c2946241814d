"""Pure-Python reference of the `interleaved` stream format (the oracle of the native coders).

L rANS lanes per chunk with 32-bit states in [2^16, 2^32) and 16-bit words; element p of a chunk
is on lane p mod L. Per group of L elements the encoder puts items from the highest decoding
position d down to d = 0 (slot), lanes in ascending order; the decoder walks groups backwards
and reads each round's words as one block from the end of the chunk. See docs/format.md.
"""

from __future__ import annotations

import bisect
import struct
from typing import Sequence

from .reference import BYPASS_BITS, MAX_NIBBLES, PRECISION, _check_index, _element_items, _unmap

VERSION = 1
LOWER = 1 << 16
WORD_MASK = 0xFFFF
LANES = (1, 4, 8, 16, 32)


def auto_lanes(elements: int) -> int:
    """Lanes for a chunk of ``elements``: the most lanes that each carry >= 2048 elements."""
    return next((lanes for lanes in reversed(LANES) if elements >= 2048 * lanes), 1)


def _encode_chunk(symbols, indexes, lanes, tables, skip_below):
    x, words = [LOWER] * lanes, []
    for g0 in range(0, len(symbols), lanes):
        lane_items = []
        for p in range(g0, min(g0 + lanes, len(symbols))):
            r = indexes[p]
            _check_index(r, len(tables[0]))
            lane_items.append(_element_items(symbols[p], r, *tables) if r >= skip_below else [])
        for d in reversed(range(max(map(len, lane_items)))):
            for lane, items in enumerate(lane_items):
                if len(items) > d:
                    start, freq, bits = items[d]
                    if x[lane] >= ((LOWER >> bits) << 16) * freq:
                        words.append(x[lane] & WORD_MASK)
                        x[lane] >>= 16
                    x[lane] = ((x[lane] // freq) << bits) + x[lane] % freq + start
    return x, words


def encode_stream(
    symbols: Sequence[int],
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
    lanes: int | None = None,
    chunk_size: int = 1 << 16,
) -> bytes:
    """One `interleaved`-format stream (``lanes=None``: chosen from the chunk length)."""
    n, tables = len(symbols), (cdfs, cdf_lengths, offsets)
    lanes = lanes or auto_lanes(min(n, chunk_size))
    chunks = [_encode_chunk(symbols[c : c + chunk_size], indexes[c : c + chunk_size], lanes, tables, skip_below)
              for c in range(0, max(n, 1), chunk_size)]
    out = struct.pack("<4B", VERSION, lanes, chunk_size.bit_length() - 1, 0)
    out += struct.pack(f"<{len(chunks) - 1}I", *(len(words) for _, words in chunks[:-1]))
    for states, words in chunks:
        out += struct.pack(f"<{lanes}I{len(words)}H", *states, *words)
    return out


class _ChunkDecoder:
    """The lanes of one chunk; words are read in blocks from the end."""

    def __init__(self, states: list[int], words: Sequence[int]):
        self.x, self.words, self.cursor = states, words, len(words)

    def refill(self, lanes: list[int]) -> None:
        """Lanes (ascending) whose state fell below 2^16 take the block of words below the cursor."""
        need = [lane for lane in lanes if self.x[lane] < LOWER]
        start = self.cursor - len(need)
        if start < 0:
            raise ValueError("stream is truncated: decoding needs more bytes than its size")
        for k, lane in enumerate(need):
            self.x[lane] = (self.x[lane] << 16) | self.words[start + k]
        self.cursor = start

    def bits(self, lane: int) -> int:
        value = self.x[lane] & 15
        self.x[lane] >>= BYPASS_BITS
        return value


def _decode_chunk(dec, indexes, lanes, tables, skip_below, out):
    cdfs, cdf_lengths, offsets = tables
    for g0 in reversed(range(0, len(indexes), lanes)):
        slots = {}
        for lane, r in enumerate(indexes[g0 : g0 + lanes]):
            _check_index(r, len(cdfs))
            if r < skip_below:
                out[g0 + lane] = 0
                continue
            row, x = cdfs[r], dec.x[lane]
            s = bisect.bisect_right(row, x & WORD_MASK, 0, cdf_lengths[r]) - 1
            dec.x[lane] = (row[s + 1] - row[s]) * (x >> PRECISION) + (x & WORD_MASK) - row[s]
            slots[lane] = s
        dec.refill(sorted(slots))
        escaped = [lane for lane, s in slots.items() if s == cdf_lengths[indexes[g0 + lane]] - 2]
        counts, raws = {}, {lane: 0 for lane in escaped}
        if escaped:
            counts = {lane: dec.bits(lane) for lane in escaped}
            if max(counts.values()) > MAX_NIBBLES:
                raise ValueError("stream is corrupt: impossible bypass length")
            dec.refill(escaped)
        for j in range(max(counts.values(), default=0)):
            busy = [lane for lane in escaped if counts[lane] > j]
            for lane in busy:
                raws[lane] |= dec.bits(lane) << (BYPASS_BITS * j)
            dec.refill(busy)
        for lane, s in slots.items():
            r = indexes[g0 + lane]
            top = cdf_lengths[r] - 2
            out[g0 + lane] = _unmap(raws[lane], top, offsets[r]) if lane in raws else s + offsets[r]
    if any(x != LOWER for x in dec.x) or dec.cursor:
        raise ValueError("stream is corrupt, or was not encoded with these indexes and tables")


def decode_stream(
    data: bytes,
    indexes: Sequence[int],
    cdfs: Sequence[Sequence[int]],
    cdf_lengths: Sequence[int],
    offsets: Sequence[int],
    skip_below: int = -1,
) -> list[int]:
    """Symbols of one `interleaved`-format stream; skipped elements decode to 0."""
    if len(data) < 4:
        raise ValueError("stream is too short for an `interleaved` header")
    version, lanes, log2, reserved = data[:4]
    if version != VERSION or lanes not in LANES or not 5 <= log2 <= 24 or reserved:
        raise ValueError("stream has no valid `interleaved` header")
    n, chunk_size = len(indexes), 1 << log2
    chunks = max(1, -(-n // chunk_size))
    pos = 4 + 4 * (chunks - 1)
    if len(data) < pos + 4 * lanes * chunks:
        raise ValueError("stream is truncated: decoding needs more bytes than its size")
    sizes = list(struct.unpack_from(f"<{chunks - 1}I", data, 4))
    rest = len(data) - pos - 4 * lanes * chunks - 2 * sum(sizes)
    if rest < 0 or rest % 2:
        raise ValueError("stream is corrupt: its chunk table does not match its size")
    out = [0] * n
    for c, words in enumerate(sizes + [rest // 2]):
        states = list(struct.unpack_from(f"<{lanes}I", data, pos))
        chunk_words = struct.unpack_from(f"<{words}H", data, pos + 4 * lanes)
        part = slice(c * chunk_size, min(n, (c + 1) * chunk_size))
        decoded = [0] * (part.stop - part.start)
        _decode_chunk(_ChunkDecoder(states, chunk_words), indexes[part], lanes, (cdfs, cdf_lengths, offsets),
                      skip_below, decoded)
        out[part] = decoded
        pos += 4 * lanes + 2 * words
    return out
