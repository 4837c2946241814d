// Gaussian scale -> quantized CDF row, exactly as CompressAI's
// GaussianConditional.update() + pmf_to_quantized_cdf (compressai 1.2.8).
//
// For a scale s (float32) the row is built in five steps, each matching CompressAI:
//   center  = ceil(s * kTailMultiplier)               float32 product, kTailMultiplier =
//             -Phi^-1(tail_mass / 2) with tail_mass = 1e-9, rounded to float32
//   pmf[k]  = Phi((0.5 - |k - center|) / s) - Phi((-0.5 - |k - center|) / s), k < 2*center+1,
//             Phi(t) = 0.5 * erfc(-(2^-0.5) * t), all in float32
//   pmf[n-1]= 2 * Phi((-0.5 - center) / s)           the tail mass, n = 2*center + 2 entries
//   freq[k] = round(pmf[k] * 2^16) rescaled by 2^16 / sum (uint64, floor), then the last
//             CDF entry is forced to 2^16 and every zero frequency steals one unit from the
//             smallest frequency > 1 (lowest index on ties).
//   cdf     = [0, freq[0], freq[0]+freq[1], ..., 2^16]: n + 1 = 2*center + 3 int32 entries.
//
// The output then has cdf_length = 2*center + 3 and offset = -center. Every float operation
// is a single IEEE-rounded +, -, *, / (no contraction) and erfc is SLEEF's algorithm with
// explicit fmaf (erfc.h), so g++ and nvcc produce the same bits as PyTorch's CPU path.
#pragma once

#include <stdint.h>

#include "erfc.h"
#include "macros.h"

namespace ecc {
namespace cdf {

constexpr int kPrecision = 16;
constexpr uint32_t kTotal = 1u << kPrecision;
// float32(-scipy.stats.norm.ppf(1e-9 / 2)) = 6.1094103f
constexpr float kTailMultiplier = 0x1.870094p+2f;
// float32(-(2 ** -0.5))
constexpr float kNegInvSqrt2 = -0x1.6a09e6p-1f;
// A row holds 2*center + 3 entries and needs 2*center + 2 <= 2^16 frequencies >= 1.
constexpr int32_t kMaxCenter = (1 << 15) - 1;

// Standard normal CDF as CompressAI computes it: 0.5 * erfc(-(2^-0.5) * t), float32.
ECC_HOST_DEVICE float standardized_cumulative(float t) {
  return 0.5f * erfc_f32(kNegInvSqrt2 * t);
}

// ceil(scale * kTailMultiplier) as int32; the caller has checked 0 < scale <= max_scale().
ECC_HOST_DEVICE int32_t pmf_center(float scale) {
  const float c = scale * kTailMultiplier;
  const int32_t t = static_cast<int32_t>(c);  // truncation == floor for c > 0
  return static_cast<float>(t) < c ? t + 1 : t;
}

// Probability of bin k (0 <= k < 2*center+1) of a row with this center and scale.
ECC_HOST_DEVICE float bin_probability(int32_t k, int32_t center, float scale) {
  const int32_t d = k > center ? k - center : center - k;
  const float sample = static_cast<float>(d);
  const float upper = standardized_cumulative((0.5f - sample) / scale);
  const float lower = standardized_cumulative((-0.5f - sample) / scale);
  return upper - lower;
}

// Both tails together: 2 * Phi((-0.5 - center) / scale).
ECC_HOST_DEVICE float tail_probability(int32_t center, float scale) {
  return 2.0f * standardized_cumulative((-0.5f - static_cast<float>(center)) / scale);
}

// round(p * 2^16), half away from zero, as std::round on a float does.
ECC_HOST_DEVICE uint32_t round_to_precision(float p) {
  const float v = p * static_cast<float>(kTotal);  // exact: power-of-two scaling
  uint32_t r = static_cast<uint32_t>(v);             // v >= 0: truncation
  if (v - static_cast<float>(r) >= 0.5f) ++r;          // exact subtraction for v < 2^24
  return r;
}

// CompressAI's pmf_to_quantized_cdf after the rounding step: freq[0 .. n-1] holds
// round(p * 2^16) of n probabilities (the last one the tail mass); writes cdf[0 .. n].
// Rescales by 2^16 / sum (uint64, floor), forces the last CDF entry to 2^16, then every zero
// frequency steals one unit from the smallest frequency > 1 (lowest index on ties).
// The fix-up is CompressAI's sequential loop in closed form: only zeros and the current target
// change, so the target stays the minimum until it reaches 1; the donors are therefore drained
// to 1, one after another, in (frequency, index) order, and the zeros all become 1.
// Needs 1 <= n <= 2^16 and a positive sum (the callers check); no sum can overflow.
ECC_HOST_DEVICE void rounded_pmf_to_cdf(uint32_t* freq, int32_t n, int32_t* cdf) {
  uint64_t total = 0;
  for (int32_t k = 0; k < n; ++k) total += freq[k];
  uint32_t cum = 0;
  for (int32_t k = 0; k < n; ++k) {
    freq[k] = static_cast<uint32_t>((static_cast<uint64_t>(kTotal) * freq[k]) / total);
    if (k + 1 < n) cum += freq[k];
  }
  freq[n - 1] = kTotal - cum;

  uint32_t zeros = 0;
  for (int32_t k = 0; k < n; ++k) {
    if (freq[k] == 0) {
      freq[k] = 1;
      ++zeros;
    }
  }
  while (zeros > 0) {  // drain donors: all entries at the current minimum > 1, in index order
    uint32_t smallest = kTotal + 1;
    for (int32_t k = 0; k < n; ++k) {
      if (freq[k] > 1 && freq[k] < smallest) smallest = freq[k];
    }
    if (smallest > kTotal) break;  // unreachable for n <= 2^16; keeps the loop finite
    for (int32_t k = 0; k < n && zeros > 0; ++k) {
      if (freq[k] != smallest) continue;
      const uint32_t take = zeros < smallest - 1 ? zeros : smallest - 1;
      freq[k] -= take;
      zeros -= take;
    }
  }

  cdf[0] = 0;
  for (int32_t k = 0; k < n; ++k) cdf[k + 1] = cdf[k] + static_cast<int32_t>(freq[k]);
}

// Writes the quantized CDF of one scale into cdf[0 .. 2*center+2] (center = pmf_center(scale)),
// using freq[0 .. 2*center+1] as scratch. Returns cdf_length = 2*center + 3.
ECC_HOST_DEVICE int32_t gaussian_quantized_cdf(float scale, uint32_t* freq, int32_t* cdf) {
  const int32_t center = pmf_center(scale);
  const int32_t n = 2 * center + 2;  // 2*center+1 bins + the tail mass
  for (int32_t k = 0; k < n; ++k) {
    const float p = k + 1 < n ? bin_probability(k, center, scale) : tail_probability(center, scale);
    freq[k] = round_to_precision(p);
  }
  rounded_pmf_to_cdf(freq, n, cdf);
  return n + 1;
}

// Writes the quantized CDF of a pmf of `length` probabilities plus its tail mass into
// cdf[0 .. length + 1], using freq[0 .. length] as scratch. Returns cdf_length = length + 2, or
// 0 when every probability rounds to 0 (no CDF exists). The caller has checked 0 <= p <= 1
// and length + 1 <= 2^16.
ECC_HOST_DEVICE int32_t pmf_quantized_cdf(const float* pmf, int32_t length, float tail_mass, uint32_t* freq,
                                          int32_t* cdf) {
  uint32_t total = 0;
  for (int32_t k = 0; k <= length; ++k) {
    freq[k] = round_to_precision(k < length ? pmf[k] : tail_mass);
    total += freq[k];
  }
  if (total == 0) return 0;
  rounded_pmf_to_cdf(freq, length + 1, cdf);
  return length + 2;
}

}  // namespace cdf
}  // namespace ecc
