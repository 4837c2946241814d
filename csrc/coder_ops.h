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

// The `compressai` format's op names; another one-chain format (`compact`, `range`) has the same members.
struct CompressaiOpNames {
  static constexpr const char* kEncode = "rans_encode";
  static constexpr const char* kDecode = "rans_decode";
  static constexpr const char* kDecodePart = "rans_decode_part";
};

// Raises for the first stream of status (B,) int32 (any device; one host read) that is not kOk.
inline void check_statuses(const char* op, const at::Tensor& status, int64_t num_rows) {
  const at::Tensor host = status.cpu();
  check_stream_status(op, host.data_ptr<int32_t>(), host.size(0), num_rows);
}

// A backend's padded encoder made flat: its statuses checked (one host read), then
// Compact(op, padded, sizes) -> data. `encoded` is EncodePadded's (padded, sizes, status).
template <auto Compact>
std::tuple<at::Tensor, at::Tensor> flat_streams(const char* op,
                                                const std::tuple<at::Tensor, at::Tensor, at::Tensor>& encoded,
                                                at::TensorList tables) {
  const auto& [padded, sizes, status] = encoded;
  check_statuses(op, status, tables[kCdf].size(0));
  return {Compact(op, padded, sizes), sizes};
}

// A one-chain format's encoders (`compressai`; `compact` and `range`, which have no padded op). EncodePadded(op,
// symbols, indexes, tables, skip_below) -> (padded, sizes, status): the backend's zero-sync encoder
// (symbols checked; it checks the prepared list); Names::kEncode names the flat op in errors.
template <auto Prepare, auto EncodePadded, auto Compact, class Names = CompressaiOpNames>
struct EncodeOps {
  static std::tuple<at::Tensor, at::Tensor> whole(const at::Tensor& symbols, const at::Tensor& indexes,
                                                  const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                  const at::Tensor& offset, int64_t skip_below) {
    const char* op = Names::kEncode;
    check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
    const std::vector<at::Tensor> tables = Prepare(op, cdf, cdf_length, offset, kEncoderPart);
    return flat_streams<Compact>(op, EncodePadded(op, symbols, indexes, tables, skip_below), tables);
  }

  static std::tuple<at::Tensor, at::Tensor> whole_prepared(const at::Tensor& symbols, const at::Tensor& indexes,
                                                           at::TensorList tables, int64_t skip_below) {
    const char* op = Names::kEncode;
    check_symbol_args(op, symbols, indexes);
    return flat_streams<Compact>(op, EncodePadded(op, symbols, indexes, tables, skip_below), tables);
  }

  static std::tuple<at::Tensor, at::Tensor, at::Tensor> padded(const at::Tensor& symbols, const at::Tensor& indexes,
                                                               at::TensorList tables, int64_t skip_below) {
    check_symbol_args("rans_encode_padded", symbols, indexes);
    return EncodePadded("rans_encode_padded", symbols, indexes, tables, skip_below);
  }
};

// The `interleaved` format's encoders and flat decoder. EncodePadded(op, symbols, indexes, tables,
// skip_below, lanes, chunk_size) as above; DecodeFlat(data, sizes, indexes, tables, skip_below) ->
// symbols (checks its streams).
template <auto Prepare, auto EncodePadded, auto Compact, auto DecodeFlat>
struct InterleavedOps {
  static std::tuple<at::Tensor, at::Tensor> encode(const at::Tensor& symbols, const at::Tensor& indexes,
                                                   const at::Tensor& cdf, const at::Tensor& cdf_length,
                                                   const at::Tensor& offset, int64_t skip_below, int64_t lanes,
                                                   int64_t chunk_size) {
    const char* op = "rans_encode_interleaved";
    check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
    chunk_log2_for(op, symbols.size(0), symbols.size(1), lanes, chunk_size);  // argument errors before table errors
    const std::vector<at::Tensor> tables = Prepare(op, cdf, cdf_length, offset, kEncoderPart);
    return flat_streams<Compact>(op, EncodePadded(op, symbols, indexes, tables, skip_below, lanes, chunk_size),
                                 tables);
  }

  static std::tuple<at::Tensor, at::Tensor> encode_prepared(const at::Tensor& symbols, const at::Tensor& indexes,
                                                            at::TensorList tables, int64_t skip_below, int64_t lanes,
                                                            int64_t chunk_size) {
    const char* op = "rans_encode_interleaved";
    check_symbol_args(op, symbols, indexes);
    return flat_streams<Compact>(op, EncodePadded(op, symbols, indexes, tables, skip_below, lanes, chunk_size),
                                 tables);
  }

  static std::tuple<at::Tensor, at::Tensor, at::Tensor> padded(const at::Tensor& symbols, const at::Tensor& indexes,
                                                               at::TensorList tables, int64_t skip_below,
                                                               int64_t lanes, int64_t chunk_size) {
    const char* op = "rans_encode_interleaved_padded";
    check_symbol_args(op, symbols, indexes);
    return EncodePadded(op, symbols, indexes, tables, skip_below, lanes, chunk_size);
  }

  static at::Tensor decode(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                           const at::Tensor& cdf, const at::Tensor& cdf_length, const at::Tensor& offset,
                           int64_t skip_below) {
    const char* op = "rans_decode_interleaved";
    check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
    return DecodeFlat(data, sizes, indexes, Prepare(op, cdf, cdf_length, offset, kDecoderPart), skip_below);
  }
};

// A one-chain format's decoders. DecodeFrom(op, data, sizes, state, indexes, tables, skip_below,
// finish) decodes the next indexes.size(1) elements of every stream from state (B, 2) int64
// (undefined: the streams' starts) and returns (symbols, the state after them); `op` names it in
// errors (Names::kDecode, Names::kDecodePart).
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
