// CPU implementation of ecc::gaussian_cdf_table: one row per scale, rows in parallel.
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <cmath>
#include <vector>

#include "../checks.h"
#include "../common/cdf.h"

namespace ecc {
namespace {

std::tuple<at::Tensor, at::Tensor, at::Tensor> gaussian_cdf_table_cpu(const at::Tensor& scales) {
  check_tensor(scales, "gaussian_cdf_table", "scales", at::kFloat, 1, scales.device());
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

  const int64_t stride = 2 * static_cast<int64_t>(max_center) + 3;
  at::Tensor table = at::zeros({num_rows, stride}, offset.options());
  at::Tensor cdf_length = at::empty({num_rows}, offset.options());
  int32_t* cdf = table.data_ptr<int32_t>();
  int32_t* len = cdf_length.data_ptr<int32_t>();
  at::parallel_for(0, num_rows, 1, [&](int64_t begin, int64_t end) {
    std::vector<uint32_t> freq(stride);
    for (int64_t r = begin; r < end; ++r) {
      len[r] = cdf::gaussian_quantized_cdf(s[r], freq.data(), cdf + r * stride);
    }
  });
  return {table, cdf_length, offset};
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) { m.impl("gaussian_cdf_table", &gaussian_cdf_table_cpu); }

}  // namespace ecc
