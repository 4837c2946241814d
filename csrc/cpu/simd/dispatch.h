// SIMD kernels of the `interleaved` format on the CPU and the one place that picks them.
//
// Every kernel writes the bytes of interleaved_stream::encode_chunk / decode_chunk (the scalar
// path, the readable reference): lanes sit in vector lanes, table entries come from gathers,
// renormalisation works on lane masks, and the words of a round are compressed (encode) or
// expanded (decode) in lane order. Groups holding an escape, a bad index or anything else
// unusual go to the scalar encode_group / decode_group, which then report the error if any.
//
// Path: the best this CPU has (cpuid, read once), or ECC_SIMD=scalar|avx2|avx512 (read at every
// call, so a test or benchmark can switch it; a path the CPU lacks is an error).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../../common/interleaved_stream.h"

namespace ecc {
namespace simd {

enum class Path { kScalar, kAvx2, kAvx512 };

// Words an encoder row needs past its capacity: a SIMD kernel stores whole vectors of words.
constexpr int64_t kWordSlack = 16;

using EncodeChunk = interleaved_stream::Status (*)(const int32_t* symbols, const int32_t* indexes, int64_t len,
                                                   int32_t lanes, int32_t skip_below, const EncodeTables& t,
                                                   uint32_t* states, uint16_t* words, int64_t capacity,
                                                   int64_t* word_count);
using DecodeChunk = interleaved_stream::Status (*)(const uint8_t* chunk, int64_t word_count, const int32_t* indexes,
                                                   int64_t len, int32_t lanes, int32_t skip_below,
                                                   const DecodeTables& t, int32_t* out);

// One chunk to decode (DecodeChunk's arguments but the skip threshold and tables).
struct DecodeTask {
  const uint8_t* chunk;
  int64_t words;
  const int32_t* indexes;
  int64_t len;
  int32_t lanes;
  int32_t* out;
};
// Decodes two chunks, status[0] and [1] their outcomes: the same as two DecodeChunk calls.
using DecodeChunkPair = void (*)(const DecodeTask& a, const DecodeTask& b, int32_t skip_below, const DecodeTables& t,
                                 interleaved_stream::Status* status);

template <DecodeChunk kDecode>
void decode_one_by_one(const DecodeTask& a, const DecodeTask& b, int32_t skip_below, const DecodeTables& t,
                       interleaved_stream::Status* status) {
  status[0] = kDecode(a.chunk, a.words, a.indexes, a.len, a.lanes, skip_below, t, a.out);
  status[1] = kDecode(b.chunk, b.words, b.indexes, b.len, b.lanes, skip_below, t, b.out);
}

struct Kernels {
  Path path;
  EncodeChunk encode;
  DecodeChunk decode;
  DecodeChunkPair decode_pair;
};

// The kernels of the path in use now (raises when ECC_SIMD asks for one this CPU lacks).
Kernels interleaved_kernels();

// "scalar", "avx2" or "avx512": the path interleaved_kernels() picks now.
const char* path_name(Path path);

// The EncSymbol fields the encode kernels gather, as int32 arrays indexed in dwords: EncSymbol is
// 24 bytes, so element e's freq is dword 6e + 2 of t.symbols and its bias dword 6e + 3.
constexpr int32_t kEncSymbolDwords = sizeof(rans64::EncSymbol) / 4;  // the gather index of element e is 6e
struct EncSymbolDwords {
  const int32_t* freq;
  const int32_t* bias;
};
inline EncSymbolDwords enc_symbol_dwords(const EncodeTables& t) {
  static_assert(sizeof(rans64::EncSymbol) == 24 && offsetof(rans64::EncSymbol, freq) == 8 &&
                    offsetof(rans64::EncSymbol, bias) == 12,
                "EncSymbol layout");
  const int32_t* base = reinterpret_cast<const int32_t*>(t.symbols);
  return {base + 2, base + 3};
}

// The kernels index their tables with 32-bit gather offsets; tables too large for that (far
// beyond CompressAI's) take the scalar path.
inline bool gathers_fit(const EncodeTables& t) {
  return t.row_start[t.num_rows] * static_cast<int64_t>(sizeof(rans64::EncSymbol) / 4) < (int64_t{1} << 31);
}
inline bool gathers_fit(const DecodeTables& t) {
  return (t.num_rows + int64_t{1}) * t.cdf_stride < (int64_t{1} << 31) &&
         t.num_rows * static_cast<int64_t>(kLutSize) < (int64_t{1} << 31);
}

// The slot of cum in a row whose bucket search stopped below it: entry[below] <= cum < entry[above]
// (above = the escape slot + 1, where entry[above] = 2^16). The escape slot first (the usual case
// for the lanes that get here), else a binary search between the two.
inline int32_t tail_slot(const int32_t* entry, int32_t below, int32_t above, int32_t cum) {
  if (entry[above - 1] <= cum) return above - 1;
  while (above - below > 1) {
    const int32_t mid = (below + above) / 2;
    (entry[mid] <= cum ? below : above) = mid;
  }
  return below;
}

interleaved_stream::Status encode_chunk_avx2(const int32_t* symbols, const int32_t* indexes, int64_t len,
                                             int32_t lanes, int32_t skip_below, const EncodeTables& t,
                                             uint32_t* states, uint16_t* words, int64_t capacity,
                                             int64_t* word_count);
interleaved_stream::Status decode_chunk_avx2(const uint8_t* chunk, int64_t word_count, const int32_t* indexes,
                                             int64_t len, int32_t lanes, int32_t skip_below,
                                             const DecodeTables& t, int32_t* out);
interleaved_stream::Status encode_chunk_avx512(const int32_t* symbols, const int32_t* indexes, int64_t len,
                                               int32_t lanes, int32_t skip_below, const EncodeTables& t,
                                               uint32_t* states, uint16_t* words, int64_t capacity,
                                               int64_t* word_count);
interleaved_stream::Status decode_chunk_avx512(const uint8_t* chunk, int64_t word_count, const int32_t* indexes,
                                               int64_t len, int32_t lanes, int32_t skip_below,
                                               const DecodeTables& t, int32_t* out);
void decode_chunk_pair_avx512(const DecodeTask& a, const DecodeTask& b, int32_t skip_below, const DecodeTables& t,
                              interleaved_stream::Status* status);

}  // namespace simd
}  // namespace ecc
