// rANS with a 64-bit state and 32-bit output words: the coder under CompressAI's
// RansEncoder (ryg_rans' rans64.h plus CompressAI's 4-bit bypass puts), rewritten as
// ECC_HOST_DEVICE functions so the CPU and CUDA kernels run the same code.
//
// State.   x lives in [kLower, kLower << 32) = [2^31, 2^63) between symbols.
// Encode.  Symbols are put in REVERSE order. Putting (start, freq) with 16-bit probabilities:
//            if x >= freq << 47: emit the low 32 bits of x, x >>= 32   (at most one word)
//            x = (x / freq) << 16 | (x % freq) + start
//          Division is a multiply-high by a precomputed reciprocal (EncSymbol), exact for every
//          x < 2^63. A 4-bit bypass put is the same step with freq = 2^12: x = x << 4 | value.
// Words.   The encoder writes words backwards from the end of its buffer, then flushes the
//          state as [low u32][high u32]; the stream is read forwards: state first, then words.
//          Words are little-endian (host order on every platform we build for).
// Decode.  cum = x & 0xffff; find s with cdf[s] <= cum < cdf[s+1];
//            x = freq * (x >> 16) + cum - start; if x < 2^31: x = x << 32 | next word.
//          A correct stream leaves the decoder in state 2^31 with every word consumed.
#pragma once

#include <stdint.h>
#include <string.h>

#include "escape.h"
#include "macros.h"

namespace ecc {
namespace rans64 {

constexpr int kPrecision = 16;
constexpr uint64_t kLower = 1ull << 31;

ECC_HOST_DEVICE uint64_t mulhi64(uint64_t a, uint64_t b) {
#if defined(__CUDA_ARCH__)
  return __umul64hi(a, b);
#else
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#endif
}

// Everything the encoder needs to put one symbol, derived from (start, freq) once per table.
struct EncSymbol {
  uint64_t rcp_freq;   // ceil(2^(63 + l) / freq), l = ceil(log2(freq)); ~0 for freq == 1
  uint32_t freq;
  uint32_t bias;       // start, or start + 2^16 - 1 for freq == 1
  uint32_t cmpl_freq;  // 2^16 - freq
  uint32_t rcp_shift;  // l - 1; 0 for freq == 1
};

// Reciprocal for 1 <= freq <= 2^16. For x < 2^63, mulhi64(x, m) >> (l - 1) == x / freq with
// m = ceil(2^(63+l) / freq): m * freq - 2^(63+l) < freq, so the error term is below 1 / freq and
// cannot cross an integer. m < 2^64 because freq > 2^(l-1). m is computed in two 64-bit steps
// (2^(63+l) = 2^(31+l) * 2^32; the partial remainder r < freq < 2^17 keeps r << 32 in range).
// freq == 1 uses m = 2^64 - 1 (q = x - 1) and folds the difference into the bias.
ECC_HOST_DEVICE EncSymbol make_enc_symbol(uint32_t start, uint32_t freq) {
  EncSymbol s;
  s.freq = freq;
  s.cmpl_freq = (1u << kPrecision) - freq;
  if (freq < 2) {
    s.rcp_freq = ~0ull;
    s.rcp_shift = 0;
    s.bias = start + (1u << kPrecision) - 1;
    return s;
  }
  uint32_t l = 0;
  while ((1u << l) < freq) ++l;
  const uint64_t high = 1ull << (31 + l);
  const uint64_t t1 = high / freq;
  const uint64_t r1 = high % freq;
  const uint64_t t0 = ((r1 << 32) + freq - 1) / freq;
  s.rcp_freq = (t1 << 32) + t0;
  s.rcp_shift = l - 1;
  s.bias = start;
  return s;
}

// Output words written backwards into [begin, ptr); `overflow` instead of writing past begin.
struct WordWriter {
  uint32_t* ptr;
  uint32_t* begin;
  bool overflow;
};

ECC_HOST_DEVICE void write_word(WordWriter& w, uint32_t word) {
  if (w.ptr == w.begin) {
    w.overflow = true;
    return;
  }
  *--w.ptr = word;
}

ECC_HOST_DEVICE void enc_put(uint64_t& x, WordWriter& w, const EncSymbol& s) {
  const uint64_t x_max = static_cast<uint64_t>(s.freq) << (63 - kPrecision);
  if (x >= x_max) {
    write_word(w, static_cast<uint32_t>(x));
    x >>= 32;
  }
  const uint64_t q = mulhi64(x, s.rcp_freq) >> s.rcp_shift;
  x = x + s.bias + q * s.cmpl_freq;
}

// Put 4 raw bits (value < 16): rANS with freq = 2^12 of 2^16, i.e. x = x << 4 | value.
ECC_HOST_DEVICE void enc_put_bits(uint64_t& x, WordWriter& w, uint32_t value) {
  const uint64_t x_max = 1ull << (63 - escape::kBypassBits);
  if (x >= x_max) {
    write_word(w, static_cast<uint32_t>(x));
    x >>= 32;
  }
  x = (x << escape::kBypassBits) | value;
}

ECC_HOST_DEVICE void enc_flush(uint64_t x, WordWriter& w) {
  write_word(w, static_cast<uint32_t>(x >> 32));
  write_word(w, static_cast<uint32_t>(x));
}

// Input words read forwards from [ptr, end); reading past end yields 0 and sets `overrun`.
struct WordReader {
  const uint8_t* ptr;
  const uint8_t* end;
  bool overrun;
};

ECC_HOST_DEVICE uint32_t read_word(WordReader& r) {
  if (r.end - r.ptr < 4) {
    r.overrun = true;
    return 0;
  }
  uint32_t word;
  memcpy(&word, r.ptr, 4);  // the stream need not be 4-byte aligned
  r.ptr += 4;
  return word;
}

ECC_HOST_DEVICE uint64_t dec_init(WordReader& r) {
  const uint64_t low = read_word(r);
  const uint64_t high = read_word(r);
  return low | (high << 32);
}

ECC_HOST_DEVICE void dec_advance(uint64_t& x, WordReader& r, uint32_t start, uint32_t freq) {
  const uint64_t mask = (1ull << kPrecision) - 1;
  x = freq * (x >> kPrecision) + (x & mask) - start;
  if (x < kLower) x = (x << 32) | read_word(r);
}

ECC_HOST_DEVICE uint32_t dec_get_bits(uint64_t& x, WordReader& r) {
  const uint32_t value = static_cast<uint32_t>(x) & escape::kBypassMask;
  x >>= escape::kBypassBits;
  if (x < kLower) x = (x << 32) | read_word(r);
  return value;
}

}  // namespace rans64
}  // namespace ecc
