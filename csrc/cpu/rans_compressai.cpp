// CPU implementation of ecc::rans_encode / ecc::rans_decode (`compressai` format):
// the per-stream procedures of common/compressai_stream.h, threaded over streams.
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <cstring>
#include <tuple>
#include <vector>

#include "../checks.h"
#include "../decode_ops.h"
#include "../common/compressai_stream.h"
#include "cpu_tables.h"

namespace ecc {
namespace {

using namespace compressai_stream;

std::tuple<at::Tensor, at::Tensor> rans_encode_cpu(const at::Tensor& symbols,
                                                   const at::Tensor& indexes, const at::Tensor& cdf,
                                                   const at::Tensor& cdf_length,
                                                   const at::Tensor& offset, int64_t skip_below) {
  const char* op = "rans_encode";
  check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
  const CpuEncodeTables tables(op, cdf, cdf_length, offset);

  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const int64_t capacity = max_words(n);  // words per stream
  at::Tensor buffer = at::empty({num_streams * capacity * 4}, symbols.options().dtype(at::kByte));
  at::Tensor sizes = at::empty({num_streams}, symbols.options().dtype(at::kLong));
  uint32_t* words = reinterpret_cast<uint32_t*>(buffer.data_ptr<uint8_t>());
  int64_t* size = sizes.data_ptr<int64_t>();
  std::vector<int32_t> status(num_streams);
  const int32_t skip = clamp_skip_below(skip_below);

  at::parallel_for(0, num_streams, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      uint32_t* region = words + b * capacity;
      uint32_t* first = nullptr;
      status[b] = encode_stream(symbols.data_ptr<int32_t>() + b * n,
                                indexes.data_ptr<int32_t>() + b * n, n, skip, tables.view, region,
                                region + capacity, &first);
      size[b] = status[b] == kOk ? (region + capacity - first) * 4 : 0;
    }
  });
  check_stream_status(op, status.data(), num_streams, cdf.size(0));

  // Pack the streams to the front, in order. Stream b ends at the end of region b, and its
  // packed position is at or before region b's start, so no move overwrites unmoved data.
  uint8_t* bytes = buffer.data_ptr<uint8_t>();
  int64_t packed = 0;
  for (int64_t b = 0; b < num_streams; ++b) {
    std::memmove(bytes + packed, bytes + (b + 1) * capacity * 4 - size[b], size[b]);
    packed += size[b];
  }
  return {buffer.narrow(0, 0, packed).clone(), sizes};
}

// Decodes the next indexes.size(1) elements of every stream from `state` (B, 2) int64, per
// stream (x, bytes read), or from the streams' starts when state is undefined; returns the
// symbols and the state after them. `finish`: every stream must end there.
std::tuple<at::Tensor, at::Tensor> decode_from(const char* op, const at::Tensor& data,
                                               const at::Tensor& sizes, const at::Tensor& state,
                                               const at::Tensor& indexes, const at::Tensor& cdf,
                                               const at::Tensor& cdf_length, const at::Tensor& offset,
                                               int64_t skip_below, bool finish) {
  check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
  const int64_t num_streams = indexes.size(0), n = indexes.size(1);
  at::Tensor next = at::zeros({num_streams, 2}, sizes.options());
  if (state.defined()) {
    check_decode_state(op, state, num_streams, data.device());
    next.copy_(state);
  }
  const std::vector<int64_t> start = stream_starts(op, sizes, data.numel());
  const int64_t* size = sizes.data_ptr<int64_t>();
  const CpuDecodeTables tables(op, cdf, cdf_length, offset);

  at::Tensor out = at::empty_like(indexes);
  auto* positions = reinterpret_cast<DecodePosition*>(next.data_ptr<int64_t>());
  std::vector<int32_t> status(num_streams);
  const int32_t skip = clamp_skip_below(skip_below);
  at::parallel_for(0, num_streams, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      status[b] = decode_part(data.data_ptr<uint8_t>() + start[b], size[b], positions + b,
                              indexes.data_ptr<int32_t>() + b * n, n, skip, tables.view,
                              out.data_ptr<int32_t>() + b * n, finish);
    }
  });
  check_stream_status(op, status.data(), num_streams, cdf.size(0));
  return {out, next};
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) {
  m.impl("rans_encode", &rans_encode_cpu);
  m.impl("rans_decode", &DecodeOps<decode_from>::whole);
  m.impl("rans_decode_part", &DecodeOps<decode_from>::part);
}

}  // namespace ecc
