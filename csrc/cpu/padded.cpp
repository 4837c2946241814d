// CPU implementation of ecc::rans_compact, and ecc::rans_check_status for every device (the one
// host read of the zero-sync API).
#include <torch/library.h>

#include "padded.h"

namespace ecc {
namespace {

at::Tensor rans_compact_cpu(const at::Tensor& padded, const at::Tensor& sizes) {
  const char* op = "rans_compact";
  check_tensor(padded, op, "padded", at::kByte, 2, padded.device());
  check_tensor(sizes, op, "sizes", at::kLong, 1, padded.device());
  TORCH_CHECK(sizes.size(0) == padded.size(0), op, ": padded has ", padded.size(0), " rows but sizes has ",
              sizes.size(0), " entries");
  return compact_streams_cpu(op, padded, sizes);
}

void rans_check_status(const at::Tensor& status, c10::string_view op, int64_t num_rows) {
  const std::string name(op);
  check_tensor(status, name.c_str(), "status", at::kInt, 1, status.device());
  const at::Tensor host = status.cpu();
  check_stream_status(name.c_str(), host.data_ptr<int32_t>(), host.size(0), num_rows);
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) { m.impl("rans_compact", &rans_compact_cpu); }

TORCH_LIBRARY_IMPL(ecc, CompositeExplicitAutograd, m) { m.impl("rans_check_status", &rans_check_status); }

}  // namespace ecc
