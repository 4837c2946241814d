// The decode ops of a one-chain format (`compressai`, `compact`) over one backend's decoder, so the
// CPU and CUDA files register the same mapping: rans_decode = rans_decode_part from the streams' starts, finished;
// the three-tensor overloads prepare the decoder's tables per call, the `.prepared` ones take
// ecc.ops.prepare_tables' list.
#pragma once

#include <ATen/ATen.h>

#include <tuple>
#include <vector>

#include "checks.h"
#include "prepared_tables.h"

namespace ecc {

// The `compressai` format's op names; a format's Names has the same two members.
struct CompressaiOpNames {
  static constexpr const char* kDecode = "rans_decode";
  static constexpr const char* kDecodePart = "rans_decode_part";
};

// Prepare(op, cdf, cdf_length, offset, parts) -> the prepared list (checked tensors);
// DecodeFrom(op, data, sizes, state, indexes, tables, skip_below, finish) decodes the next
// indexes.size(1) elements of every stream from state (B, 2) int64 (undefined: the streams'
// starts) and returns (symbols, the state after them); `op` names it in errors (Names::kDecode,
// Names::kDecodePart).
template <auto Prepare, auto DecodeFrom, class Names = CompressaiOpNames>
struct DecodeOps {
  static at::Tensor whole(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                          const at::Tensor& cdf, const at::Tensor& cdf_length,
                          const at::Tensor& offset, int64_t skip_below) {
    const char* op = Names::kDecode;
    check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
    const std::vector<at::Tensor> tables = Prepare(op, cdf, cdf_length, offset, kDecoderPart);
    return std::get<0>(DecodeFrom(op, data, sizes, at::Tensor(), indexes, tables, skip_below, true));
  }

  static at::Tensor whole_prepared(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                                   at::TensorList tables, int64_t skip_below) {
    return std::get<0>(DecodeFrom(Names::kDecode, data, sizes, at::Tensor(), indexes, tables, skip_below, true));
  }

  static std::tuple<at::Tensor, at::Tensor> part(const at::Tensor& data, const at::Tensor& sizes,
                                                 const at::Tensor& state, const at::Tensor& indexes,
                                                 const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                 const at::Tensor& offset, int64_t skip_below,
                                                 bool finish) {
    const char* op = Names::kDecodePart;
    check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
    const std::vector<at::Tensor> tables = Prepare(op, cdf, cdf_length, offset, kDecoderPart);
    return DecodeFrom(op, data, sizes, state, indexes, tables, skip_below, finish);
  }

  static std::tuple<at::Tensor, at::Tensor> part_prepared(const at::Tensor& data, const at::Tensor& sizes,
                                                          const at::Tensor& state, const at::Tensor& indexes,
                                                          at::TensorList tables, int64_t skip_below, bool finish) {
    return DecodeFrom(Names::kDecodePart, data, sizes, state, indexes, tables, skip_below, finish);
  }
};

}  // namespace ecc
