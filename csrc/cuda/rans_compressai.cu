// CUDA kernels of ecc::rans_encode / ecc::rans_decode (`compressai` format), over the per-row and
// per-stream procedures of common/compressai_stream.h:
//   table preparation   thread = cdf row    (cdf_row_is_valid, build_enc_symbols, build_decode_lut)
//   encode              thread = stream     (encode_stream_to_row: the padded form, row b = stream b;
//                       the flat form is compact.cu's copy of it)
//   decode              thread = stream     (decode_part of its span, flat or padded, from and back
//                       to its DecodePosition)
#include "../common/compressai_stream.h"
#include "../common/streams.h"
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

// Stream b is encoded into row b of rows [num_streams, max_words(n)] and moved to its start.
__global__ void encode_streams(const int32_t* __restrict__ symbols, const int32_t* __restrict__ indexes,
                               int64_t num_streams, int64_t n, int32_t skip_below, EncodeTables tables,
                               uint32_t* __restrict__ rows, int32_t* __restrict__ status,
                               int64_t* __restrict__ sizes) {
  const int64_t capacity = max_words(n);
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    status[b] = encode_stream_to_row(symbols + b * n, indexes + b * n, n, skip_below, tables, rows + b * capacity,
                                     capacity, sizes + b);
  }
}

__global__ void decode_streams(StreamSpans spans, const int32_t* __restrict__ indexes, int64_t num_streams,
                               int64_t n, int32_t skip_below, DecodeTables tables, DecodePosition* positions,
                               bool finish, int32_t* __restrict__ out, int32_t* __restrict__ status) {
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    const uint8_t* stream = nullptr;
    int64_t size = 0;
    status[b] = stream_span(spans, b, &stream, &size)
                    ? decode_part(stream, size, positions + b, indexes + b * n, n, skip_below, tables, out + b * n,
                                  finish)
                    : kBadSize;
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
                               int64_t n, int32_t skip_below, const EncodeTables& tables, uint32_t* rows,
                               int64_t* sizes, int32_t* status, cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  encode_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(
      symbols, indexes, num_streams, n, skip_below, tables, rows, status, sizes);
  return cudaGetLastError();
}

cudaError_t launch_rans_decode(const StreamSpans& spans, const int32_t* indexes, int64_t num_streams, int64_t n,
                               int32_t skip_below, const DecodeTables& tables, DecodePosition* positions, bool finish,
                               int32_t* out, int32_t* status, cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  decode_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(
      spans, indexes, num_streams, n, skip_below, tables, positions, finish, out, status);
  return cudaGetLastError();
}

}  // namespace ecc
