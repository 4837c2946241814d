// Launch shape shared by ecc's kernels (no torch headers): a 1-D grid whose threads (or blocks)
// take items i = first, first + count, ... so any item count fits under the grid-size limit.
#pragma once

#include <cuda_runtime.h>
#include <stdint.h>

namespace ecc {
namespace grid {

// Serial kernels run one long item per thread (a table row, a whole stream). One warp per block
// spreads a few hundred items over every SM instead of packing them onto a handful.
constexpr int kSerialThreads = 32;
constexpr int kCopyThreads = 256;
constexpr int64_t kMaxBlocks = 1 << 16;

// Blocks for `items` items of `per_block` each: at least 1, at most kMaxBlocks.
inline unsigned blocks(int64_t items, int64_t per_block) {
  const int64_t b = (items + per_block - 1) / per_block;
  return static_cast<unsigned>(b < 1 ? 1 : (b > kMaxBlocks ? kMaxBlocks : b));
}

__device__ __forceinline__ int64_t first_thread() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ int64_t thread_count() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

}  // namespace grid
}  // namespace ecc
