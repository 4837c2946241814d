// The one list of ecc's op schemas. Backends (csrc/cpu/, csrc/cuda/) only register
// implementations; the dispatcher picks the device. Python wrappers: ecc/ops.py.
#include <Python.h>
#include <torch/library.h>

#include "cpu/simd/dispatch.h"
#include "version.h"

TORCH_LIBRARY(ecc, m) {
  // scales (S,) float32 -> cdf (S, Lmax) int32, cdf_length (S,) int32, offset (S,) int32:
  // CompressAI's GaussianConditional tables (tail mass 1e-9, 16-bit precision).
  m.def("gaussian_cdf_table(Tensor scales) -> (Tensor cdf, Tensor cdf_length, Tensor offset)");
  // pmf (S, L) float32 with pmf_length (S,) int32 valid entries and tail_mass (S,) float32 ->
  // cdf (S, max(pmf_length) + 2) int32, cdf_length (S,) int32: CompressAI's
  // pmf_to_quantized_cdf for every row (the EntropyBottleneck's tables).
  m.def("pmf_to_quantized_cdf(Tensor pmf, Tensor pmf_length, Tensor tail_mass) -> (Tensor cdf, Tensor cdf_length)");
  // symbols, indexes (B, N) int32 -> data (sum(sizes),) uint8, sizes (B,) int64: the B
  // `compressai`-format streams back to back.
  m.def(
      "rans_encode(Tensor symbols, Tensor indexes, Tensor cdf, Tensor cdf_length, "
      "Tensor offset, int skip_below) -> (Tensor data, Tensor sizes)");
  // data uint8 (sum(sizes),), sizes (B,) int64, indexes (B, N) int32 -> symbols (B, N) int32.
  m.def(
      "rans_decode(Tensor data, Tensor sizes, Tensor indexes, Tensor cdf, Tensor cdf_length, "
      "Tensor offset, int skip_below) -> Tensor");
  // rans_decode in parts (CompressAI's RansDecoder.decode_stream): decodes the next N elements
  // of each stream from state (B, 2) int64, per stream (rANS state, bytes read), zeros at the
  // start -> (symbols (B, N) int32, the state after them). finish: the streams must end there.
  m.def(
      "rans_decode_part(Tensor data, Tensor sizes, Tensor state, Tensor indexes, Tensor cdf, "
      "Tensor cdf_length, Tensor offset, int skip_below, bool finish) -> (Tensor symbols, Tensor state)");
  // The `interleaved` format (docs/format.md): lanes 0 = chosen from the chunk length;
  // chunk_size is a power of two (elements per independently decodable chunk), or 0 to choose it
  // from the batch (interleaved_stream.h batch_chunk_log2).
  m.def(
      "rans_encode_interleaved(Tensor symbols, Tensor indexes, Tensor cdf, Tensor cdf_length, "
      "Tensor offset, int skip_below, int lanes, int chunk_size) -> (Tensor data, Tensor sizes)");
  m.def(
      "rans_decode_interleaved(Tensor data, Tensor sizes, Tensor indexes, Tensor cdf, "
      "Tensor cdf_length, Tensor offset, int skip_below) -> Tensor");
  // The `compact` format (docs/format.md): rans_encode / rans_decode / rans_decode_part's contract
  // for one rans32 chain per stream with a 3- or 4-byte flush and no header (short streams).
  m.def(
      "rans_encode_compact(Tensor symbols, Tensor indexes, Tensor cdf, Tensor cdf_length, Tensor offset, "
      "int skip_below) -> (Tensor data, Tensor sizes)");
  m.def(
      "rans_decode_compact(Tensor data, Tensor sizes, Tensor indexes, Tensor cdf, Tensor cdf_length, "
      "Tensor offset, int skip_below) -> Tensor");
  m.def(
      "rans_decode_part_compact(Tensor data, Tensor sizes, Tensor state, Tensor indexes, Tensor cdf, "
      "Tensor cdf_length, Tensor offset, int skip_below, bool finish) -> (Tensor symbols, Tensor state)");
  // The `range` format (docs/format.md): the same contract for an arithmetic range coder with no
  // flushed state and trailing zero bytes dropped (any size >= 0 is a stream; short streams).
  m.def(
      "rans_encode_range(Tensor symbols, Tensor indexes, Tensor cdf, Tensor cdf_length, Tensor offset, "
      "int skip_below) -> (Tensor data, Tensor sizes)");
  m.def(
      "rans_decode_range(Tensor data, Tensor sizes, Tensor indexes, Tensor cdf, Tensor cdf_length, "
      "Tensor offset, int skip_below) -> Tensor");
  m.def(
      "rans_decode_part_range(Tensor data, Tensor sizes, Tensor state, Tensor indexes, Tensor cdf, "
      "Tensor cdf_length, Tensor offset, int skip_below, bool finish) -> (Tensor symbols, Tensor state)");
  // Prepared tables (prepared_tables.h): cdf, cdf_length, offset checked once and their coder
  // tables built, as one list on the tables' device. Each coding op has a `.prepared` overload
  // taking it in place of the three tensors (the default overloads prepare per call).
  m.def("prepare_tables(Tensor cdf, Tensor cdf_length, Tensor offset) -> Tensor[]");
  m.def("rans_encode.prepared(Tensor symbols, Tensor indexes, Tensor[] tables, int skip_below) -> (Tensor data, Tensor sizes)");
  m.def("rans_decode.prepared(Tensor data, Tensor sizes, Tensor indexes, Tensor[] tables, int skip_below) -> Tensor");
  m.def(
      "rans_decode_part.prepared(Tensor data, Tensor sizes, Tensor state, Tensor indexes, Tensor[] tables, "
      "int skip_below, bool finish) -> (Tensor symbols, Tensor state)");
  m.def(
      "rans_encode_interleaved.prepared(Tensor symbols, Tensor indexes, Tensor[] tables, int skip_below, int lanes, "
      "int chunk_size) -> (Tensor data, Tensor sizes)");
  m.def(
      "rans_decode_interleaved.prepared(Tensor data, Tensor sizes, Tensor indexes, Tensor[] tables, int skip_below) "
      "-> Tensor");
  m.def(
      "rans_encode_compact.prepared(Tensor symbols, Tensor indexes, Tensor[] tables, int skip_below) -> "
      "(Tensor data, Tensor sizes)");
  m.def(
      "rans_decode_compact.prepared(Tensor data, Tensor sizes, Tensor indexes, Tensor[] tables, int skip_below) -> "
      "Tensor");
  m.def(
      "rans_decode_part_compact.prepared(Tensor data, Tensor sizes, Tensor state, Tensor indexes, Tensor[] tables, "
      "int skip_below, bool finish) -> (Tensor symbols, Tensor state)");
  m.def(
      "rans_encode_range.prepared(Tensor symbols, Tensor indexes, Tensor[] tables, int skip_below) -> "
      "(Tensor data, Tensor sizes)");
  m.def(
      "rans_decode_range.prepared(Tensor data, Tensor sizes, Tensor indexes, Tensor[] tables, int skip_below) -> "
      "Tensor");
  m.def(
      "rans_decode_part_range.prepared(Tensor data, Tensor sizes, Tensor state, Tensor indexes, Tensor[] tables, "
      "int skip_below, bool finish) -> (Tensor symbols, Tensor state)");
  // The zero-sync API (docs/format.md): nothing is read back to the host and nothing raises for a
  // stream. Encoders write stream b to the first sizes[b] bytes of row b of `padded` (B, max_bytes)
  // uint8, max_bytes a bound from (B, N) alone; status (B,) int32 is 0 or the stream's error code
  // (size 0 then). Decoders take that form and return symbols (B, N) int32 (unspecified where the
  // status is not 0) and status. chunk_size 0: chosen from the batch.
  m.def(
      "rans_encode_padded(Tensor symbols, Tensor indexes, Tensor[] tables, int skip_below) -> "
      "(Tensor padded, Tensor sizes, Tensor status)");
  m.def(
      "rans_encode_interleaved_padded(Tensor symbols, Tensor indexes, Tensor[] tables, int skip_below, int lanes, "
      "int chunk_size) -> (Tensor padded, Tensor sizes, Tensor status)");
  m.def(
      "rans_decode_padded(Tensor padded, Tensor sizes, Tensor indexes, Tensor[] tables, int skip_below) -> "
      "(Tensor symbols, Tensor status)");
  m.def(
      "rans_decode_interleaved_padded(Tensor padded, Tensor sizes, Tensor indexes, Tensor[] tables, int skip_below) "
      "-> (Tensor symbols, Tensor status)");
  // padded (B, W) uint8, sizes (B,) int64 -> data (sum(sizes),) uint8: the streams back to back
  // (reads the total on the host to size the output; the copy runs on the device).
  m.def("rans_compact(Tensor padded, Tensor sizes) -> Tensor");
  // Raises the error of the first stream whose status is not 0, named after `op`, as the flat ops
  // do (num_rows: the tables' rows, for the message). The one host read of the zero-sync API.
  m.def("rans_check_status(Tensor status, str op, int num_rows) -> ()");
  // x (B, Cin, T) float32, weight (Cout, Cin, K) float32 (K odd), bias (Cout,) float32 ->
  // act(conv1d(x, weight, bias, padding=K/2)) (B, Cout, T), bit-identical on every device and
  // thread count (common/context.h); activation 0 none, 1 relu, 2 leaky relu (1/8), 3 hardtanh.
  // packed: the weight in the CPU kernel's short-sequence layout (checks.h), so that a caller
  // holding it saves the CPU kernel the repacking per call; other devices ignore it.
  m.def("deterministic_conv1d(Tensor x, Tensor weight, Tensor bias, int activation, Tensor? packed=None) -> Tensor");
  // CUDA runtime version the extension was built with (e.g. 13000), or 0 without CUDA.
  m.def("cuda_version() -> int", [] { return static_cast<int64_t>(ECC_CUDA_VERSION); });
  // The CPU `interleaved` kernels in use now: "scalar", "avx2" or "avx512" (cpu/simd/dispatch.h).
  m.def("simd_path() -> str", [] { return std::string(ecc::simd::path_name(ecc::simd::interleaved_kernels().path)); });
}

// `import ecc._C` loads this library, which runs the registrations above. The module itself is
// empty: every entry point is a torch op (torch.ops.ecc.*).
extern "C" PyObject* PyInit__C(void) {
  static PyModuleDef module = {PyModuleDef_HEAD_INIT, "_C", nullptr, -1, nullptr};
  return PyModule_Create(&module);
}
