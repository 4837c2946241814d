// Torch-side helpers shared by the CUDA glue files (ops_cuda.cpp, ops_cuda_interleaved.cpp):
// CUDA error checks, small host -> device copies, the table checks and preparation, the status
// readback and the compaction of padded streams. Only per-row / per-stream arrays cross to the host.
#pragma once

#include <ATen/ATen.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <algorithm>
#include <vector>

#include "../checks.h"
#include "../host_tables.h"
#include "../prepared_tables.h"
#include "launch.h"

namespace ecc {

inline void check_cuda(const char* op, const char* step, cudaError_t err) {
  TORCH_CHECK(err == cudaSuccess, op, ": CUDA error in ", step, ": ", cudaGetErrorString(err));
}

// A host vector as an int64 tensor on `device` (a blocking copy, so `values` may go right after).
inline at::Tensor to_device(const std::vector<int64_t>& values, const at::Device& device) {
  const at::Tensor host = at::from_blob(const_cast<int64_t*>(values.data()),
                                        {static_cast<int64_t>(values.size())}, at::kLong);
  return host.to(device);
}

// Checks every cdf row on the device; raises for the first invalid one, as the CPU ops do.
inline void check_cdf_rows(const char* op, const at::Tensor& cdf, const at::Tensor& cdf_length,
                           cudaStream_t stream) {
  const at::Tensor valid = at::empty_like(cdf_length);
  check_cuda(op, "cdf row check",
             launch_validate_cdf_rows(cdf.data_ptr<int32_t>(), cdf_length.data_ptr<int32_t>(),
                                      cdf.size(0), cdf.size(1), valid.data_ptr<int32_t>(), stream));
  const at::Tensor valid_host = valid.cpu();
  const int32_t* flag = valid_host.data_ptr<int32_t>();
  for (int64_t r = 0; r < cdf.size(0); ++r) check_bad_cdf_row(op, r, flag[r] != 0);
}

// Temporary storage for launch_inclusive_sum over count items.
inline at::Tensor scan_storage(const char* op, int64_t count, const at::TensorOptions& options) {
  size_t bytes = 0;
  check_cuda(op, "scan size query", inclusive_sum_bytes(count, &bytes));
  return at::empty({static_cast<int64_t>(std::max<size_t>(bytes, 1))}, options.dtype(at::kByte));
}

// prepared_tables.h's list on the tables' device (under its own guard: a three-tensor decode
// prepares before it guards the data's device): every row checked (one host read of the row
// flags, one of cdf_length for the row starts), then the halves in `parts` built by the table
// kernels.
inline std::vector<at::Tensor> prepare_tables_cuda(const char* op, const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                   const at::Tensor& offset, TableParts parts) {
  const c10::cuda::CUDAGuard guard(cdf.device());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  check_cdf_rows(op, cdf, cdf_length, stream);
  std::vector<at::Tensor> t = prepared_list(cdf, cdf_length, offset, enc_row_starts(cdf_length.cpu()));
  if (parts & kEncoderPart) {
    check_cuda(op, "encoder table kernel",
               launch_build_enc_symbols(cdf.data_ptr<int32_t>(), cdf_length.data_ptr<int32_t>(),
                                        t[kRowStart].data_ptr<int64_t>(), cdf.size(0), cdf.size(1),
                                        reinterpret_cast<rans64::EncSymbol*>(t[kEncSymbols].data_ptr<int64_t>()),
                                        stream));
  }
  if (parts & kDecoderPart) {
    check_cuda(op, "decoder table kernel",
               launch_build_decode_luts(cdf.data_ptr<int32_t>(), cdf_length.data_ptr<int32_t>(), cdf.size(0),
                                        cdf.size(1), reinterpret_cast<uint16_t*>(t[kLut].data_ptr<int16_t>()),
                                        stream));
  }
  return t;
}

// The flat form of padded (B, W) uint8 streams with sizes (B,) int64 on their device: the sizes
// are read on the host (checked as on the CPU, and their total sizes the output), then scanned
// and copied on the device.
inline at::Tensor compact_streams_cuda(const char* op, const at::Tensor& padded, const at::Tensor& sizes) {
  const c10::cuda::CUDAGuard guard(padded.device());
  const int64_t rows = padded.size(0), width = padded.size(1);
  const at::Tensor sizes_host = sizes.cpu();
  const int64_t* size = sizes_host.data_ptr<int64_t>();
  const int64_t total = compacted_bytes(op, size, rows, width);
  const int64_t max_size = rows == 0 ? 0 : *std::max_element(size, size + rows);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const at::Tensor ends = at::empty_like(sizes);
  const at::Tensor scan_temp = scan_storage(op, rows, sizes.options());
  at::Tensor data = at::empty({total}, padded.options());
  check_cuda(op, "size scan",
             launch_inclusive_sum(sizes.data_ptr<int64_t>(), ends.data_ptr<int64_t>(), rows, scan_temp.data_ptr(),
                                  static_cast<size_t>(scan_temp.numel()), stream));
  check_cuda(op, "compaction kernel",
             launch_compact_streams(padded.data_ptr<uint8_t>(), width, sizes.data_ptr<int64_t>(),
                                    ends.data_ptr<int64_t>(), rows, max_size, data.data_ptr<uint8_t>(), stream));
  return data;
}

}  // namespace ecc
