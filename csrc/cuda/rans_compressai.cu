// CUDA kernels of ecc::rans_encode / ecc::rans_decode (`compressai` format), over the per-row and
// per-stream procedures of common/compressai_stream.h:
//   table preparation   thread = cdf row    (cdf_row_is_valid, build_enc_symbols, build_decode_lut)
//   encode              thread = stream     (encode_stream into the end of its scratch row)
//   pack                inclusive scan of the sizes (stream ends, scan.cu), then block = stream
//                       copying its words to the exactly-sized output
//   decode              thread = stream     (decode_part, from and back to its DecodePosition)
#include "../common/compressai_stream.h"
#include "grid.cuh"
#include "launch.h"

namespace ecc {
namespace {

using namespace compressai_stream;

__global__ void validate_rows(const int32_t* __restrict__ cdf, const int32_t* __restrict__ cdf_length,
                              int64_t rows, int64_t stride, int32_t* __restrict__ valid) {
  for (int64_t r = grid::first_thread(); r < rows; r += grid::thread_count()) {
    valid[r] = cdf_row_is_valid(cdf + r * stride, cdf_length[r], stride) ? 1 : 0;
  }
}

__global__ void enc_symbol_rows(const int32_t* __restrict__ cdf, const int32_t* __restrict__ cdf_length,
                                const int64_t* __restrict__ row_start, int64_t rows, int64_t stride,
                                rans64::EncSymbol* __restrict__ symbols) {
  for (int64_t r = grid::first_thread(); r < rows; r += grid::thread_count()) {
    build_enc_symbols(cdf + r * stride, cdf_length[r], symbols + row_start[r]);
  }
}

__global__ void decode_lut_rows(const int32_t* __restrict__ cdf, const int32_t* __restrict__ cdf_length,
                                int64_t rows, int64_t stride, uint16_t* __restrict__ lut) {
  for (int64_t r = grid::first_thread(); r < rows; r += grid::thread_count()) {
    build_decode_lut(cdf + r * stride, cdf_length[r], lut + r * kLutSize);
  }
}

// Stream b is written backwards from the end of its scratch row of `capacity` words.
__global__ void encode_streams(const int32_t* __restrict__ symbols, const int32_t* __restrict__ indexes,
                               int64_t num_streams, int64_t n, int32_t skip_below, EncodeTables tables,
                               uint32_t* __restrict__ scratch, int32_t* __restrict__ status,
                               int64_t* __restrict__ sizes) {
  const int64_t capacity = max_words(n);
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    uint32_t* region = scratch + b * capacity;
    uint32_t* first = nullptr;
    const Status s = encode_stream(symbols + b * n, indexes + b * n, n, skip_below, tables, region,
                                   region + capacity, &first);
    status[b] = s;
    sizes[b] = s == kOk ? (region + capacity - first) * 4 : 0;
  }
}

// Copies stream b's words to its packed position ends[b] - sizes[b]. Sizes are whole words, so
// every packed position is a multiple of 4 bytes and the copy runs on aligned uint32 words.
__global__ void pack_streams(const uint32_t* __restrict__ scratch, int64_t capacity,
                             const int64_t* __restrict__ sizes, const int64_t* __restrict__ ends,
                             int64_t num_streams, uint32_t* __restrict__ out) {
  for (int64_t b = blockIdx.x; b < num_streams; b += gridDim.x) {
    const int64_t words = sizes[b] / 4;
    const uint32_t* src = scratch + (b + 1) * capacity - words;
    uint32_t* dst = out + ends[b] / 4 - words;
    for (int64_t i = threadIdx.x; i < words; i += blockDim.x) dst[i] = src[i];
  }
}

__global__ void decode_streams(const uint8_t* __restrict__ data, const int64_t* __restrict__ start,
                               const int32_t* __restrict__ indexes, int64_t num_streams, int64_t n,
                               int32_t skip_below, DecodeTables tables, DecodePosition* positions,
                               bool finish, int32_t* __restrict__ out, int32_t* __restrict__ status) {
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    status[b] = decode_part(data + start[b], start[b + 1] - start[b], positions + b, indexes + b * n,
                            n, skip_below, tables, out + b * n, finish);
  }
}

unsigned serial_blocks(int64_t items) { return grid::blocks(items, grid::kSerialThreads); }

}  // namespace

cudaError_t launch_validate_cdf_rows(const int32_t* cdf, const int32_t* cdf_length, int64_t rows,
                                     int64_t stride, int32_t* valid, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  validate_rows<<<serial_blocks(rows), grid::kSerialThreads, 0, stream>>>(cdf, cdf_length, rows,
                                                                          stride, valid);
  return cudaGetLastError();
}

cudaError_t launch_build_enc_symbols(const int32_t* cdf, const int32_t* cdf_length,
                                     const int64_t* row_start, int64_t rows, int64_t stride,
                                     rans64::EncSymbol* symbols, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  enc_symbol_rows<<<serial_blocks(rows), grid::kSerialThreads, 0, stream>>>(
      cdf, cdf_length, row_start, rows, stride, symbols);
  return cudaGetLastError();
}

cudaError_t launch_build_decode_luts(const int32_t* cdf, const int32_t* cdf_length, int64_t rows,
                                     int64_t stride, uint16_t* lut, cudaStream_t stream) {
  if (rows == 0) return cudaSuccess;
  decode_lut_rows<<<serial_blocks(rows), grid::kSerialThreads, 0, stream>>>(cdf, cdf_length, rows,
                                                                            stride, lut);
  return cudaGetLastError();
}

cudaError_t launch_rans_encode(const int32_t* symbols, const int32_t* indexes, int64_t num_streams,
                               int64_t n, int32_t skip_below, const EncodeTables& tables,
                               const EncodeBuffers& buf, cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  encode_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(
      symbols, indexes, num_streams, n, skip_below, tables, buf.scratch, buf.status, buf.sizes);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  return launch_inclusive_sum(buf.sizes, buf.ends, num_streams, buf.scan_temp, buf.scan_temp_bytes,
                              stream);
}

cudaError_t launch_rans_pack(const EncodeBuffers& buf, int64_t num_streams, int64_t n,
                             uint8_t* data, cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  pack_streams<<<grid::blocks(num_streams, 1), grid::kCopyThreads, 0, stream>>>(
      buf.scratch, max_words(n), buf.sizes, buf.ends, num_streams,
      reinterpret_cast<uint32_t*>(data));
  return cudaGetLastError();
}

cudaError_t launch_rans_decode(const uint8_t* data, const int64_t* start, const int32_t* indexes,
                               int64_t num_streams, int64_t n, int32_t skip_below,
                               const DecodeTables& tables, DecodePosition* positions, bool finish,
                               int32_t* out, int32_t* status, cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  decode_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(
      data, start, indexes, num_streams, n, skip_below, tables, positions, finish, out, status);
  return cudaGetLastError();
}

}  // namespace ecc
