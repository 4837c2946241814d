// The flat form of padded streams on the device (ecc::rans_compact, and the flat encoders after
// their padded kernels): blockIdx.x = stream, blockIdx.y = a slice of its bytes, copying the first
// sizes[b] bytes of row b to its packed position ends[b] - sizes[b]. Streams start at any byte, so
// the copy runs on bytes; consecutive threads take consecutive bytes, so each warp's loads and
// stores are coalesced, and one long stream still spreads over many blocks.
#include <algorithm>

#include "grid.cuh"
#include "launch.h"

namespace ecc {
namespace {

__global__ void compact_streams(const uint8_t* __restrict__ padded, int64_t width, const int64_t* __restrict__ sizes,
                                const int64_t* __restrict__ ends, int64_t rows, uint8_t* __restrict__ out) {
  const int64_t first = static_cast<int64_t>(blockIdx.y) * blockDim.x + threadIdx.x;
  const int64_t step = static_cast<int64_t>(gridDim.y) * blockDim.x;
  for (int64_t b = blockIdx.x; b < rows; b += gridDim.x) {
    const int64_t size = sizes[b];
    const uint8_t* src = padded + b * width;
    uint8_t* dst = out + ends[b] - size;
    for (int64_t i = first; i < size; i += step) dst[i] = src[i];
  }
}

}  // namespace

cudaError_t launch_compact_streams(const uint8_t* padded, int64_t width, const int64_t* sizes,
                                   const int64_t* ends, int64_t rows, int64_t max_size, uint8_t* out,
                                   cudaStream_t stream) {
  if (rows == 0 || max_size == 0) return cudaSuccess;
  constexpr int64_t kBytesPerThread = 16, kMaxSlices = 65535;  // gridDim.y's limit
  constexpr int64_t kMaxGrid = int64_t{1} << 20;                 // blocks in all
  const unsigned streams = grid::blocks(rows, 1);
  const int64_t slices = std::min({kMaxSlices, std::max<int64_t>(1, kMaxGrid / streams),
                                   static_cast<int64_t>(grid::blocks(max_size, grid::kCopyThreads * kBytesPerThread))});
  compact_streams<<<dim3(streams, static_cast<unsigned>(slices)), grid::kCopyThreads, 0, stream>>>(
      padded, width, sizes, ends, rows, out);
  return cudaGetLastError();
}

}  // namespace ecc
