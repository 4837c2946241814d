// CPU implementation of the one-chain formats' ops: `compressai` (rans_encode, rans_decode,
// rans_decode_part, their `.prepared` overloads, rans_encode_padded, rans_decode_padded) and
// `compact` and `range` (rans_encode_<format>, rans_decode_<format>, rans_decode_part_<format> and
// their `.prepared` overloads): the per-stream procedures of common/compressai_stream.h,
// common/compact_stream.h and common/range_stream.h, threaded over streams, written once over a
// Format (below). Every encoder writes the padded form first; the flat ops then check the
// statuses and compact it.
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <tuple>
#include <vector>

#include "../checks.h"
#include "../common/compact_stream.h"
#include "../common/compressai_stream.h"
#include "../common/range_stream.h"
#include "../common/streams.h"
#include "../coder_ops.h"
#include "cpu_tables.h"
#include "padded.h"

namespace ecc {
namespace {

using compressai_stream::DecodePosition;
using compressai_stream::kBadSize;

// A one-chain stream format: its op names, its worst-case bytes per stream of n elements, its
// encoder into a padded row (stream at the row's start) and its resumable decoder.
struct Compressai : CompressaiOpNames {
  static int64_t max_bytes(int64_t n) { return 4 * compressai_stream::max_words(n); }
  static int32_t encode_row(const int32_t* symbols, const int32_t* indexes, int64_t n, int32_t skip_below,
                            const EncodeTables& t, uint8_t* row, int64_t capacity, int64_t* size) {
    // rows are whole words apart in a fresh tensor: 4-byte aligned
    return compressai_stream::encode_stream_to_row(symbols, indexes, n, skip_below, t, reinterpret_cast<uint32_t*>(row),
                                                   capacity / 4, size);
  }
  static constexpr auto& decode_part = compressai_stream::decode_part;
};

struct Compact {
  static constexpr const char* kEncode = "rans_encode_compact";
  static constexpr const char* kDecode = "rans_decode_compact";
  static constexpr const char* kDecodePart = "rans_decode_part_compact";
  static constexpr auto& max_bytes = compact_stream::max_bytes;
  static constexpr auto& encode_row = compact_stream::encode_stream_to_row;
  static constexpr auto& decode_part = compact_stream::decode_part;
};

struct Range {
  static constexpr const char* kEncode = "rans_encode_range";
  static constexpr const char* kDecode = "rans_decode_range";
  static constexpr const char* kDecodePart = "rans_decode_part_range";
  static constexpr auto& max_bytes = range_stream::max_bytes;
  static constexpr auto& encode_row = range_stream::encode_stream_to_row;
  static constexpr auto& decode_part = range_stream::decode_part;
};

// symbols, indexes (B, N) int32 (checked) and a prepared list -> (padded (B, Format::max_bytes(N))
// uint8, sizes (B,) int64, status (B,) int32).
template <class Format>
std::tuple<at::Tensor, at::Tensor, at::Tensor> encode_padded(const char* op, const at::Tensor& symbols,
                                                             const at::Tensor& indexes, at::TensorList prepared,
                                                             int64_t skip_below) {
  const TableViews tables = prepared_views(op, prepared, symbols.device());
  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const int64_t capacity = Format::max_bytes(n);
  const at::TensorOptions options = symbols.options();
  at::Tensor padded = at::zeros({num_streams, capacity}, options.dtype(at::kByte));  // deterministic padding
  at::Tensor sizes = at::empty({num_streams}, options.dtype(at::kLong));
  at::Tensor status = at::empty({num_streams}, options.dtype(at::kInt));
  uint8_t* rows = padded.data_ptr<uint8_t>();
  int64_t* size = sizes.data_ptr<int64_t>();
  int32_t* stat = status.data_ptr<int32_t>();
  const int32_t* sym = symbols.data_ptr<int32_t>();
  const int32_t* idx = indexes.data_ptr<int32_t>();
  const int32_t skip = clamp_skip_below(skip_below);
  at::parallel_for(0, num_streams, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      stat[b] = Format::encode_row(sym + b * n, idx + b * n, n, skip, tables.enc, rows + b * capacity, capacity,
                                   size + b);
    }
  });
  return {padded, sizes, status};
}

// Decodes the next indexes.size(1) elements of every stream of `spans` from positions (B, 2)
// int64, which it advances; status (B,) int32 per stream. `finish`: every stream must end there.
template <class Format>
void decode_spans(const StreamSpans& spans, const at::Tensor& positions, const at::Tensor& indexes,
                  const DecodeTables& tables, int64_t skip_below, bool finish, const at::Tensor& out,
                  const at::Tensor& status) {
  const int64_t num_streams = indexes.size(0), n = indexes.size(1);
  auto* position = reinterpret_cast<DecodePosition*>(positions.data_ptr<int64_t>());
  int32_t* stat = status.data_ptr<int32_t>();
  const int32_t* idx = indexes.data_ptr<int32_t>();
  int32_t* symbols = out.data_ptr<int32_t>();
  const int32_t skip = clamp_skip_below(skip_below);
  at::parallel_for(0, num_streams, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const uint8_t* stream = nullptr;
      int64_t size = 0;
      stat[b] = stream_span(spans, b, &stream, &size)
                    ? Format::decode_part(stream, size, position + b, idx + b * n, n, skip, tables, symbols + b * n,
                                          finish)
                    : kBadSize;
    }
  });
}

// Decodes the next indexes.size(1) elements of every stream from `state` (B, 2) int64, per
// stream (x, bytes read), or from the streams' starts when state is undefined; returns the
// symbols and the state after them. `finish`: every stream must end there.
template <class Format>
std::tuple<at::Tensor, at::Tensor> decode_from(const char* op, const at::Tensor& data, const at::Tensor& sizes,
                                               const at::Tensor& state, const at::Tensor& indexes,
                                               at::TensorList tables, int64_t skip_below, bool finish) {
  check_stream_args(op, data, sizes, indexes);
  const TableViews views = prepared_views(op, tables, data.device());
  const int64_t num_streams = indexes.size(0);
  at::Tensor next = at::zeros({num_streams, 2}, sizes.options());
  if (state.defined()) {
    check_decode_state(op, state, num_streams, data.device());
    next.copy_(state);
  }
  const std::vector<int64_t> start = stream_starts(op, sizes, data.numel());
  at::Tensor out = at::empty_like(indexes);
  at::Tensor status = at::empty({num_streams}, indexes.options());
  decode_spans<Format>({data.data_ptr<uint8_t>(), start.data(), nullptr, 0}, next, indexes, views.dec, skip_below,
                       finish, out, status);
  check_stream_status(op, status.data_ptr<int32_t>(), num_streams, views.dec.num_rows);
  return {out, next};
}

std::tuple<at::Tensor, at::Tensor> rans_decode_padded_cpu(const at::Tensor& padded, const at::Tensor& sizes,
                                                          const at::Tensor& indexes, at::TensorList tables,
                                                          int64_t skip_below) {
  const char* op = "rans_decode_padded";
  check_stream_args(op, padded, sizes, indexes, 2);
  const TableViews views = prepared_views(op, tables, padded.device());
  const at::Tensor positions = at::zeros({indexes.size(0), 2}, sizes.options());
  at::Tensor out = at::empty_like(indexes);
  at::Tensor status = at::empty({indexes.size(0)}, indexes.options());
  decode_spans<Compressai>({padded.data_ptr<uint8_t>(), nullptr, sizes.data_ptr<int64_t>(), padded.size(1)}, positions,
                           indexes, views.dec, skip_below, true, out, status);
  return {out, status};
}

template <class Format>
using Encode = EncodeOps<prepare_tables_cpu, encode_padded<Format>, compact_streams_cpu, Format>;
template <class Format>
using Decode = DecodeOps<prepare_tables_cpu, decode_from<Format>, Format>;

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) {
  m.impl("rans_encode", &Encode<Compressai>::whole);
  m.impl("rans_encode.prepared", &Encode<Compressai>::whole_prepared);
  m.impl("rans_encode_padded", &Encode<Compressai>::padded);
  m.impl("rans_decode", &Decode<Compressai>::whole);
  m.impl("rans_decode.prepared", &Decode<Compressai>::whole_prepared);
  m.impl("rans_decode_part", &Decode<Compressai>::part);
  m.impl("rans_decode_part.prepared", &Decode<Compressai>::part_prepared);
  m.impl("rans_decode_padded", &rans_decode_padded_cpu);
  m.impl("rans_encode_compact", &Encode<Compact>::whole);
  m.impl("rans_encode_compact.prepared", &Encode<Compact>::whole_prepared);
  m.impl("rans_decode_compact", &Decode<Compact>::whole);
  m.impl("rans_decode_compact.prepared", &Decode<Compact>::whole_prepared);
  m.impl("rans_decode_part_compact", &Decode<Compact>::part);
  m.impl("rans_decode_part_compact.prepared", &Decode<Compact>::part_prepared);
  m.impl("rans_encode_range", &Encode<Range>::whole);
  m.impl("rans_encode_range.prepared", &Encode<Range>::whole_prepared);
  m.impl("rans_decode_range", &Decode<Range>::whole);
  m.impl("rans_decode_range.prepared", &Decode<Range>::whole_prepared);
  m.impl("rans_decode_part_range", &Decode<Range>::part);
  m.impl("rans_decode_part_range.prepared", &Decode<Range>::part_prepared);
}

}  // namespace ecc
