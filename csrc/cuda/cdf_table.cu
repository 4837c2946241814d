// CUDA kernel of ecc::gaussian_cdf_table: thread = table row, each running
// cdf::gaussian_quantized_cdf (common/cdf.h) exactly as the CPU op does, so the bits match.
#include "../common/cdf.h"
#include "grid.cuh"
#include "launch.h"

namespace ecc {
namespace {

__global__ void gaussian_cdf_rows(const float* __restrict__ scales, int64_t rows, int64_t stride,
                                  int32_t* __restrict__ cdf, int32_t* __restrict__ cdf_length,
                                  uint32_t* __restrict__ scratch_freq) {
  for (int64_t r = grid::first_thread(); r < rows; r += grid::thread_count()) {
    cdf_length[r] = cdf::gaussian_quantized_cdf(scales[r], scratch_freq + r * stride, cdf + r * stride);
  }
}

}  // namespace

cudaError_t launch_gaussian_cdf_table(const float* scales, int64_t rows, int64_t stride,
                                      int32_t* cdf, int32_t* cdf_length, uint32_t* scratch_freq,
                                      cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  gaussian_cdf_rows<<<grid::blocks(rows, grid::kSerialThreads), grid::kSerialThreads, 0, stream>>>(
      scales, rows, stride, cdf, cdf_length, scratch_freq);
  return cudaGetLastError();
}

}  // namespace ecc
