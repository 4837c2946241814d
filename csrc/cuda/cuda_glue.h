// Torch-side helpers shared by the CUDA glue files (ops_cuda.cpp, ops_cuda_interleaved.cpp):
// CUDA error checks, small host -> device copies, the table checks and preparation every coder
// runs first, and the status readback. Only per-row / per-stream arrays cross to the host.
#pragma once

#include <ATen/ATen.h>
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

// Raises for the first stream of status (B,) int32 (device) that is not kOk.
inline void check_statuses(const char* op, const at::Tensor& status, int64_t num_rows) {
  const at::Tensor status_host = status.cpu();
  check_stream_status(op, status_host.data_ptr<int32_t>(), status.size(0), num_rows);
}

// Temporary storage for launch_inclusive_sum over count items.
inline at::Tensor scan_storage(const char* op, int64_t count, const at::TensorOptions& options) {
  size_t bytes = 0;
  check_cuda(op, "scan size query", inclusive_sum_bytes(count, &bytes));
  return at::empty({static_cast<int64_t>(std::max<size_t>(bytes, 1))}, options.dtype(at::kByte));
}

// The encoder's tables on the device: every row checked, then row r's EncSymbols packed at
// row_start[r] (row_start_host: the same starts on the host, entry rows = the total).
struct CudaEncodeTables {
  std::vector<int64_t> row_start_host;
  at::Tensor row_start;
  at::Tensor symbols;  // uint8 storage of the EncSymbols
  EncodeTables view;
};

inline CudaEncodeTables prepare_encode_tables(const char* op, const at::Tensor& cdf,
                                              const at::Tensor& cdf_length, const at::Tensor& offset,
                                              cudaStream_t stream) {
  check_cdf_rows(op, cdf, cdf_length, stream);
  CudaEncodeTables t;
  t.row_start_host = enc_row_starts(cdf_length.cpu());
  t.row_start = to_device(t.row_start_host, cdf.device());
  t.symbols = at::empty({t.row_start_host.back() * static_cast<int64_t>(sizeof(rans64::EncSymbol))},
                        cdf.options().dtype(at::kByte));
  auto* enc = reinterpret_cast<rans64::EncSymbol*>(t.symbols.data_ptr<uint8_t>());
  check_cuda(op, "encoder table kernel",
             launch_build_enc_symbols(cdf.data_ptr<int32_t>(), cdf_length.data_ptr<int32_t>(),
                                      t.row_start.data_ptr<int64_t>(), cdf.size(0), cdf.size(1), enc,
                                      stream));
  t.view = {enc, t.row_start.data_ptr<int64_t>(), cdf_length.data_ptr<int32_t>(),
            offset.data_ptr<int32_t>(), static_cast<int32_t>(cdf.size(0))};
  return t;
}

// The decoder's tables on the device: every row checked, then each row's decode buckets.
struct CudaDecodeTables {
  at::Tensor lut;  // [rows, kLutSize] uint16
  DecodeTables view;
};

inline CudaDecodeTables prepare_decode_tables(const char* op, const at::Tensor& cdf,
                                              const at::Tensor& cdf_length, const at::Tensor& offset,
                                              cudaStream_t stream) {
  check_cdf_rows(op, cdf, cdf_length, stream);
  CudaDecodeTables t;
  t.lut = at::empty({cdf.size(0), kLutSize}, cdf.options().dtype(at::kUInt16));
  check_cuda(op, "decoder table kernel",
             launch_build_decode_luts(cdf.data_ptr<int32_t>(), cdf_length.data_ptr<int32_t>(),
                                      cdf.size(0), cdf.size(1), t.lut.data_ptr<uint16_t>(), stream));
  t.view = {cdf.data_ptr<int32_t>(),    cdf.size(1),
            t.lut.data_ptr<uint16_t>(), cdf_length.data_ptr<int32_t>(),
            offset.data_ptr<int32_t>(), static_cast<int32_t>(cdf.size(0))};
  return t;
}

// prepared_tables.h's list on the device: every row checked (one host read of the row flags),
// then the halves in `parts` built by the table kernels.
inline std::vector<at::Tensor> prepare_tables_cuda(const char* op, const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                   const at::Tensor& offset, TableParts parts) {
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

}  // namespace ecc
