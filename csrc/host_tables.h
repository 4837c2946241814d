// Host-side table bookkeeping that the CPU and CUDA ops share: checking the scales of
// gaussian_cdf_table (offsets, table stride) and placing each row's encoder symbols.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "common/cdf.h"

namespace ecc {

// Checks scales (S,) float32 on the CPU as gaussian_cdf_table requires and returns offset (S,)
// int32 on the CPU (-center of each row) and the table stride 2 * max(center) + 3.
inline std::tuple<at::Tensor, int64_t> gaussian_cdf_offsets(const at::Tensor& scales) {
  const int64_t num_rows = scales.size(0);
  TORCH_CHECK(num_rows > 0, "gaussian_cdf_table: scales is empty");
  const float* s = scales.data_ptr<float>();
  at::Tensor offset = at::empty({num_rows}, scales.options().dtype(at::kInt));
  int32_t* off = offset.data_ptr<int32_t>();
  int32_t max_center = 0;
  for (int64_t r = 0; r < num_rows; ++r) {
    const float max_scale = cdf::kMaxCenter / cdf::kTailMultiplier;
    TORCH_CHECK(std::isfinite(s[r]) && s[r] > 0 && s[r] <= max_scale,
                "gaussian_cdf_table: scales must be finite, > 0 and <= ", max_scale,
                " (a row must fit 16-bit probabilities), got scales[", r, "] = ", s[r]);
    const int32_t center = cdf::pmf_center(s[r]);
    off[r] = -center;
    max_center = std::max(max_center, center);
  }
  return {offset, 2 * static_cast<int64_t>(max_center) + 3};
}

// Checks pmf (S, L) float32, pmf_length (S,) int32 and tail_mass (S,) float32 on the CPU as
// pmf_to_quantized_cdf requires; returns the output stride max(pmf_length) + 2.
inline int64_t pmf_table_stride(const at::Tensor& pmf, const at::Tensor& pmf_length, const at::Tensor& tail_mass) {
  const char* op = "pmf_to_quantized_cdf";
  const int64_t rows = pmf.size(0), width = pmf.size(1);
  TORCH_CHECK(pmf_length.size(0) == rows && tail_mass.size(0) == rows, op,
              ": pmf_length and tail_mass need one entry per pmf row (", rows, ")");
  const float* p = pmf.data_ptr<float>();
  const int32_t* len = pmf_length.data_ptr<int32_t>();
  const float* tail = tail_mass.data_ptr<float>();
  int64_t longest = 0;
  for (int64_t r = 0; r < rows; ++r) {
    TORCH_CHECK(len[r] >= 0 && len[r] <= width && len[r] < (1 << cdf::kPrecision), op, ": pmf_length[", r,
                "] = ", len[r], " must be in [0, min(pmf.size(1), 65535)]");
    for (int64_t k = 0; k <= len[r]; ++k) {
      const float v = k < len[r] ? p[r * width + k] : tail[r];
      TORCH_CHECK(std::isfinite(v) && v >= 0 && v <= 1, op, ": probabilities must be finite and in [0, 1], got ",
                  v, " in row ", r);
    }
    longest = std::max<int64_t>(longest, len[r]);
  }
  return longest + 2;
}

// Where each row's encoder symbols start in the packed array (row r has cdf_length[r] - 1 slots);
// entry S is the total. cdf_length (S,) int32 on the CPU, every row already checked valid.
inline std::vector<int64_t> enc_row_starts(const at::Tensor& cdf_length) {
  const int64_t rows = cdf_length.size(0);
  const int32_t* len = cdf_length.data_ptr<int32_t>();
  std::vector<int64_t> row_start(rows + 1, 0);
  for (int64_t r = 0; r < rows; ++r) row_start[r + 1] = row_start[r] + len[r] - 1;
  return row_start;
}

}  // namespace ecc
