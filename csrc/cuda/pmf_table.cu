// CUDA kernel of ecc::pmf_to_quantized_cdf: thread = one table row, running common/cdf.h's
// pmf_quantized_cdf with the row's scratch, exactly as the CPU kernel does.
#include "../common/cdf.h"
#include "grid.cuh"
#include "launch_entropy.h"

namespace ecc {
namespace {

__global__ void pmf_rows(const float* __restrict__ pmf, const int32_t* __restrict__ pmf_length,
                         const float* __restrict__ tail_mass, int64_t rows, int64_t width, int64_t stride,
                         int32_t* __restrict__ cdf, int32_t* __restrict__ cdf_length, uint32_t* __restrict__ scratch) {
  for (int64_t r = grid::first_thread(); r < rows; r += grid::thread_count()) {
    cdf_length[r] = cdf::pmf_quantized_cdf(pmf + r * width, pmf_length[r], tail_mass[r], scratch + r * stride,
                                           cdf + r * stride);
  }
}

}  // namespace

cudaError_t launch_pmf_to_quantized_cdf(const float* pmf, const int32_t* pmf_length, const float* tail_mass,
                                        int64_t rows, int64_t width, int64_t stride, int32_t* cdf,
                                        int32_t* cdf_length, uint32_t* scratch, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  pmf_rows<<<grid::blocks(rows, grid::kSerialThreads), grid::kSerialThreads, 0, stream>>>(
      pmf, pmf_length, tail_mass, rows, width, stride, cdf, cdf_length, scratch);
  return cudaGetLastError();
}

}  // namespace ecc
