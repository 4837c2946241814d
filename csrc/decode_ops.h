// The two `compressai`-format decode ops over one backend's decoder, so the CPU and CUDA files
// register the same mapping: rans_decode = rans_decode_part from the streams' starts, finished.
#pragma once

#include <ATen/ATen.h>

#include <tuple>

namespace ecc {

// DecodeFrom(op, data, sizes, state, indexes, cdf, cdf_length, offset, skip_below, finish)
// decodes the next indexes.size(1) elements of every stream from state (B, 2) int64 (undefined:
// the streams' starts) and returns (symbols, the state after them); `op` names it in errors.
template <auto DecodeFrom>
struct DecodeOps {
  static at::Tensor whole(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                          const at::Tensor& cdf, const at::Tensor& cdf_length,
                          const at::Tensor& offset, int64_t skip_below) {
    return std::get<0>(DecodeFrom("rans_decode", data, sizes, at::Tensor(), indexes, cdf,
                                  cdf_length, offset, skip_below, true));
  }

  static std::tuple<at::Tensor, at::Tensor> part(const at::Tensor& data, const at::Tensor& sizes,
                                                 const at::Tensor& state, const at::Tensor& indexes,
                                                 const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                 const at::Tensor& offset, int64_t skip_below,
                                                 bool finish) {
    return DecodeFrom("rans_decode_part", data, sizes, state, indexes, cdf, cdf_length, offset,
                      skip_below, finish);
  }
};

}  // namespace ecc
