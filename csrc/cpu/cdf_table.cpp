// CPU implementation of ecc::gaussian_cdf_table: one row per scale, rows in parallel.
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <vector>

#include "../checks.h"
#include "../common/cdf.h"
#include "../host_tables.h"

namespace ecc {
namespace {

std::tuple<at::Tensor, at::Tensor, at::Tensor> gaussian_cdf_table_cpu(const at::Tensor& scales) {
  check_tensor(scales, "gaussian_cdf_table", "scales", at::kFloat, 1, scales.device());
  at::Tensor offset;
  int64_t stride;
  std::tie(offset, stride) = gaussian_cdf_offsets(scales);
  const int64_t num_rows = scales.size(0);
  const float* s = scales.data_ptr<float>();
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
