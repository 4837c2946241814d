// The CPU's table preparation (prepared_tables.h): every row checked, then the encoder symbols and
// decode buckets built serially (~30k entries for the default table; waking the thread pool would
// cost more). The caller has checked the three tensors (checks.h check_table_tensors). The
// three-tensor ops, which prepare per call, build only the half they use (`parts`).
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "../checks.h"
#include "../common/tables.h"
#include "../host_tables.h"
#include "../prepared_tables.h"

namespace ecc {

inline std::vector<at::Tensor> prepare_tables_cpu(const char* op, const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                  const at::Tensor& offset, TableParts parts = kBothParts) {
  const int64_t rows = cdf.size(0), stride = cdf.size(1);
  const int32_t* c = cdf.data_ptr<int32_t>();
  const int32_t* len = cdf_length.data_ptr<int32_t>();
  for (int64_t r = 0; r < rows; ++r) {
    check_bad_cdf_row(op, r, cdf_row_is_valid(c + r * stride, len[r], stride));
  }
  const std::vector<int64_t> row_start = enc_row_starts(cdf_length);
  std::vector<at::Tensor> t = prepared_list(cdf, cdf_length, offset, row_start);
  auto* symbols = reinterpret_cast<rans64::EncSymbol*>(t[kEncSymbols].data_ptr<int64_t>());
  auto* lut = reinterpret_cast<uint16_t*>(t[kLut].data_ptr<int16_t>());
  for (int64_t r = 0; r < rows; ++r) {
    if (parts & kEncoderPart) build_enc_symbols(c + r * stride, len[r], symbols + row_start[r]);
    if (parts & kDecoderPart) build_decode_lut(c + r * stride, len[r], lut + r * kLutSize);
  }
  return t;
}

}  // namespace ecc
