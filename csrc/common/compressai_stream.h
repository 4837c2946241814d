// The `compressai` stream format: one rans64 chain per stream, byte-identical to
// compressai.ans.RansEncoder.encode_with_indexes (compressai 1.2.8) when nothing is skipped.
//
// Tables: see tables.h; max = cdf_length[r] - 2 is row r's escape slot.
//
// Symbols map to slots and escapes as in escape.h; the bypass items are 4-bit rans64 puts.
// CompressAI writes a nibble count >= 15 as a run of 15s; raw < 2^31 here, so the count is one
// put. Order: the decoder reads symbol, count, nibbles; the encoder therefore puts them reversed,
// walking the symbols from last to first. That walk (put_elements / get_elements) is written once
// over a coder type, so the `compact` format (compact_stream.h) walks its rans32 chain alike, and
// the `range` format (range_stream.h) its range coder, forwards.
//
// Entropy skip. Elements whose index is below skip_below are neither coded nor read; the
// decoder writes 0 for them. With skip_below <= 0 nothing is skipped.
#pragma once

#include <stdint.h>

#include "escape.h"
#include "macros.h"
#include "rans64.h"
#include "tables.h"

namespace ecc {
namespace compressai_stream {

// Outcome of coding one stream; the host turns a non-zero code into an exception.
enum Status : int32_t {
  kOk = 0,
  kBadIndex = 1,          // an index outside [0, num_rows)
  kSymbolOutOfRange = 2,  // |symbol - offset| too large for 8 bypass nibbles
  kOutputOverflow = 3,    // encoder output exceeded its worst-case bound (a bug)
  kTruncated = 4,         // the decoder needed words past the end of the stream
  kCorrupt = 5,           // impossible bypass data, or wrong final state / unread words
  kBadSize = 6,           // stream size not a multiple of 4 or below 8 bytes
  kBadState = 8,          // a resumed decoder's position does not belong to this stream
};                        // (7 is interleaved_stream::kBadHeader)

// Where a decoder stands in its stream between calls: the state x (0 = not started) and the
// bytes read so far. A started decoder has x in [2^31, 2^63) and a word-aligned pos <= size.
// The ops keep it in an int64 (B, 2) tensor, one row per stream.
struct DecodePosition {
  uint64_t x;
  int64_t pos;
};
static_assert(sizeof(DecodePosition) == 16, "DecodePosition must be two 64-bit words");

// Worst-case words of one stream of n elements: a symbol adds at most 16 bits to the state
// (freq >= 1), its count 4 and its nibbles 32, i.e. 52 bits; each emitted word removes 32
// (each put's rounding adds < 2^-15 relative, far inside the 1 spare bit per symbol), plus
// the 2-word flush and one word of slack.
ECC_HOST_DEVICE int64_t max_words(int64_t n) { return (n * 53 + 31) / 32 + 3; }

// The element walk of a one-chain stream format (this one, compact_stream.h, range_stream.h), over
// a coder C:
//   encoders  c.put(const rans64::EncSymbol&), c.put_bits(value < 16)   (they record overflow)
//   decoders  c.cum() (the slot's cumulative value, < 2^16), c.advance(start, freq), c.get_bits(),
//             c.error() (kOk, or the status that stops the walk: kTruncated, kCorrupt)
// get_elements reads elements 0 .. n-1 as slot, count, nibbles (first first), writing out[0, n).
// put_elements puts the same items in reverse (elements n-1 .. 0, each as nibbles last first,
// count, slot: rANS is last in, first out), or with kForward in decoding order (a range coder).
template <bool kForward = false, class C>
ECC_HOST_DEVICE Status put_elements(C& c, const int32_t* symbols, const int32_t* indexes, int64_t n,
                                    int32_t skip_below, const EncodeTables& t) {
  for (int64_t k = 0; k < n; ++k) {
    const int64_t i = kForward ? k : n - 1 - k;
    const int32_t r = indexes[i];
    if (r < 0 || r >= t.num_rows) return kBadIndex;
    if (r < skip_below) continue;
    escape::Mapped m;
    if (!escape::map_symbol(symbols[i], t.offset[r], t.cdf_length[r] - 2, m)) return kSymbolOutOfRange;
    const rans64::EncSymbol& slot = t.symbols[t.row_start[r] + m.slot];
    if (kForward) c.put(slot);
    if (m.escaped) {
      if (kForward) c.put_bits(m.nibbles);
      for (uint32_t q = 0; q < m.nibbles; ++q) {
        const uint32_t j = kForward ? q : m.nibbles - 1 - q;
        c.put_bits((m.raw >> (j * escape::kBypassBits)) & escape::kBypassMask);
      }
      if (!kForward) c.put_bits(m.nibbles);
    }
    if (!kForward) c.put(slot);
  }
  return kOk;
}

template <class C>
ECC_HOST_DEVICE Status get_elements(C& c, const int32_t* indexes, int64_t n, int32_t skip_below,
                                    const DecodeTables& t, int32_t* out) {
  for (int64_t i = 0; i < n; ++i) {
    const int32_t r = indexes[i];
    if (r < 0 || r >= t.num_rows) return kBadIndex;
    if (r < skip_below) {
      out[i] = 0;
      continue;
    }
    const int32_t* row = t.cdf + r * t.cdf_stride;
    const int32_t max = t.cdf_length[r] - 2;
    const int32_t s = find_slot(row, max + 2, t.lut + r * kLutSize, c.cum());
    c.advance(row[s], row[s + 1] - row[s]);
    int32_t symbol = 0;
    if (s < max && !escape::unmap_slot(s, t.offset[r], symbol)) return kCorrupt;
    if (s == max) {
      const uint32_t count = c.get_bits();
      if (count > escape::kMaxNibbles) return kCorrupt;
      uint32_t raw = 0;
      for (uint32_t j = 0; j < count; ++j) raw |= c.get_bits() << (j * escape::kBypassBits);
      if (!escape::unmap_escaped(raw, t.offset[r], max, symbol)) return kCorrupt;
    }
    if (c.error() != kOk) return c.error();
    out[i] = symbol;
  }
  return c.error();
}

// This format's coder for the walk: the rans64 state and its word writer / reader.
struct Encoder {
  uint64_t x;
  rans64::WordWriter w;
  ECC_HOST_DEVICE void put(const rans64::EncSymbol& s) { rans64::enc_put(x, w, s); }
  ECC_HOST_DEVICE void put_bits(uint32_t value) { rans64::enc_put_bits(x, w, value); }
};

struct Decoder {
  uint64_t x;
  rans64::WordReader r;
  ECC_HOST_DEVICE uint32_t cum() const { return static_cast<uint32_t>(x) & ((1u << rans64::kPrecision) - 1); }
  ECC_HOST_DEVICE void advance(uint32_t start, uint32_t freq) { rans64::dec_advance(x, r, start, freq); }
  ECC_HOST_DEVICE uint32_t get_bits() { return rans64::dec_get_bits(x, r); }
  ECC_HOST_DEVICE Status error() const { return r.overrun ? kTruncated : kOk; }
};

// Encodes elements [0, n) of one stream into the words just below `end` (never below `begin`).
// On kOk, *first points at the first byte of the stream, which ends at `end`.
ECC_HOST_DEVICE Status encode_stream(const int32_t* symbols, const int32_t* indexes, int64_t n,
                                     int32_t skip_below, const EncodeTables& t, uint32_t* begin,
                                     uint32_t* end, uint32_t** first) {
  Encoder c{rans64::kLower, {end, begin, false}};
  const Status s = put_elements(c, symbols, indexes, n, skip_below, t);
  if (s != kOk) return s;
  rans64::enc_flush(c.x, c.w);
  *first = c.w.ptr;
  return c.w.overflow ? kOutputOverflow : kOk;
}

// Moves a stream that starts at `first` and ends at row + capacity to the row's start (a forward
// copy to lower addresses, safe in place); returns its size in bytes.
template <typename Word>
ECC_HOST_DEVICE int64_t move_to_row_start(Word* row, int64_t capacity, const Word* first) {
  const int64_t count = row + capacity - first;
  for (int64_t i = 0; i < count; ++i) row[i] = first[i];
  return count * static_cast<int64_t>(sizeof(Word));
}

// encode_stream into a padded row of `capacity` words (max_words(n)), moved to the row's start:
// on kOk the stream is the first *size bytes of the row; else *size = 0. The move is a forward
// copy to lower addresses, safe in place.
ECC_HOST_DEVICE Status encode_stream_to_row(const int32_t* symbols, const int32_t* indexes, int64_t n,
                                           int32_t skip_below, const EncodeTables& t, uint32_t* row,
                                           int64_t capacity, int64_t* size) {
  uint32_t* first = nullptr;
  const Status s = encode_stream(symbols, indexes, n, skip_below, t, row, row + capacity, &first);
  *size = s == kOk ? move_to_row_start(row, capacity, first) : 0;
  return s;
}

// Decodes the next n elements of one stream of `size` bytes into out[0, n), from *at (x == 0:
// the start of the stream) and leaves *at after them, so a stream can be decoded in parts whose
// indexes depend on what came before (CompressAI's RansDecoder.decode_stream). With `finish` the
// stream must end there: final state 2^31, every word read.
ECC_HOST_DEVICE Status decode_part(const uint8_t* data, int64_t size, DecodePosition* at,
                                   const int32_t* indexes, int64_t n, int32_t skip_below,
                                   const DecodeTables& t, int32_t* out, bool finish) {
  if (size < 8 || size % 4 != 0) return kBadSize;
  const bool started = at->x != 0;
  if (started ? (at->x < rans64::kLower || at->x >> 63 || at->pos < 8 || at->pos > size || at->pos % 4)
              : at->pos != 0) {
    return kBadState;
  }
  Decoder c{0, {data + at->pos, data + size, false}};
  c.x = started ? at->x : rans64::dec_init(c.r);
  const Status s = get_elements(c, indexes, n, skip_below, t, out);
  if (s != kOk) return s;
  at->x = c.x;
  at->pos = c.r.ptr - data;
  if (finish && (c.x != rans64::kLower || c.r.ptr != c.r.end)) return kCorrupt;
  return kOk;
}

}  // namespace compressai_stream
}  // namespace ecc
