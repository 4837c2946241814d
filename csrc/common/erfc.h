// erfc_f32: float32 complementary error function, bit-identical to SLEEF's
// Sleef_erfcf{8,16}_u15 (the x86 FMA builds), i.e. PyTorch's
// Vectorized<float>::erfc. Note: on x86 builds with MKL (the usual pip wheels)
// torch.erfc on float32 tensors calls MKL's vmsErfc instead, which differs from
// SLEEF by 1-2 ulp on ~3% of inputs.
//
// CompressAI builds its Gaussian CDF tables as 0.5 * erfc(-(2**-0.5) * x) in
// float32 and then rounds them to 16-bit integers, so the exact bits matter.
// We re-implement the algorithm of SLEEF's xerfcf_u15 (FMA build) operation
// for operation: same polynomial coefficients, same interval thresholds, same
// double-float ("df") arithmetic, same evaluation order. SLEEF is by Naoki
// Shibata and contributors, Boost Software License 1.0.
//
// Every step is a single IEEE-754 round-to-nearest operation (+, -, *, /,
// explicit fmaf), a comparison, or integer/bit manipulation; nothing depends
// on libm accuracy. Host and device agree exactly PROVIDED the compiler does
// not contract a*b+c on its own: build host code with -ffp-contract=off and
// device code with nvcc -fmad=false (with nvcc's default -fmad=true, 290 of
// the 2^32 inputs come out different).
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "macros.h"

namespace ecc {
namespace erfc_detail {

ECC_HOST_DEVICE uint32_t float_bits(float f) {
#ifdef __CUDA_ARCH__
  return __float_as_uint(f);
#else
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
#endif
}

ECC_HOST_DEVICE float bits_float(uint32_t u) {
#ifdef __CUDA_ARCH__
  return __uint_as_float(u);
#else
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
#endif
}

// Double-float number: the unevaluated sum hi + lo.
struct F2 {
  float hi, lo;
};

ECC_HOST_DEVICE F2 make_f2(float hi, float lo) {
  F2 r;
  r.hi = hi;
  r.lo = lo;
  return r;
}

// a*b - c with a single rounding.
ECC_HOST_DEVICE float fms(float a, float b, float c) { return fmaf(a, b, -c); }
// c - a*b with a single rounding.
ECC_HOST_DEVICE float fnma(float a, float b, float c) { return fmaf(-a, b, c); }

// x + y for any magnitudes (SLEEF dfadd2, df + float).
ECC_HOST_DEVICE F2 add(F2 x, float y) {
  float s = x.hi + y;
  float v = s - x.hi;
  float t = (x.hi - (s - v)) + (y - v);
  return make_f2(s, t + x.lo);
}

// x + y for any magnitudes (SLEEF dfadd2, df + df).
ECC_HOST_DEVICE F2 add(F2 x, F2 y) {
  float s = x.hi + y.hi;
  float v = s - x.hi;
  float t = (x.hi - (s - v)) + (y.hi - v);
  return make_f2(s, t + (x.lo + y.lo));
}

// x + y assuming |x| >= |y| (SLEEF dfadd, float + df).
ECC_HOST_DEVICE F2 add_fast(float x, F2 y) {
  float s = x + y.hi;
  return make_f2(s, ((x - s) + y.hi) + y.lo);
}

ECC_HOST_DEVICE F2 mul(F2 x, float y) {
  float s = x.hi * y;
  return make_f2(s, fmaf(x.lo, y, fms(x.hi, y, s)));
}

ECC_HOST_DEVICE F2 mul(F2 x, F2 y) {
  float s = x.hi * y.hi;
  return make_f2(s, fmaf(x.hi, y.lo, fmaf(x.lo, y.hi, fms(x.hi, y.hi, s))));
}

ECC_HOST_DEVICE F2 sqr(F2 x) {
  float s = x.hi * x.hi;
  return make_f2(s, fmaf(x.hi + x.hi, x.lo, fms(x.hi, x.hi, s)));
}

ECC_HOST_DEVICE F2 div(F2 n, F2 d) {
  float t = 1.0f / d.hi;
  float s = n.hi * t;
  float u = fms(t, n.hi, s);
  float v = fnma(d.lo, t, fnma(d.hi, t, 1.0f));
  return make_f2(s, fmaf(s, v, fmaf(n.lo, t, u)));
}

// Round to nearest integer, ties to even (as cvtps2dq does); needs |x| < 2^22.
ECC_HOST_DEVICE int round_to_int(float x) {
  const float magic = 12582912.0f;  // 1.5 * 2^23: the sum has an ulp of 1
  return (int)((x + magic) - magic);
}

// 2^q as a float, for -126 <= q <= 127.
ECC_HOST_DEVICE float pow2i(int q) { return bits_float((uint32_t)(q + 127) << 23); }

// x * 2^q in two steps so that 2^(q/2) stays representable (q >> 1 is an
// arithmetic shift, i.e. floor(q / 2), on every compiler we target).
ECC_HOST_DEVICE float ldexp2(float x, int q) { return x * pow2i(q >> 1) * pow2i(q - (q >> 1)); }

// exp(d) in double-float (SLEEF expk2f).
ECC_HOST_DEVICE F2 exp_f2(F2 d) {
  const float kLog2e = 1.442695040888963407359924681001892137426645954152985934135449406931f;
  const float kLn2Hi = 0.693145751953125f;
  const float kLn2Lo = 1.428606765330187045e-06f;

  int q = round_to_int((d.hi + d.lo) * kLog2e);
  float qf = (float)q;
  F2 s = add(d, qf * -kLn2Hi);
  s = add(s, qf * -kLn2Lo);

  float u = 0.1980960224e-3f;
  u = fmaf(u, s.hi, 0.1394256484e-2f);
  u = fmaf(u, s.hi, 0.8333456703e-2f);
  u = fmaf(u, s.hi, 0.4166637361e-1f);

  F2 t = add(mul(s, u), 0.166666659414234244790680580464e+0f);
  t = add(mul(s, t), 0.5f);
  t = add(s, mul(sqr(s), t));
  t = add_fast(1.0f, t);

  if (d.hi < -104.0f) return make_f2(0.0f, 0.0f);
  return make_f2(ldexp2(t.hi, q), ldexp2(t.lo, q));
}

// Coefficient for interval k: |x| in [0,1), [1,2.2), [2.2,4.3), [4.3,10.1).
ECC_HOST_DEVICE float pick(int k, float c0, float c1, float c2, float c3) {
  return k == 0 ? c0 : k == 1 ? c1 : k == 2 ? c2 : c3;
}

ECC_HOST_DEVICE F2 pick(int k, F2 c0, F2 c1, F2 c2, F2 c3) {
  return k == 0 ? c0 : k == 1 ? c1 : k == 2 ? c2 : c3;
}

}  // namespace erfc_detail

ECC_HOST_DEVICE float erfc_f32(float x) {
  using namespace erfc_detail;
  const float a = bits_float(float_bits(x) & 0x7fffffffu);

  float r = 0.0f;  // erfc(|x|) underflows to 0 for |x| >= 10.1 (also inf, NaN)
  if (a < 10.1f) {
    const int k = a < 1.0f ? 0 : a < 2.2f ? 1 : a < 4.3f ? 2 : 3;
    const bool near = a < 2.2f;
    // Near zero the polynomial is in a; farther out it is in 1/a.
    const F2 u = near ? make_f2(a, 0.0f) : div(make_f2(1.0f, 0.0f), make_f2(a, 0.0f));

    float t = pick(k, -0.8638041618e-4f, -0.6236977242e-5f, -0.3869504035e+0f, +0.1115344167e+1f);
    t = fmaf(t, u.hi, pick(k, +0.6000166177e-3f, +0.5749821503e-4f, +0.1288077235e+1f, -0.9454904199e+0f));
    t = fmaf(t, u.hi, pick(k, -0.1665703603e-2f, +0.6002851478e-5f, -0.1816803217e+1f, -0.3667259514e+0f));
    t = fmaf(t, u.hi, pick(k, +0.1795156277e-3f, -0.2851036377e-2f, +0.1249150872e+1f, +0.7155663371e+0f));
    t = fmaf(t, u.hi, pick(k, +0.1914106123e-1f, +0.2260518074e-1f, -0.1328857988e+0f, -0.1262947265e-1f));

    // Double-float coefficients: {(float)c, (float)(c - (float)c)} of SLEEF's
    // double constants -0.10277535934393029, -0.10524758345933863,
    // -0.48236531033304532, -0.49896154625453765 / -0.63661948320848193,
    // -0.63560946357458903, -0.0013445020322453398, -4.7119954342284849e-5 /
    // -1.1283791779053740, -1.1285598737666862, -0.57231978115047295,
    // -0.57236403032796604.
    F2 d = mul(u, t);
    d = add(d, pick(k, make_f2(-0x1.a4f7c6p-4f, -0x1.cde084p-30f), make_f2(-0x1.af1818p-4f, 0x1.e1e43ap-29f),
                    make_f2(-0x1.edf12cp-2f, -0x1.35ec9p-33f), make_f2(-0x1.feefc6p-2f, -0x1.18ffa8p-27f)));
    d = mul(d, u);
    d = add(d, pick(k, make_f2(-0x1.45f2fep-1f, 0x1.ae7e1ap-26f), make_f2(-0x1.456e9ap-1f, -0x1.0c52e8p-26f),
                    make_f2(-0x1.607402p-10f, 0x1.efd282p-35f), make_f2(-0x1.8b4554p-15f, -0x1.b31a1p-40f)));
    d = mul(d, u);
    d = add(d, pick(k, make_f2(-0x1.20dd76p+0f, 0x1.9ad17p-25f), make_f2(-0x1.20e94cp+0f, -0x1.8acfc6p-25f),
                    make_f2(-0x1.25071ap-1f, 0x1.a46b5cp-26f), make_f2(-0x1.250ce6p-1f, 0x1.0ab552p-29f)));

    // near:  erfc(a) = exp(a * d)
    // far:   erfc(a) = exp(-a*a + d) / a
    F2 e = near ? exp_f2(mul(d, a)) : mul(exp_f2(add(mul(make_f2(-a, 0.0f), a), d)), u);
    r = e.hi + e.lo;
  }
  if (float_bits(x) >> 31) r = 2.0f - r;  // erfc(-a) = 2 - erfc(a)
  if (x != x) r = bits_float(0x7fc00000u);  // canonical quiet NaN, like SLEEF
  return r;
}

}  // namespace ecc
