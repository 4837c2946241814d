// The `interleaved` stream format: L rans32 lanes per chunk, 16-bit words in lane order.
// docs/format.md has the byte layout; in short (all little-endian):
//
//   stream  = header | u32 words of chunks 0 .. C-2 | chunk 0 | ... | chunk C-1
//   header  = u8 version (1) | u8 lanes L | u8 log2(chunk elements K) | u8 0
//   chunk   = u32 final state of lanes 0 .. L-1 | u16 words, in encoder emission order
//
// Chunk c holds elements [cK, min(cK + K, n)), C = max(1, ceil(n / K)). Inside a chunk, element
// p sits on lane p mod L, in group p div L. Each coded element is a list of items (escape.h) in
// decoding order: d = 0 its slot, d = 1 the nibble count, d = 2 + j nibble j (escaped only).
// The encoder walks the groups forwards; in a group it puts items from the highest d down to
// d = 0, every lane holding an item at that d in ascending lane order (renormalise, emit, put).
// The decoder walks groups backwards and d upwards, reading the words of each round as one block
// from the end of the chunk (the lanes that need a word take it in ascending lane order), so on
// a GPU a warp's words are contiguous (ballot + popc) and each put emits at most one word.
// Skipped elements (index < skip_below) and positions past the chunk are predicated off.
// A correct chunk ends with every lane in state 2^16 and every word read.
#pragma once

#include <stdint.h>
#include <string.h>

#include "escape.h"
#include "macros.h"
#include "rans32.h"
#include "tables.h"

namespace ecc {
namespace interleaved_stream {

constexpr uint8_t kVersion = 1;
constexpr int64_t kHeaderBytes = 4;
constexpr int32_t kMaxLanes = 32;
constexpr int32_t kMinChunkLog2 = 5;
constexpr int32_t kMaxChunkLog2 = 24;

// The same codes as compressai_stream::Status (the host reports both alike).
enum Status : int32_t {
  kOk = 0,
  kBadIndex = 1,
  kSymbolOutOfRange = 2,
  kOutputOverflow = 3,
  kTruncated = 4,
  kCorrupt = 5,
  kBadSize = 6,
  kBadHeader = 7,
};

ECC_HOST_DEVICE bool lanes_are_valid(int64_t lanes) {
  return lanes == 1 || lanes == 4 || lanes == 8 || lanes == 16 || lanes == 32;
}

// Lanes for a chunk of `elements` when the caller leaves it to ecc: each lane's final state costs
// 4 bytes, so every lane should carry >= 2048 elements (<= 0.016 bits per element of overhead).
ECC_HOST_DEVICE int32_t auto_lanes(int64_t elements) {
  int32_t lanes = kMaxLanes;
  while (lanes > 1 && elements < 2048 * static_cast<int64_t>(lanes)) lanes = lanes == 4 ? 1 : lanes / 2;
  return lanes;
}

ECC_HOST_DEVICE int64_t num_chunks(int64_t n, int32_t chunk_log2) {
  return n == 0 ? 1 : ((n - 1) >> chunk_log2) + 1;
}

// Worst-case words of a chunk of len elements: a slot put adds at most 17 bits to a lane's state
// (x >= freq after renormalisation, so C(s, x) < x * 2^16 / freq + 2^16 <= 2^17 x / freq),
// its count 4 and its nibbles 32; each word removes 16 bits, plus one partial word per lane.
ECC_HOST_DEVICE int64_t max_chunk_words(int64_t len, int32_t lanes) { return (len * 53 + 15) / 16 + lanes; }

ECC_HOST_DEVICE int64_t stream_overhead_bytes(int64_t chunks, int32_t lanes) {
  return kHeaderBytes + 4 * (chunks - 1) + 4 * static_cast<int64_t>(lanes) * chunks;
}

// The chunk size for chunk_size = 0 ("from the batch"): 2^16, halved down to 2^12 while the
// batch has fewer than kTargetChunks chunks, so a GPU has about one warp per chunk on every
// scheduler of an H100-class device (132 SMs x 32 warps). It depends on the batch shape only, so
// every device writes the same bytes.
constexpr int64_t kTargetChunks = 4096;
constexpr int32_t kBatchChunkLog2Max = 16;
constexpr int32_t kBatchChunkLog2Min = 12;

ECC_HOST_DEVICE int32_t batch_chunk_log2(int64_t num_streams, int64_t n) {
  int32_t log2 = kBatchChunkLog2Max;
  while (log2 > kBatchChunkLog2Min && num_streams * num_chunks(n, log2) < kTargetChunks) --log2;
  return log2;
}

// How the encoders split num_streams streams of n elements: `tasks` chunks in all (`chunks` per
// stream, stream-major), each encoded into a worst-case scratch row of `capacity` words and
// `lanes` final states. lanes == 0 leaves the lane count to auto_lanes.
struct EncodePlan {
  int32_t lanes;
  int64_t chunks;
  int64_t tasks;
  int64_t capacity;
};

ECC_HOST_DEVICE EncodePlan plan_encode(int64_t num_streams, int64_t n, int64_t lanes, int32_t chunk_log2) {
  const int64_t chunk_size = int64_t{1} << chunk_log2, chunk = n < chunk_size ? n : chunk_size;
  EncodePlan plan;
  plan.lanes = lanes ? static_cast<int32_t>(lanes) : auto_lanes(chunk);
  plan.chunks = num_chunks(n, chunk_log2);
  plan.tasks = num_streams * plan.chunks;
  plan.capacity = max_chunk_words(chunk, plan.lanes);
  return plan;
}

// Bytes of the padded row that holds one whole stream of a plan (the zero-sync encoders' max_bytes):
// header, chunk table and every chunk at its worst case.
ECC_HOST_DEVICE int64_t max_stream_bytes(const EncodePlan& plan) {
  return stream_overhead_bytes(plan.chunks, plan.lanes) + 2 * plan.chunks * plan.capacity;
}

// Items of a mapped element (decoding order d = 0 .. count - 1).
ECC_HOST_DEVICE int32_t item_count(const escape::Mapped& m) {
  return m.escaped ? 2 + static_cast<int32_t>(m.nibbles) : 1;
}

// The 4-bit value of bypass item d >= 1 of an escaped element.
ECC_HOST_DEVICE uint32_t bypass_item(const escape::Mapped& m, int32_t d) {
  return d == 1 ? m.nibbles : (m.raw >> ((d - 2) * escape::kBypassBits)) & escape::kBypassMask;
}

ECC_HOST_DEVICE void store_u32(uint8_t* dst, uint32_t v) { memcpy(dst, &v, 4); }
ECC_HOST_DEVICE uint32_t load_u32(const uint8_t* src) {
  uint32_t v;
  memcpy(&v, src, 4);
  return v;
}
ECC_HOST_DEVICE uint16_t load_u16(const uint8_t* src) {
  uint16_t v;
  memcpy(&v, src, 2);
  return v;
}

ECC_HOST_DEVICE void write_header(uint8_t* dst, int32_t lanes, int32_t chunk_log2) {
  dst[0] = kVersion;
  dst[1] = static_cast<uint8_t>(lanes);
  dst[2] = static_cast<uint8_t>(chunk_log2);
  dst[3] = 0;
}

// Index of the lowest set bit of a nonzero lane mask.
ECC_HOST_DEVICE int32_t lowest_lane(uint32_t mask) {
#if defined(__CUDA_ARCH__)
  return __ffs(mask) - 1;
#else
  return __builtin_ctz(mask);
#endif
}

// Puts the bypass items (d >= 1) of the escaped lanes (bit l of `escaped` = lane l, mapped
// m[l]) of a group: rounds d = D-1 down to 1, lanes in ascending order. The slot round d = 0
// follows (encode_group, or a SIMD kernel's vector round).
ECC_HOST_DEVICE Status encode_bypass(const escape::Mapped* m, uint32_t escaped, uint32_t* x, uint16_t* words,
                                     int64_t capacity, int64_t* w) {
  int32_t rounds = 0;
  for (uint32_t e = escaped; e; e &= e - 1) {
    const int32_t items = item_count(m[lowest_lane(e)]);
    rounds = items > rounds ? items : rounds;
  }
  for (int32_t d = rounds - 1; d >= 1; --d) {
    for (uint32_t e = escaped; e; e &= e - 1) {
      const int32_t l = lowest_lane(e);
      if (item_count(m[l]) <= d) continue;
      if (rans32::put_bits_needs_word(x[l])) {
        if (*w == capacity) return kOutputOverflow;
        words[(*w)++] = static_cast<uint16_t>(x[l] & rans32::kWordMask);
        x[l] >>= 16;
      }
      x[l] = rans32::put_bits(x[l], bypass_item(m[l], d));
    }
  }
  return kOk;
}

// Encodes one group: `count` (<= lanes) elements on lanes 0 .. count - 1 with states x, appending
// words at *w (at most `capacity`). The per-group step of encode_chunk; the SIMD kernels
// (cpu/simd/) call it for groups with bad input.
ECC_HOST_DEVICE Status encode_group(const int32_t* symbols, const int32_t* indexes, int32_t count,
                                    int32_t skip_below, const EncodeTables& t, uint32_t* x,
                                    uint16_t* words, int64_t capacity, int64_t* w) {
  escape::Mapped m[kMaxLanes];
  const rans64::EncSymbol* sym[kMaxLanes];
  uint32_t kept = 0, escaped = 0;
  for (int32_t l = 0; l < count; ++l) {
    const int32_t r = indexes[l];
    if (r < 0 || r >= t.num_rows) return kBadIndex;
    if (r < skip_below) continue;
    if (!escape::map_symbol(symbols[l], t.offset[r], t.cdf_length[r] - 2, m[l])) return kSymbolOutOfRange;
    sym[l] = &t.symbols[t.row_start[r] + m[l].slot];
    kept |= 1u << l;
    escaped |= static_cast<uint32_t>(m[l].escaped) << l;
  }
  const Status s = encode_bypass(m, escaped, x, words, capacity, w);
  if (s != kOk) return s;
  for (int32_t l = 0; l < count; ++l) {  // d = 0: slots
    if (!((kept >> l) & 1)) continue;
    if (rans32::put_needs_word(x[l], sym[l]->freq)) {
      if (*w == capacity) return kOutputOverflow;
      words[(*w)++] = static_cast<uint16_t>(x[l] & rans32::kWordMask);
      x[l] >>= 16;
    }
    x[l] = rans32::put(x[l], *sym[l]);
  }
  return kOk;
}

// Encodes one chunk of len elements, emulating its lanes in order (the CPU kernel; the CUDA
// kernel runs the lanes on a warp with the same rounds). Writes the lanes' final states and the
// words (at most `capacity`), and *word_count.
ECC_HOST_DEVICE Status encode_chunk(const int32_t* symbols, const int32_t* indexes, int64_t len,
                                    int32_t lanes, int32_t skip_below, const EncodeTables& t,
                                    uint32_t* states, uint16_t* words, int64_t capacity,
                                    int64_t* word_count) {
  uint32_t x[kMaxLanes];
  for (int32_t l = 0; l < lanes; ++l) x[l] = rans32::kLower;
  int64_t w = 0;
  for (int64_t g0 = 0; g0 < len; g0 += lanes) {
    const int32_t count = len - g0 < lanes ? static_cast<int32_t>(len - g0) : lanes;
    const Status s = encode_group(symbols + g0, indexes + g0, count, skip_below, t, x, words, capacity, &w);
    if (s != kOk) return s;
  }
  for (int32_t l = 0; l < lanes; ++l) states[l] = x[l];
  *word_count = w;
  return kOk;
}

// Refills the lanes in `need` (bit l = lane l) from the block of words just below *cursor,
// ascending lane order; false when the chunk has too few words.
ECC_HOST_DEVICE bool refill(uint32_t* x, uint32_t need, const uint8_t* words, int64_t* cursor) {
  int64_t pos = *cursor;
  for (uint32_t bits = need; bits; bits &= bits - 1) --pos;
  if (pos < 0) return false;
  *cursor = pos;
  for (int32_t l = 0; need; ++l, need >>= 1) {
    if (need & 1) x[l] = (x[l] << 16) | load_u16(words + 2 * pos++);
  }
  return true;
}

// The end of a chunk's decode: every lane back in its start state and every word read.
ECC_HOST_DEVICE Status chunk_finished(const uint32_t* x, int32_t lanes, int64_t cursor) {
  for (int32_t l = 0; l < lanes; ++l) {
    if (x[l] != rans32::kLower) return kCorrupt;
  }
  return cursor == 0 ? kOk : kCorrupt;
}

// Takes the bypass items (d >= 1) of the escaped lanes (bit l of `escaped` = lane l) of a group
// after its slot round: rounds d = 1 (nibble counts), 2, ..., each followed by its refill.
// raw[l]: lane l's raw value.
ECC_HOST_DEVICE Status decode_bypass(uint32_t* x, uint32_t escaped, const uint8_t* words, int64_t* cursor,
                                     uint32_t* raw) {
  uint32_t nibbles[kMaxLanes];
  uint32_t longest = 0;
  for (int32_t d = 1; escaped; ++d) {
    uint32_t need = 0, busy = 0;
    for (uint32_t e = escaped; e; e &= e - 1) {
      const int32_t l = lowest_lane(e);
      if (d >= 2 && nibbles[l] <= static_cast<uint32_t>(d - 2)) continue;
      const uint32_t v = rans32::get_bits(x[l]);
      if (d == 1) {
        if (v > escape::kMaxNibbles) return kCorrupt;
        nibbles[l] = v;
        raw[l] = 0;
        longest = v > longest ? v : longest;
      } else {
        raw[l] |= v << ((d - 2) * escape::kBypassBits);
      }
      busy |= 1u << l;
      if (rans32::needs_word(x[l])) need |= 1u << l;
    }
    if (!refill(x, need, words, cursor)) return kTruncated;
    if (d >= 1 + static_cast<int32_t>(longest) || !busy) break;
  }
  return kOk;
}

// Decodes one group: `count` (<= lanes) elements on lanes 0 .. count - 1 with states x, reading
// words below *cursor. The per-group step of decode_chunk; the SIMD kernels (cpu/simd/) call it
// for groups with bad input.
ECC_HOST_DEVICE Status decode_group(uint32_t* x, const uint8_t* words, int64_t* cursor, const int32_t* indexes,
                                    int32_t count, int32_t skip_below, const DecodeTables& t, int32_t* out) {
  int32_t slot[kMaxLanes];
  uint32_t raw[kMaxLanes];
  uint32_t active = 0, escaped = 0, need = 0;
  for (int32_t l = 0; l < count; ++l) {  // d = 0: slots
    const int32_t r = indexes[l];
    if (r < 0 || r >= t.num_rows) return kBadIndex;
    if (r < skip_below) {
      out[l] = 0;
      continue;
    }
    const int32_t* row = t.cdf + r * t.cdf_stride;
    const uint32_t cum = x[l] & rans32::kWordMask;
    const int32_t s = find_slot(row, t.cdf_length[r], t.lut + r * kLutSize, cum);
    x[l] = rans32::advance(x[l], row[s], row[s + 1] - row[s]);
    slot[l] = s;
    active |= 1u << l;
    if (s == t.cdf_length[r] - 2) escaped |= 1u << l;
    if (rans32::needs_word(x[l])) need |= 1u << l;
  }
  if (!refill(x, need, words, cursor)) return kTruncated;
  const Status st = decode_bypass(x, escaped, words, cursor, raw);
  if (st != kOk) return st;
  for (int32_t l = 0; l < count; ++l) {
    if (!((active >> l) & 1)) continue;
    const int32_t r = indexes[l];
    const bool ok = ((escaped >> l) & 1) ? escape::unmap_escaped(raw[l], t.offset[r], t.cdf_length[r] - 2, out[l])
                                          : escape::unmap_slot(slot[l], t.offset[r], out[l]);
    if (!ok) return kCorrupt;
  }
  return kOk;
}

// Decodes one chunk of len elements from its states and word_count words (lanes emulated in
// order; the CUDA kernel runs them on a warp).
ECC_HOST_DEVICE Status decode_chunk(const uint8_t* chunk, int64_t word_count, const int32_t* indexes,
                                    int64_t len, int32_t lanes, int32_t skip_below,
                                    const DecodeTables& t, int32_t* out) {
  uint32_t x[kMaxLanes];
  for (int32_t l = 0; l < lanes; ++l) x[l] = load_u32(chunk + 4 * l);
  const uint8_t* words = chunk + 4 * lanes;
  int64_t cursor = word_count;
  const int64_t groups = (len + lanes - 1) / lanes;
  for (int64_t g = groups - 1; g >= 0; --g) {
    const int64_t g0 = g * lanes;
    const int32_t count = len - g0 < lanes ? static_cast<int32_t>(len - g0) : lanes;
    const Status s = decode_group(x, words, &cursor, indexes + g0, count, skip_below, t, out + g0);
    if (s != kOk) return s;
  }
  return chunk_finished(x, lanes, cursor);
}

// Where a stream's chunks are, from its header and chunk table.
struct Layout {
  int32_t lanes;
  int32_t chunk_log2;
  int64_t chunks;
};

// Checks a stream's header against n elements and its size; fills layout.
ECC_HOST_DEVICE Status parse_header(const uint8_t* data, int64_t size, int64_t n, Layout& layout) {
  if (size < kHeaderBytes) return kBadSize;
  if (data[0] != kVersion || !lanes_are_valid(data[1]) || data[2] < kMinChunkLog2 ||
      data[2] > kMaxChunkLog2 || data[3] != 0) {
    return kBadHeader;
  }
  layout.lanes = data[1];
  layout.chunk_log2 = data[2];
  layout.chunks = num_chunks(n, layout.chunk_log2);
  return size < stream_overhead_bytes(layout.chunks, layout.lanes) ? kTruncated : kOk;
}

// Byte offset and word count of every chunk of a parsed stream (offset[c], words[c] for
// c < layout.chunks); kCorrupt when the chunk table does not add up to the stream's size.
ECC_HOST_DEVICE Status locate_chunks(const uint8_t* data, int64_t size, const Layout& layout,
                                     int64_t* offset, int64_t* words) {
  const int64_t state_bytes = 4 * static_cast<int64_t>(layout.lanes);
  int64_t pos = kHeaderBytes + 4 * (layout.chunks - 1);
  for (int64_t c = 0; c + 1 < layout.chunks; ++c) {
    offset[c] = pos;
    words[c] = load_u32(data + kHeaderBytes + 4 * c);
    if (state_bytes + 2 * words[c] > size - pos) return kCorrupt;  // pos <= size: no overflow
    pos += state_bytes + 2 * words[c];
  }
  const int64_t last = layout.chunks - 1;
  offset[last] = pos;
  const int64_t rest = size - pos - state_bytes;
  if (rest < 0 || rest % 2 != 0) return kCorrupt;
  words[last] = rest / 2;
  return kOk;
}

}  // namespace interleaved_stream
}  // namespace ecc
