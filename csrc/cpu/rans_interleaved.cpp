// CPU implementation of ecc::rans_encode_interleaved / ecc::rans_decode_interleaved: the
// per-chunk procedures of common/interleaved_stream.h (lanes emulated in order) or their SIMD
// kernels (simd/dispatch.h picks them), threaded over all chunks of all streams, then assembled
// into streams in order.
#include <ATen/Parallel.h>
#include <torch/library.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "../checks.h"
#include "../common/interleaved_stream.h"
#include "cpu_tables.h"
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

std::tuple<at::Tensor, at::Tensor> rans_encode_interleaved_cpu(
    const at::Tensor& symbols, const at::Tensor& indexes, const at::Tensor& cdf,
    const at::Tensor& cdf_length, const at::Tensor& offset, int64_t skip_below, int64_t lanes,
    int64_t chunk_size) {
  const char* op = "rans_encode_interleaved";
  check_encode_args(op, symbols, indexes, cdf, cdf_length, offset);
  const int32_t chunk_log2 = check_interleaved_args(op, lanes, chunk_size);
  const CpuEncodeTables tables(op, cdf, cdf_length, offset);

  const int64_t num_streams = symbols.size(0), n = symbols.size(1);
  const EncodePlan plan = plan_encode(num_streams, n, lanes, chunk_log2);
  const int32_t lane_count = plan.lanes;
  const int64_t chunks = plan.chunks, tasks = plan.tasks, capacity = plan.capacity;
  const simd::Kernels kernels = simd::interleaved_kernels();
  std::vector<std::vector<uint16_t>> words(tasks);  // each chunk's words
  std::vector<uint32_t> states(tasks * lane_count);
  std::vector<int64_t> word_count(tasks);
  std::vector<int32_t> task_status(tasks), status(num_streams, kOk);
  const int32_t skip = clamp_skip_below(skip_below);
  const int32_t* sym = symbols.data_ptr<int32_t>();
  const int32_t* idx = indexes.data_ptr<int32_t>();

  at::parallel_for(0, tasks, chunks_per_thread(std::min(n, chunk_size)), [&](int64_t begin, int64_t end) {
    // One worst-case row per thread, kept words copied out: a (tasks x capacity) buffer would
    // cost more in fresh pages (~6.6 bytes per symbol) than the coding itself.
    const std::unique_ptr<uint16_t[]> scratch(new uint16_t[capacity + simd::kWordSlack]);
    for (int64_t t = begin; t < end; ++t) {
      const int64_t first = (t / chunks) * n + (t % chunks) * chunk_size;
      const int64_t len = std::min<int64_t>(chunk_size, n - (t % chunks) * chunk_size);
      task_status[t] = kernels.encode(sym + first, idx + first, len, lane_count, skip, tables.view,
                                      &states[t * lane_count], scratch.get(), capacity, &word_count[t]);
      if (task_status[t] == kOk) words[t].assign(scratch.get(), scratch.get() + word_count[t]);
    }
  });
  for (int64_t t = 0; t < tasks; ++t) {
    if (status[t / chunks] == kOk) status[t / chunks] = task_status[t];
  }
  check_stream_status(op, status.data(), num_streams, cdf.size(0));

  at::Tensor sizes = at::empty({num_streams}, symbols.options().dtype(at::kLong));
  int64_t* size = sizes.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t b = 0; b < num_streams; ++b) {
    size[b] = stream_overhead_bytes(chunks, lane_count);
    for (int64_t c = 0; c < chunks; ++c) size[b] += 2 * word_count[b * chunks + c];
    total += size[b];
  }
  at::Tensor data = at::empty({total}, symbols.options().dtype(at::kByte));
  uint8_t* out = data.data_ptr<uint8_t>();
  for (int64_t b = 0; b < num_streams; ++b) {
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
    out = pos;
  }
  return {data, sizes};
}

at::Tensor rans_decode_interleaved_cpu(const at::Tensor& data, const at::Tensor& sizes,
                                       const at::Tensor& indexes, const at::Tensor& cdf,
                                       const at::Tensor& cdf_length, const at::Tensor& offset,
                                       int64_t skip_below) {
  const char* op = "rans_decode_interleaved";
  check_decode_args(op, data, sizes, indexes, cdf, cdf_length, offset);
  const int64_t num_streams = indexes.size(0), n = indexes.size(1);
  const std::vector<int64_t> start = stream_starts(op, sizes, data.numel());
  const CpuDecodeTables tables(op, cdf, cdf_length, offset);
  const uint8_t* bytes = data.data_ptr<uint8_t>();

  // Every chunk of every stream becomes one task: (stream, byte offset, words, first element).
  struct Task {
    int64_t stream, offset, words, first, len;
    int32_t lanes;
  };
  std::vector<Task> tasks;
  std::vector<int32_t> status(num_streams, kOk);
  std::vector<int64_t> chunk_offset, chunk_words;
  for (int64_t b = 0; b < num_streams; ++b) {
    const uint8_t* stream = bytes + start[b];
    const int64_t size = start[b + 1] - start[b];
    Layout layout;
    status[b] = parse_header(stream, size, n, layout);
    if (status[b] != kOk) continue;
    chunk_offset.resize(layout.chunks);
    chunk_words.resize(layout.chunks);
    status[b] = locate_chunks(stream, size, layout, chunk_offset.data(), chunk_words.data());
    if (status[b] != kOk) continue;
    for (int64_t c = 0; c < layout.chunks; ++c) {
      const int64_t first = c << layout.chunk_log2;
      tasks.push_back({b, start[b] + chunk_offset[c], chunk_words[c], first,
                       std::min<int64_t>(int64_t{1} << layout.chunk_log2, n - first), layout.lanes});
    }
  }
  check_stream_status(op, status.data(), num_streams, cdf.size(0));

  at::Tensor out = at::empty_like(indexes);
  std::vector<int32_t> task_status(tasks.size());
  const simd::Kernels kernels = simd::interleaved_kernels();
  const int32_t skip = clamp_skip_below(skip_below);
  const int64_t grain = tasks.empty() ? 1 : chunks_per_thread(tasks[0].len);  // streams' chunks are alike
  at::parallel_for(0, static_cast<int64_t>(tasks.size()), grain, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const Task& t = tasks[i];
      const int64_t first = t.stream * n + t.first;
      task_status[i] = kernels.decode(bytes + t.offset, t.words, indexes.data_ptr<int32_t>() + first,
                                      t.len, t.lanes, skip, tables.view, out.data_ptr<int32_t>() + first);
    }
  });
  for (size_t i = 0; i < tasks.size(); ++i) {
    if (status[tasks[i].stream] == kOk) status[tasks[i].stream] = task_status[i];
  }
  check_stream_status(op, status.data(), num_streams, cdf.size(0));
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) {
  m.impl("rans_encode_interleaved", &rans_encode_interleaved_cpu);
  m.impl("rans_decode_interleaved", &rans_decode_interleaved_cpu);
}

}  // namespace ecc
