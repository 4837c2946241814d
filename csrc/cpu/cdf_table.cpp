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

std::tuple<at::Tensor, at::Tensor> pmf_to_quantized_cdf_cpu(const at::Tensor& pmf, const at::Tensor& pmf_length,
                                                             const at::Tensor& tail_mass) {
  check_pmf_args(pmf, pmf_length, tail_mass);
  const int64_t stride = pmf_table_stride(pmf, pmf_length, tail_mass);
  const int64_t rows = pmf.size(0), width = pmf.size(1);
  at::Tensor table = at::zeros({rows, stride}, pmf_length.options());
  at::Tensor cdf_length = at::empty({rows}, pmf_length.options());
  const float* p = pmf.data_ptr<float>();
  const float* tail = tail_mass.data_ptr<float>();
  const int32_t* len = pmf_length.data_ptr<int32_t>();
  int32_t* out_len = cdf_length.data_ptr<int32_t>();
  at::parallel_for(0, rows, 1, [&](int64_t begin, int64_t end) {
    std::vector<uint32_t> freq(stride);
    for (int64_t r = begin; r < end; ++r) {
      out_len[r] = cdf::pmf_quantized_cdf(p + r * width, len[r], tail[r], freq.data(),
                                          table.data_ptr<int32_t>() + r * stride);
    }
  });
  check_pmf_rows_quantized(cdf_length);
  return {table, cdf_length};
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) {
  m.impl("gaussian_cdf_table", &gaussian_cdf_table_cpu);
  m.impl("pmf_to_quantized_cdf", &pmf_to_quantized_cdf_cpu);
}

}  // namespace ecc
