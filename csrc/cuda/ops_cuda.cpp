// CUDA implementations of ecc::gaussian_cdf_table, ecc::prepare_tables, the `compressai`-format
// coders (rans_encode, rans_decode, rans_decode_part, their `.prepared` overloads,
// rans_encode_padded, rans_decode_padded) and ecc::rans_compact: the CPU ops' boundary checks
// (checks.h, same messages), then the kernels of cdf_table.cu, rans_compressai.cu and compact.cu
// (launch.h) on the current stream under a device guard. Device scratch is allocated as torch
// tensors (caching allocator). The padded ops read nothing back; the flat ones, as the CPU ops,
// are the padded kernels plus host reads of small per-row / per-stream arrays: scales (checks,
// offsets), row validity and cdf_length (three-tensor overloads: preparation), sizes (decode's
// stream starts; encode's compaction) and statuses.
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <torch/library.h>

#include "../coder_ops.h"
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

// symbols, indexes (B, N) int32 (checked) and a prepared list -> (padded (B, 4 max_words(N))
// uint8, sizes (B,) int64, status (B,) int32); bytes past a stream's size are unspecified.
std::tuple<at::Tensor, at::Tensor, at::Tensor> encode_padded(const char* op, const at::Tensor& symbols,
                                                             const at::Tensor& indexes, at::TensorList prepared,
                                                             int64_t skip_below) {
  const TableViews tables = prepared_views(op, prepared, symbols.device());
  const c10::cuda::CUDAGuard guard(symbols.device());
  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const at::TensorOptions options = symbols.options();
  at::Tensor padded = at::empty({num_streams, 4 * max_words(n)}, options.dtype(at::kByte));
  at::Tensor sizes = at::empty({num_streams}, options.dtype(at::kLong));
  at::Tensor status = at::empty({num_streams}, options.dtype(at::kInt));
  check_cuda(op, "encode kernel",
             launch_rans_encode(symbols.data_ptr<int32_t>(), indexes.data_ptr<int32_t>(), num_streams, n,
                                clamp_skip_below(skip_below), tables.enc,
                                reinterpret_cast<uint32_t*>(padded.data_ptr<uint8_t>()), sizes.data_ptr<int64_t>(),
                                status.data_ptr<int32_t>(), c10::cuda::getCurrentCUDAStream()));
  return {padded, sizes, status};
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
             launch_rans_decode({data.data_ptr<uint8_t>(), start.data_ptr<int64_t>(), nullptr, 0},
                                indexes.data_ptr<int32_t>(), num_streams, n,
                                clamp_skip_below(skip_below), tables.dec,
                                reinterpret_cast<DecodePosition*>(next.data_ptr<int64_t>()), finish,
                                out.data_ptr<int32_t>(), status.data_ptr<int32_t>(), stream));
  check_statuses(op, status, tables.dec.num_rows);
  return {out, next};
}

std::tuple<at::Tensor, at::Tensor> rans_decode_padded_cuda(const at::Tensor& padded, const at::Tensor& sizes,
                                                           const at::Tensor& indexes, at::TensorList prepared,
                                                           int64_t skip_below) {
  const char* op = "rans_decode_padded";
  check_stream_args(op, padded, sizes, indexes, 2);
  const TableViews tables = prepared_views(op, prepared, padded.device());
  const c10::cuda::CUDAGuard guard(padded.device());
  const int64_t num_streams = indexes.size(0);
  const at::Tensor positions = at::zeros({num_streams, 2}, sizes.options());
  at::Tensor out = at::empty_like(indexes);
  at::Tensor status = at::empty({num_streams}, indexes.options());
  check_cuda(op, "decode kernel",
             launch_rans_decode({padded.data_ptr<uint8_t>(), nullptr, sizes.data_ptr<int64_t>(), padded.size(1)},
                                indexes.data_ptr<int32_t>(), num_streams, indexes.size(1), clamp_skip_below(skip_below),
                                tables.dec, reinterpret_cast<DecodePosition*>(positions.data_ptr<int64_t>()), true,
                                out.data_ptr<int32_t>(), status.data_ptr<int32_t>(),
                                c10::cuda::getCurrentCUDAStream()));
  return {out, status};
}

at::Tensor rans_compact_cuda(const at::Tensor& padded, const at::Tensor& sizes) {
  check_compact_args(padded, sizes);
  return compact_streams_cuda("rans_compact", padded, sizes);
}

std::vector<at::Tensor> prepare_tables_op_cuda(const at::Tensor& cdf, const at::Tensor& cdf_length,
                                               const at::Tensor& offset) {
  const char* op = "prepare_tables";
  check_table_tensors(op, cdf, cdf_length, offset, cdf.device());
  const c10::cuda::CUDAGuard guard(cdf.device());
  return prepare_tables_cuda(op, cdf.clone(), cdf_length.clone(), offset.clone(), kBothParts);
}

using Encode = EncodeOps<prepare_tables_cuda, encode_padded, compact_streams_cuda>;
using Decode = DecodeOps<prepare_tables_cuda, decode_from>;

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CUDA, m) {
  m.impl("prepare_tables", &prepare_tables_op_cuda);
  m.impl("rans_decode.prepared", &Decode::whole_prepared);
  m.impl("rans_decode_part.prepared", &Decode::part_prepared);
  m.impl("gaussian_cdf_table", &gaussian_cdf_table_cuda);
  m.impl("rans_encode", &Encode::whole);
  m.impl("rans_encode.prepared", &Encode::whole_prepared);
  m.impl("rans_encode_padded", &Encode::padded);
  m.impl("rans_decode_padded", &rans_decode_padded_cuda);
  m.impl("rans_compact", &rans_compact_cuda);
  m.impl("rans_decode", &Decode::whole);
  m.impl("rans_decode_part", &Decode::part);
}

}  // namespace ecc
