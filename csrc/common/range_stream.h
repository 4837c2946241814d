// The `range` stream format: an arithmetic range coder (LZMA's carry handling) with a minimal
// termination and no header, for short streams (a streaming packet's ~150 items, where the
// `compact` format's rANS start-up and flush waste ~16 bits). docs/format.md has the layout.
//
// Items are the `compressai` format's (slot (start, freq) at 16 bits, escapes as a 4-bit nibble
// count and nibbles, entropy skip), put in DECODING order (compressai_stream.h put_elements
// <kForward>), so a stream can be decoded in parts.
//
// Encoder. low (33 bits used), range in [2^24, 2^32) between items (0xFFFFFFFF at the start).
//   put(start, freq, bits):  r = range >> bits; low += r * start; range = r * freq;
//                            while range < 2^24: range <<= 8, shift_low()
// shift_low is LZMA's rc_shift_low: the byte above the window waits in `cache` (with a run of
// cache_size - 1 pending 0xFF bytes) until a carry out of bit 32 can no longer reach it. The
// stream is the number these bytes spell, big-endian. Its first byte is always 0 (the coded value
// stays below the initial low + range = 2^32 - 1 in units of the initial window), so it is not
// written. start + freq <= 2^bits keeps r * (start + freq) <= range: no item leaves the interval.
// Termination: v = the value in the final [low, low + range) with the most trailing zero bits;
// low = v, 5 shift_lows flush it, and every trailing 0x00 byte is dropped (the empty stream is 0
// bytes; a stream never ends in 0x00).
//
// Decoder. code = the stream's first 4 bytes big-endian, range = 0xFFFFFFFF; bytes past the end
// read as 0 (they are the dropped zeros). An item: r = range >> bits, value = code / r (below
// 2^bits in a valid stream; larger is corruption, clamped for the lookup and reported), find the
// slot, code -= r * start, range = r * freq, while range < 2^24: code = code << 8 | next byte,
// range <<= 8. code < range holds after every item that was not reported corrupt.
//
// Why a valid stream passes the checks at finish (every real byte read, last byte not 0x00, the
// final interval as the termination leaves it). The encoder emits one byte per shift_low: N
// (normalisations) + 5 (flush), the first dropped. The decoder's normalisations mirror the
// encoder's (range evolves identically), so after the last item it has read 4 + N bytes (zeros
// past the end included): the whole untrimmed stream, so at least the trimmed one's size.
// Trailing zeros were dropped, so the last byte is not 0. Its code register then holds v - low
// and the last 4 bytes read are v's low 32 bits, so canonical_end sees the encoder's choice of v.
// A truncated stream reads zeros in place of the cut bytes: it may decode to other symbols
// without an error (as in any arithmetic coder without a checksum); the canonical-end check
// catches part of such damage (on 150-symbol Gaussian streams, 27-31% of single-byte changes
// against 4% without it).
#pragma once

#include <stdint.h>

#include "compressai_stream.h"
#include "escape.h"
#include "macros.h"
#include "rans64.h"
#include "tables.h"

namespace ecc {
namespace range_stream {

// Statuses and decoder positions are those of the `compressai` format. A started position (x, pos)
// holds x = range << 32 | code (range >= 2^24, so x != 0; code < range) and pos = the bytes read,
// the zeros past the end included (at least 4: the first code; past size once the virtual zeros
// are reached). x == 0 (then pos == 0): not started.
using compressai_stream::DecodePosition;
using compressai_stream::Status;
using compressai_stream::kBadState;
using compressai_stream::kCorrupt;
using compressai_stream::kOk;
using compressai_stream::kOutputOverflow;

constexpr uint32_t kTop = 1u << 24;  // range's lower bound between items
constexpr uint32_t kFull = 0xFFFFFFFFu;
constexpr int kCodeBytes = 4;

// Worst-case bytes of one stream of n elements. range stays in [2^24, 2^32) between items and
// each normalisation multiplies it by 2^8, so 8 N < the bits all puts take off range, and the
// stream is at most N + 4 bytes (N + 5 emitted, the first dropped). A put takes off log2(range /
// ((range >> bits) * freq)) <= bits - log2(freq) + log2(1 / (1 - 2^bits / 2^24)): <= 16.006 for a
// slot, <= 4.000001 for a nibble; an element (slot, count, 8 nibbles) < 53 bits.
ECC_HOST_DEVICE int64_t max_bytes(int64_t n) { return (n * 53 + 7) / 8 + kCodeBytes; }

// The slot start of an encoder symbol (rans64.h folds 2^16 - 1 into a freq-1 symbol's bias).
ECC_HOST_DEVICE uint32_t start_of(const rans64::EncSymbol& s) {
  return s.freq == 1 ? s.bias - ((1u << kPrecision) - 1) : s.bias;
}

// The coder of the element walk, writing forwards into [row, row + capacity); `overflow` instead
// of writing past it. `emitted` counts the bytes shift_low gave, the first (always 0) unwritten.
struct Encoder {
  uint64_t low;
  uint32_t range;
  uint8_t cache;
  int64_t cache_size;
  uint8_t* row;
  int64_t capacity;
  int64_t emitted;
  bool overflow;

  ECC_HOST_DEVICE void emit(uint8_t byte) {
    if (emitted > capacity) {
      overflow = true;
    } else if (emitted > 0) {
      row[emitted - 1] = byte;
    }
    ++emitted;
  }
  // LZMA's rc_shift_low: the window's top byte goes to the cache once no carry can reach it.
  ECC_HOST_DEVICE void shift_low() {
    if (static_cast<uint32_t>(low) < 0xFF000000u || (low >> 32) != 0) {
      const uint8_t carry = static_cast<uint8_t>(low >> 32);
      emit(static_cast<uint8_t>(cache + carry));
      for (; cache_size > 1; --cache_size) emit(static_cast<uint8_t>(0xFF + carry));
      cache = static_cast<uint8_t>(low >> 24);
      cache_size = 0;
    }
    ++cache_size;
    low = (low & 0x00FFFFFFu) << 8;
  }
  ECC_HOST_DEVICE void encode(uint32_t start, uint32_t freq, int bits) {
    const uint32_t r = range >> bits;
    low += static_cast<uint64_t>(r) * start;
    range = r * freq;
    while (range < kTop) {
      range <<= 8;
      shift_low();
    }
  }
  ECC_HOST_DEVICE void put(const rans64::EncSymbol& s) { encode(start_of(s), s.freq, kPrecision); }
  ECC_HOST_DEVICE void put_bits(uint32_t value) { encode(value, 1, escape::kBypassBits); }

  // The minimal termination: the value with the most trailing zeros (k <= 33: low + range < 2^33),
  // flushed; returns the stream's size without its trailing zeros.
  ECC_HOST_DEVICE int64_t finish() {
    const uint64_t end = low + range;
    for (int k = 33; k >= 0; --k) {
      const uint64_t v = ((low + (1ull << k) - 1) >> k) << k;
      if (v < end) {
        low = v;
        break;
      }
    }
    for (int i = 0; i < 5; ++i) shift_low();
    int64_t size = emitted - 1;
    if (size > capacity) return 0;  // overflowed: the caller reports it
    while (size > 0 && row[size - 1] == 0) --size;
    return size;
  }
};

// Reads forwards from data[pos, size), then virtual zeros; pos counts both.
struct Decoder {
  uint32_t code;
  uint32_t range;
  const uint8_t* data;
  int64_t size;
  int64_t pos;
  bool corrupt;

  ECC_HOST_DEVICE uint32_t next_byte() {
    const uint32_t byte = pos < size ? data[pos] : 0;
    ++pos;
    return byte;
  }
  ECC_HOST_DEVICE uint32_t value(int bits) {
    const uint32_t v = code / (range >> bits);  // range >> bits >= 2^8
    const uint32_t top = (1u << bits) - 1;
    if (v > top) corrupt = true;
    return v > top ? top : v;
  }
  ECC_HOST_DEVICE void decode(uint32_t start, uint32_t freq, int bits) {
    const uint32_t r = range >> bits;
    code -= r * start;  // start <= value <= code / r: no wrap
    range = r * freq;
    if (range == 0) {  // freq == 0 (mod 2^32): only from a cdf row changed after it was prepared
      corrupt = true;
      range = kTop;
    }
    while (range < kTop) {
      code = (code << 8) | next_byte();
      range <<= 8;
    }
  }
  ECC_HOST_DEVICE uint32_t cum() { return value(kPrecision); }
  ECC_HOST_DEVICE void advance(uint32_t start, uint32_t freq) { decode(start, freq, kPrecision); }
  ECC_HOST_DEVICE uint32_t get_bits() {
    const uint32_t v = value(escape::kBypassBits);
    decode(v, 1, escape::kBypassBits);
    return v;
  }
  ECC_HOST_DEVICE Status error() const { return corrupt ? kCorrupt : kOk; }
};

// Encodes elements [0, n) of one stream into a row of `capacity` bytes (max_bytes(n)): on kOk the
// stream is the first *size bytes of the row (the bytes after it are left as they were, or 0);
// else *size = 0.
ECC_HOST_DEVICE Status encode_stream_to_row(const int32_t* symbols, const int32_t* indexes, int64_t n,
                                           int32_t skip_below, const EncodeTables& t, uint8_t* row,
                                           int64_t capacity, int64_t* size) {
  Encoder c{0, kFull, 0, 1, row, capacity, 0, false};
  *size = 0;
  const Status s = compressai_stream::put_elements<true>(c, symbols, indexes, n, skip_below, t);
  if (s != kOk) return s;
  const int64_t bytes = c.finish();
  if (c.overflow) return kOutputOverflow;
  *size = bytes;
  return kOk;
}

// Whether the decoder's final (code, range), with the stream's bytes [pos - 4, pos) (zeros past the
// end) as the low 32 bits of the coded value v, is how the encoder terminates: v = low + code has
// the most trailing zeros k in [low, low + range), so neither v - 2^k nor v + 2^k lies in it:
// code < 2^k and range - code <= 2^k. (v's low 32 bits all zero: k >= 32, nothing to check.) A
// free, partial check: damage that still decodes passes it only when the final interval happens
// to contain no multiple of 2^(k+1).
ECC_HOST_DEVICE bool canonical_end(const uint8_t* data, int64_t size, int64_t pos, uint32_t code, uint32_t range) {
  uint32_t window = 0;
  for (int64_t i = pos - kCodeBytes; i < pos; ++i) window = (window << 8) | (i >= 0 && i < size ? data[i] : 0);
  if (window == 0) return true;
  int k = 0;
  while (!((window >> k) & 1u)) ++k;
  const uint64_t step = uint64_t{1} << k;
  return code < step && range - code <= step;
}

// Decodes the next n elements of one stream of `size` bytes into out[0, n), from *at (x == 0: the
// start of the stream) and leaves *at after them, as compressai_stream::decode_part. With `finish`
// the stream must end there: every real byte read, no trailing 0x00 (the encoder drops them), and
// the final interval as the termination leaves it (canonical_end).
ECC_HOST_DEVICE Status decode_part(const uint8_t* data, int64_t size, DecodePosition* at,
                                   const int32_t* indexes, int64_t n, int32_t skip_below,
                                   const DecodeTables& t, int32_t* out, bool finish) {
  const bool started = at->x != 0;
  const uint32_t range = static_cast<uint32_t>(at->x >> 32), code = static_cast<uint32_t>(at->x);
  if (started ? (range < kTop || code >= range || at->pos < kCodeBytes) : at->pos != 0) return kBadState;
  Decoder c{code, range, data, size, at->pos, false};
  if (!started) {
    c.range = kFull;
    for (int i = 0; i < kCodeBytes; ++i) c.code = (c.code << 8) | c.next_byte();
  }
  const Status s = compressai_stream::get_elements(c, indexes, n, skip_below, t, out);
  if (s != kOk) return s;
  at->x = static_cast<uint64_t>(c.range) << 32 | c.code;
  at->pos = c.pos;
  if (finish && (c.pos < size || (size > 0 && data[size - 1] == 0) || !canonical_end(data, size, c.pos, c.code, c.range))) {
    return kCorrupt;
  }
  return kOk;
}

}  // namespace range_stream
}  // namespace ecc
