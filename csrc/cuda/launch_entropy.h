// Host launchers of the entropy-model kernels (context.cu, pmf_table.cu); the conventions of
// launch.h: raw device pointers, caller-allocated memory, the caller's stream, no syncs.
#pragma once

#include <cuda_runtime_api.h>
#include <stdint.h>

namespace ecc {

// out (batch, cout, length) = deterministic_conv1d of x (batch, cin, length) with weight
// (cout, cin, kernel) and bias (cout,); activation as common/context.h.
cudaError_t launch_deterministic_conv1d(const float* x, const float* weight, const float* bias, int64_t batch,
                                        int64_t cin, int64_t cout, int64_t length, int64_t kernel,
                                        int32_t activation, float* out, cudaStream_t stream);

// cdf [rows, stride] (zero-filled by the caller) and cdf_length [rows] from pmf [rows, width],
// pmf_length and tail_mass (checked by the caller); scratch [rows, stride]. cdf_length[r] = 0
// marks a row whose probabilities all round to 0.
cudaError_t launch_pmf_to_quantized_cdf(const float* pmf, const int32_t* pmf_length, const float* tail_mass,
                                        int64_t rows, int64_t width, int64_t stride, int32_t* cdf,
                                        int32_t* cdf_length, uint32_t* scratch, cudaStream_t stream);

}  // namespace ecc
