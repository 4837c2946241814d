// Argument checks at the op boundary, shared by the CPU and CUDA implementations.
// Each failure is a RuntimeError whose message names the op, the argument and what was expected.
#pragma once

#include <ATen/ATen.h>

#include <algorithm>
#include <vector>

#include "common/compressai_stream.h"
#include "common/interleaved_stream.h"

namespace ecc {

inline void check_tensor(const at::Tensor& t, const char* op, const char* name,
                         at::ScalarType dtype, int64_t dim, const at::Device& device) {
  TORCH_CHECK(t.scalar_type() == dtype, op, ": ", name, " must be ", dtype, ", got ",
              t.scalar_type());
  TORCH_CHECK(t.dim() == dim, op, ": ", name, " must have ", dim, " dimension(s), got shape ",
              t.sizes());
  TORCH_CHECK(t.device() == device, op, ": ", name, " is on ", t.device(), " but the other ",
              "arguments are on ", device, "; move all tensors to one device");
  TORCH_CHECK(t.is_contiguous(), op, ": ", name, " must be contiguous (call .contiguous())");
}

// cdf (S, Lmax) int32, cdf_length (S,) int32, offset (S,) int32 on `device`.
inline void check_table_tensors(const char* op, const at::Tensor& cdf,
                                const at::Tensor& cdf_length, const at::Tensor& offset,
                                const at::Device& device) {
  check_tensor(cdf, op, "cdf", at::kInt, 2, device);
  check_tensor(cdf_length, op, "cdf_length", at::kInt, 1, device);
  check_tensor(offset, op, "offset", at::kInt, 1, device);
  TORCH_CHECK(cdf.size(0) > 0, op, ": cdf has no rows");
  TORCH_CHECK(cdf_length.size(0) == cdf.size(0) && offset.size(0) == cdf.size(0), op,
              ": cdf_length and offset must have one entry per cdf row (", cdf.size(0),
              "), got ", cdf_length.size(0), " and ", offset.size(0));
  TORCH_CHECK(cdf.size(0) <= INT32_MAX, op, ": too many cdf rows");
}

// symbols, indexes (B, N) int32 on symbols' device.
inline void check_symbol_args(const char* op, const at::Tensor& symbols, const at::Tensor& indexes) {
  const at::Device device = symbols.device();
  check_tensor(symbols, op, "symbols", at::kInt, 2, device);
  check_tensor(indexes, op, "indexes", at::kInt, 2, device);
  TORCH_CHECK(symbols.sizes() == indexes.sizes(), op, ": symbols ", symbols.sizes(),
              " and indexes ", indexes.sizes(), " must have the same shape");
}

// The arguments of rans_encode: symbols, indexes (B, N) int32 and the tables, on one device.
inline void check_encode_args(const char* op, const at::Tensor& symbols, const at::Tensor& indexes,
                              const at::Tensor& cdf, const at::Tensor& cdf_length,
                              const at::Tensor& offset) {
  check_symbol_args(op, symbols, indexes);
  check_table_tensors(op, cdf, cdf_length, offset, symbols.device());
}

// The streams of a decode call on data's device: data (total,) uint8 (flat) or (B, max_bytes)
// uint8 (padded, data_dim 2), sizes (B,) int64, indexes (B, N) int32.
inline void check_stream_args(const char* op, const at::Tensor& data, const at::Tensor& sizes,
                              const at::Tensor& indexes, int64_t data_dim = 1) {
  const at::Device device = data.device();
  check_tensor(data, op, data_dim == 1 ? "data" : "padded", at::kByte, data_dim, device);
  check_tensor(sizes, op, "sizes", at::kLong, 1, device);
  check_tensor(indexes, op, "indexes", at::kInt, 2, device);
  TORCH_CHECK(sizes.size(0) == indexes.size(0), op, ": sizes has ", sizes.size(0),
              " entries but indexes has ", indexes.size(0), " streams (rows)");
  TORCH_CHECK(data_dim == 1 || data.size(0) == sizes.size(0), op, ": padded has ", data.size(0),
              " rows but sizes has ", sizes.size(0), " entries");
}

// The arguments of rans_decode: data (total,) uint8, sizes (B,) int64, indexes (B, N) int32 and
// the tables, on one device.
inline void check_decode_args(const char* op, const at::Tensor& data, const at::Tensor& sizes,
                              const at::Tensor& indexes, const at::Tensor& cdf,
                              const at::Tensor& cdf_length, const at::Tensor& offset) {
  check_stream_args(op, data, sizes, indexes);
  check_table_tensors(op, cdf, cdf_length, offset, data.device());
}

// A resumable decoder's state (B, 2) int64 for B streams: per stream (x, bytes read).
inline void check_decode_state(const char* op, const at::Tensor& state, int64_t num_streams,
                               const at::Device& device) {
  check_tensor(state, op, "state", at::kLong, 2, device);
  TORCH_CHECK(state.size(0) == num_streams && state.size(1) == 2, op, ": state must be (",
              num_streams, ", 2) (per stream: rANS state, bytes read), got ", state.sizes());
}

inline void check_bad_cdf_row(const char* op, int64_t row, bool valid) {
  TORCH_CHECK(valid, op, ": cdf row ", row,
              " is not a valid quantized CDF (need 2 <= cdf_length <= cdf.size(1), cdf[0] == 0, "
              "cdf[cdf_length - 1] == 65536 and strictly increasing values)");
}

// skip_below as the kernels take it (int32); values beyond int32 skip nothing / everything alike.
inline int32_t clamp_skip_below(int64_t skip_below) {
  return static_cast<int32_t>(std::max<int64_t>(std::min<int64_t>(skip_below, INT32_MAX), INT32_MIN));
}

// The interleaved format's lanes (0 = automatic) and chunk size (a power of two) from the op's
// arguments; returns log2(chunk_size).
inline int32_t check_interleaved_args(const char* op, int64_t lanes, int64_t chunk_size) {
  TORCH_CHECK(lanes == 0 || lanes == 1 || lanes == 4 || lanes == 8 || lanes == 16 || lanes == 32, op,
              ": lanes must be 1, 4, 8, 16 or 32 (or 0/None to choose from the length), got ", lanes);
  int32_t log2 = 0;
  while ((int64_t{1} << log2) < chunk_size && log2 < 62) ++log2;
  TORCH_CHECK((int64_t{1} << log2) == chunk_size && log2 >= 5 && log2 <= 24, op,
              ": chunk_size must be a power of two from 32 to 2^24 (or 0 to choose it from the batch), got ", chunk_size);
  return log2;
}

// log2 of the chunk size of an interleaved encode of (num_streams, n) elements: chunk_size as
// check_interleaved_args takes it, or 0 for the batch's choice (interleaved_stream.h batch_chunk_log2).
inline int32_t chunk_log2_for(const char* op, int64_t num_streams, int64_t n, int64_t lanes, int64_t chunk_size) {
  if (chunk_size == 0) {
    check_interleaved_args(op, lanes, int64_t{1} << interleaved_stream::kMinChunkLog2);
    return interleaved_stream::batch_chunk_log2(num_streams, n);
  }
  return check_interleaved_args(op, lanes, chunk_size);
}

// The arguments of deterministic_conv1d: x (B, Cin, T), weight (Cout, Cin, K odd), bias (Cout,),
// all float32 on one device, and an activation code.
inline void check_conv1d_args(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                              int64_t activation) {
  const char* op = "deterministic_conv1d";
  check_tensor(x, op, "x", at::kFloat, 3, x.device());
  check_tensor(weight, op, "weight", at::kFloat, 3, x.device());
  check_tensor(bias, op, "bias", at::kFloat, 1, x.device());
  TORCH_CHECK(weight.size(1) == x.size(1), op, ": weight has ", weight.size(1), " input channels but x has ",
              x.size(1));
  TORCH_CHECK(weight.size(2) % 2 == 1, op, ": the kernel size must be odd (same padding), got ", weight.size(2));
  TORCH_CHECK(bias.size(0) == weight.size(0), op, ": bias must have one entry per output channel (",
              weight.size(0), "), got ", bias.size(0));
  TORCH_CHECK(activation >= 0 && activation <= 3, op, ": activation must be 0 (none), 1 (relu), 2 (leaky relu) ",
              "or 3 (hardtanh), got ", activation);
}

// The CPU kernel's short-sequence weight layout (cpu/context.cpp): (Cin, K, Cout rounded up to
// kConv1dChannelBlock) float32, zero past Cout; ecc.ops.pack_conv1d_weight builds it.
constexpr int64_t kConv1dChannelBlock = 16;

// The packed layout's last dimension for `cout` output channels.
inline int64_t conv1d_packed_width(int64_t cout) {
  return (cout + kConv1dChannelBlock - 1) / kConv1dChannelBlock * kConv1dChannelBlock;
}

inline void check_conv1d_packed(const at::Tensor& packed, const at::Tensor& weight) {
  const char* op = "deterministic_conv1d";
  check_tensor(packed, op, "packed", at::kFloat, 3, weight.device());
  const int64_t stride = conv1d_packed_width(weight.size(0));
  TORCH_CHECK(packed.size(0) == weight.size(1) && packed.size(1) == weight.size(2) && packed.size(2) == stride, op,
              ": packed must be ecc.ops.pack_conv1d_weight(weight), shape (", weight.size(1), ", ", weight.size(2),
              ", ", stride, "), got ", packed.sizes());
}

// The tensors of pmf_to_quantized_cdf: pmf (S, L) float32, pmf_length (S,) int32, tail_mass (S,)
// float32 on one device (their values are checked by host_tables.h's pmf_table_stride).
inline void check_pmf_args(const at::Tensor& pmf, const at::Tensor& pmf_length, const at::Tensor& tail_mass) {
  const char* op = "pmf_to_quantized_cdf";
  check_tensor(pmf, op, "pmf", at::kFloat, 2, pmf.device());
  check_tensor(pmf_length, op, "pmf_length", at::kInt, 1, pmf.device());
  check_tensor(tail_mass, op, "tail_mass", at::kFloat, 1, pmf.device());
}

// pmf_to_quantized_cdf's result check: cdf_length (S,) int32 on the CPU, 0 where a row's
// probabilities all rounded to 0.
inline void check_pmf_rows_quantized(const at::Tensor& cdf_length) {
  const int32_t* len = cdf_length.data_ptr<int32_t>();
  for (int64_t r = 0; r < cdf_length.size(0); ++r) {
    TORCH_CHECK(len[r] > 0, "pmf_to_quantized_cdf: row ", r, " has no probability >= 2^-17; it cannot be quantized");
  }
}

// Byte offset of each stream in the flat data, from sizes (B,) int64 on the CPU; the last entry
// is the total, which must equal data's length.
inline std::vector<int64_t> stream_starts(const char* op, const at::Tensor& sizes, int64_t data_bytes) {
  const int64_t num_streams = sizes.size(0);
  const int64_t* size = sizes.data_ptr<int64_t>();
  std::vector<int64_t> start(num_streams + 1, 0);
  for (int64_t b = 0; b < num_streams; ++b) {
    TORCH_CHECK(size[b] >= 0, op, ": sizes[", b, "] = ", size[b], " is negative");
    // start[b] <= data_bytes, so data_bytes - start[b] cannot overflow where start[b] + size[b] could
    TORCH_CHECK(size[b] <= data_bytes - start[b], op, ": sizes add up to more than the ", data_bytes,
                " bytes of data (sizes[", b, "] = ", size[b], ")");
    start[b + 1] = start[b] + size[b];
  }
  TORCH_CHECK(start[num_streams] == data_bytes, op, ": sizes add up to ", start[num_streams],
              " bytes but data has ", data_bytes);
  return start;
}

// The arguments of rans_compact: padded (B, W) uint8 and sizes (B,) int64 on padded's device.
inline void check_compact_args(const at::Tensor& padded, const at::Tensor& sizes) {
  const char* op = "rans_compact";
  check_tensor(padded, op, "padded", at::kByte, 2, padded.device());
  check_tensor(sizes, op, "sizes", at::kLong, 1, padded.device());
  TORCH_CHECK(sizes.size(0) == padded.size(0), op, ": padded has ", padded.size(0), " rows but sizes has ",
              sizes.size(0), " entries");
}

// Bytes of the flat form of padded streams (rows of `width` bytes, sizes on the CPU): their sum,
// after checking that each size fits its row.
inline int64_t compacted_bytes(const char* op, const int64_t* size, int64_t rows, int64_t width) {
  int64_t total = 0;
  for (int64_t b = 0; b < rows; ++b) {
    TORCH_CHECK(size[b] >= 0 && size[b] <= width, op, ": sizes[", b, "] = ", size[b], " is not a size in a row of ",
                width, " bytes");
    total += size[b];
  }
  return total;
}

// Raises for the first stream whose status is not kOk.
inline void check_stream_status(const char* op, const int32_t* status, int64_t num_streams,
                                int64_t num_rows) {
  using namespace compressai_stream;
  for (int64_t b = 0; b < num_streams; ++b) {
    switch (status[b]) {
      case kOk:
        continue;
      case kBadIndex:
        TORCH_CHECK(false, op, ": stream ", b, " has an index outside [0, ", num_rows,
                    "), the number of cdf rows");
      case kSymbolOutOfRange:
        TORCH_CHECK(false, op, ": stream ", b, " has a symbol too far outside its table to ",
                    "code: |symbol - offset| must stay below 2^30");
      case kOutputOverflow:
        TORCH_CHECK(false, op, ": stream ", b, " overflowed its worst-case output bound ",
                    "(an ecc bug, please report it)");
      case kTruncated:
        TORCH_CHECK(false, op, ": stream ", b, " is truncated: decoding needs more bytes ",
                    "than its size");
      case kCorrupt:
        TORCH_CHECK(false, op, ": stream ", b, " is corrupt, or was not encoded with these ",
                    "indexes, tables and skip_below");
      case kBadSize:
        TORCH_CHECK(false, op, ": stream ", b, " has an impossible size for its format (a ",
                    "`compressai` stream is a multiple of 4 bytes, at least 8; an `interleaved` ",
                    "one at least 4; a `compact` one at least 3; a `range` one any size); do the sizes describe these "
                    "streams?");
      case 7:  // interleaved_stream::kBadHeader
        TORCH_CHECK(false, op, ": stream ", b, " has no valid `interleaved` header (version 1, ",
                    "lanes 1/4/8/16/32, chunk size 2^5..2^24); is it a `compressai` stream?");
      case kBadState:
        TORCH_CHECK(false, op, ": stream ", b, " has a decoder state that is not a position in ",
                    "it (pass zeros to start, then the state the previous call returned)");
      default:
        TORCH_CHECK(false, op, ": stream ", b, " failed with unknown status ", status[b]);
    }
  }
}

}  // namespace ecc
