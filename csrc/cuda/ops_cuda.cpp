// CUDA implementations of ecc::gaussian_cdf_table, ecc::rans_encode, ecc::rans_decode and
// ecc::rans_decode_part: the CPU ops' boundary checks (checks.h, same messages), then the
// kernels of cdf_table.cu and rans_compressai.cu (launch.h) on the current stream under a device
// guard. Device scratch is allocated as torch tensors (caching allocator). Only small per-row /
// per-stream arrays cross to the host: scales (checks, offsets), row validity and cdf_length,
// sizes (decode), statuses and the encoded total (to size the output exactly, as the CPU op does).
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include "../decode_ops.h"
#include "cuda_glue.h"

namespace ecc {
namespace {

using namespace compressai_stream;

std::tuple<at::Tensor, at::Tensor, at::Tensor> gaussian_cdf_table_cuda(const at::Tensor& scales) {
  const char* op = "gaussian_cdf_table";
  check_tensor(scales, op, "scales", at::kFloat, 1, scales.device());
  const c10::cuda::CUDAGuard guard(scales.device());
  const auto [offset, stride] = gaussian_cdf_offsets(scales.cpu());

  const int64_t num_rows = scales.size(0);
  const at::TensorOptions int_options = scales.options().dtype(at::kInt);
  at::Tensor cdf = at::zeros({num_rows, stride}, int_options);
  at::Tensor cdf_length = at::empty({num_rows}, int_options);
  at::Tensor freq = at::empty({num_rows, stride}, scales.options().dtype(at::kUInt32));
  check_cuda(op, "gaussian_cdf_table kernel",
             launch_gaussian_cdf_table(scales.data_ptr<float>(), num_rows, stride,
                                       cdf.data_ptr<int32_t>(), cdf_length.data_ptr<int32_t>(),
                                       freq.data_ptr<uint32_t>(), c10::cuda::getCurrentCUDAStream()));
  return {cdf, cdf_length, offset.to(scales.device())};
}

std::tuple<at::Tensor, at::Tensor> rans_encode_cuda(const at::Tensor& symbols,
                                                    const at::Tensor& indexes, const at::Tensor& cdf,
                                                    const at::Tensor& cdf_length,
                                                    const at::Tensor& offset, int64_t skip_below) {
  const char* op = "rans_encode";
  check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
  const at::Device device = symbols.device();
  const c10::cuda::CUDAGuard guard(device);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  const at::TensorOptions options = symbols.options();

  const CudaEncodeTables tables = prepare_encode_tables(op, cdf, cdf_length, offset, stream);

  // Encode each stream into the end of its worst-case scratch row, check the statuses, then
  // pack the streams back to back into exactly sum(sizes) bytes.
  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const at::Tensor scratch = at::empty({num_streams * max_words(n)}, options.dtype(at::kUInt32));
  const at::Tensor status = at::empty({num_streams}, options.dtype(at::kInt));
  at::Tensor sizes = at::empty({num_streams}, options.dtype(at::kLong));
  const at::Tensor ends = at::empty({num_streams}, options.dtype(at::kLong));
  const at::Tensor scan_temp = scan_storage(op, num_streams, options);
  const EncodeBuffers buf{scratch.data_ptr<uint32_t>(), status.data_ptr<int32_t>(),
                          sizes.data_ptr<int64_t>(),    ends.data_ptr<int64_t>(),
                          scan_temp.data_ptr(),         static_cast<size_t>(scan_temp.numel())};
  check_cuda(op, "encode kernel",
             launch_rans_encode(symbols.data_ptr<int32_t>(), indexes.data_ptr<int32_t>(),
                                num_streams, n, clamp_skip_below(skip_below), tables.view, buf, stream));
  check_statuses(op, status, cdf.size(0));

  const int64_t total = num_streams == 0 ? 0 : ends[num_streams - 1].item<int64_t>();
  at::Tensor data = at::empty({total}, options.dtype(at::kByte));
  check_cuda(op, "pack kernel",
             launch_rans_pack(buf, num_streams, n, data.data_ptr<uint8_t>(), stream));
  return {data, sizes};
}

// As the CPU op (cpu/rans_compressai.cpp): from `state` (B, 2) int64, or the streams' starts
// when it is undefined, to (symbols, the state after them).
std::tuple<at::Tensor, at::Tensor> decode_from(const char* op, const at::Tensor& data,
                                               const at::Tensor& sizes, const at::Tensor& state,
                                               const at::Tensor& indexes, at::TensorList prepared,
                                               int64_t skip_below, bool finish) {
  check_stream_args(op, data, sizes, indexes);
  const TableViews tables = prepared_views(op, prepared, data.device());
  const int64_t num_streams = indexes.size(0), n = indexes.size(1);
  const at::Device device = data.device();
  const c10::cuda::CUDAGuard guard(device);
  const cudaStream_t stream = c10::cuda::getCurrentCUDAStream();
  at::Tensor next = at::zeros({num_streams, 2}, indexes.options().dtype(at::kLong));
  if (state.defined()) {
    check_decode_state(op, state, num_streams, device);
    next.copy_(state);
  }
  const at::Tensor start = to_device(stream_starts(op, sizes.cpu(), data.numel()), device);

  at::Tensor out = at::empty_like(indexes);
  const at::Tensor status = at::empty({num_streams}, indexes.options());
  check_cuda(op, "decode kernel",
             launch_rans_decode(data.data_ptr<uint8_t>(), start.data_ptr<int64_t>(),
                                indexes.data_ptr<int32_t>(), num_streams, n,
                                clamp_skip_below(skip_below), tables.dec,
                                reinterpret_cast<DecodePosition*>(next.data_ptr<int64_t>()), finish,
                                out.data_ptr<int32_t>(), status.data_ptr<int32_t>(), stream));
  check_statuses(op, status, tables.dec.num_rows);
  return {out, next};
}

std::vector<at::Tensor> prepare_tables_op_cuda(const at::Tensor& cdf, const at::Tensor& cdf_length,
                                               const at::Tensor& offset) {
  const char* op = "prepare_tables";
  check_table_tensors(op, cdf, cdf_length, offset, cdf.device());
  const c10::cuda::CUDAGuard guard(cdf.device());
  return prepare_tables_cuda(op, cdf.clone(), cdf_length.clone(), offset.clone(), kBothParts);
}

using Decode = DecodeOps<prepare_tables_cuda, decode_from>;

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CUDA, m) {
  m.impl("prepare_tables", &prepare_tables_op_cuda);
  m.impl("rans_decode.prepared", &Decode::whole_prepared);
  m.impl("rans_decode_part.prepared", &Decode::part_prepared);
  m.impl("gaussian_cdf_table", &gaussian_cdf_table_cuda);
  m.impl("rans_encode", &rans_encode_cuda);
  m.impl("rans_decode", &Decode::whole);
  m.impl("rans_decode_part", &Decode::part);
}

}  // namespace ecc
