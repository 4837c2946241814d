// The `compressai` stream format: one rans64 chain per stream, byte-identical to
// compressai.ans.RansEncoder.encode_with_indexes (compressai 1.2.8) when nothing is skipped.
//
// Tables: see tables.h; max = cdf_length[r] - 2 is row r's escape slot.
//
// Symbols map to slots and escapes as in escape.h; the bypass items are 4-bit rans64 puts.
// CompressAI writes a nibble count >= 15 as a run of 15s; raw < 2^31 here, so the count is one
// put. Order: the decoder reads symbol, count, nibbles; the encoder therefore puts them reversed,
// walking the symbols from last to first.
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

// Encodes elements [0, n) of one stream into the words just below `end` (never below `begin`).
// On kOk, *first points at the first byte of the stream, which ends at `end`.
ECC_HOST_DEVICE Status encode_stream(const int32_t* symbols, const int32_t* indexes, int64_t n,
                                     int32_t skip_below, const EncodeTables& t, uint32_t* begin,
                                     uint32_t* end, uint32_t** first) {
  rans64::WordWriter w{end, begin, false};
  uint64_t x = rans64::kLower;
  for (int64_t i = n - 1; i >= 0; --i) {
    const int32_t r = indexes[i];
    if (r < 0 || r >= t.num_rows) return kBadIndex;
    if (r < skip_below) continue;
    escape::Mapped m;
    if (!escape::map_symbol(symbols[i], t.offset[r], t.cdf_length[r] - 2, m)) return kSymbolOutOfRange;
    if (m.escaped) {
      for (uint32_t j = m.nibbles; j-- > 0;) {
        rans64::enc_put_bits(x, w, (m.raw >> (j * escape::kBypassBits)) & escape::kBypassMask);
      }
      rans64::enc_put_bits(x, w, m.nibbles);
    }
    rans64::enc_put(x, w, t.symbols[t.row_start[r] + m.slot]);
  }
  rans64::enc_flush(x, w);
  *first = w.ptr;
  return w.overflow ? kOutputOverflow : kOk;
}

// encode_stream into a padded row of `capacity` words (max_words(n)), moved to the row's start:
// on kOk the stream is the first *size bytes of the row; else *size = 0. The move is a forward
// copy to lower addresses, safe in place.
ECC_HOST_DEVICE Status encode_stream_to_row(const int32_t* symbols, const int32_t* indexes, int64_t n,
                                           int32_t skip_below, const EncodeTables& t, uint32_t* row,
                                           int64_t capacity, int64_t* size) {
  uint32_t* first = nullptr;
  const Status s = encode_stream(symbols, indexes, n, skip_below, t, row, row + capacity, &first);
  *size = 0;
  if (s != kOk) return s;
  const int64_t words = row + capacity - first;
  for (int64_t i = 0; i < words; ++i) row[i] = first[i];
  *size = 4 * words;
  return kOk;
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
  rans64::WordReader reader{data + at->pos, data + size, false};
  uint64_t x = started ? at->x : rans64::dec_init(reader);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t r = indexes[i];
    if (r < 0 || r >= t.num_rows) return kBadIndex;
    if (r < skip_below) {
      out[i] = 0;
      continue;
    }
    const int32_t* row = t.cdf + r * t.cdf_stride;
    const int32_t max = t.cdf_length[r] - 2;
    const uint32_t cum = static_cast<uint32_t>(x) & ((1u << rans64::kPrecision) - 1);
    const int32_t s = find_slot(row, max + 2, t.lut + r * kLutSize, cum);
    rans64::dec_advance(x, reader, row[s], row[s + 1] - row[s]);
    int32_t symbol = 0;
    if (s < max && !escape::unmap_slot(s, t.offset[r], symbol)) return kCorrupt;
    if (s == max) {
      const uint32_t count = rans64::dec_get_bits(x, reader);
      if (count > escape::kMaxNibbles) return kCorrupt;
      uint32_t raw = 0;
      for (uint32_t j = 0; j < count; ++j) {
        raw |= rans64::dec_get_bits(x, reader) << (j * escape::kBypassBits);
      }
      if (!escape::unmap_escaped(raw, t.offset[r], max, symbol)) return kCorrupt;
    }
    if (reader.overrun) return kTruncated;
    out[i] = symbol;
  }
  if (reader.overrun) return kTruncated;
  at->x = x;
  at->pos = reader.ptr - data;
  if (finish && (x != rans64::kLower || reader.ptr != reader.end)) return kCorrupt;
  return kOk;
}

}  // namespace compressai_stream
}  // namespace ecc
