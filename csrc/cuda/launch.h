// Host launchers of ecc's CUDA kernels: the meeting point of the torch glue (ops_cuda.cpp,
// ops_cuda_interleaved.cpp) and the kernels (cdf_table.cu, rans_compressai.cu, rans_interleaved.cu,
// scan.cu, compact.cu), which nvcc compiles without any torch header.
//
// Every launcher takes raw device pointers (all memory, scratch included, is allocated by the
// caller), enqueues its kernels on `stream`, never synchronizes, and returns the first CUDA error
// (cudaSuccess when every launch was accepted). Work items: one thread per table row or per
// stream, or one warp per interleaved chunk, calling the functions of csrc/common/ unchanged.
#pragma once

#include <cuda_runtime_api.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/compressai_stream.h"
#include "../common/interleaved_stream.h"
#include "../common/streams.h"

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

// Bytes of temporary storage launch_inclusive_sum needs for count items (no work is enqueued).
cudaError_t inclusive_sum_bytes(int64_t count, size_t* bytes);

// out[i] = in[0] + ... + in[i] for i < count (CUB), with temp of inclusive_sum_bytes(count) bytes.
cudaError_t launch_inclusive_sum(const int64_t* in, int64_t* out, int64_t count, void* temp,
                                 size_t temp_bytes, cudaStream_t stream);

// The flat form of padded streams (compact.cu): row b of padded [rows, width], its first sizes[b]
// bytes, copied to out[ends[b] - sizes[b] ..] (ends: inclusive prefix sum of sizes, each size
// checked against width by the caller; max_size: the largest).
cudaError_t launch_compact_streams(const uint8_t* padded, int64_t width, const int64_t* sizes,
                                   const int64_t* ends, int64_t rows, int64_t max_size, uint8_t* out,
                                   cudaStream_t stream);

// ---- The `compressai` format (rans_compressai.cu) ----

// Encodes symbols/indexes [num_streams, n] (tables: device pointers) as the CPU op does, stream b
// into row b of rows [num_streams, max_words(n)] (encode_stream_to_row: the stream is the row's
// first sizes[b] bytes, 0 where status[b] != kOk).
cudaError_t launch_rans_encode(const int32_t* symbols, const int32_t* indexes, int64_t num_streams,
                               int64_t n, int32_t skip_below, const EncodeTables& tables, uint32_t* rows,
                               int64_t* sizes, int32_t* status, cudaStream_t stream);

// Decodes the next n elements of stream b of `spans` (flat or padded, streams.h) into
// out[b * n ..] with its indexes [num_streams, n], from and back to positions[b] (zeros: the
// stream's start); `finish`: each stream must end there. status [num_streams] per stream
// (tables: device pointers).
cudaError_t launch_rans_decode(const StreamSpans& spans, const int32_t* indexes,
                               int64_t num_streams, int64_t n, int32_t skip_below,
                               const DecodeTables& tables, compressai_stream::DecodePosition* positions,
                               bool finish, int32_t* out, int32_t* status, cudaStream_t stream);

// ---- The `interleaved` format (rans_interleaved.cu) ----
// A call codes num_streams streams of n elements with `lanes` lanes and chunks of 2^chunk_log2
// elements: chunks = interleaved_stream::num_chunks(n, chunk_log2) per stream, one task per
// (stream, chunk), task = stream * chunks + chunk, capacity = max_chunk_words(min(n, 2^chunk_log2),
// lanes) words per task.

// Device arrays of one rans_encode_interleaved call, all caller-allocated.
struct InterleavedEncodeBuffers {
  uint16_t* words;        // [tasks, capacity]: each chunk's words in emission order
  uint32_t* states;       // [tasks, lanes]: each chunk's final lane states
  int64_t* chunk_bytes;   // [tasks]: 4 lanes + 2 words (0 where the chunk failed)
  int64_t* chunk_ends;    // [tasks]: inclusive prefix sum of chunk_bytes over all tasks
  int32_t* chunk_status;  // [tasks] interleaved_stream::Status
  int32_t* status;        // [num_streams]: status of each stream's first failing chunk (or kOk)
  int64_t* sizes;         // [num_streams]: bytes of each stream (0 where status is not kOk)
  void* scan_temp;        // scan storage of inclusive_sum_bytes(tasks) bytes
  size_t scan_temp_bytes;
};

// Encodes every chunk of symbols/indexes [num_streams, n] as encode_chunk does, then scans the
// chunk sizes and writes buf.status and buf.sizes (0 where the status is not kOk). cdf: the same
// tables' cdf rows (cdf, cdf_stride, cdf_length, offset; its lut is not read), which the kernel
// packs into shared memory when they fit: packed_entries = row_start[rows] + rows entries (row r
// at tables.row_start[r] + r).
cudaError_t launch_interleaved_encode(const int32_t* symbols, const int32_t* indexes,
                                      int64_t num_streams, int64_t n, int32_t skip_below,
                                      int32_t lanes, int32_t chunk_log2, const EncodeTables& tables,
                                      const DecodeTables& cdf, int64_t packed_entries,
                                      const InterleavedEncodeBuffers& buf, cudaStream_t stream);

// After launch_interleaved_encode: writes every stream whose status is kOk (header, chunk table,
// chunks) to the start of its row of padded [num_streams, row_bytes], row_bytes =
// max_stream_bytes of the plan; the stream is the row's first sizes[b] bytes.
cudaError_t launch_interleaved_pack(const InterleavedEncodeBuffers& buf, int64_t num_streams,
                                    int64_t n, int32_t lanes, int32_t chunk_log2, uint8_t* padded,
                                    int64_t row_bytes, cudaStream_t stream);

// Device arrays of one rans_decode_interleaved call, all caller-allocated. Every stream carries
// its own header, so lanes and chunk size may differ between the streams of one call.
struct InterleavedDecodeBuffers {
  // [num_streams], filled by launch_interleaved_parse
  int32_t* stream_status;  // parse_header, then locate_chunks (kOk, kBadSize, kBadHeader, ...)
  int32_t* layout;         // lanes | chunk_log2 << 8 of each parsed stream
  int64_t* chunk_count;    // chunks of each parsed stream (0 where parse_header failed)
  int64_t* chunk_end;      // inclusive prefix sum of chunk_count: tasks = chunk_end[num_streams - 1]
  void* scan_temp;         // scan storage of inclusive_sum_bytes(num_streams) bytes
  size_t scan_temp_bytes;
  // [tasks], task = chunk_end[b] - chunk_count[b] + chunk, used by launch_interleaved_decode
  int64_t* chunk_offset;  // byte offset of the chunk in its stream
  int64_t* chunk_words;   // its 16-bit words
  int32_t* chunk_stream;  // its stream
  int32_t* chunk_status;  // decode_chunk's status (kOk for streams whose header failed)
  // [num_streams]
  int32_t* decode_status;  // status of each stream's first failing chunk (or kOk)
};

// Parses every stream's header (stream b of `spans`, flat or padded) against n elements and
// scans the chunk counts into chunk_end. Nothing is read back: the decode takes a bound on the
// task count.
cudaError_t launch_interleaved_parse(const StreamSpans& spans, int64_t num_streams, int64_t n,
                                     const InterleavedDecodeBuffers& buf, cudaStream_t stream);

// Locates the chunks of every parsed stream (buf.stream_status may turn kCorrupt), decodes every
// chunk of every stream whose header and chunk table are valid into out [num_streams, n] with
// indexes [num_streams, n], and writes buf.decode_status. The per-task arrays hold max_tasks >=
// chunk_end[num_streams - 1] entries (max_decode_tasks); the kernels read the true count on the
// device. row_start [rows + 1] are the encoder's packed row starts (prepared_tables.h
// kRowStart); the decoder packs row r's cdf_length[r] entries at row_start[r] + r, i.e.
// packed_entries = row_start[rows] + rows entries in all.
cudaError_t launch_interleaved_decode(const StreamSpans& spans, const int32_t* indexes, int64_t num_streams,
                                      int64_t n, int64_t max_tasks, int32_t skip_below, const DecodeTables& tables,
                                      const int64_t* row_start, int64_t packed_entries,
                                      const InterleavedDecodeBuffers& buf, int32_t* out, cudaStream_t stream);

// Tasks (chunks) a decode of num_streams streams of n elements can have at most: every header's
// chunk size is at least 2^kMinChunkLog2.
inline int64_t max_decode_tasks(int64_t num_streams, int64_t n) {
  return num_streams * interleaved_stream::num_chunks(n, interleaved_stream::kMinChunkLog2);
}

}  // namespace ecc
