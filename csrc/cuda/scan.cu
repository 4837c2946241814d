// The one CUB device-wide scan of ecc's kernels (int64 inclusive sum), shared by the encoders
// (stream / chunk byte counts -> packed ends) and the interleaved decoder (chunks per stream ->
// chunk ranges). Kept in one file so CUB is instantiated once.
#include <cub/cub.cuh>

#include "launch.h"

namespace ecc {

cudaError_t inclusive_sum_bytes(int64_t count, size_t* bytes) {
  *bytes = 0;
  return cub::DeviceScan::InclusiveSum(nullptr, *bytes, static_cast<const int64_t*>(nullptr),
                                       static_cast<int64_t*>(nullptr), count);
}

cudaError_t launch_inclusive_sum(const int64_t* in, int64_t* out, int64_t count, void* temp,
                                 size_t temp_bytes, cudaStream_t stream) {
  if (count == 0) return cudaSuccess;
  // A null temp would turn the scan into a size query and silently skip it.
  if (temp == nullptr) return cudaErrorInvalidValue;
  return cub::DeviceScan::InclusiveSum(temp, temp_bytes, in, out, count, stream);
}

}  // namespace ecc
