// The coders' prepared tables on the CPU (tables.h views over host vectors), shared by the
// `compressai` and `interleaved` formats: every row is checked, then prepared serially
// (~30k entries for the default table; waking the thread pool would cost more).
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "../checks.h"
#include "../common/tables.h"
#include "../host_tables.h"

namespace ecc {

// The encoder's packed per-slot symbols.
struct CpuEncodeTables {
  std::vector<rans64::EncSymbol> symbols;
  std::vector<int64_t> row_start;
  EncodeTables view;

  CpuEncodeTables(const char* op, const at::Tensor& cdf, const at::Tensor& cdf_length, const at::Tensor& offset) {
    const int64_t rows = cdf.size(0), stride = cdf.size(1);
    const int32_t* c = cdf.data_ptr<int32_t>();
    const int32_t* len = cdf_length.data_ptr<int32_t>();
    for (int64_t r = 0; r < rows; ++r) {
      check_bad_cdf_row(op, r, cdf_row_is_valid(c + r * stride, len[r], stride));
    }
    row_start = enc_row_starts(cdf_length);
    symbols.resize(row_start[rows]);
    for (int64_t r = 0; r < rows; ++r) {
      build_enc_symbols(c + r * stride, len[r], symbols.data() + row_start[r]);
    }
    view = {symbols.data(), row_start.data(), len, offset.data_ptr<int32_t>(),
            static_cast<int32_t>(rows)};
  }
};

// The decoder's per-row bucket tables.
struct CpuDecodeTables {
  std::vector<uint16_t> lut;
  DecodeTables view;

  CpuDecodeTables(const char* op, const at::Tensor& cdf, const at::Tensor& cdf_length, const at::Tensor& offset) {
    const int64_t rows = cdf.size(0), stride = cdf.size(1);
    const int32_t* c = cdf.data_ptr<int32_t>();
    const int32_t* len = cdf_length.data_ptr<int32_t>();
    for (int64_t r = 0; r < rows; ++r) {
      check_bad_cdf_row(op, r, cdf_row_is_valid(c + r * stride, len[r], stride));
    }
    lut.resize(rows * kLutSize);
    for (int64_t r = 0; r < rows; ++r) build_decode_lut(c + r * stride, len[r], &lut[r * kLutSize]);
    view = {c, stride, lut.data(), len, offset.data_ptr<int32_t>(), static_cast<int32_t>(rows)};
  }
};

}  // namespace ecc
