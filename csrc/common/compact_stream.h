// The `compact` stream format: one rans32 chain per stream with no header and a flush of 3 or 4
// bytes, for short streams (a streaming packet's ~100 symbols). docs/format.md has the layout:
//
//   stream = final state (u24 LE if x < 2^24, else u32 LE) | u16 LE words, in reading order
//
// The decoder tells the state's width from the stream's parity (words are 2 bytes), so a
// stream is at least 3 bytes (the empty stream is 01 00 00). Elements, escapes and skips are
// walked exactly as the `compressai` format walks them (compressai_stream.h put_elements /
// get_elements: the encoder puts elements last to first, the decoder reads them first to last),
// so a stream can be decoded in parts.
//
// Why the initial state x0 = 1 (not L = 2^16) is exact. rans32 puts emit a word only when
// x >= freq << 16 >= 2^16 = L, and C(s, x) = (x div freq) << 16 | (x mod freq) + start stays
// below 2^32 for x < freq << 16 (rans32::put is exact for every x >= 1). Starting at 1, the
// encoder first grows x without emitting (C(s, x) >= x >= 1) until x >= L; from then on x >= L
// after every put: after an emission x >= freq, so C(s, x) >= 2^16; without one x >= L already.
// The decoder rule "after a step, if x < L and words remain, read a word" therefore mirrors
// the encoder: undoing a put that emitted leaves x = x_before >> 16 < 2^16 with that word still
// unread; undoing a put that did not emit leaves x = x_before, which is >= L unless the put was
// in the growth phase; and the growth phase comes first in encoding order, last in decoding
// order, after every emitted word has been read, so no word remains to be read there. A correct
// stream ends with x == 1 and every byte read. Truncation cannot be told from corruption (the
// rule just stops reading), so both end as kCorrupt. Cost: the flush wastes ~4 bits on average
// against ~6 bytes for `compressai`.
#pragma once

#include <stdint.h>

#include "compressai_stream.h"
#include "macros.h"
#include "rans32.h"
#include "tables.h"

namespace ecc {
namespace compact_stream {

// Statuses and decoder positions are those of the `compressai` format (the host reports both
// alike). A position (x, pos) is started when pos != 0 (x may legitimately be small, even 0 in a
// stream that turns out corrupt): then pos is the state's width plus a whole number of words.
using compressai_stream::DecodePosition;
using compressai_stream::Status;
using compressai_stream::kBadSize;
using compressai_stream::kBadState;
using compressai_stream::kCorrupt;
using compressai_stream::kOk;
using compressai_stream::kOutputOverflow;

constexpr uint32_t kInitial = 1;
constexpr int64_t kMinBytes = 3;
constexpr uint32_t kShortState = 1u << 24;  // states below it flush in 3 bytes

// Bytes of the flushed state of a stream of `size` bytes (odd: 3, even: 4).
ECC_HOST_DEVICE int64_t state_bytes(int64_t size) { return size % 2 != 0 ? 3 : 4; }

// Worst-case bytes of one stream of n elements. Count 16 bits per word plus log2(x): below L no
// word is emitted, and the put that first reaches L leaves x < 2^32 (< 32 bits so far). After
// that x >= freq after renormalisation, so a slot put adds < 17 bits (C(s, x) < 2^17 x / freq);
// a bypass put x << 4 | v with x >= 2^12 adds < 4.001; so an element (slot, count, 8 nibbles)
// adds < 53.01 bits, and words <= (32 + 54 n) / 16. Plus the 4-byte state.
ECC_HOST_DEVICE int64_t max_bytes(int64_t n) { return 4 + 2 * ((n * 54 + 15) / 16 + 2); }

ECC_HOST_DEVICE uint32_t load_le(const uint8_t* p, int64_t bytes) {
  uint32_t v = 0;
  for (int64_t k = 0; k < bytes; ++k) v |= static_cast<uint32_t>(p[k]) << (8 * k);
  return v;
}

ECC_HOST_DEVICE void store_le(uint8_t* p, uint32_t v, int64_t bytes) {
  for (int64_t k = 0; k < bytes; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}

// The coder of the element walk. Words go backwards into [begin, ptr); `overflow` instead of
// writing below begin.
struct Encoder {
  uint32_t x;
  uint8_t* ptr;
  uint8_t* begin;
  bool overflow;

  ECC_HOST_DEVICE void renormalise(bool emit) {
    if (!emit) return;
    if (ptr - begin < 2) {
      overflow = true;
    } else {
      ptr -= 2;
      store_le(ptr, x & rans32::kWordMask, 2);
    }
    x >>= 16;
  }
  ECC_HOST_DEVICE void put(const rans64::EncSymbol& s) {
    renormalise(rans32::put_needs_word(x, s.freq));
    x = rans32::put(x, s);
  }
  ECC_HOST_DEVICE void put_bits(uint32_t value) {
    renormalise(rans32::put_bits_needs_word(x));
    x = rans32::put_bits(x, value);
  }
};

// Words are read forwards from [ptr, end), which holds a whole number of words.
struct Decoder {
  uint32_t x;
  const uint8_t* ptr;
  const uint8_t* end;

  ECC_HOST_DEVICE void refill() {
    if (rans32::needs_word(x) && end - ptr >= 2) {
      x = (x << 16) | load_le(ptr, 2);
      ptr += 2;
    }
  }
  ECC_HOST_DEVICE uint32_t cum() const { return x & rans32::kWordMask; }
  ECC_HOST_DEVICE void advance(uint32_t start, uint32_t freq) {
    x = rans32::advance(x, start, freq);
    refill();
  }
  ECC_HOST_DEVICE uint32_t get_bits() {
    const uint32_t value = rans32::get_bits(x);
    refill();
    return value;
  }
  ECC_HOST_DEVICE Status error() const { return kOk; }
};

// Encodes elements [0, n) of one stream into the bytes just below `end` (never below `begin`).
// On kOk, *first points at the first byte of the stream, which ends at `end`.
ECC_HOST_DEVICE Status encode_stream(const int32_t* symbols, const int32_t* indexes, int64_t n,
                                     int32_t skip_below, const EncodeTables& t, uint8_t* begin,
                                     uint8_t* end, uint8_t** first) {
  Encoder c{kInitial, end, begin, false};
  const Status s = compressai_stream::put_elements(c, symbols, indexes, n, skip_below, t);
  if (s != kOk) return s;
  const int64_t bytes = c.x < kShortState ? 3 : 4;
  if (c.overflow || c.ptr - begin < bytes) return kOutputOverflow;
  c.ptr -= bytes;
  store_le(c.ptr, c.x, bytes);
  *first = c.ptr;
  return kOk;
}

// encode_stream into a padded row of `capacity` bytes (max_bytes(n)), moved to the row's start:
// on kOk the stream is the first *size bytes of the row; else *size = 0. The move is a forward
// copy to lower addresses, safe in place.
ECC_HOST_DEVICE Status encode_stream_to_row(const int32_t* symbols, const int32_t* indexes, int64_t n,
                                           int32_t skip_below, const EncodeTables& t, uint8_t* row,
                                           int64_t capacity, int64_t* size) {
  uint8_t* first = nullptr;
  const Status s = encode_stream(symbols, indexes, n, skip_below, t, row, row + capacity, &first);
  *size = s == kOk ? compressai_stream::move_to_row_start(row, capacity, first) : 0;
  return s;
}

// Decodes the next n elements of one stream of `size` bytes into out[0, n), from *at (pos == 0:
// the start of the stream) and leaves *at after them, as compressai_stream::decode_part. With
// `finish` the stream must end there: final state 1, every byte read. A 4-byte state below 2^24
// is not how the encoder writes it: kCorrupt.
ECC_HOST_DEVICE Status decode_part(const uint8_t* data, int64_t size, DecodePosition* at,
                                   const int32_t* indexes, int64_t n, int32_t skip_below,
                                   const DecodeTables& t, int32_t* out, bool finish) {
  if (size < kMinBytes) return kBadSize;
  const int64_t head = state_bytes(size);
  const bool started = at->pos != 0;
  if (started ? (at->x >> 32 || at->pos < head || at->pos > size || (at->pos - head) % 2) : at->x != 0) {
    return kBadState;
  }
  Decoder c{static_cast<uint32_t>(at->x), data + (started ? at->pos : head), data + size};
  if (!started) {
    c.x = load_le(data, head);
    if (head == 4 && c.x < kShortState) return kCorrupt;
  }
  const Status s = compressai_stream::get_elements(c, indexes, n, skip_below, t, out);
  if (s != kOk) return s;
  at->x = c.x;
  at->pos = c.ptr - data;
  if (finish && (c.x != kInitial || c.ptr != c.end)) return kCorrupt;
  return kOk;
}

}  // namespace compact_stream
}  // namespace ecc
