// CPU implementation of the `interleaved`-format ops (rans_encode_interleaved,
// rans_decode_interleaved, their `.prepared` overloads, rans_encode_interleaved_padded,
// rans_decode_interleaved_padded): the per-chunk procedures of common/interleaved_stream.h (lanes
// emulated in order) or their SIMD kernels (simd/dispatch.h picks them), threaded over all chunks
// of all streams. The encoders assemble each stream into its padded row; the flat ops then check
// the statuses and compact them.
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "../checks.h"
#include "../coder_ops.h"
#include "../common/interleaved_stream.h"
#include "../common/streams.h"
#include "cpu_tables.h"
#include "padded.h"
#include "simd/dispatch.h"

namespace ecc {
namespace {

using namespace interleaved_stream;

// Chunks a thread takes at the least, for chunks of chunk_len elements: a parallel region only
// when every thread gets >= 2^16 elements. Waking threads costs more than coding fewer, and on a
// machine whose cores are busy with other work, each region waits for preempted threads.
int64_t chunks_per_thread(int64_t chunk_len) {
  constexpr int64_t kMinThreadElements = 1 << 16;
  return std::max<int64_t>(1, kMinThreadElements / std::max<int64_t>(1, chunk_len));
}

// symbols, indexes (B, N) int32 (checked) and a prepared list -> (padded (B, max_stream_bytes)
// uint8, sizes (B,) int64, status (B,) int32, each stream's first failing chunk; size 0 where it
// failed). chunk_size: as chunk_log2_for takes it.
std::tuple<at::Tensor, at::Tensor, at::Tensor> encode_padded(const char* op, const at::Tensor& symbols,
                                                             const at::Tensor& indexes, at::TensorList prepared,
                                                             int64_t skip_below, int64_t lanes, int64_t chunk_size) {
  const TableViews tables = prepared_views(op, prepared, symbols.device());
  const int32_t chunk_log2 = chunk_log2_for(op, symbols.size(0), symbols.size(1), lanes, chunk_size);
  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const EncodePlan plan = plan_encode(num_streams, n, lanes, chunk_log2);
  const int32_t lane_count = plan.lanes;
  const int64_t chunks = plan.chunks, tasks = plan.tasks, capacity = plan.capacity;
  const int64_t chunk_len = int64_t{1} << chunk_log2, row_bytes = max_stream_bytes(plan);
  const simd::Kernels kernels = simd::interleaved_kernels();
  std::vector<std::vector<uint16_t>> words(tasks);  // each chunk's words
  std::vector<uint32_t> states(tasks * lane_count);
  std::vector<int64_t> word_count(tasks);
  std::vector<int32_t> task_status(tasks);
  const int32_t skip = clamp_skip_below(skip_below);
  const int32_t* sym = symbols.data_ptr<int32_t>();
  const int32_t* idx = indexes.data_ptr<int32_t>();

  at::parallel_for(0, tasks, chunks_per_thread(std::min(n, chunk_len)), [&](int64_t begin, int64_t end) {
    // One worst-case row per thread, kept words copied out: a (tasks x capacity) buffer would
    // cost more in fresh pages (~6.6 bytes per symbol) than the coding itself.
    const std::unique_ptr<uint16_t[]> scratch(new uint16_t[capacity + simd::kWordSlack]);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t first = (t / chunks) * n + (t % chunks) * chunk_len;
      const int64_t len = std::min<int64_t>(chunk_len, n - (t % chunks) * chunk_len);
      task_status[t] = kernels.encode(sym + first, idx + first, len, lane_count, skip, tables.enc,
                                      &states[t * lane_count], scratch.get(), capacity, &word_count[t]);
      if (task_status[t] == kOk) words[t].assign(scratch.get(), scratch.get() + word_count[t]);
    }
  });

  const at::TensorOptions options = symbols.options();
  at::Tensor padded = at::zeros({num_streams, row_bytes}, options.dtype(at::kByte));  // deterministic padding
  at::Tensor sizes = at::zeros({num_streams}, options.dtype(at::kLong));
  at::Tensor status = at::empty({num_streams}, options.dtype(at::kInt));
  int64_t* size = sizes.data_ptr<int64_t>();
  int32_t* stat = status.data_ptr<int32_t>();
  for (int64_t b = 0; b < num_streams; ++b) {
    stat[b] = kOk;
    for (int64_t c = 0; c < chunks && stat[b] == kOk; ++c) stat[b] = task_status[b * chunks + c];
    if (stat[b] != kOk) continue;
    uint8_t* out = padded.data_ptr<uint8_t>() + b * row_bytes;
    write_header(out, lane_count, chunk_log2);
    uint8_t* table = out + kHeaderBytes;
    uint8_t* pos = table + 4 * (chunks - 1);
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t t = b * chunks + c;
      if (c + 1 < chunks) store_u32(table + 4 * c, static_cast<uint32_t>(word_count[t]));
      std::memcpy(pos, &states[t * lane_count], 4 * lane_count);
      if (word_count[t] > 0) std::memcpy(pos + 4 * lane_count, words[t].data(), 2 * word_count[t]);
      pos += 4 * lane_count + 2 * word_count[t];
    }
    size[b] = pos - out;
  }
  return {padded, sizes, status};
}

// Decodes every stream of `spans` (indexes (B, N) int32) into out; status (B,) int32: a stream's
// header / chunk-table failure, else its first failing chunk.
void decode_spans(const StreamSpans& spans, const at::Tensor& indexes, const DecodeTables& tables,
                  int64_t skip_below, const at::Tensor& out, int32_t* status) {
  const int64_t num_streams = indexes.size(0), n = indexes.size(1);
  // Every chunk of every stream becomes one task: (stream, chunk bytes, words, first element).
  struct Task {
    int64_t stream;
    const uint8_t* chunk;
    int64_t words, first, len;
    int32_t lanes;
  };
  std::vector<Task> tasks;
  std::vector<int64_t> chunk_offset, chunk_words;
  for (int64_t b = 0; b < num_streams; ++b) {
    const uint8_t* stream = nullptr;
    int64_t size = 0;
    if (!stream_span(spans, b, &stream, &size)) {
      status[b] = kBadSize;
      continue;
    }
    Layout layout;
    status[b] = parse_header(stream, size, n, layout);
    if (status[b] != kOk) continue;
    chunk_offset.resize(layout.chunks);
    chunk_words.resize(layout.chunks);
    status[b] = locate_chunks(stream, size, layout, chunk_offset.data(), chunk_words.data());
    if (status[b] != kOk) continue;
    for (int64_t c = 0; c < layout.chunks; ++c) {
      const int64_t first = c << layout.chunk_log2;
      tasks.push_back({b, stream + chunk_offset[c], chunk_words[c], first,
                       std::min<int64_t>(int64_t{1} << layout.chunk_log2, n - first), layout.lanes});
    }
  }
  std::vector<interleaved_stream::Status> task_status(tasks.size());
  const simd::Kernels kernels = simd::interleaved_kernels();
  const int32_t skip = clamp_skip_below(skip_below);
  const int32_t* idx = indexes.data_ptr<int32_t>();
  int32_t* symbols = out.data_ptr<int32_t>();
  const int64_t grain = tasks.empty() ? 1 : chunks_per_thread(tasks[0].len);  // streams' chunks are alike
  at::parallel_for(0, static_cast<int64_t>(tasks.size()), grain, [&](int64_t begin, int64_t end) {
    const auto task = [&](int64_t i) {
      const Task& t = tasks[i];
      const int64_t first = t.stream * n + t.first;
      return simd::DecodeTask{t.chunk, t.words, idx + first, t.len, t.lanes, symbols + first};
    };
    int64_t i = begin;
    for (; i + 1 < end; i += 2) kernels.decode_pair(task(i), task(i + 1), skip, tables, &task_status[i]);
    if (i < end) {
      const simd::DecodeTask t = task(i);
      task_status[i] = kernels.decode(t.chunk, t.words, t.indexes, t.len, t.lanes, skip, tables, t.out);
    }
  });
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (status[tasks[i].stream] == kOk) status[tasks[i].stream] = task_status[i];
  }
}

at::Tensor decode_flat(const at::Tensor& data, const at::Tensor& sizes, const at::Tensor& indexes,
                       at::TensorList tables, int64_t skip_below) {
  const char* op = "rans_decode_interleaved";
  check_stream_args(op, data, sizes, indexes);
  const TableViews views = prepared_views(op, tables, data.device());
  const std::vector<int64_t> start = stream_starts(op, sizes, data.numel());
  at::Tensor out = at::empty_like(indexes);
  std::vector<int32_t> status(indexes.size(0));
  decode_spans({data.data_ptr<uint8_t>(), start.data(), nullptr, 0}, indexes, views.dec, skip_below, out,
               status.data());
  check_stream_status(op, status.data(), indexes.size(0), views.dec.num_rows);
  return out;
}

std::tuple<at::Tensor, at::Tensor> rans_decode_interleaved_padded_cpu(const at::Tensor& padded,
                                                                      const at::Tensor& sizes,
                                                                      const at::Tensor& indexes,
                                                                      at::TensorList tables, int64_t skip_below) {
  const char* op = "rans_decode_interleaved_padded";
  check_stream_args(op, padded, sizes, indexes, 2);
  const TableViews views = prepared_views(op, tables, padded.device());
  at::Tensor out = at::empty_like(indexes);
  at::Tensor status = at::empty({indexes.size(0)}, indexes.options());
  decode_spans({padded.data_ptr<uint8_t>(), nullptr, sizes.data_ptr<int64_t>(), padded.size(1)}, indexes, views.dec,
               skip_below, out, status.data_ptr<int32_t>());
  return {out, status};
}

using Interleaved = InterleavedOps<prepare_tables_cpu, encode_padded, compact_streams_cpu, decode_flat>;

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) {
  m.impl("rans_encode_interleaved", &Interleaved::encode);
  m.impl("rans_encode_interleaved.prepared", &Interleaved::encode_prepared);
  m.impl("rans_encode_interleaved_padded", &Interleaved::padded);
  m.impl("rans_decode_interleaved", &Interleaved::decode);
  m.impl("rans_decode_interleaved.prepared", &decode_flat);
  m.impl("rans_decode_interleaved_padded", &rans_decode_interleaved_padded_cpu);
}

}  // namespace ecc
