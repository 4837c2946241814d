// Quantized CDF tables as the coders use them, shared by every stream format.
//
// Row r of `cdf` [num_rows, cdf_stride] is a quantized CDF with cdf_length[r] entries: cdf[0] = 0,
// cdf[len-1] = 2^16, strictly increasing (every slot has frequency >= 1). Prepared once per call:
// the encoder's per-slot reciprocals (EncSymbol, packed rows) and the decoder's per-row buckets.
#pragma once

#include <stdint.h>

#include "macros.h"
#include "rans64.h"

namespace ecc {

constexpr int kPrecision = 16;  // probability bits of every table
constexpr int32_t kLutBits = 8;  // decode buckets per row: 2^8 of width 2^8
constexpr int32_t kLutSize = 1 << kLutBits;

struct EncodeTables {
  const rans64::EncSymbol* symbols;  // packed: row r, slot v at symbols[row_start[r] + v]
  const int64_t* row_start;
  const int32_t* cdf_length;
  const int32_t* offset;
  int32_t num_rows;
};

struct DecodeTables {
  const int32_t* cdf;  // [num_rows, cdf_stride], row r valid up to cdf_length[r]
  int64_t cdf_stride;
  const uint16_t* lut;  // [num_rows, kLutSize]: last slot s with cdf[s] <= bucket * 2^8
  const int32_t* cdf_length;
  const int32_t* offset;
  int32_t num_rows;
};

// True when row is a valid quantized CDF: 2 <= len <= stride, starts at 0, ends at 2^16,
// strictly increasing.
ECC_HOST_DEVICE bool cdf_row_is_valid(const int32_t* row, int32_t len, int64_t stride) {
  if (len < 2 || len > stride || row[0] != 0 || row[len - 1] != (1 << kPrecision)) {
    return false;
  }
  for (int32_t k = 1; k < len; ++k) {
    if (row[k] <= row[k - 1]) return false;
  }
  return true;
}

// Encoder symbols of a valid row: out[v] for slots 0 .. len - 2.
ECC_HOST_DEVICE void build_enc_symbols(const int32_t* row, int32_t len, rans64::EncSymbol* out) {
  for (int32_t v = 0; v + 1 < len; ++v) {
    out[v] = rans64::make_enc_symbol(static_cast<uint32_t>(row[v]),
                                     static_cast<uint32_t>(row[v + 1] - row[v]));
  }
}

// Decode buckets of a valid row: lut[b] = last slot s with row[s] <= b << 8.
ECC_HOST_DEVICE void build_decode_lut(const int32_t* row, int32_t len, uint16_t* lut) {
  int32_t s = 0;
  for (int32_t b = 0; b < kLutSize; ++b) {
    const int32_t cum = b << (kPrecision - kLutBits);
    while (s + 2 < len && row[s + 1] <= cum) ++s;
    lut[b] = static_cast<uint16_t>(s);
  }
}

// Slot s of a valid row of len entries with row[s] <= cum < row[s + 1] (cum < 2^16): the bucket
// gives a slot at or below the answer, then a short forward scan. Both stay below len - 1 even if
// the row or its buckets were changed after preparation (then the slot is wrong, never out of
// the row, and the decoder reports a corrupt stream).
ECC_HOST_DEVICE int32_t find_slot(const int32_t* row, int32_t len, const uint16_t* lut, uint32_t cum) {
  int32_t s = lut[cum >> (kPrecision - kLutBits)];
  s = s < len - 2 ? s : len - 2;
  while (s + 2 < len && static_cast<uint32_t>(row[s + 1]) <= cum) ++s;
  return s;
}

}  // namespace ecc
