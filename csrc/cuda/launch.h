// Host launchers of ecc's CUDA kernels: the meeting point of the torch glue (ops_cuda.cpp) and
// the kernels (cdf_table.cu, rans_compressai.cu), which nvcc compiles without any torch header.
//
// Every launcher takes raw device pointers (all memory, scratch included, is allocated by the
// caller), enqueues its kernels on `stream`, never synchronizes, and returns the first CUDA error
// (cudaSuccess when every launch was accepted). Work items: one thread per table row or per
// stream, calling the per-row / per-stream functions of csrc/common/ unchanged.
#pragma once

#include <cuda_runtime_api.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/compressai_stream.h"

namespace ecc {

// cdf [rows, stride] (zero-filled by the caller) and cdf_length [rows] from scales [rows]:
// row r = cdf::gaussian_quantized_cdf(scales[r]), using scratch_freq[r * stride ..] as its scratch.
// The caller has checked every scale and computed stride = 2 * max(center) + 3.
cudaError_t launch_gaussian_cdf_table(const float* scales, int64_t rows, int64_t stride,
                                      int32_t* cdf, int32_t* cdf_length, uint32_t* scratch_freq,
                                      cudaStream_t stream);

// valid[r] = 1 if row r of cdf [rows, stride] is a valid quantized CDF (cdf_row_is_valid), else 0.
cudaError_t launch_validate_cdf_rows(const int32_t* cdf, const int32_t* cdf_length, int64_t rows,
                                     int64_t stride, int32_t* valid, cudaStream_t stream);

// Encoder symbols of every (valid) row: row r's slots at symbols[row_start[r] ..].
cudaError_t launch_build_enc_symbols(const int32_t* cdf, const int32_t* cdf_length,
                                     const int64_t* row_start, int64_t rows, int64_t stride,
                                     rans64::EncSymbol* symbols, cudaStream_t stream);

// Decode buckets of every (valid) row: lut [rows, kLutSize].
cudaError_t launch_build_decode_luts(const int32_t* cdf, const int32_t* cdf_length, int64_t rows,
                                     int64_t stride, uint16_t* lut, cudaStream_t stream);

// Device arrays of one rans_encode call (num_streams streams of n elements), all caller-allocated.
struct EncodeBuffers {
  uint32_t* scratch;        // [num_streams, max_words(n)]: stream b is encoded to the end of row b
  int32_t* status;          // [num_streams] compressai_stream::Status
  int64_t* sizes;           // [num_streams] bytes of each stream (0 where status != kOk)
  int64_t* ends;            // [num_streams] inclusive prefix sum of sizes: stream b's packed end
  void* scan_temp;          // CUB scan storage of rans_encode_scan_bytes(num_streams) bytes
  size_t scan_temp_bytes;
};

// Bytes of scan storage launch_rans_encode needs for num_streams streams (no work is enqueued).
cudaError_t rans_encode_scan_bytes(int64_t num_streams, size_t* bytes);

// Encodes symbols/indexes [num_streams, n] (tables: device pointers) into buf.scratch as the CPU
// op does, writing buf.status, buf.sizes and buf.ends.
cudaError_t launch_rans_encode(const int32_t* symbols, const int32_t* indexes, int64_t num_streams,
                               int64_t n, int32_t skip_below,
                               const EncodeTables& tables,
                               const EncodeBuffers& buf, cudaStream_t stream);

// After launch_rans_encode succeeded for every stream: copies the streams back to back into
// data [ends[num_streams - 1]] bytes, in stream order.
cudaError_t launch_rans_pack(const EncodeBuffers& buf, int64_t num_streams, int64_t n,
                             uint8_t* data, cudaStream_t stream);

// Decodes stream b, bytes [start[b], start[b + 1]) of data, into out[b * n ..] with its
// indexes [num_streams, n]; status [num_streams] per stream (tables: device pointers).
cudaError_t launch_rans_decode(const uint8_t* data, const int64_t* start, const int32_t* indexes,
                               int64_t num_streams, int64_t n, int32_t skip_below,
                               const DecodeTables& tables, int32_t* out,
                               int32_t* status, cudaStream_t stream);

}  // namespace ecc
