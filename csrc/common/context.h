// Deterministic 1-D convolution: the building block of ecc's entropy-parameter path
// (hyper-synthesis, slice context, LRP), written once for the CPU and CUDA kernels.
//
// out[b, o, t] = act(bias[o] + sum over i = 0..Cin-1, k = 0..K-1 (in that order) of
//                    w[o, i, k] * x[b, i, t + k - K/2]),   terms outside [0, T) left out.
// Every term is one IEEE float32 multiply and one add (the build forbids contraction into
// FMA: -ffp-contract=off, nvcc -fmad=false), in a fixed order, and the activations are
// piecewise linear (only comparisons and one multiply), so every device and thread count
// computes the same bits. The decoder therefore recomputes exactly the means and log-scales,
// hence the scale indexes, that the encoder used.
#pragma once

#include <stdint.h>

#include "macros.h"

namespace ecc {
namespace context {

enum Activation : int32_t { kNone = 0, kRelu = 1, kLeakyRelu = 2, kHardTanh = 3 };
constexpr float kLeakySlope = 0.125f;  // a power of two: the product is exact

ECC_HOST_DEVICE bool activation_is_valid(int64_t a) { return a >= kNone && a <= kHardTanh; }

ECC_HOST_DEVICE float activate(float v, int32_t activation) {
  switch (activation) {
    case kRelu:
      return v > 0.0f ? v : 0.0f;
    case kLeakyRelu:
      return v > 0.0f ? v : kLeakySlope * v;
    case kHardTanh:
      return v > 1.0f ? 1.0f : (v < -1.0f ? -1.0f : v);
    default:
      return v;
  }
}

// One output element (the CUDA kernel); x is (Cin, T) of one batch element, w is (Cout, Cin, K).
ECC_HOST_DEVICE float conv1d_at(const float* x, const float* w, float bias, int64_t cin, int64_t length,
                                int64_t kernel, int64_t o, int64_t t, int32_t activation) {
  float acc = bias;
  const float* wo = w + o * cin * kernel;
  const int64_t half = kernel / 2;
  for (int64_t i = 0; i < cin; ++i) {
    for (int64_t k = 0; k < kernel; ++k) {
      const int64_t s = t + k - half;
      if (s < 0 || s >= length) continue;
      const float product = wo[i * kernel + k] * x[i * length + s];
      acc = acc + product;
    }
  }
  return activate(acc, activation);
}

// A whole output row out[0 .. T) of channel o, the terms summed in conv1d_at's order (i, then k)
// for every t, so each element gets the same bits; the inner loop over t vectorises (the CPU
// kernel). Terms outside [0, T) are left out exactly as in conv1d_at.
ECC_HOST_DEVICE void conv1d_row(const float* x, const float* w, float bias, int64_t cin, int64_t length,
                                int64_t kernel, int64_t o, int32_t activation, float* out) {
  for (int64_t t = 0; t < length; ++t) out[t] = bias;
  const float* wo = w + o * cin * kernel;
  const int64_t half = kernel / 2;
  for (int64_t i = 0; i < cin; ++i) {
    for (int64_t k = 0; k < kernel; ++k) {
      const float weight = wo[i * kernel + k];
      const int64_t shift = k - half;  // out[t] takes x[t + shift]
      const int64_t begin = shift < 0 ? -shift : 0;
      const int64_t end = shift > 0 ? length - shift : length;
      const float* xi = x + i * length;  // x + i * length + shift could point before x (UB)
      for (int64_t t = begin; t < end; ++t) {
        const float product = weight * xi[t + shift];
        out[t] = out[t] + product;
      }
    }
  }
  for (int64_t t = 0; t < length; ++t) out[t] = activate(out[t], activation);
}

}  // namespace context
}  // namespace ecc
