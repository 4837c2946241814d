// CUDA implementations of the `interleaved`-format ops (rans_encode_interleaved,
// rans_decode_interleaved, their `.prepared` overloads, rans_encode_interleaved_padded,
// rans_decode_interleaved_padded): the CPU op's checks (checks.h, same messages, same order),
// then the kernels of rans_interleaved.cu (launch.h) on the current stream under a device guard,
// with scratch as torch tensors. The padded ops read nothing back (the decoder's per-chunk arrays
// are sized by a bound, max_decode_tasks). The flat ops are the padded kernels plus, crossing to
// the host: row validity and cdf_length (three-tensor overloads: preparation), then
//   encode  the per-stream statuses, then the sizes (compaction, compact.cu);
//   decode  sizes (stream starts), then the per-stream statuses: header / chunk table first (the
//           CPU op raises for those before decoding anything), then each stream's first failing
//           chunk.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include <tuple>
#include <vector>

#include "../coder_ops.h"
#include "cuda_glue.h"

namespace ecc {
namespace {

using namespace interleaved_stream;

// Entries of the cdf rows packed for shared memory: row r's cdf_length[r] at row_start[r] + r.
int64_t packed_entries(at::TensorList prepared) { return prepared[kEncSymbols].size(0) + prepared[kCdf].size(0); }

// symbols, indexes (B, N) int32 (checked) and a prepared list -> (padded (B, max_stream_bytes)
// uint8, sizes (B,) int64, status (B,) int32: each stream's first failing chunk, size 0 then);
// bytes past a stream's size are unspecified. chunk_size: as chunk_log2_for takes it.
std::tuple<at::Tensor, at::Tensor, at::Tensor> encode_padded(const char* op, const at::Tensor& symbols,
                                                             const at::Tensor& indexes, at::TensorList prepared,
                                                             int64_t skip_below, int64_t lanes, int64_t chunk_size) {
  const TableViews tables = prepared_views(op, prepared, symbols.device());
  const int32_t chunk_log2 = chunk_log2_for(op, symbols.size(0), symbols.size(1), lanes, chunk_size);
  const c10::cuda::CUDAGuard guard(symbols.device());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const at::TensorOptions options = symbols.options();
  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const EncodePlan plan = plan_encode(num_streams, n, lanes, chunk_log2);
  const int64_t tasks = plan.tasks, row_bytes = max_stream_bytes(plan);

  // Every chunk into its worst-case scratch row, then each stream's chunks into its padded row.
  const at::Tensor words = at::empty({tasks * plan.capacity}, options.dtype(at::kUInt16));
  const at::Tensor states = at::empty({tasks * plan.lanes}, options.dtype(at::kUInt32));
  const at::Tensor chunk_bytes = at::empty({tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_ends = at::empty({tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_status = at::empty({tasks}, options.dtype(at::kInt));
  at::Tensor status = at::empty({num_streams}, options.dtype(at::kInt));
  at::Tensor sizes = at::empty({num_streams}, options.dtype(at::kLong));
  at::Tensor padded = at::empty({num_streams, row_bytes}, options.dtype(at::kByte));
  const at::Tensor scan_temp = scan_storage(op, tasks, options);
  const InterleavedEncodeBuffers buf{words.data_ptr<uint16_t>(),     states.data_ptr<uint32_t>(),
                                     chunk_bytes.data_ptr<int64_t>(), chunk_ends.data_ptr<int64_t>(),
                                     chunk_status.data_ptr<int32_t>(), status.data_ptr<int32_t>(),
                                     sizes.data_ptr<int64_t>(),       scan_temp.data_ptr(),
                                     static_cast<size_t>(scan_temp.numel())};
  check_cuda(op, "encode kernel",
             launch_interleaved_encode(symbols.data_ptr<int32_t>(), indexes.data_ptr<int32_t>(), num_streams, n,
                                       clamp_skip_below(skip_below), plan.lanes, chunk_log2, tables.enc, tables.dec,
                                       packed_entries(prepared), buf, stream));
  check_cuda(op, "pack kernel",
             launch_interleaved_pack(buf, num_streams, n, plan.lanes, chunk_log2, padded.data_ptr<uint8_t>(),
                                     row_bytes, stream));
  return {padded, sizes, status};
}

// Decodes every stream of `spans` (indexes (B, N) int32, on the current device) into out;
// statuses (2, B) int32: row 0 each stream's span / header / chunk-table status, row 1 its first
// failing chunk (kOk where row 0 is not).
void decode_spans(const StreamSpans& spans, const at::Tensor& indexes, at::TensorList prepared,
                  const TableViews& tables, int64_t skip_below, const at::Tensor& out, const at::Tensor& statuses) {
  const char* op = "rans_decode_interleaved";
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const at::TensorOptions options = indexes.options();
  const int64_t num_streams = indexes.size(0), n = indexes.size(1);
  const int64_t max_tasks = max_decode_tasks(num_streams, n);
  const at::Tensor layout = at::empty({num_streams}, options.dtype(at::kInt));
  const at::Tensor chunk_count = at::empty({num_streams}, options.dtype(at::kLong));
  const at::Tensor chunk_end = at::empty({num_streams}, options.dtype(at::kLong));
  const at::Tensor scan_temp = scan_storage(op, num_streams, options);
  const at::Tensor chunk_offset = at::empty({max_tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_words = at::empty({max_tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_stream = at::empty({max_tasks}, options.dtype(at::kInt));
  const at::Tensor chunk_status = at::empty({max_tasks}, options.dtype(at::kInt));
  const InterleavedDecodeBuffers buf{statuses[0].data_ptr<int32_t>(), layout.data_ptr<int32_t>(),
                                     chunk_count.data_ptr<int64_t>(),  chunk_end.data_ptr<int64_t>(),
                                     scan_temp.data_ptr(),             static_cast<size_t>(scan_temp.numel()),
                                     chunk_offset.data_ptr<int64_t>(), chunk_words.data_ptr<int64_t>(),
                                     chunk_stream.data_ptr<int32_t>(), chunk_status.data_ptr<int32_t>(),
                                     statuses[1].data_ptr<int32_t>()};
  check_cuda(op, "header kernel", launch_interleaved_parse(spans, num_streams, n, buf, stream));
  check_cuda(op, "decode kernel",
             launch_interleaved_decode(spans, indexes.data_ptr<int32_t>(), num_streams, n, max_tasks,
                                       clamp_skip_below(skip_below), tables.dec,
                                       prepared[kRowStart].data_ptr<int64_t>(), packed_entries(prepared), buf,
                                       out.data_ptr<int32_t>(), stream));
}

at::Tensor decode_flat(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                       at::TensorList prepared, int64_t skip_below) {
  const char* op = "rans_decode_interleaved";
  check_stream_args(op, data, sizes, indexes);
  const TableViews tables = prepared_views(op, prepared, data.device());
  const c10::cuda::CUDAGuard guard(data.device());
  const at::Tensor start = to_device(stream_starts(op, sizes.cpu(), data.numel()), data.device());
  at::Tensor out = at::empty_like(indexes);
  const at::Tensor statuses = at::empty({2, indexes.size(0)}, indexes.options());
  decode_spans({data.data_ptr<uint8_t>(), start.data_ptr<int64_t>(), nullptr, 0}, indexes, prepared, tables,
               skip_below, out, statuses);
  const at::Tensor statuses_host = statuses.cpu();
  check_stream_status(op, statuses_host.data_ptr<int32_t>(), indexes.size(0), tables.dec.num_rows);
  check_stream_status(op, statuses_host.data_ptr<int32_t>() + indexes.size(0), indexes.size(0), tables.dec.num_rows);
  return out;
}

std::tuple<at::Tensor, at::Tensor> rans_decode_interleaved_padded_cuda(const at::Tensor& padded,
                                                                       const at::Tensor& sizes,
                                                                       const at::Tensor& indexes,
                                                                       at::TensorList prepared, int64_t skip_below) {
  const char* op = "rans_decode_interleaved_padded";
  check_stream_args(op, padded, sizes, indexes, 2);
  const TableViews tables = prepared_views(op, prepared, padded.device());
  const c10::cuda::CUDAGuard guard(padded.device());
  at::Tensor out = at::empty_like(indexes);
  const at::Tensor statuses = at::empty({2, indexes.size(0)}, indexes.options());
  decode_spans({padded.data_ptr<uint8_t>(), nullptr, sizes.data_ptr<int64_t>(), padded.size(1)}, indexes, prepared,
               tables, skip_below, out, statuses);
  // A stream's status: its span / header / chunk-table failure, else its first failing chunk.
  return {out, at::where(statuses[0] != 0, statuses[0], statuses[1])};
}

using Interleaved = InterleavedOps<prepare_tables_cuda, encode_padded, compact_streams_cuda, decode_flat>;

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CUDA, m) {
  m.impl("rans_encode_interleaved", &Interleaved::encode);
  m.impl("rans_encode_interleaved.prepared", &Interleaved::encode_prepared);
  m.impl("rans_encode_interleaved_padded", &Interleaved::padded);
  m.impl("rans_decode_interleaved", &Interleaved::decode);
  m.impl("rans_decode_interleaved.prepared", &decode_flat);
  m.impl("rans_decode_interleaved_padded", &rans_decode_interleaved_padded_cuda);
}

}  // namespace ecc
