// CUDA kernels of ecc::rans_encode_interleaved / ecc::rans_decode_interleaved: the `interleaved`
// format of common/interleaved_stream.h, byte-identical to the CPU op. The per-lane math is the
// shared code (escape.h, rans32.h, tables.h, interleaved_stream.h); only the lane loop of
// encode_chunk / decode_chunk becomes a warp, and their word placement a ballot.
//
//   encode  warp = task (stream, chunk); lane l is rANS lane l, lanes >= L run the same loops
//           predicated off. Per group: map each lane's element, warp-max of the item counts, then
//           the rounds d = rounds-1 .. 0; in a round the lanes that emit a word place it at
//           cursor + popc(emitters below me), i.e. contiguously in lane order, as encode_chunk
//           does. Words go to the task's scratch row (max_chunk_words), final states beside.
//           Tables: the packed int32 cdf rows (4 B per slot, ~110 KB for the default table) in
//           shared memory when they fit, a put then dividing exactly (rans32::put_cdf); else the
//           prepared EncSymbols (24 B per slot, ~650 KB) in global memory, served by L1/L2.
//           With L < 32 only L lanes of the warp work (small chunks get few lanes by design).
//   sizes   inclusive scan of the tasks' bytes (scan.cu), then warp = stream: the status of its
//           first failing chunk (the CPU op's semantics) and its size (0 if it failed).
//   pack    warp = task of a stream that did not fail: header (chunk 0), its chunk table entry,
//           then its states and words into the stream's padded row, at the header and table
//           bytes + the bytes of the stream's chunks before it (from chunk_ends). The flat form
//           is compact.cu's copy of the rows; nothing here reads back to the host.
//   decode  thread = stream: stream_span (flat or padded), parse_header, scan of the chunk
//           counts (the task arrays are sized by a bound, max_decode_tasks, and the kernels read
//           the true count on the device), thread = stream: locate_chunks; then warp = task: the rounds
//           of decode_chunk (slot round, count and nibble rounds), each round's refill reading
//           the block of words below the cursor in lane order; warp = stream: first failure.
//           Streams may differ in lanes and chunk size: each task reads its stream's layout.
//           Decode tables live in shared memory when they fit (the encoder's, plus the [rows, 256]
//           u16 bucket table); else in global memory.
//   tables  in shared memory: packed int32 cdf rows (row r at row_start[r] + r), int32 row
//           starts / lengths / offsets, loaded once by each block of a persistent grid. They must
//           fit the device's opt-in limit with one block per SM; ECC_CUDA_TABLES=global forces
//           global memory (to compare the two).
//           Every read of the stream stays inside the bytes that parse_header / locate_chunks
//           have checked: states and words of a chunk lie in [offset, offset + 4 L + 2 words).
//
// Warp rule: every __ballot_sync / __shfl_sync is reached by all 32 lanes. Loop bounds and early
// returns are warp-uniform (from ballots or warp maxima); only straight-line per-lane math (and
// find_slot's scan) is divergent.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "../common/interleaved_stream.h"
#include "../common/streams.h"
#include "grid.cuh"
#include "launch.h"

namespace ecc {
namespace {

using namespace interleaved_stream;

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarpSize = 32;
constexpr int kEncodeWarps = 16;  // tasks per encode block, sharing its smem tables
constexpr int kDecodeWarps = 32;  // tasks per decode block, sharing its smem tables
constexpr int kEncodeThreads = kEncodeWarps * kWarpSize;
constexpr int kDecodeThreads = kDecodeWarps * kWarpSize;
constexpr int kResultWarps = 8;  // streams per stream_results / pack block
constexpr int kResultThreads = kResultWarps * kWarpSize;

__device__ __forceinline__ int lane_id() { return static_cast<int>(threadIdx.x) & (kWarpSize - 1); }

// Lanes below `lane` (bit l = lane l).
__device__ __forceinline__ uint32_t lanes_below(int lane) { return (1u << lane) - 1u; }

// This warp's index in the grid and the grid's warp count, for warp-per-item grid-stride loops.
__device__ __forceinline__ int64_t first_warp(int warps_per_block) {
  return static_cast<int64_t>(blockIdx.x) * warps_per_block + threadIdx.x / kWarpSize;
}
__device__ __forceinline__ int64_t warp_count(int warps_per_block) {
  return static_cast<int64_t>(gridDim.x) * warps_per_block;
}

__device__ __forceinline__ int32_t warp_max(int32_t v) {
  for (int o = kWarpSize / 2; o > 0; o >>= 1) v = max(v, __shfl_xor_sync(kFullMask, v, o));
  return v;
}

// The status of the lowest lane whose status is not kOk (the first the lane loop meets), or kOk.
__device__ __forceinline__ int32_t lowest_failure(int32_t status) {
  const uint32_t failed = __ballot_sync(kFullMask, status != kOk);
  return failed ? __shfl_sync(kFullMask, status, __ffs(failed) - 1) : static_cast<int32_t>(kOk);
}

// ---- tables ----

// The tables as the warps read them. Row r of the cdf starts at rows + row_start[r] (packed,
// shared memory) or rows + r * stride (the prepared padded table, global memory); lut is the
// decoder's (absent in the encoder's shared copy).
struct TableView {
  const int32_t* rows;
  const int32_t* row_start;
  int64_t stride;
  const uint16_t* lut;
  const int32_t* cdf_length;
  const int32_t* offset;
  int32_t num_rows;
};

template <bool kShared>
__device__ __forceinline__ const int32_t* cdf_row(const TableView& t, int32_t r) {
  return kShared ? t.rows + t.row_start[r] : t.rows + r * t.stride;
}

__host__ __device__ TableView global_view(const DecodeTables& t) {
  return {t.cdf, nullptr, t.cdf_stride, t.lut, t.cdf_length, t.offset, t.num_rows};
}

// Bytes of shared memory for the tables: packed rows, row starts, lengths, offsets (int32), then
// for the decoder the bucket table (u16; its offset is a multiple of 4).
int64_t shared_table_bytes(int64_t rows, int64_t packed_entries, bool with_lut) {
  return 4 * (packed_entries + 3 * rows) + (with_lut ? 2 * kLutSize * rows : 0);
}

// The whole block copies the tables into smem (shared_table_bytes) and returns its view of them.
__device__ TableView load_shared_tables(const DecodeTables& tables, const int64_t* __restrict__ row_start,
                                        int64_t packed_entries, bool with_lut, uint4* smem) {
  const int32_t rows = tables.num_rows;
  int32_t* s_rows = reinterpret_cast<int32_t*>(smem);
  int32_t* s_start = s_rows + packed_entries;
  int32_t* s_len = s_start + rows;
  int32_t* s_offset = s_len + rows;
  uint16_t* s_lut = reinterpret_cast<uint16_t*>(s_offset + rows);
  for (int32_t r = threadIdx.x; r < rows; r += blockDim.x) {
    s_start[r] = static_cast<int32_t>(row_start[r] + r);
    s_len[r] = tables.cdf_length[r];
    s_offset[r] = tables.offset[r];
  }
  const int32_t warps = blockDim.x / kWarpSize;
  for (int32_t r = threadIdx.x / kWarpSize; r < rows; r += warps) {  // warp = row
    const int32_t* src = tables.cdf + r * tables.cdf_stride;
    int32_t* dst = s_rows + row_start[r] + r;
    for (int32_t k = lane_id(); k < tables.cdf_length[r]; k += kWarpSize) dst[k] = src[k];
  }
  if (with_lut) {
    const uint32_t* lut_words = reinterpret_cast<const uint32_t*>(tables.lut);  // 256 u16 per row
    uint32_t* s_lut_words = reinterpret_cast<uint32_t*>(s_lut);
    for (int64_t i = threadIdx.x; i < static_cast<int64_t>(rows) * (kLutSize / 2); i += blockDim.x) {
      s_lut_words[i] = lut_words[i];
    }
  }
  __syncthreads();
  return {s_rows, s_start, 0, with_lut ? s_lut : nullptr, s_len, s_offset, rows};
}

// ---- encode ----

// encode_chunk with lane l of the warp as lane l of the chunk. *state: this lane's final state.
// kShared: slots from the shared cdf rows `s` (put_cdf), else from the EncSymbols of `t`.
template <bool kShared>
__device__ Status encode_chunk_warp(const int32_t* __restrict__ symbols,
                                    const int32_t* __restrict__ indexes, int64_t len, int32_t lanes,
                                    int32_t skip_below, const EncodeTables& t, const TableView& s,
                                    uint16_t* __restrict__ words, int64_t capacity, uint32_t* state,
                                    int64_t* word_count) {
  const int lane = lane_id();
  uint32_t x = rans32::kLower;
  int64_t w = 0;
  for (int64_t g0 = 0; g0 < len; g0 += lanes) {
    const int64_t p = g0 + lane;
    int32_t items = 0;
    int32_t err = kOk;
    escape::Mapped m{};
    rans64::EncSymbol sym{};
    uint32_t start = 0, freq = 0;
    if (lane < lanes && p < len) {
      const int32_t r = indexes[p];
      if (r < 0 || r >= t.num_rows) {
        err = kBadIndex;
      } else if (r >= skip_below) {
        const int32_t offset = kShared ? s.offset[r] : t.offset[r];
        const int32_t length = kShared ? s.cdf_length[r] : t.cdf_length[r];
        if (!escape::map_symbol(symbols[p], offset, length - 2, m)) {
          err = kSymbolOutOfRange;
        } else if (kShared) {
          const int32_t* row = cdf_row<true>(s, r);
          start = static_cast<uint32_t>(row[m.slot]);
          freq = static_cast<uint32_t>(row[m.slot + 1]) - start;
          items = item_count(m);
        } else {
          sym = t.symbols[t.row_start[r] + m.slot];
          freq = sym.freq;
          items = item_count(m);
        }
      }
    }
    err = lowest_failure(err);
    if (err != kOk) return static_cast<Status>(err);
    const int32_t rounds = warp_max(items);
    for (int32_t d = rounds - 1; d >= 0; --d) {
      const bool put = items > d;
      const bool emit = put && (d == 0 ? rans32::put_needs_word(x, freq) : rans32::put_bits_needs_word(x));
      const uint32_t emitters = __ballot_sync(kFullMask, emit);
      const int32_t emitted = __popc(emitters);
      if (w + emitted > capacity) return kOutputOverflow;  // the CPU's w == capacity at some lane
      if (emit) {
        words[w + __popc(emitters & lanes_below(lane))] = static_cast<uint16_t>(x & rans32::kWordMask);
        x >>= 16;
      }
      if (put) {
        x = d > 0     ? rans32::put_bits(x, bypass_item(m, d))
            : kShared ? rans32::put_cdf(x, start, freq)
                      : rans32::put(x, sym);
      }
      w += emitted;
    }
  }
  *state = x;
  *word_count = w;
  return kOk;
}

// Warp = task. kShared: every block first copies the cdf rows into shared memory (a persistent
// grid, so each block loads them once).
template <bool kShared>
__global__ void __launch_bounds__(kEncodeThreads)
    encode_chunks(const int32_t* __restrict__ symbols, const int32_t* __restrict__ indexes, int64_t n,
                  int64_t chunks, int64_t tasks, int64_t capacity, int32_t lanes, int32_t chunk_log2,
                  int32_t skip_below, EncodeTables tables, DecodeTables cdf, const int64_t* __restrict__ row_start,
                  int64_t packed_entries, InterleavedEncodeBuffers buf) {
  extern __shared__ uint4 smem[];
  const int lane = lane_id();
  const TableView view = kShared ? load_shared_tables(cdf, row_start, packed_entries, false, smem) : TableView{};
  for (int64_t task = first_warp(kEncodeWarps); task < tasks; task += warp_count(kEncodeWarps)) {
    const int64_t b = task / chunks;
    const int64_t chunk_first = (task % chunks) << chunk_log2;
    const int64_t len = min(int64_t{1} << chunk_log2, n - chunk_first);  // 0 only for n == 0
    const int64_t first = b * n + chunk_first;
    uint32_t state = rans32::kLower;
    int64_t words = 0;
    const Status s = encode_chunk_warp<kShared>(symbols + first, indexes + first, len, lanes, skip_below, tables,
                                                view, buf.words + task * capacity, capacity, &state, &words);
    if (lane < lanes) buf.states[task * lanes + lane] = state;
    if (lane == 0) {
      buf.chunk_status[task] = s;
      buf.chunk_bytes[task] = s == kOk ? 4 * static_cast<int64_t>(lanes) + 2 * words : 0;
    }
  }
}

// The first non-kOk status among tasks [begin, end), in task (= chunk) order; whole warp.
__device__ int32_t first_failure(const int32_t* __restrict__ status, int64_t begin, int64_t end) {
  for (int64_t c0 = begin; c0 < end; c0 += kWarpSize) {
    const int64_t c = c0 + lane_id();
    const int32_t s = lowest_failure(c < end ? status[c] : static_cast<int32_t>(kOk));
    if (s != kOk) return s;
  }
  return kOk;
}

// Warp = stream: its status and its size, header_bytes + the bytes of its chunks.
__global__ void encode_stream_results(const int32_t* __restrict__ chunk_status,
                                      const int64_t* __restrict__ chunk_ends, int64_t chunks,
                                      int64_t header_bytes, int64_t num_streams,
                                      int32_t* __restrict__ status, int64_t* __restrict__ sizes) {
  for (int64_t b = first_warp(kResultWarps); b < num_streams; b += warp_count(kResultWarps)) {
    const int64_t begin = b * chunks, end = begin + chunks;
    const int32_t s = first_failure(chunk_status, begin, end);
    if (lane_id() == 0) {
      status[b] = s;
      sizes[b] = s == kOk ? header_bytes + chunk_ends[end - 1] - (begin > 0 ? chunk_ends[begin - 1] : 0) : 0;
    }
  }
}

// Warp = task of a stream whose status is kOk, into the stream's row of `row_bytes`. Every chunk
// size is even, so every chunk starts at an even byte of its row and its states and words are
// copied as aligned uint16 (a state is its low, then high half).
__global__ void __launch_bounds__(kResultThreads)
    pack_chunks(InterleavedEncodeBuffers buf, int64_t chunks, int64_t tasks, int64_t capacity,
                int32_t lanes, int32_t chunk_log2, uint8_t* __restrict__ padded, int64_t row_bytes) {
  const int lane = lane_id();
  const int64_t header_bytes = kHeaderBytes + 4 * (chunks - 1);
  for (int64_t task = first_warp(kResultWarps); task < tasks; task += warp_count(kResultWarps)) {
    const int64_t b = task / chunks, c = task % chunks;
    if (buf.status[b] != kOk) continue;
    uint8_t* stream = padded + b * row_bytes;
    const int64_t head = b * chunks;  // the stream's first task
    const int64_t bytes = buf.chunk_bytes[task];
    const int64_t words = (bytes - 4 * static_cast<int64_t>(lanes)) / 2;
    if (lane == 0) {
      if (c == 0) write_header(stream, lanes, chunk_log2);
      if (c + 1 < chunks) store_u32(stream + kHeaderBytes + 4 * c, static_cast<uint32_t>(words));
    }
    const int64_t before = buf.chunk_ends[task] - bytes - (buf.chunk_ends[head] - buf.chunk_bytes[head]);
    uint16_t* dst = reinterpret_cast<uint16_t*>(stream + header_bytes + before);
    const uint32_t* states = buf.states + task * lanes;
    const uint16_t* src = buf.words + task * capacity;
    const int64_t state_halves = 2 * static_cast<int64_t>(lanes);
    for (int64_t i = lane; i < state_halves + words; i += kWarpSize) {
      dst[i] = i < state_halves ? static_cast<uint16_t>(states[i >> 1] >> (16 * (i & 1))) : src[i - state_halves];
    }
  }
}

// ---- decode ----

// Thread = stream: its span (kBadSize for a padded size outside its row), its header against n
// elements.
__global__ void parse_streams(StreamSpans spans, int64_t num_streams, int64_t n, InterleavedDecodeBuffers buf) {
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    Layout layout{};
    const uint8_t* stream = nullptr;
    int64_t size = 0;
    const Status s = stream_span(spans, b, &stream, &size) ? parse_header(stream, size, n, layout) : kBadSize;
    buf.stream_status[b] = s;
    buf.layout[b] = s == kOk ? layout.lanes | layout.chunk_log2 << 8 : 0;
    buf.chunk_count[b] = s == kOk ? layout.chunks : 0;
  }
}

// Thread = stream: the stream of each of its tasks, then its chunks' offsets and word counts.
__global__ void locate_streams(StreamSpans spans, int64_t num_streams, InterleavedDecodeBuffers buf) {
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    const int64_t chunks = buf.chunk_count[b], base = buf.chunk_end[b] - chunks;
    for (int64_t c = 0; c < chunks; ++c) buf.chunk_stream[base + c] = static_cast<int32_t>(b);
    if (buf.stream_status[b] != kOk) continue;
    const Layout layout{buf.layout[b] & 0xff, buf.layout[b] >> 8, chunks};
    const uint8_t* stream = nullptr;
    int64_t size = 0;
    stream_span(spans, b, &stream, &size);  // parse_streams has checked it
    buf.stream_status[b] = locate_chunks(stream, size, layout, buf.chunk_offset + base, buf.chunk_words + base);
  }
}

// refill() of interleaved_stream.h for the lanes with need set: the block of popc(need) words
// just below *cursor, taken in ascending lane order. false (for the whole warp) when too few.
__device__ __forceinline__ bool refill_warp(uint32_t& x, bool need, const uint8_t* __restrict__ words,
                                            int64_t* cursor) {
  const uint32_t needers = __ballot_sync(kFullMask, need);
  const int64_t pos = *cursor - __popc(needers);
  if (pos < 0) return false;
  *cursor = pos;
  if (need) x = (x << 16) | load_u16(words + 2 * (pos + __popc(needers & lanes_below(lane_id()))));
  return true;
}

// decode_chunk with lane l of the warp as lane l of the chunk.
template <bool kShared>
__device__ Status decode_chunk_warp(const uint8_t* __restrict__ chunk, int64_t word_count,
                                    const int32_t* __restrict__ indexes, int64_t len, int32_t lanes,
                                    int32_t skip_below, const TableView& t, int32_t* __restrict__ out) {
  const int lane = lane_id();
  const bool in_chunk = lane < lanes;
  uint32_t x = in_chunk ? load_u32(chunk + 4 * lane) : 0;
  const uint8_t* words = chunk + 4 * static_cast<int64_t>(lanes);
  int64_t cursor = word_count;
  const int64_t groups = (len + lanes - 1) / lanes;
  for (int64_t g = groups - 1; g >= 0; --g) {
    const int64_t p = g * lanes + lane;
    const bool valid = in_chunk && p < len;
    const int32_t r = valid ? indexes[p] : 0;
    if (lowest_failure(valid && (r < 0 || r >= t.num_rows) ? kBadIndex : kOk) != kOk) return kBadIndex;
    const bool active = valid && r >= skip_below;
    if (valid && !active) out[p] = 0;
    int32_t slot = 0, max = 0;
    bool escaped = false, need = false;
    if (active) {  // d = 0: slots
      const int32_t* row = cdf_row<kShared>(t, r);
      const int32_t s = find_slot(row, t.cdf_length[r], t.lut + r * kLutSize, x & rans32::kWordMask);
      x = rans32::advance(x, row[s], row[s + 1] - row[s]);
      slot = s;
      max = t.cdf_length[r] - 2;
      escaped = s == max;
      need = rans32::needs_word(x);
    }
    if (!refill_warp(x, need, words, &cursor)) return kTruncated;
    uint32_t count = 0, raw = 0;
    if (__ballot_sync(kFullMask, escaped)) {
      int32_t longest = 0;
      for (int32_t d = 1;; ++d) {  // d = 1: counts, d >= 2: nibbles
        const bool busy = escaped && (d == 1 || count > static_cast<uint32_t>(d - 2));
        bool corrupt = false;
        need = false;
        if (busy) {
          const uint32_t v = rans32::get_bits(x);
          if (d == 1) {
            corrupt = v > escape::kMaxNibbles;
            count = v;
          } else {
            raw |= v << ((d - 2) * escape::kBypassBits);
          }
          need = rans32::needs_word(x);
        }
        if (lowest_failure(corrupt ? kCorrupt : kOk) != kOk) return kCorrupt;
        if (d == 1) longest = warp_max(static_cast<int32_t>(count));
        const bool any_busy = __ballot_sync(kFullMask, busy) != 0;
        if (!refill_warp(x, need, words, &cursor)) return kTruncated;
        if (d >= 1 + longest || !any_busy) break;
      }
    }
    bool ok = true;
    if (active) {
      const int32_t off = t.offset[r];
      int32_t symbol = 0;
      ok = escaped ? escape::unmap_escaped(raw, off, max, symbol) : escape::unmap_slot(slot, off, symbol);
      if (ok) out[p] = symbol;
    }
    if (lowest_failure(ok ? kOk : kCorrupt) != kOk) return kCorrupt;
  }
  if (lowest_failure(in_chunk && x != rans32::kLower ? kCorrupt : kOk) != kOk) return kCorrupt;
  return cursor == 0 ? kOk : kCorrupt;
}

// Warp = task. kShared: every block first copies the tables into shared memory (a persistent
// grid, so each block loads them once).
template <bool kShared>
__global__ void __launch_bounds__(kDecodeThreads)
    decode_chunks(StreamSpans spans, const int32_t* __restrict__ indexes, int64_t num_streams, int64_t n,
                  int32_t skip_below, DecodeTables tables, const int64_t* __restrict__ row_start,
                  int64_t packed_entries, InterleavedDecodeBuffers buf, int32_t* __restrict__ out) {
  extern __shared__ uint4 smem[];
  const int lane = lane_id();
  const TableView view =
      kShared ? load_shared_tables(tables, row_start, packed_entries, true, smem) : global_view(tables);
  const int64_t tasks = buf.chunk_end[num_streams - 1];
  for (int64_t task = first_warp(kDecodeWarps); task < tasks; task += warp_count(kDecodeWarps)) {
    const int64_t b = buf.chunk_stream[task];
    if (buf.stream_status[b] != kOk) {  // bad header or chunk table: reported before any chunk
      if (lane == 0) buf.chunk_status[task] = kOk;
      continue;
    }
    const int32_t lanes = buf.layout[b] & 0xff, chunk_log2 = buf.layout[b] >> 8;
    const int64_t chunk_first = (task - (buf.chunk_end[b] - buf.chunk_count[b])) << chunk_log2;
    const int64_t len = min(int64_t{1} << chunk_log2, n - chunk_first);  // 0 only for n == 0
    const int64_t first = b * n + chunk_first;
    const uint8_t* stream = nullptr;
    int64_t size = 0;
    stream_span(spans, b, &stream, &size);
    const Status s = decode_chunk_warp<kShared>(stream + buf.chunk_offset[task], buf.chunk_words[task],
                                                indexes + first, len, lanes, skip_below, view, out + first);
    if (lane == 0) buf.chunk_status[task] = s;
  }
}

// Warp = stream: the status of its first failing chunk.
__global__ void decode_stream_results(InterleavedDecodeBuffers buf, int64_t num_streams) {
  for (int64_t b = first_warp(kResultWarps); b < num_streams; b += warp_count(kResultWarps)) {
    const int32_t s = first_failure(buf.chunk_status, buf.chunk_end[b] - buf.chunk_count[b], buf.chunk_end[b]);
    if (lane_id() == 0) buf.decode_status[b] = s;
  }
}

unsigned serial_blocks(int64_t items) { return grid::blocks(items, grid::kSerialThreads); }

// How a kernel with a shared-memory variant and a global-memory variant runs: smem bytes of
// shared tables (0: the global variant) and blocks, a persistent grid for `tasks` warp tasks.
struct TablePlan {
  size_t smem;
  unsigned blocks;
};

// The shared variant when its `bytes` fit the device's opt-in limit with at least one block per SM
// and ECC_CUDA_TABLES is not "global"; else the global one.
cudaError_t plan_tables(const void* shared_kernel, const void* global_kernel, int threads, int64_t bytes,
                        int64_t tasks, TablePlan* plan) {
  int device = 0, optin = 0, sms = 0, blocks_per_sm = 0;
  cudaError_t err = cudaGetDevice(&device);
  if (err == cudaSuccess) err = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
  if (err == cudaSuccess) err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
  if (err != cudaSuccess) return err;
  const char* forced = std::getenv("ECC_CUDA_TABLES");
  plan->smem = 0;
  if (bytes <= optin && !(forced != nullptr && std::strcmp(forced, "global") == 0)) {
    err = cudaFuncSetAttribute(shared_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes));
    if (err == cudaSuccess) {
      err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, shared_kernel, threads,
                                                          static_cast<size_t>(bytes));
    }
    if (err != cudaSuccess) return err;
    if (blocks_per_sm > 0) plan->smem = static_cast<size_t>(bytes);
  }
  if (plan->smem == 0) {
    err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, global_kernel, threads, 0);
    if (err != cudaSuccess) return err;
  }
  const int64_t resident = std::max<int64_t>(1, static_cast<int64_t>(sms) * blocks_per_sm);
  plan->blocks = static_cast<unsigned>(std::min<int64_t>(grid::blocks(tasks, threads / kWarpSize), resident));
  return cudaSuccess;
}

}  // namespace

cudaError_t launch_interleaved_encode(const int32_t* symbols, const int32_t* indexes,
                                      int64_t num_streams, int64_t n, int32_t skip_below,
                                      int32_t lanes, int32_t chunk_log2, const EncodeTables& tables,
                                      const DecodeTables& cdf, int64_t packed_entries,
                                      const InterleavedEncodeBuffers& buf, cudaStream_t stream) {
  const int64_t chunks = num_chunks(n, chunk_log2), tasks = num_streams * chunks;
  if (tasks == 0) return cudaSuccess;
  const int64_t capacity = max_chunk_words(std::min<int64_t>(n, int64_t{1} << chunk_log2), lanes);
  TablePlan plan{};
  cudaError_t err = plan_tables(reinterpret_cast<const void*>(encode_chunks<true>),
                                reinterpret_cast<const void*>(encode_chunks<false>), kEncodeThreads,
                                shared_table_bytes(tables.num_rows, packed_entries, false), tasks, &plan);
  if (err != cudaSuccess) return err;
  if (plan.smem > 0) {
    encode_chunks<true><<<plan.blocks, kEncodeThreads, plan.smem, stream>>>(
        symbols, indexes, n, chunks, tasks, capacity, lanes, chunk_log2, skip_below, tables, cdf, tables.row_start,
        packed_entries, buf);
  } else {
    encode_chunks<false><<<plan.blocks, kEncodeThreads, 0, stream>>>(
        symbols, indexes, n, chunks, tasks, capacity, lanes, chunk_log2, skip_below, tables, cdf, tables.row_start,
        packed_entries, buf);
  }
  err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  err = launch_inclusive_sum(buf.chunk_bytes, buf.chunk_ends, tasks, buf.scan_temp, buf.scan_temp_bytes, stream);
  if (err != cudaSuccess) return err;
  encode_stream_results<<<grid::blocks(num_streams, kResultWarps), kResultThreads, 0, stream>>>(
      buf.chunk_status, buf.chunk_ends, chunks, kHeaderBytes + 4 * (chunks - 1), num_streams, buf.status,
      buf.sizes);
  return cudaGetLastError();
}

cudaError_t launch_interleaved_pack(const InterleavedEncodeBuffers& buf, int64_t num_streams,
                                    int64_t n, int32_t lanes, int32_t chunk_log2, uint8_t* padded,
                                    int64_t row_bytes, cudaStream_t stream) {
  const int64_t chunks = num_chunks(n, chunk_log2), tasks = num_streams * chunks;
  if (tasks == 0) return cudaSuccess;
  const int64_t capacity = max_chunk_words(std::min<int64_t>(n, int64_t{1} << chunk_log2), lanes);
  pack_chunks<<<grid::blocks(tasks, kResultWarps), kResultThreads, 0, stream>>>(buf, chunks, tasks, capacity,
                                                                                lanes, chunk_log2, padded, row_bytes);
  return cudaGetLastError();
}

cudaError_t launch_interleaved_parse(const StreamSpans& spans, int64_t num_streams, int64_t n,
                                     const InterleavedDecodeBuffers& buf, cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  parse_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(spans, num_streams, n, buf);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  return launch_inclusive_sum(buf.chunk_count, buf.chunk_end, num_streams, buf.scan_temp, buf.scan_temp_bytes,
                              stream);
}

cudaError_t launch_interleaved_decode(const StreamSpans& spans, const int32_t* indexes, int64_t num_streams,
                                      int64_t n, int64_t max_tasks, int32_t skip_below, const DecodeTables& tables,
                                      const int64_t* row_start, int64_t packed_entries,
                                      const InterleavedDecodeBuffers& buf, int32_t* out, cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  locate_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(spans, num_streams, buf);
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  TablePlan plan{};
  err = plan_tables(reinterpret_cast<const void*>(decode_chunks<true>),
                    reinterpret_cast<const void*>(decode_chunks<false>), kDecodeThreads,
                    shared_table_bytes(tables.num_rows, packed_entries, true), max_tasks, &plan);
  if (err != cudaSuccess) return err;
  if (plan.smem > 0) {
    decode_chunks<true><<<plan.blocks, kDecodeThreads, plan.smem, stream>>>(
        spans, indexes, num_streams, n, skip_below, tables, row_start, packed_entries, buf, out);
  } else {
    decode_chunks<false><<<plan.blocks, kDecodeThreads, 0, stream>>>(
        spans, indexes, num_streams, n, skip_below, tables, row_start, packed_entries, buf, out);
  }
  err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  decode_stream_results<<<grid::blocks(num_streams, kResultWarps), kResultThreads, 0, stream>>>(buf, num_streams);
  return cudaGetLastError();
}

}  // namespace ecc
