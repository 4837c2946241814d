// The `interleaved` kernels for AVX2: 8 lanes per ymm register, so a chunk of L lanes is L / 8
// registers (L = 4 uses the low lanes of one). The same steps as avx512.cpp; AVX2 has no mask
// registers and no compress/expand, so lane masks are vectors, and the words of a round move
// through byte-shuffle tables: compress[m] packs the low words of the lanes in m in lane order,
// expand[m] hands a block of words to the lanes in m in lane order (dispatch.h).
#include <immintrin.h>

#include <cstring>

#include "dispatch.h"

#pragma GCC push_options
#pragma GCC target("avx2,bmi,bmi2,popcnt")

namespace ecc {
namespace simd {
namespace {

using namespace interleaved_stream;

constexpr int kWidth = 8;  // lanes per register

// pshufb patterns over 8 16-bit words for every 8-bit lane mask m (0x80: a zero byte).
struct ShuffleTables {
  uint8_t compress[256][16];  // word k of the result = word of the k-th lane in m
  uint8_t expand[256][16];    // word l of the result = word k for the k-th lane l in m, else 0
};

constexpr ShuffleTables make_shuffle_tables() {
  ShuffleTables t{};
  for (int m = 0; m < 256; ++m) {
    for (int b = 0; b < 16; ++b) t.compress[m][b] = t.expand[m][b] = 0x80;
    for (int l = 0, k = 0; l < kWidth; ++l) {
      if (!((m >> l) & 1)) continue;
      t.compress[m][2 * k] = static_cast<uint8_t>(2 * l);
      t.compress[m][2 * k + 1] = static_cast<uint8_t>(2 * l + 1);
      t.expand[m][2 * l] = static_cast<uint8_t>(2 * k);
      t.expand[m][2 * l + 1] = static_cast<uint8_t>(2 * k + 1);
      ++k;
    }
  }
  return t;
}

alignas(16) constexpr ShuffleTables kShuffle = make_shuffle_tables();

inline __m128i shuffle(__m128i words, const uint8_t* pattern) {
  return _mm_shuffle_epi8(words, _mm_load_si128(reinterpret_cast<const __m128i*>(pattern)));
}

// Lanes of register v (lanes v*8 ..) that hold one of the group's `count` elements, as a vector mask.
inline __m256i live_lanes(int32_t count, int32_t lanes, int v) {
  const int32_t left = count - v * kWidth, width = lanes < kWidth ? lanes : kWidth;
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(left < width ? left : width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

inline int bits(__m256i mask) { return _mm256_movemask_ps(_mm256_castsi256_ps(mask)); }

inline __m256i ge_epu32(__m256i a, __m256i b) { return _mm256_cmpeq_epi32(_mm256_max_epu32(a, b), a); }

// p[0 .. 7] where lanes `live` are wanted: a plain load for a full register, else a masked one.
inline __m256i load(__m256i live, const int32_t* p) {
  return bits(live) == 0xff ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)) : _mm256_maskload_epi32(p, live);
}

// base[index] for the lanes in mask (0 elsewhere); kScale bytes per index step.
template <int kScale = 4>
inline __m256i gather(__m256i mask, __m256i index, const void* base) {
  return _mm256_mask_i32gather_epi32(_mm256_setzero_si256(), static_cast<const int*>(base), index, mask, kScale);
}

// float(x) for unsigned x: the low 31 bits converted, 2^31 added for the top bit (two roundings).
inline __m256 u32_to_float(__m256i x) {
  const __m256 low = _mm256_cvtepi32_ps(_mm256_and_si256(x, _mm256_set1_epi32(0x7fffffff)));
  const __m256 top = _mm256_and_ps(_mm256_castsi256_ps(_mm256_srai_epi32(x, 31)), _mm256_set1_ps(2147483648.0f));
  return _mm256_add_ps(low, top);
}

// The low 16 bits of the 8 lanes as 8 words.
inline __m128i low_words(__m256i x) {
  const __m256i packed = _mm256_packus_epi32(_mm256_and_si256(x, _mm256_set1_epi32(0xffff)), x);
  return _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08));
}

// Gather steps of the slot search before the lanes still searching finish one by one: scans are
// short in a row's body, but the tails hold runs of tiny slots (an escape's cum lands there).
constexpr int kVectorSteps = 2;

// The rest of the slot search for the lanes in `lanes` (rows r), whose cdf[row + s + 1] <= cum: a
// binary search up to the row's last entry, leaving cdf[row + s] <= cum < cdf[row + s + 1]
// = high.
inline void finish_search(__m256i lanes, __m256i r, __m256i row, __m256i cum, __m256i& s, __m256i& high,
                          const DecodeTables& t) {
  alignas(32) int32_t indexes[kWidth], rows[kWidth], cums[kWidth], slots[kWidth], highs[kWidth];
  _mm256_store_si256(reinterpret_cast<__m256i*>(indexes), r);
  _mm256_store_si256(reinterpret_cast<__m256i*>(rows), row);
  _mm256_store_si256(reinterpret_cast<__m256i*>(cums), cum);
  _mm256_store_si256(reinterpret_cast<__m256i*>(slots), s);
  _mm256_store_si256(reinterpret_cast<__m256i*>(highs), high);
  for (uint32_t m = bits(lanes); m; m &= m - 1) {
    const int32_t l = lowest_lane(m);
    const int32_t* entry = t.cdf + rows[l];
    const int32_t below = tail_slot(entry, slots[l] + 1, t.cdf_length[indexes[l]] - 1, cums[l]);
    slots[l] = below;
    highs[l] = entry[below + 1];
  }
  s = _mm256_load_si256(reinterpret_cast<const __m256i*>(slots));
  high = _mm256_load_si256(reinterpret_cast<const __m256i*>(highs));
}

template <int V>
Status encode(const int32_t* symbols, const int32_t* indexes, int64_t len, int32_t lanes, int32_t skip_below,
              const EncodeTables& t, uint32_t* states, uint16_t* words, int64_t capacity, int64_t* word_count) {
  const EncSymbolDwords enc = enc_symbol_dwords(t);  // gathered at dword 6e + 2 (freq), 6e + 3 (bias)
  const __m256i rows = _mm256_set1_epi32(t.num_rows), skip = _mm256_set1_epi32(skip_below);
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
  __m256i x[V];
  for (int v = 0; v < V; ++v) x[v] = _mm256_set1_epi32(rans32::kLower);
  int64_t w = 0;
  for (int64_t g0 = 0; g0 < len; g0 += lanes) {
    const int32_t count = len - g0 < lanes ? static_cast<int32_t>(len - g0) : lanes;
    __m256i keep[V], slot_index[V];
    bool bad = false;
    uint32_t escaped = 0;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const __m256i live = live_lanes(count, lanes, v);
      const __m256i r = load(live, indexes + g0 + v * kWidth);
      const __m256i s = load(live, symbols + g0 + v * kWidth);
      const __m256i valid = _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, r), _mm256_and_si256(live, _mm256_cmpgt_epi32(rows, r)));
      bad |= bits(live) != bits(valid);
      keep[v] = _mm256_andnot_si256(_mm256_cmpgt_epi32(skip, r), valid);
      const __m256i offset = gather(keep[v], r, t.offset);
      const __m256i max = _mm256_sub_epi32(gather(keep[v], r, t.cdf_length), two);
      __m256i value = _mm256_sub_epi32(s, offset);  // s - offset; wrapped when the signs say so
      const __m256i wrapped = _mm256_and_si256(_mm256_xor_si256(s, offset), _mm256_xor_si256(s, value));
      const __m256i outside = _mm256_or_si256(_mm256_or_si256(_mm256_cmpgt_epi32(zero, value), _mm256_cmpgt_epi32(zero, wrapped)),
                                              _mm256_cmpeq_epi32(_mm256_max_epi32(value, max), value));
      const __m256i escape = _mm256_and_si256(keep[v], outside);
      escaped |= static_cast<uint32_t>(bits(escape)) << (v * kWidth);
      value = _mm256_blendv_epi8(value, max, escape);  // escaped: the escape slot
      // row_start is int64, below 2^31 (gathers_fit): its low dwords are the starts.
      const __m256i start = gather<8>(keep[v], r, t.row_start);
      slot_index[v] = _mm256_mullo_epi32(_mm256_add_epi32(start, value), _mm256_set1_epi32(kEncSymbolDwords));
    }
    if (bad || escaped) {
      uint32_t lane_x[kMaxLanes];
      for (int v = 0; v < V; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(lane_x + v * kWidth), x[v]);
      if (bad) {  // the scalar step reports the bad index
        const Status st = encode_group(symbols + g0, indexes + g0, count, skip_below, t, lane_x, words, capacity, &w);
        if (st != kOk) return st;
      } else {  // the bypass rounds of the escaped lanes, before the slot round below
        escape::Mapped m[kMaxLanes];
        for (uint32_t e = escaped; e; e &= e - 1) {
          const int32_t l = lowest_lane(e), r = indexes[g0 + l];
          if (!escape::map_symbol(symbols[g0 + l], t.offset[r], t.cdf_length[r] - 2, m[l])) return kSymbolOutOfRange;
        }
        const Status st = encode_bypass(m, escaped, lane_x, words, capacity, &w);
        if (st != kOk) return st;
      }
      for (int v = 0; v < V; ++v) x[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lane_x + v * kWidth));
      if (bad) continue;
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const __m256i freq = gather(keep[v], slot_index[v], enc.freq);
      const __m256i bias = gather(keep[v], slot_index[v], enc.bias);
      // Emit when x >= freq << 16, written x > (freq << 16) - 1 so that freq = 2^16 never emits.
      const __m256i limit = _mm256_sub_epi32(_mm256_slli_epi32(freq, 16), one);
      const __m256i emit = _mm256_andnot_si256(ge_epu32(limit, x[v]), keep[v]);
      const int m = bits(emit), n = _mm_popcnt_u32(m);
      if (w + n > capacity) return kOutputOverflow;
      _mm_storeu_si128(reinterpret_cast<__m128i*>(words + w), shuffle(low_words(x[v]), kShuffle.compress[m]));
      w += n;
      const __m256i y = _mm256_blendv_epi8(x[v], _mm256_srli_epi32(x[v], 16), emit);
      // q = y / freq: float quotient, then remainder-driven fix-ups (exact, see avx512.cpp).
      __m256i q = _mm256_cvttps_epi32(_mm256_div_ps(u32_to_float(y), _mm256_cvtepi32_ps(freq)));
      __m256i rem = _mm256_sub_epi32(y, _mm256_mullo_epi32(q, freq));
      const __m256i low = _mm256_cmpgt_epi32(zero, rem);
      q = _mm256_add_epi32(q, low);
      rem = _mm256_add_epi32(rem, _mm256_and_si256(low, freq));
      const __m256i high = ge_epu32(rem, freq);
      q = _mm256_sub_epi32(q, high);
      rem = _mm256_sub_epi32(rem, _mm256_and_si256(high, freq));
      // bias = start, except start + 2^16 - 1 for freq == 1.
      const __m256i start = _mm256_sub_epi32(bias, _mm256_and_si256(_mm256_cmpeq_epi32(freq, one), _mm256_set1_epi32(0xffff)));
      const __m256i put = _mm256_add_epi32(_mm256_add_epi32(_mm256_slli_epi32(q, 16), rem), start);
      x[v] = _mm256_blendv_epi8(x[v], put, keep[v]);
    }
  }
  for (int v = 0; v < V; ++v) _mm256_maskstore_epi32(reinterpret_cast<int*>(states + v * kWidth), live_lanes(lanes, lanes, v), x[v]);
  *word_count = w;
  return kOk;
}

template <int V>
Status decode(const uint8_t* chunk, int64_t word_count, const int32_t* indexes, int64_t len, int32_t lanes,
              int32_t skip_below, const DecodeTables& t, int32_t* out) {
  const __m256i rows = _mm256_set1_epi32(t.num_rows), skip = _mm256_set1_epi32(skip_below);
  const __m256i stride = _mm256_set1_epi32(static_cast<int32_t>(t.cdf_stride));
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  const __m256i word_mask = _mm256_set1_epi32(rans32::kWordMask);
  const uint8_t* words = chunk + 4 * lanes;
  __m256i x[V];
  for (int v = 0; v < V; ++v) {
    x[v] = _mm256_maskload_epi32(reinterpret_cast<const int*>(chunk + 4 * kWidth * v), live_lanes(lanes, lanes, v));
  }
  int64_t cursor = word_count;
  for (int64_t g = (len + lanes - 1) / lanes - 1; g >= 0; --g) {
    const int64_t g0 = g * lanes;
    const int32_t count = len - g0 < lanes ? static_cast<int32_t>(len - g0) : lanes;
    __m256i live[V], keep[V], need[V], next[V], symbol[V];
    bool bad = false;
    uint32_t escaped = 0;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      live[v] = live_lanes(count, lanes, v);
      const __m256i r = load(live[v], indexes + g0 + v * kWidth);
      const __m256i valid = _mm256_andnot_si256(_mm256_cmpgt_epi32(zero, r), _mm256_and_si256(live[v], _mm256_cmpgt_epi32(rows, r)));
      keep[v] = _mm256_andnot_si256(_mm256_cmpgt_epi32(skip, r), valid);
      const __m256i cum = _mm256_and_si256(x[v], word_mask);
      // Bucket of cum in row r: u16 lut[r * 256 + (cum >> 8)], read as the aligned dword holding it.
      const __m256i bucket = _mm256_add_epi32(_mm256_slli_epi32(r, kLutBits), _mm256_srli_epi32(cum, 16 - kLutBits));
      const __m256i pair = gather<2>(keep[v], _mm256_andnot_si256(one, bucket), t.lut);
      __m256i s = _mm256_and_si256(_mm256_srlv_epi32(pair, _mm256_slli_epi32(_mm256_and_si256(bucket, one), 4)), word_mask);
      const __m256i row = _mm256_mullo_epi32(r, stride);
      __m256i high = gather(keep[v], _mm256_add_epi32(_mm256_add_epi32(row, s), one), t.cdf);
      int steps = 0;
      for (__m256i step = _mm256_andnot_si256(_mm256_cmpgt_epi32(high, cum), keep[v]); bits(step);
           step = _mm256_andnot_si256(_mm256_cmpgt_epi32(high, cum), step)) {
        if (++steps > kVectorSteps) {
          finish_search(step, r, row, cum, s, high, t);
          break;
        }
        s = _mm256_sub_epi32(s, step);  // step lanes are -1
        high = _mm256_mask_i32gather_epi32(high, t.cdf, _mm256_add_epi32(_mm256_add_epi32(row, s), one), step, 4);
      }
      const __m256i low = gather(keep[v], _mm256_add_epi32(row, s), t.cdf);
      const __m256i offset = gather(keep[v], r, t.offset);
      // The escape slot max = cdf_length - 2 is the one whose cdf[s + 1] is the row's last, 2^16.
      const __m256i escape = _mm256_and_si256(keep[v], _mm256_cmpeq_epi32(high, _mm256_set1_epi32(1 << kPrecision)));
      escaped |= static_cast<uint32_t>(bits(escape)) << (v * kWidth);
      symbol[v] = _mm256_add_epi32(s, offset);  // s >= 0: wrapped iff below offset
      const __m256i wrapped = _mm256_andnot_si256(escape, _mm256_and_si256(keep[v], _mm256_cmpgt_epi32(offset, symbol[v])));
      bad |= bits(live[v]) != bits(valid) || bits(wrapped) != 0;
      const __m256i advanced = _mm256_sub_epi32(
          _mm256_add_epi32(_mm256_mullo_epi32(_mm256_sub_epi32(high, low), _mm256_srli_epi32(x[v], 16)), cum), low);
      next[v] = _mm256_blendv_epi8(x[v], advanced, keep[v]);
      need[v] = _mm256_and_si256(keep[v], _mm256_cmpeq_epi32(_mm256_andnot_si256(word_mask, next[v]), zero));
    }
    uint32_t lane_x[kMaxLanes];
    if (bad) {  // the scalar step reports the bad index or corrupt symbol
      for (int v = 0; v < V; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(lane_x + v * kWidth), x[v]);
      const Status st = decode_group(lane_x, words, &cursor, indexes + g0, count, skip_below, t, out + g0);
      if (st != kOk) return st;
      for (int v = 0; v < V; ++v) x[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lane_x + v * kWidth));
      continue;
    }
    int64_t total = 0;
    for (int v = 0; v < V; ++v) total += _mm_popcnt_u32(bits(need[v]));
    int64_t pos = cursor - total;
    if (pos < 0) return kTruncated;
    cursor = pos;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      const int m = bits(need[v]), n = _mm_popcnt_u32(m);
      __m128i block;
      if (pos + kWidth <= word_count) {
        block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(words + 2 * pos));
      } else {  // the last words of the chunk: read no further than its end
        uint16_t tail[kWidth] = {};
        std::memcpy(tail, words + 2 * pos, 2 * n);
        block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(tail));
      }
      const __m256i fresh = _mm256_cvtepu16_epi32(shuffle(block, kShuffle.expand[m]));
      x[v] = _mm256_blendv_epi8(next[v], _mm256_or_si256(_mm256_slli_epi32(next[v], 16), fresh), need[v]);
      pos += n;
      const __m256i decoded = _mm256_and_si256(keep[v], symbol[v]);
      if (bits(live[v]) == 0xff) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + g0 + v * kWidth), decoded);
      } else {
        _mm256_maskstore_epi32(out + g0 + v * kWidth, live[v], decoded);
      }
    }
    if (escaped) {  // the bypass rounds of the escaped lanes, then their symbols
      for (int v = 0; v < V; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(lane_x + v * kWidth), x[v]);
      uint32_t raw[kMaxLanes];
      const Status st = decode_bypass(lane_x, escaped, words, &cursor, raw);
      if (st != kOk) return st;
      for (uint32_t e = escaped; e; e &= e - 1) {
        const int32_t l = lowest_lane(e), r = indexes[g0 + l];
        if (!escape::unmap_escaped(raw[l], t.offset[r], t.cdf_length[r] - 2, out[g0 + l])) return kCorrupt;
      }
      for (int v = 0; v < V; ++v) x[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lane_x + v * kWidth));
    }
  }
  uint32_t lane_x[kMaxLanes];
  for (int v = 0; v < V; ++v) _mm256_storeu_si256(reinterpret_cast<__m256i*>(lane_x + v * kWidth), x[v]);
  return chunk_finished(lane_x, lanes, cursor);
}

}  // namespace

Status encode_chunk_avx2(const int32_t* symbols, const int32_t* indexes, int64_t len, int32_t lanes,
                         int32_t skip_below, const EncodeTables& t, uint32_t* states, uint16_t* words,
                         int64_t capacity, int64_t* word_count) {
  switch (gathers_fit(t) ? lanes : 1) {
    case 32:
      return encode<4>(symbols, indexes, len, lanes, skip_below, t, states, words, capacity, word_count);
    case 16:
      return encode<2>(symbols, indexes, len, lanes, skip_below, t, states, words, capacity, word_count);
    case 8:
    case 4:
      return encode<1>(symbols, indexes, len, lanes, skip_below, t, states, words, capacity, word_count);
    default:
      return encode_chunk(symbols, indexes, len, lanes, skip_below, t, states, words, capacity, word_count);
  }
}

Status decode_chunk_avx2(const uint8_t* chunk, int64_t word_count, const int32_t* indexes, int64_t len,
                         int32_t lanes, int32_t skip_below, const DecodeTables& t, int32_t* out) {
  switch (gathers_fit(t) ? lanes : 1) {
    case 32:
      return decode<4>(chunk, word_count, indexes, len, lanes, skip_below, t, out);
    case 16:
      return decode<2>(chunk, word_count, indexes, len, lanes, skip_below, t, out);
    case 8:
    case 4:
      return decode<1>(chunk, word_count, indexes, len, lanes, skip_below, t, out);
    default:
      return decode_chunk(chunk, word_count, indexes, len, lanes, skip_below, t, out);
  }
}

}  // namespace simd
}  // namespace ecc

#pragma GCC pop_options
