// The prepared tables every coding op works from, as one list of tensors (`Tensor[] tables` in
// the schemas; ecc.ops.PreparedTables in Python). ecc.ops.prepare_tables builds the list once per
// table and checks every row then; the three-tensor ops build it per call. All entries live on
// the table's device, so a CUDA coder finds them resident there:
//   kCdf         (S, Lmax) int32   the quantized CDF rows (decoder), zero-padded
//   kCdfLength   (S,) int32        entries of each row
//   kOffset      (S,) int32        symbol of each row's slot 0
//   kEncSymbols  (E, 3) int64      rans64::EncSymbol of every slot, row r's at row_start[r]
//   kRowStart    (S + 1,) int64    packed row starts, row_start[S] = E = sum(cdf_length - 1)
//   kLut         (S, 256) int16    decode buckets (tables.h build_decode_lut), uint16 bit patterns
// A call checks the list's shapes, dtypes and device, and on the CPU its row structure (O(S):
// lengths in [2, Lmax], row_start consistent with them), so whatever the entries hold, every read
// stays inside them; a row changed after preparation decodes wrongly and is reported corrupt.
#pragma once

#include <ATen/ATen.h>

#include "checks.h"
#include "common/tables.h"

namespace ecc {

enum PreparedEntry : int64_t { kCdf = 0, kCdfLength, kOffset, kEncSymbols, kRowStart, kLut, kPreparedEntries };
static_assert(sizeof(rans64::EncSymbol) == 3 * sizeof(int64_t), "an EncSymbol is stored as 3 int64");

// Which half of a preparation a three-tensor call needs (prepare_tables builds both).
enum TableParts : int32_t { kEncoderPart = 1, kDecoderPart = 2, kBothParts = 3 };

struct TableViews {
  EncodeTables enc;
  DecodeTables dec;
};

// Checks a prepared list for `op` on `device` and returns the coders' views of it.
inline TableViews prepared_views(const char* op, at::TensorList t, const at::Device& device) {
  TORCH_CHECK(static_cast<int64_t>(t.size()) == kPreparedEntries, op, ": tables must be the ",
              static_cast<int64_t>(kPreparedEntries), " tensors of ecc.ops.prepare_tables, got ", t.size());
  const at::Tensor &cdf = t[kCdf], &len = t[kCdfLength], &offset = t[kOffset];
  check_table_tensors(op, cdf, len, offset, device);
  const int64_t rows = cdf.size(0), stride = cdf.size(1);
  check_tensor(t[kEncSymbols], op, "prepared encoder symbols", at::kLong, 2, device);
  check_tensor(t[kRowStart], op, "prepared row starts", at::kLong, 1, device);
  check_tensor(t[kLut], op, "prepared decode buckets", at::kShort, 2, device);
  TORCH_CHECK(t[kEncSymbols].size(1) == 3 && t[kRowStart].size(0) == rows + 1 && t[kLut].size(0) == rows &&
                  t[kLut].size(1) == kLutSize,
              op, ": the prepared tables do not fit their ", rows, " cdf rows; make them with ecc.ops.prepare_tables");
  const int32_t* length = len.data_ptr<int32_t>();
  const int64_t* row_start = t[kRowStart].data_ptr<int64_t>();
  if (device.is_cpu()) {
    bool ok = row_start[0] == 0 && row_start[rows] == t[kEncSymbols].size(0);
    for (int64_t r = 0; r < rows && ok; ++r) {
      ok = length[r] >= 2 && length[r] <= stride && row_start[r + 1] - row_start[r] == length[r] - 1;
    }
    TORCH_CHECK(ok, op, ": the prepared tables' rows do not match their cdf_length (changed after "
                "ecc.ops.prepare_tables?); prepare them again");
  }
  TableViews v;
  v.enc = {reinterpret_cast<const rans64::EncSymbol*>(t[kEncSymbols].data_ptr<int64_t>()), row_start, length,
           offset.data_ptr<int32_t>(), static_cast<int32_t>(rows)};
  v.dec = {cdf.data_ptr<int32_t>(), stride, reinterpret_cast<const uint16_t*>(t[kLut].data_ptr<int16_t>()),
           length, offset.data_ptr<int32_t>(), static_cast<int32_t>(rows)};
  return v;
}

// The entries a preparation allocates (kEncSymbols, kRowStart, kLut) for cdf (S, Lmax) with
// row_start_host (S + 1 starts) on cdf's device; the row starts are copied there.
inline std::vector<at::Tensor> prepared_list(const at::Tensor& cdf, const at::Tensor& cdf_length,
                                             const at::Tensor& offset, const std::vector<int64_t>& row_start_host) {
  const at::TensorOptions options = cdf.options();
  const at::Tensor row_start =
      at::from_blob(const_cast<int64_t*>(row_start_host.data()), {static_cast<int64_t>(row_start_host.size())},
                    at::kLong)
          .to(cdf.device(), /*non_blocking=*/false, /*copy=*/true);
  return {cdf,
          cdf_length,
          offset,
          at::empty({row_start_host.back(), 3}, options.dtype(at::kLong)),
          row_start,
          at::empty({cdf.size(0), kLutSize}, options.dtype(at::kShort))};
}

}  // namespace ecc
