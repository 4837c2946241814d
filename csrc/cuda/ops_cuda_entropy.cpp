// CUDA implementations of the entropy-model ops: ecc::deterministic_conv1d and
// ecc::pmf_to_quantized_cdf (kernels: context.cu, pmf_table.cu). Same checks and messages as the
// CPU ops; pmf_to_quantized_cdf checks its probabilities on the host, as the CPU op does.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include <optional>

#include "../checks.h"
#include "../host_tables.h"
#include "cuda_glue.h"
#include "launch_entropy.h"

namespace ecc {
namespace {

at::Tensor deterministic_conv1d_cuda(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                                     int64_t activation, const std::optional<at::Tensor>& /*packed: CPU layout*/) {
  check_conv1d_args(x, weight, bias, activation);
  const c10::cuda::CUDAGuard guard(x.device());
  at::Tensor out = at::empty({x.size(0), weight.size(0), x.size(2)}, x.options());
  check_cuda("deterministic_conv1d", "conv kernel",
             launch_deterministic_conv1d(x.data_ptr<float>(), weight.data_ptr<float>(), bias.data_ptr<float>(),
                                         x.size(0), x.size(1), weight.size(0), x.size(2), weight.size(2),
                                         static_cast<int32_t>(activation), out.data_ptr<float>(),
                                         c10::cuda::getCurrentCUDAStream()));
  return out;
}

std::tuple<at::Tensor, at::Tensor> pmf_to_quantized_cdf_cuda(const at::Tensor& pmf, const at::Tensor& pmf_length,
                                                              const at::Tensor& tail_mass) {
  const char* op = "pmf_to_quantized_cdf";
  check_pmf_args(pmf, pmf_length, tail_mass);
  const c10::cuda::CUDAGuard guard(pmf.device());
  const int64_t stride = pmf_table_stride(pmf.cpu(), pmf_length.cpu(), tail_mass.cpu());
  const int64_t rows = pmf.size(0);
  at::Tensor cdf = at::zeros({rows, stride}, pmf_length.options());
  at::Tensor cdf_length = at::empty({rows}, pmf_length.options());
  at::Tensor scratch = at::empty({rows, stride}, pmf.options().dtype(at::kUInt32));
  check_cuda(op, "table kernel",
             launch_pmf_to_quantized_cdf(pmf.data_ptr<float>(), pmf_length.data_ptr<int32_t>(),
                                         tail_mass.data_ptr<float>(), rows, pmf.size(1), stride,
                                         cdf.data_ptr<int32_t>(), cdf_length.data_ptr<int32_t>(),
                                         scratch.data_ptr<uint32_t>(), c10::cuda::getCurrentCUDAStream()));
  check_pmf_rows_quantized(cdf_length.cpu());
  return {cdf, cdf_length};
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CUDA, m) {
  m.impl("deterministic_conv1d", &deterministic_conv1d_cuda);
  m.impl("pmf_to_quantized_cdf", &pmf_to_quantized_cdf_cuda);
}

}  // namespace ecc
