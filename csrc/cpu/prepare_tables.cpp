// CPU implementation of ecc::prepare_tables (cpu_tables.h).
#include <torch/library.h>

#include "cpu_tables.h"

namespace ecc {
namespace {

std::vector<at::Tensor> prepare_tables_op_cpu(const at::Tensor& cdf, const at::Tensor& cdf_length,
                                              const at::Tensor& offset) {
  const char* op = "prepare_tables";
  check_table_tensors(op, cdf, cdf_length, offset, cdf.device());
  // Copies: the list owns its tables, so the caller's tensors may change without touching it.
  return prepare_tables_cpu(op, cdf.clone(), cdf_length.clone(), offset.clone());
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) { m.impl("prepare_tables", &prepare_tables_op_cpu); }

}  // namespace ecc
