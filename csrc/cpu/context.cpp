// CPU implementation of ecc::deterministic_conv1d: common/context.h's conv1d_row (the same
// summation order per element as the CUDA kernel's conv1d_at), threaded over (batch, output
// channel) rows; the thread count cannot change a bit.
#include <ATen/Parallel.h>
#include <torch/library.h>

#include "../checks.h"
#include "../common/context.h"

namespace ecc {
namespace {

at::Tensor deterministic_conv1d_cpu(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                                    int64_t activation) {
  check_conv1d_args(x, weight, bias, activation);
  const int64_t batch = x.size(0), cin = x.size(1), length = x.size(2);
  const int64_t cout = weight.size(0), kernel = weight.size(2);
  at::Tensor out = at::empty({batch, cout, length}, x.options());
  const float* xs = x.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  const float* b = bias.data_ptr<float>();
  float* o = out.data_ptr<float>();
  at::parallel_for(0, batch * cout, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / cout, c = row % cout;
      context::conv1d_row(xs + n * cin * length, w, b[c], cin, length, kernel, c, static_cast<int32_t>(activation),
                          o + row * length);
    }
  });
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) { m.impl("deterministic_conv1d", &deterministic_conv1d_cpu); }

}  // namespace ecc
