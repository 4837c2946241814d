// rANS with a 32-bit state and 16-bit output words: one lane of the `interleaved` format.
//
// State.   x lives in [kLower, 2^32) = [2^16, 2^32) between puts. The lower bound equals the
//          16-bit table precision (rANS needs kLower >= 2^precision), so CompressAI's 16-bit
//          tables are used unchanged, and every put emits at most one 16-bit word.
// Encode.  Putting (start, freq): if x >= freq << 16, emit x & 0xffff and x >>= 16 (then
//          x < freq << 16); x = (x / freq) << 16 | (x % freq) + start, which stays below 2^32.
//          The division is rans64's exact multiply-high reciprocal (valid for any x < 2^63).
//          A 4-bit bypass put is the same step with freq = 2^12: threshold 2^28, x = x << 4 | v.
// Decode.  cum = x & 0xffff, slot s with cdf[s] <= cum < cdf[s+1], x = freq * (x >> 16) + cum -
//          start; if x < 2^16: x = x << 16 | next word (one word always suffices).
// Words are emitted and read in an order the stream format defines (interleaved_stream.h).
#pragma once

#include <stdint.h>

#include "escape.h"
#include "macros.h"
#include "rans64.h"

namespace ecc {
namespace rans32 {

constexpr uint32_t kLower = 1u << 16;
constexpr uint32_t kWordMask = 0xffffu;

// True when putting a symbol of frequency freq must first emit a word.
ECC_HOST_DEVICE bool put_needs_word(uint32_t x, uint32_t freq) {
  return x >= (static_cast<uint64_t>(freq) << 16);  // freq may be 2^16
}

ECC_HOST_DEVICE bool put_bits_needs_word(uint32_t x) {
  return x >= (1u << (32 - escape::kBypassBits));
}

// x = C(s, x) after renormalisation: x + bias + q * (2^16 - freq), q = x / freq. Mathematically
// below 2^32; evaluated in 64 bits.
ECC_HOST_DEVICE uint32_t put(uint32_t x, const rans64::EncSymbol& s) {
  const uint64_t q = rans64::mulhi64(x, s.rcp_freq) >> s.rcp_shift;
  return static_cast<uint32_t>(x + s.bias + q * s.cmpl_freq);
}

// put() from the slot's cdf entries (start = cdf[s], freq = cdf[s + 1] - start) instead of its
// EncSymbol: the same state, with an exact division. After renormalisation x < freq << 16, so
// q = x / freq < 2^16 and (q << 16) + x % freq + start < 2^32 (x % freq + start < freq + start <=
// 2^16): the wrapping uint32 sum below is that value. For the GPU, whose shared memory holds the
// 4-byte cdf entries where the 24-byte EncSymbols do not fit.
ECC_HOST_DEVICE uint32_t put_cdf(uint32_t x, uint32_t start, uint32_t freq) {
  const uint32_t q = x / freq;
  return x + start + q * ((1u << 16) - freq);
}

ECC_HOST_DEVICE uint32_t put_bits(uint32_t x, uint32_t value) {
  return (x << escape::kBypassBits) | value;
}

ECC_HOST_DEVICE uint32_t advance(uint32_t x, uint32_t start, uint32_t freq) {
  return freq * (x >> 16) + (x & kWordMask) - start;
}

// Takes the low 4 bits of x as a bypass value.
ECC_HOST_DEVICE uint32_t get_bits(uint32_t& x) {
  const uint32_t value = x & escape::kBypassMask;
  x >>= escape::kBypassBits;
  return value;
}

ECC_HOST_DEVICE bool needs_word(uint32_t x) { return x < kLower; }

}  // namespace rans32
}  // namespace ecc
