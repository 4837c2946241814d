// The coding ops over one backend's coders, so the CPU and CUDA files register the same mapping:
// the three-tensor overloads check their arguments and prepare the half of the tables they use per
// call, the `.prepared` ones take ecc.ops.prepare_tables' list; rans_decode = rans_decode_part
// from the streams' starts, finished. Prepare(op, cdf, cdf_length, offset, parts) -> the prepared
// list (checked tensors) on the tables' device.
#pragma once

#include <ATen/ATen.h>

#include <tuple>
#include <vector>

#include "checks.h"
#include "prepared_tables.h"

namespace ecc {

// The `compressai` format's encoders. EncodeFlat(op, symbols, indexes, tables, skip_below) ->
// (data, sizes): the backend's padded encoder, status check and compaction (symbols checked).
template <auto Prepare, auto EncodeFlat>
struct EncodeOps {
  static std::tuple<at::Tensor, at::Tensor> whole(const at::Tensor& symbols, const at::Tensor& indexes,
                                                  const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                  const at::Tensor& offset, int64_t skip_below) {
    const char* op = "rans_encode";
    check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
    return EncodeFlat(op, symbols, indexes, Prepare(op, cdf, cdf_length, offset, kEncoderPart), skip_below);
  }

  static std::tuple<at::Tensor, at::Tensor> whole_prepared(const at::Tensor& symbols, const at::Tensor& indexes,
                                                           at::TensorList tables, int64_t skip_below) {
    check_symbol_args("rans_encode", symbols, indexes);
    return EncodeFlat("rans_encode", symbols, indexes, tables, skip_below);
  }
};

// The `interleaved` format's flat ops. EncodeFlat(op, symbols, indexes, tables, skip_below, lanes,
// chunk_size) -> (data, sizes) as above; DecodeFlat(data, sizes, indexes, tables, skip_below) ->
// symbols (checks its streams).
template <auto Prepare, auto EncodeFlat, auto DecodeFlat>
struct InterleavedOps {
  static std::tuple<at::Tensor, at::Tensor> encode(const at::Tensor& symbols, const at::Tensor& indexes,
                                                   const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                   const at::Tensor& offset, int64_t skip_below, int64_t lanes,
                                                   int64_t chunk_size) {
    const char* op = "rans_encode_interleaved";
    check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
    chunk_log2_for(op, symbols.size(0), symbols.size(1), lanes, chunk_size);  // argument errors before table errors
    return EncodeFlat(op, symbols, indexes, Prepare(op, cdf, cdf_length, offset, kEncoderPart), skip_below, lanes,
                      chunk_size);
  }

  static std::tuple<at::Tensor, at::Tensor> encode_prepared(const at::Tensor& symbols, const at::Tensor& indexes,
                                                            at::TensorList tables, int64_t skip_below, int64_t lanes,
                                                            int64_t chunk_size) {
    check_symbol_args("rans_encode_interleaved", symbols, indexes);
    return EncodeFlat("rans_encode_interleaved", symbols, indexes, tables, skip_below, lanes, chunk_size);
  }

  static at::Tensor decode(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                           const at::Tensor& cdf, const at::Tensor& cdf_length, const at::Tensor& offset,
                           int64_t skip_below) {
    const char* op = "rans_decode_interleaved";
    check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
    return DecodeFlat(data, sizes, indexes, Prepare(op, cdf, cdf_length, offset, kDecoderPart), skip_below);
  }
};

// The `compressai` format's decoders. DecodeFrom(op, data, sizes, state, indexes, tables,
// skip_below, finish) decodes the next indexes.size(1) elements of every stream from state (B, 2)
// int64 (undefined: the streams' starts) and returns (symbols, the state after them); `op` names
// it in errors.
template <auto Prepare, auto DecodeFrom>
struct DecodeOps {
  static at::Tensor whole(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                          const at::Tensor& cdf, const at::Tensor& cdf_length,
                          const at::Tensor& offset, int64_t skip_below) {
    const char* op = "rans_decode";
    check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
    const std::vector<at::Tensor> tables = Prepare(op, cdf, cdf_length, offset, kDecoderPart);
    return std::get<0>(DecodeFrom(op, data, sizes, at::Tensor(), indexes, tables, skip_below, true));
  }

  static at::Tensor whole_prepared(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                                   at::TensorList tables, int64_t skip_below) {
    return std::get<0>(DecodeFrom("rans_decode", data, sizes, at::Tensor(), indexes, tables, skip_below, true));
  }

  static std::tuple<at::Tensor, at::Tensor> part(const at::Tensor& data, const at::Tensor& sizes,
                                                 const at::Tensor& state, const at::Tensor& indexes,
                                                 const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                 const at::Tensor& offset, int64_t skip_below,
                                                 bool finish) {
    const char* op = "rans_decode_part";
    check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
    const std::vector<at::Tensor> tables = Prepare(op, cdf, cdf_length, offset, kDecoderPart);
    return DecodeFrom(op, data, sizes, state, indexes, tables, skip_below, finish);
  }

  static std::tuple<at::Tensor, at::Tensor> part_prepared(const at::Tensor& data, const at::Tensor& sizes,
                                                          const at::Tensor& state, const at::Tensor& indexes,
                                                          at::TensorList tables, int64_t skip_below, bool finish) {
    return DecodeFrom("rans_decode_part", data, sizes, state, indexes, tables, skip_below, finish);
  }
};

}  // namespace ecc
