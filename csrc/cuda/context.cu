// CUDA kernel of ecc::deterministic_conv1d: thread = one output element (b, o, t), each running
// common/context.h's conv1d_at, so every element is summed in the CPU kernel's order.
#include "../common/context.h"
#include "grid.cuh"
#include "launch_entropy.h"

namespace ecc {
namespace {

__global__ void conv1d_elements(const float* __restrict__ x, const float* __restrict__ w, const float* __restrict__ b,
                                int64_t batch, int64_t cin, int64_t cout, int64_t length, int64_t kernel,
                                int32_t activation, float* __restrict__ out) {
  const int64_t total = batch * cout * length;
  for (int64_t e = grid::first_thread(); e < total; e += grid::thread_count()) {
    const int64_t t = e % length, o = (e / length) % cout, n = e / (length * cout);
    out[e] = context::conv1d_at(x + n * cin * length, w, b[o], cin, length, kernel, o, t, activation);
  }
}

}  // namespace

cudaError_t launch_deterministic_conv1d(const float* x, const float* weight, const float* bias, int64_t batch,
                                        int64_t cin, int64_t cout, int64_t length, int64_t kernel,
                                        int32_t activation, float* out, cudaStream_t stream) {
  const int64_t total = batch * cout * length;
  if (total == 0) return cudaSuccess;
  conv1d_elements<<<grid::blocks(total, grid::kCopyThreads), grid::kCopyThreads, 0, stream>>>(
      x, weight, bias, batch, cin, cout, length, kernel, activation, out);
  return cudaGetLastError();
}

}  // namespace ecc
