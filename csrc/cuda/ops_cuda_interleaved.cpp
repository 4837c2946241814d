// CUDA implementations of ecc::rans_encode_interleaved / ecc::rans_decode_interleaved: the CPU
// op's checks (checks.h, same messages, same order), then the kernels of rans_interleaved.cu
// (launch.h) on the current stream under a device guard, with scratch as torch tensors.
// Crossing to the host: row validity and cdf_length (tables), then
//   encode  the per-stream statuses (each stream's first failing chunk) and the packed total;
//   decode  sizes (stream starts), the number of chunks of all parsed streams (to size the
//           per-chunk arrays), then the per-stream statuses: header / chunk table first (the
//           CPU op raises for those before decoding anything), then each stream's first failing
//           chunk.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include <algorithm>
#include <vector>

#include "cuda_glue.h"

namespace ecc {
namespace {

using namespace interleaved_stream;

std::tuple<at::Tensor, at::Tensor> rans_encode_interleaved_cuda(
    const at::Tensor& symbols, const at::Tensor& indexes, const at::Tensor& cdf,
    const at::Tensor& cdf_length, const at::Tensor& offset, int64_t skip_below, int64_t lanes,
    int64_t chunk_size) {
  const char* op = "rans_encode_interleaved";
  check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
  const int32_t chunk_log2 = check_interleaved_args(op, lanes, chunk_size);
  const c10::cuda::CUDAGuard guard(symbols.device());
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const at::TensorOptions options = symbols.options();
  const CudaEncodeTables tables = prepare_encode_tables(op, cdf, cdf_length, offset, stream);

  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const EncodePlan plan = plan_encode(num_streams, n, lanes, chunk_log2);
  const int32_t lane_count = plan.lanes;
  const int64_t chunks = plan.chunks, tasks = plan.tasks, capacity = plan.capacity;

  // Encode every chunk into its worst-case scratch row, check the statuses, then pack the
  // streams back to back into exactly sum(sizes) bytes.
  const at::Tensor words = at::empty({tasks * capacity}, options.dtype(at::kUInt16));
  const at::Tensor states = at::empty({tasks * lane_count}, options.dtype(at::kUInt32));
  const at::Tensor chunk_bytes = at::empty({tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_ends = at::empty({tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_status = at::empty({tasks}, options.dtype(at::kInt));
  const at::Tensor status = at::empty({num_streams}, options.dtype(at::kInt));
  at::Tensor sizes = at::empty({num_streams}, options.dtype(at::kLong));
  const at::Tensor scan_temp = scan_storage(op, tasks, options);
  const InterleavedEncodeBuffers buf{words.data_ptr<uint16_t>(),     states.data_ptr<uint32_t>(),
                                     chunk_bytes.data_ptr<int64_t>(), chunk_ends.data_ptr<int64_t>(),
                                     chunk_status.data_ptr<int32_t>(), status.data_ptr<int32_t>(),
                                     sizes.data_ptr<int64_t>(),       scan_temp.data_ptr(),
                                     static_cast<size_t>(scan_temp.numel())};
  check_cuda(op, "encode kernel",
             launch_interleaved_encode(symbols.data_ptr<int32_t>(), indexes.data_ptr<int32_t>(),
                                       num_streams, n, clamp_skip_below(skip_below), lane_count,
                                       chunk_log2, tables.view, buf, stream));
  check_statuses(op, status, cdf.size(0));

  const int64_t header_bytes = kHeaderBytes + 4 * (chunks - 1);
  const int64_t total = tasks == 0 ? 0 : chunk_ends[tasks - 1].item<int64_t>() + num_streams * header_bytes;
  at::Tensor data = at::empty({total}, options.dtype(at::kByte));
  check_cuda(op, "pack kernel",
             launch_interleaved_pack(buf, num_streams, n, lane_count, chunk_log2,
                                     data.data_ptr<uint8_t>(), stream));
  return {data, sizes};
}

at::Tensor rans_decode_interleaved_cuda(const at::Tensor& data, const at::Tensor& sizes,
                                        const at::Tensor& indexes, const at::Tensor& cdf,
                                        const at::Tensor& cdf_length, const at::Tensor& offset,
                                        int64_t skip_below) {
  const char* op = "rans_decode_interleaved";
  check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
  const int64_t num_streams = indexes.size(0), n = indexes.size(1);
  const at::Device device = data.device();
  const c10::cuda::CUDAGuard guard(device);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const at::TensorOptions options = indexes.options();
  const at::Tensor start = to_device(stream_starts(op, sizes.cpu(), data.numel()), device);
  const CudaDecodeTables tables = prepare_decode_tables(op, cdf, cdf_length, offset, stream);
  // The decoder packs row r's cdf_length[r] entries at row_start[r] + r (shared memory).
  const std::vector<int64_t> row_start_host = enc_row_starts(cdf_length.cpu());
  const at::Tensor row_start = to_device(row_start_host, device);
  const int64_t packed_entries = row_start_host.back() + cdf.size(0);

  // Headers first: each stream's layout and chunk count, scanned into chunk ranges.
  const at::Tensor statuses = at::empty({2, num_streams}, options.dtype(at::kInt));  // header, chunks
  const at::Tensor layout = at::empty({num_streams}, options.dtype(at::kInt));
  const at::Tensor chunk_count = at::empty({num_streams}, options.dtype(at::kLong));
  const at::Tensor chunk_end = at::empty({num_streams}, options.dtype(at::kLong));
  const at::Tensor scan_temp = scan_storage(op, num_streams, options);
  InterleavedDecodeBuffers buf{};
  buf.stream_status = statuses[0].data_ptr<int32_t>();
  buf.decode_status = statuses[1].data_ptr<int32_t>();
  buf.layout = layout.data_ptr<int32_t>();
  buf.chunk_count = chunk_count.data_ptr<int64_t>();
  buf.chunk_end = chunk_end.data_ptr<int64_t>();
  buf.scan_temp = scan_temp.data_ptr();
  buf.scan_temp_bytes = static_cast<size_t>(scan_temp.numel());
  check_cuda(op, "header kernel",
             launch_interleaved_parse(data.data_ptr<uint8_t>(), start.data_ptr<int64_t>(),
                                      num_streams, n, buf, stream));
  const int64_t tasks = num_streams == 0 ? 0 : chunk_end[num_streams - 1].item<int64_t>();

  // Then every chunk of every stream whose header and chunk table are valid.
  const at::Tensor chunk_offset = at::empty({tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_words = at::empty({tasks}, options.dtype(at::kLong));
  const at::Tensor chunk_stream = at::empty({tasks}, options.dtype(at::kInt));
  const at::Tensor chunk_status = at::empty({tasks}, options.dtype(at::kInt));
  buf.chunk_offset = chunk_offset.data_ptr<int64_t>();
  buf.chunk_words = chunk_words.data_ptr<int64_t>();
  buf.chunk_stream = chunk_stream.data_ptr<int32_t>();
  buf.chunk_status = chunk_status.data_ptr<int32_t>();
  at::Tensor out = at::empty_like(indexes);
  check_cuda(op, "decode kernel",
             launch_interleaved_decode(data.data_ptr<uint8_t>(), start.data_ptr<int64_t>(),
                                       indexes.data_ptr<int32_t>(), num_streams, n, tasks,
                                       clamp_skip_below(skip_below), tables.view,
                                       row_start.data_ptr<int64_t>(), packed_entries, buf,
                                       out.data_ptr<int32_t>(), stream));
  const at::Tensor statuses_host = statuses.cpu();
  const int32_t* status = statuses_host.data_ptr<int32_t>();
  check_stream_status(op, status, num_streams, cdf.size(0));
  check_stream_status(op, status + num_streams, num_streams, cdf.size(0));
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CUDA, m) {
  m.impl("rans_encode_interleaved", &rans_encode_interleaved_cuda);
  m.impl("rans_decode_interleaved", &rans_decode_interleaved_cuda);
}

}  // namespace ecc
