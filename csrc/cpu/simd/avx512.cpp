// The `interleaved` kernels for AVX-512 (F, BW, VL, CD): 16 lanes per zmm register, so a chunk of
// L = 32 lanes is two registers and L = 4, 8 use the low lanes of one (dispatch.h).
//
// Encode, per group: gather offset[r] and cdf_length[r] to map symbols to slots (escaped lanes:
// the escape slot, their bypass items put first in rounds of the same kind), the slot's
// EncSymbol.freq and .bias; lanes with x >= freq << 16 emit x & 0xffff, compressed in
// lane order (vpcompressd, then vpmovdw to 16-bit words) and appended; then x = C(s, x) with
// q = x / freq from a float32 division fixed up by one step each way: x < freq << 16 after
// renormalisation, so q < 2^16 and the float quotient is within 0.02 of x / freq.
// Decode, per group: the bucket LUT gives a first slot, one gather of (cdf[s], cdf[s + 1]) pairs,
// then gathers of cdf[s + 1] step it forward until cdf[s + 1] > cum; x = freq * (x >> 16) + cum -
// start; lanes with x < 2^16 take the block of words below the cursor, expanded into them in lane
// order (vpexpandd); escaped lanes then take their bypass items in rounds of the same kind. The
// decoder is latency-bound (each group's gathers wait on the state the last group left), so a
// thread decodes its chunks two at a time, their groups alternating (decode_chunk_pair_avx512).
#include <immintrin.h>

#include <algorithm>

#include "dispatch.h"

#pragma GCC push_options
// GCC 12 warns about its own intrinsics' _mm512_undefined_* placeholders (fixed in GCC 13).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512cd,avx2,bmi,bmi2,popcnt")

namespace ecc {
namespace simd {
namespace {

using namespace interleaved_stream;

constexpr int kWidth = 16;  // lanes per register

// Lanes of register v (lanes v*16 ..) that hold one of the group's `count` elements.
inline __mmask16 live_lanes(int32_t count, int32_t lanes, int v) {
  const int32_t left = count - v * kWidth, width = lanes < kWidth ? lanes : kWidth;
  const int32_t n = left < width ? left : width;
  return n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
}

// base[index] for the lanes in m (0 elsewhere); kScale bytes per index step.
// p[0 .. 15] where lanes m are wanted: a plain load for a full register, else a masked one.
inline __m512i load(__mmask16 m, const void* p) {
  return m == 0xffff ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi32(m, p);
}

template <int kScale = 4>
inline __m512i gather(__mmask16 m, __m512i index, const void* base) {
  return _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, index, base, kScale);
}

// base[index] and base[index + 1] for the lanes in m (0 elsewhere): two 64-bit gathers of 8 lanes
// each, split into the first and second dwords, so that neither waits for the other.
inline void gather_pair(__mmask16 m, __m512i index, const int32_t* base, __m512i& first, __m512i& second) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512i a = _mm512_mask_i32gather_epi64(zero, static_cast<__mmask8>(m), _mm512_castsi512_si256(index), base, 4);
  const __m512i b = _mm512_mask_i32gather_epi64(zero, static_cast<__mmask8>(m >> 8), _mm512_extracti64x4_epi64(index, 1),
                                                base, 4);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  first = _mm512_permutex2var_epi32(a, even, b);
  second = _mm512_permutex2var_epi32(a, _mm512_add_epi32(even, _mm512_set1_epi32(1)), b);
}

// Gather steps of the slot search before the lanes still searching finish one by one: scans are
// short in a row's body, but the tails hold runs of tiny slots (an escape's cum lands there).
constexpr int kVectorSteps = 2;

// The rest of the slot search for `lanes` (rows r), whose cdf[row + s + 1] <= cum: a binary
// search up to the row's last entry, leaving cdf[row + s] <= cum < cdf[row + s + 1] = high.
inline void finish_search(__mmask16 lanes, __m512i r, __m512i row, __m512i cum, __m512i& s, __m512i& low,
                          __m512i& high, const DecodeTables& t) {
  alignas(64) int32_t indexes[kWidth], rows[kWidth], cums[kWidth], slots[kWidth], lows[kWidth], highs[kWidth];
  _mm512_store_si512(indexes, r);
  _mm512_store_si512(rows, row);
  _mm512_store_si512(cums, cum);
  _mm512_store_si512(slots, s);
  for (uint32_t m = lanes; m; m &= m - 1) {
    const int32_t l = lowest_lane(m);
    const int32_t* entry = t.cdf + rows[l];
    const int32_t below = tail_slot(entry, slots[l] + 1, t.cdf_length[indexes[l]] - 1, cums[l]);
    slots[l] = below;
    lows[l] = entry[below];
    highs[l] = entry[below + 1];
  }
  s = _mm512_load_si512(slots);
  low = _mm512_mask_load_epi32(low, lanes, lows);
  high = _mm512_mask_load_epi32(high, lanes, highs);
}

// Lanes `need` take the block of words just below *cursor, in lane order: x = x << 16 | word
// (interleaved_stream::refill for V registers); false when the chunk has too few words.
template <int V>
inline bool refill(__m512i* x, const __mmask16* need, const uint8_t* words, int64_t* cursor) {
  int64_t total = 0;
  for (int v = 0; v < V; ++v) total += _mm_popcnt_u32(need[v]);
  int64_t pos = *cursor - total;
  if (pos < 0) return false;
  *cursor = pos;
#pragma GCC unroll 2
  for (int v = 0; v < V; ++v) {
    const int n = _mm_popcnt_u32(need[v]);
    const __m256i block = _mm256_maskz_loadu_epi16(static_cast<__mmask16>((1u << n) - 1), words + 2 * pos);
    const __m512i fresh = _mm512_maskz_expand_epi32(need[v], _mm512_cvtepu16_epi32(block));
    x[v] = _mm512_mask_or_epi32(x[v], need[v], _mm512_slli_epi32(x[v], 16), fresh);
    pos += n;
  }
  return true;
}

// The bypass rounds of the escaped lanes (interleaved_stream::decode_bypass for V registers):
// d = 1 takes each one's nibble count, d >= 2 its nibbles, each round followed by its refill.
// raw[l]: lane l's raw value.
template <int V>
inline Status decode_bypass(__m512i* x, const __mmask16* escaped, const uint8_t* words, int64_t* cursor,
                            uint32_t* raw) {
  const __m512i nibble = _mm512_set1_epi32(escape::kBypassMask), lower = _mm512_set1_epi32(rans32::kLower);
  __m512i count[V], value[V];
  uint32_t longest = 0;
  for (int32_t d = 1; d <= 1 + static_cast<int32_t>(longest); ++d) {
    __mmask16 busy[V], need[V];
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      busy[v] = d == 1 ? escaped[v] : _mm512_mask_cmpgt_epu32_mask(escaped[v], count[v], _mm512_set1_epi32(d - 2));
      const __m512i item = _mm512_and_si512(x[v], nibble);
      x[v] = _mm512_mask_srli_epi32(x[v], busy[v], x[v], escape::kBypassBits);
      if (d == 1) {
        if (_mm512_mask_cmpgt_epu32_mask(busy[v], item, _mm512_set1_epi32(escape::kMaxNibbles))) return kCorrupt;
        count[v] = item;
        value[v] = _mm512_setzero_si512();
        longest = std::max(longest, _mm512_mask_reduce_max_epu32(busy[v], item));
      } else {
        const __m128i shift = _mm_cvtsi32_si128((d - 2) * escape::kBypassBits);
        value[v] = _mm512_mask_or_epi32(value[v], busy[v], value[v], _mm512_sll_epi32(item, shift));
      }
      need[v] = _mm512_mask_cmplt_epu32_mask(busy[v], x[v], lower);
    }
    if (!refill<V>(x, need, words, cursor)) return kTruncated;
  }
  for (int v = 0; v < V; ++v) _mm512_storeu_si512(raw + v * kWidth, value[v]);
  return kOk;
}

// Appends the low words of the lanes `emit` of x at *w in lane order (vpcompressd, vpmovdw; the
// store may write kWidth words) and shifts them out of x.
inline bool emit_words(__m512i& x, __mmask16 emit, uint16_t* words, int64_t capacity, int64_t* w) {
  const int n = _mm_popcnt_u32(emit);
  if (*w + n > capacity) return false;
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(words + *w), _mm512_cvtepi32_epi16(_mm512_maskz_compress_epi32(emit, x)));
  *w += n;
  x = _mm512_mask_srli_epi32(x, emit, x, 16);
  return true;
}

// Puts the bypass items of the escaped lanes (raw values `raw`, `nibbles` significant nibbles)
// before their slot round: rounds d = 1 + max nibbles down to 1, as interleaved_stream::encode_bypass.
template <int V>
inline Status encode_bypass(__m512i* x, const __mmask16* escaped, const __m512i* raw, const __m512i* nibbles,
                            uint16_t* words, int64_t capacity, int64_t* w) {
  const __m512i limit = _mm512_set1_epi32((1u << (32 - escape::kBypassBits)) - 1);
  const __m512i nibble = _mm512_set1_epi32(escape::kBypassMask);
  uint32_t longest = 0;
  for (int v = 0; v < V; ++v) longest = std::max(longest, _mm512_mask_reduce_max_epu32(escaped[v], nibbles[v]));
  for (int32_t d = 1 + static_cast<int32_t>(longest); d >= 1; --d) {
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      const __mmask16 busy = d == 1 ? escaped[v] : _mm512_mask_cmpgt_epu32_mask(escaped[v], nibbles[v], _mm512_set1_epi32(d - 2));
      const __m512i item = d == 1 ? nibbles[v]
                                  : _mm512_and_si512(_mm512_srl_epi32(raw[v], _mm_cvtsi32_si128((d - 2) * escape::kBypassBits)), nibble);
      if (!emit_words(x[v], _mm512_mask_cmpgt_epu32_mask(busy, x[v], limit), words, capacity, w)) return kOutputOverflow;
      x[v] = _mm512_mask_or_epi32(x[v], busy, _mm512_slli_epi32(x[v], escape::kBypassBits), item);
    }
  }
  return kOk;
}

template <int V>
Status encode(const int32_t* symbols, const int32_t* indexes, int64_t len, int32_t lanes, int32_t skip_below,
              const EncodeTables& t, uint32_t* states, uint16_t* words, int64_t capacity, int64_t* word_count) {
  const EncSymbolDwords enc = enc_symbol_dwords(t);  // gathered at dword 6e + 2 (freq), 6e + 3 (bias)
  const __m512i rows = _mm512_set1_epi32(t.num_rows), skip = _mm512_set1_epi32(skip_below);
  const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
  __m512i x[V];
  for (int v = 0; v < V; ++v) x[v] = _mm512_set1_epi32(rans32::kLower);
  int64_t w = 0;
  for (int64_t g0 = 0; g0 < len; g0 += lanes) {
    const int32_t count = len - g0 < lanes ? static_cast<int32_t>(len - g0) : lanes;
    __mmask16 keep[V], lanes_escaped[V];
    __m512i slot_index[V], raw[V], nibbles[V];
    bool bad = false;
    uint32_t escaped = 0;
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      const __mmask16 live = live_lanes(count, lanes, v);
      const __m512i r = load(live, indexes + g0 + v * kWidth);
      const __m512i s = load(live, symbols + g0 + v * kWidth);
      const __mmask16 valid = _mm512_mask_cmpge_epi32_mask(live, r, zero) & _mm512_cmplt_epi32_mask(r, rows);
      bad |= live != valid;
      keep[v] = _mm512_mask_cmpge_epi32_mask(valid, r, skip);
      const __m512i offset = gather(keep[v], r, t.offset);
      const __m512i max = _mm512_sub_epi32(gather(keep[v], r, t.cdf_length), _mm512_set1_epi32(2));
      __m512i value = _mm512_sub_epi32(s, offset);  // s - offset; wrapped when the signs say so
      const __m512i wrapped = _mm512_and_si512(_mm512_xor_si512(s, offset), _mm512_xor_si512(s, value));
      const __mmask16 in_table = _mm512_cmpge_epi32_mask(value, zero) & _mm512_cmplt_epi32_mask(value, max) &
                                 _mm512_cmpge_epi32_mask(wrapped, zero);
      const __mmask16 escape = keep[v] & ~in_table;
      escaped |= static_cast<uint32_t>(escape) << (v * kWidth);
      lanes_escaped[v] = escape;
      // Escaped (escape.h): v < 0 -> raw = -2v - 1, v >= max -> raw = 2(v - max); too far
      // (|v| or v - max beyond 2^30, or s - offset beyond int32) goes to the scalar step's error.
      const __mmask16 negative = _mm512_mask_cmplt_epi32_mask(escape, value, zero);
      const __m512i above = _mm512_sub_epi32(value, max);
      const __m512i magnitude = _mm512_mask_sub_epi32(above, negative, zero, value);
      bad |= _mm512_mask_cmplt_epi32_mask(negative, value, _mm512_set1_epi32(-(1 << 30))) ||
             _mm512_mask_cmpge_epi32_mask(escape & ~negative, above, _mm512_set1_epi32(1 << 30)) ||
             _mm512_mask_cmplt_epi32_mask(keep[v], wrapped, zero);
      raw[v] = _mm512_mask_sub_epi32(_mm512_add_epi32(magnitude, magnitude), negative,
                                     _mm512_add_epi32(magnitude, magnitude), one);
      nibbles[v] = _mm512_srli_epi32(_mm512_sub_epi32(_mm512_set1_epi32(35), _mm512_lzcnt_epi32(raw[v])), 2);
      value = _mm512_mask_mov_epi32(value, escape, max);  // escaped: the escape slot
      // row_start is int64, below 2^31 (gathers_fit): its low dwords are the starts.
      const __m512i start = _mm512_mask_i32gather_epi32(zero, keep[v], r, t.row_start, 8);
      slot_index[v] = _mm512_mullo_epi32(_mm512_add_epi32(start, value), _mm512_set1_epi32(kEncSymbolDwords));
    }
    if (bad) {  // the scalar step reports the bad index or symbol
      uint32_t lane_x[kMaxLanes];
      for (int v = 0; v < V; ++v) _mm512_storeu_si512(lane_x + v * kWidth, x[v]);
      const Status st = encode_group(symbols + g0, indexes + g0, count, skip_below, t, lane_x, words, capacity, &w);
      if (st != kOk) return st;
      for (int v = 0; v < V; ++v) x[v] = _mm512_loadu_si512(lane_x + v * kWidth);
      continue;
    }
    if (escaped) {
      const Status st = encode_bypass<V>(x, lanes_escaped, raw, nibbles, words, capacity, &w);
      if (st != kOk) return st;
    }
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      const __m512i freq = gather(keep[v], slot_index[v], enc.freq);
      const __m512i bias = gather(keep[v], slot_index[v], enc.bias);
      // Emit when x >= freq << 16, written x > (freq << 16) - 1 so that freq = 2^16 never emits.
      const __m512i limit = _mm512_sub_epi32(_mm512_slli_epi32(freq, 16), one);
      if (!emit_words(x[v], _mm512_mask_cmpgt_epu32_mask(keep[v], x[v], limit), words, capacity, &w)) {
        return kOutputOverflow;
      }
      const __m512i y = x[v];
      // q = y / freq: float quotient, then remainder-driven fix-ups (exact, see the header).
      __m512i q = _mm512_cvttps_epu32(_mm512_div_ps(_mm512_cvtepu32_ps(y), _mm512_cvtepu32_ps(freq)));
      __m512i rem = _mm512_sub_epi32(y, _mm512_mullo_epi32(q, freq));
      const __mmask16 low = _mm512_cmplt_epi32_mask(rem, zero);
      q = _mm512_mask_sub_epi32(q, low, q, one);
      rem = _mm512_mask_add_epi32(rem, low, rem, freq);
      const __mmask16 high = _mm512_cmpge_epu32_mask(rem, freq);
      q = _mm512_mask_add_epi32(q, high, q, one);
      rem = _mm512_mask_sub_epi32(rem, high, rem, freq);
      // bias = start, except start + 2^16 - 1 for freq == 1.
      const __m512i start = _mm512_mask_sub_epi32(bias, _mm512_cmpeq_epi32_mask(freq, one), bias,
                                                  _mm512_set1_epi32(0xffff));
      x[v] = _mm512_mask_add_epi32(x[v], keep[v], _mm512_add_epi32(_mm512_slli_epi32(q, 16), rem), start);
    }
  }
  for (int v = 0; v < V; ++v) {
    _mm512_mask_storeu_epi32(states + v * kWidth, live_lanes(lanes, lanes, v), x[v]);
  }
  *word_count = w;
  return kOk;
}

// One chunk's decoder, a group per step() (last group first), so that two chunks can be decoded
// in one loop (decode_pair): their dependency chains (gathers, then the next state) are
// independent, and the core overlaps them.
template <int V>
struct ChunkDecoder {
  const uint8_t* words;
  const int32_t* indexes;
  int32_t* out;
  int64_t len, cursor, g;  // g: the next group to decode (decoding ends below 0)
  int32_t lanes;
  __m512i x[V];

  ChunkDecoder(const DecodeTask& task)
      : words(task.chunk + 4 * task.lanes), indexes(task.indexes), out(task.out), len(task.len),
        cursor(task.words), g((task.len + task.lanes - 1) / task.lanes - 1), lanes(task.lanes) {
    for (int v = 0; v < V; ++v) x[v] = _mm512_maskz_loadu_epi32(live_lanes(lanes, lanes, v), task.chunk + 4 * kWidth * v);
  }

  bool done() const { return g < 0; }

  // Decodes group g and moves to g - 1.
  __attribute__((always_inline)) inline Status step(int32_t skip_below, const DecodeTables& t) {
    const __m512i rows = _mm512_set1_epi32(t.num_rows), skip = _mm512_set1_epi32(skip_below);
    const __m512i stride = _mm512_set1_epi32(static_cast<int32_t>(t.cdf_stride));
    const __m512i zero = _mm512_setzero_si512(), one = _mm512_set1_epi32(1);
    const __m512i word_mask = _mm512_set1_epi32(rans32::kWordMask), lower = _mm512_set1_epi32(rans32::kLower);
    const int64_t g0 = g * lanes;
    --g;
    const int32_t count = len - g0 < lanes ? static_cast<int32_t>(len - g0) : lanes;
    __mmask16 live[V], keep[V], need[V];
    __m512i next[V], symbol[V];
    bool bad = false;
    uint32_t escaped = 0;
#pragma GCC unroll 2
    for (int v = 0; v < V; ++v) {
      live[v] = live_lanes(count, lanes, v);
      const __m512i r = load(live[v], indexes + g0 + v * kWidth);
      const __mmask16 valid = _mm512_mask_cmpge_epi32_mask(live[v], r, zero) & _mm512_cmplt_epi32_mask(r, rows);
      keep[v] = _mm512_mask_cmpge_epi32_mask(valid, r, skip);
      const __m512i cum = _mm512_and_si512(x[v], word_mask);
      // Bucket of cum in row r: u16 lut[r * 256 + (cum >> 8)], read as the aligned dword holding it.
      const __m512i bucket = _mm512_add_epi32(_mm512_slli_epi32(r, kLutBits), _mm512_srli_epi32(cum, 16 - kLutBits));
      const __m512i pair = gather<2>(keep[v], _mm512_andnot_si512(one, bucket), t.lut);
      __m512i s = _mm512_and_si512(_mm512_srlv_epi32(pair, _mm512_slli_epi32(_mm512_and_si512(bucket, one), 4)),
                                   word_mask);
      const __m512i row = _mm512_mullo_epi32(r, stride);
      __m512i low, high;  // cdf[row + s], cdf[row + s + 1]
      gather_pair(keep[v], _mm512_add_epi32(row, s), t.cdf, low, high);
      int steps = 0;
      for (__mmask16 step = _mm512_mask_cmple_epi32_mask(keep[v], high, cum); step;
           step = _mm512_mask_cmple_epi32_mask(step, high, cum)) {
        if (++steps > kVectorSteps) {
          finish_search(step, r, row, cum, s, low, high, t);
          break;
        }
        s = _mm512_mask_add_epi32(s, step, s, one);
        low = _mm512_mask_mov_epi32(low, step, high);
        high = _mm512_mask_i32gather_epi32(high, step, _mm512_add_epi32(_mm512_add_epi32(row, s), one), t.cdf, 4);
      }
      const __m512i offset = gather(keep[v], r, t.offset);
      // The escape slot max = cdf_length - 2 is the one whose cdf[s + 1] is the row's last, 2^16.
      const __mmask16 escape = _mm512_mask_cmpeq_epi32_mask(keep[v], high, _mm512_set1_epi32(1 << kPrecision));
      escaped |= static_cast<uint32_t>(escape) << (v * kWidth);
      symbol[v] = _mm512_add_epi32(s, offset);  // s >= 0: wrapped iff below offset
      bad |= (live[v] != valid) || _mm512_mask_cmplt_epi32_mask(keep[v] & ~escape, symbol[v], offset);
      const __m512i advanced = _mm512_sub_epi32(
          _mm512_add_epi32(_mm512_mullo_epi32(_mm512_sub_epi32(high, low), _mm512_srli_epi32(x[v], 16)), cum), low);
      next[v] = _mm512_mask_mov_epi32(x[v], keep[v], advanced);
      need[v] = _mm512_mask_cmplt_epu32_mask(keep[v], next[v], lower);
    }
    if (bad) {  // the scalar step reports the bad index or corrupt symbol
      uint32_t lane_x[kMaxLanes];
      for (int v = 0; v < V; ++v) _mm512_storeu_si512(lane_x + v * kWidth, x[v]);
      const Status st = decode_group(lane_x, words, &cursor, indexes + g0, count, skip_below, t, out + g0);
      if (st != kOk) return st;
      for (int v = 0; v < V; ++v) x[v] = _mm512_loadu_si512(lane_x + v * kWidth);
      return kOk;
    }
    for (int v = 0; v < V; ++v) x[v] = next[v];
    if (!refill<V>(x, need, words, &cursor)) return kTruncated;
    for (int v = 0; v < V; ++v) {
      const __m512i decoded = _mm512_maskz_mov_epi32(keep[v], symbol[v]);
      if (live[v] == 0xffff) {
        _mm512_storeu_si512(out + g0 + v * kWidth, decoded);
      } else {
        _mm512_mask_storeu_epi32(out + g0 + v * kWidth, live[v], decoded);
      }
    }
    if (escaped) {  // the bypass rounds of the escaped lanes, then their symbols
      __mmask16 lanes_escaped[V];
      for (int v = 0; v < V; ++v) lanes_escaped[v] = static_cast<__mmask16>(escaped >> (v * kWidth));
      uint32_t raw[kMaxLanes];
      const Status st = decode_bypass<V>(x, lanes_escaped, words, &cursor, raw);
      if (st != kOk) return st;
      for (uint32_t e = escaped; e; e &= e - 1) {
        const int32_t l = lowest_lane(e), r = indexes[g0 + l];
        if (!escape::unmap_escaped(raw[l], t.offset[r], t.cdf_length[r] - 2, out[g0 + l])) return kCorrupt;
      }
    }
    return kOk;
  }

  // kOk when every group is decoded and the chunk ends there (chunk_finished).
  Status finish() const {
    uint32_t lane_x[kMaxLanes];
    for (int v = 0; v < V; ++v) _mm512_storeu_si512(lane_x + v * kWidth, x[v]);
    return chunk_finished(lane_x, lanes, cursor);
  }
};

template <int V>
Status decode(const DecodeTask& task, int32_t skip_below, const DecodeTables& t) {
  ChunkDecoder<V> d(task);
  while (!d.done()) {
    const Status st = d.step(skip_below, t);
    if (st != kOk) return st;
  }
  return d.finish();
}

// Two chunks of the same lane count, their groups alternating while both have some.
template <int V>
void decode_pair(const DecodeTask& a, const DecodeTask& b, int32_t skip_below, const DecodeTables& t, Status* status) {
  ChunkDecoder<V> da(a), db(b);
  status[0] = status[1] = kOk;
  while (!da.done() && !db.done()) {
    status[0] = da.step(skip_below, t);
    status[1] = db.step(skip_below, t);
    if (status[0] != kOk || status[1] != kOk) break;
  }
  for (int i = 0; i < 2; ++i) {
    ChunkDecoder<V>& d = i == 0 ? da : db;
    while (status[i] == kOk && !d.done()) status[i] = d.step(skip_below, t);
    if (status[i] == kOk) status[i] = d.finish();
  }
}

}  // namespace

Status encode_chunk_avx512(const int32_t* symbols, const int32_t* indexes, int64_t len, int32_t lanes,
                           int32_t skip_below, const EncodeTables& t, uint32_t* states, uint16_t* words,
                           int64_t capacity, int64_t* word_count) {
  if (lanes == 1 || !gathers_fit(t)) {
    return encode_chunk(symbols, indexes, len, lanes, skip_below, t, states, words, capacity, word_count);
  }
  return lanes == 32 ? encode<2>(symbols, indexes, len, lanes, skip_below, t, states, words, capacity, word_count)
                     : encode<1>(symbols, indexes, len, lanes, skip_below, t, states, words, capacity, word_count);
}

Status decode_chunk_avx512(const uint8_t* chunk, int64_t word_count, const int32_t* indexes, int64_t len,
                           int32_t lanes, int32_t skip_below, const DecodeTables& t, int32_t* out) {
  if (lanes == 1 || !gathers_fit(t)) return decode_chunk(chunk, word_count, indexes, len, lanes, skip_below, t, out);
  const DecodeTask task{chunk, word_count, indexes, len, lanes, out};
  return lanes == 32 ? decode<2>(task, skip_below, t) : decode<1>(task, skip_below, t);
}

void decode_chunk_pair_avx512(const DecodeTask& a, const DecodeTask& b, int32_t skip_below, const DecodeTables& t,
                              Status* status) {
  if (a.lanes != b.lanes || a.lanes == 1 || !gathers_fit(t)) {
    decode_one_by_one<decode_chunk_avx512>(a, b, skip_below, t, status);
  } else if (a.lanes == 32) {
    decode_pair<2>(a, b, skip_below, t, status);
  } else {
    decode_pair<1>(a, b, skip_below, t, status);
  }
}

}  // namespace simd
}  // namespace ecc

#pragma GCC pop_options
