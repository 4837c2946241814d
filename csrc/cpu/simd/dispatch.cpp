// Picks the `interleaved` kernels: cpuid once, ECC_SIMD at every call (dispatch.h).
#include "dispatch.h"

#include <c10/util/Exception.h>

#include <cstdlib>
#include <cstring>

namespace ecc {
namespace simd {
namespace {

bool cpu_has(Path path) {
  static const bool avx2 = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
  }();
  static const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                             __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512cd");
  return path == Path::kScalar || (path == Path::kAvx2 && avx2) || (path == Path::kAvx512 && avx512);
}

Path best_path() {
  return cpu_has(Path::kAvx512) ? Path::kAvx512 : cpu_has(Path::kAvx2) ? Path::kAvx2 : Path::kScalar;
}

Path requested_path() {
  const char* name = std::getenv("ECC_SIMD");
  if (name == nullptr || name[0] == '\0') return best_path();
  for (const Path path : {Path::kScalar, Path::kAvx2, Path::kAvx512}) {
    if (std::strcmp(name, path_name(path)) != 0) continue;
    TORCH_CHECK(cpu_has(path), "ECC_SIMD=", name, " but this CPU lacks ", name, " (it has ",
                path_name(best_path()), "): unset ECC_SIMD or set it to scalar or ", path_name(best_path()));
    return path;
  }
  TORCH_CHECK(false, "ECC_SIMD=", name, " is not a SIMD path: use scalar, avx2 or avx512 (or unset it)");
}

}  // namespace

const char* path_name(Path path) {
  return path == Path::kAvx512 ? "avx512" : path == Path::kAvx2 ? "avx2" : "scalar";
}

Kernels interleaved_kernels() {
  switch (requested_path()) {
    case Path::kAvx512:
      return {Path::kAvx512, encode_chunk_avx512, decode_chunk_avx512, decode_chunk_pair_avx512};
    case Path::kAvx2:
      return {Path::kAvx2, encode_chunk_avx2, decode_chunk_avx2, decode_one_by_one<decode_chunk_avx2>};
    default:
      return {Path::kScalar, interleaved_stream::encode_chunk, interleaved_stream::decode_chunk,
              decode_one_by_one<interleaved_stream::decode_chunk>};
  }
}

}  // namespace simd
}  // namespace ecc
