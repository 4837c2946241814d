// CPU implementation of ecc::rans_compact, and ecc::rans_check_status for every device (the one
// host read of the zero-sync API).
#include <torch/library.h>

#include "padded.h"

namespace ecc {
namespace {

at::Tensor rans_compact_cpu(const at::Tensor& padded, const at::Tensor& sizes) {
  check_compact_args(padded, sizes);
  return compact_streams_cpu("rans_compact", padded, sizes);
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
