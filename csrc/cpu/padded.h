// The zero-sync ops' padded form on the CPU: B streams in a (B, max_bytes) uint8 array, stream b
// the first sizes[b] bytes of row b, made flat (back to back) by one copy per stream.
#pragma once

#include <ATen/ATen.h>

#include <cstring>

#include "../checks.h"

namespace ecc {

// padded (B, W) uint8, sizes (B,) int64 on the CPU -> data (sum(sizes),) uint8.
inline at::Tensor compact_streams_cpu(const char* op, const at::Tensor& padded, const at::Tensor& sizes) {
  const int64_t rows = padded.size(0), width = padded.size(1);
  const int64_t* size = sizes.data_ptr<int64_t>();
  const int64_t total = compacted_bytes(op, size, rows, width);
  at::Tensor data = at::empty({total}, padded.options());
  const uint8_t* src = padded.data_ptr<uint8_t>();
  uint8_t* dst = data.data_ptr<uint8_t>();
  for (int64_t b = 0; b < rows; ++b) {
    if (size[b] == 0) continue;  // dst is null when every stream is empty (a `range` format's can be)
    std::memcpy(dst, src + b * width, size[b]);
    dst += size[b];
  }
  return data;
}

}  // namespace ecc
