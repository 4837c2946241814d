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
//           The EncSymbol table (24 B per slot) stays in global memory: one read per element,
//           served by L1/L2 (a default table is ~650 KB). With L < 32 only L lanes of the warp
//           work (small chunks get few lanes by design).
//   sizes   inclusive scan of the tasks' bytes (scan.cu), then warp = stream: the status of its
//           first failing chunk (the CPU op's semantics) and its size. The host reads only the
//           statuses and the total.
//   pack    warp = task: header (chunk 0), its chunk table entry, then its states and words at
//           chunk_ends[task] - chunk_bytes[task] + (stream + 1) * header_and_table_bytes.
//   decode  thread = stream: parse_header, scan of the chunk counts (the host reads the total to
//           size the task arrays), thread = stream: locate_chunks; then warp = task: the rounds
//           of decode_chunk (slot round, count and nibble rounds), each round's refill reading
//           the block of words below the cursor in lane order; warp = stream: first failure.
//           Streams may differ in lanes and chunk size: each task reads its stream's layout.
//           Decode tables live in shared memory when they fit (packed int32 cdf rows at
//           row_start[r] + r, int32 row starts / lengths / offsets, the [rows, 256] u16 bucket
//           table), loaded once by each block of a persistent grid; else in global memory.
//           Every read of the stream stays inside the bytes that parse_header / locate_chunks
//           have checked: states and words of a chunk lie in [offset, offset + 4 L + 2 words).
//
// Warp rule: every __ballot_sync / __shfl_sync is reached by all 32 lanes. Loop bounds and early
// returns are warp-uniform (from ballots or warp maxima); only straight-line per-lane math (and
// find_slot's scan) is divergent.
#include <algorithm>

#include "../common/interleaved_stream.h"
#include "grid.cuh"
#include "launch.h"

namespace ecc {
namespace {

using namespace interleaved_stream;

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarpSize = 32;
constexpr int kEncodeWarps = 8;   // tasks per encode block
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

// ---- encode ----

// encode_chunk with lane l of the warp as lane l of the chunk. *state: this lane's final state.
__device__ Status encode_chunk_warp(const int32_t* __restrict__ symbols,
                                    const int32_t* __restrict__ indexes, int64_t len, int32_t lanes,
                                    int32_t skip_below, const EncodeTables& t,
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
    if (lane < lanes && p < len) {
      const int32_t r = indexes[p];
      if (r < 0 || r >= t.num_rows) {
        err = kBadIndex;
      } else if (r >= skip_below) {
        if (!escape::map_symbol(symbols[p], t.offset[r], t.cdf_length[r] - 2, m)) {
          err = kSymbolOutOfRange;
        } else {
          sym = t.symbols[t.row_start[r] + m.slot];
          items = item_count(m);
        }
      }
    }
    err = lowest_failure(err);
    if (err != kOk) return static_cast<Status>(err);
    const int32_t rounds = warp_max(items);
    for (int32_t d = rounds - 1; d >= 0; --d) {
      const bool put = items > d;
      const bool emit = put && (d == 0 ? rans32::put_needs_word(x, sym.freq) : rans32::put_bits_needs_word(x));
      const uint32_t emitters = __ballot_sync(kFullMask, emit);
      const int32_t emitted = __popc(emitters);
      if (w + emitted > capacity) return kOutputOverflow;  // the CPU's w == capacity at some lane
      if (emit) {
        words[w + __popc(emitters & lanes_below(lane))] = static_cast<uint16_t>(x & rans32::kWordMask);
        x >>= 16;
      }
      if (put) x = d == 0 ? rans32::put(x, sym) : rans32::put_bits(x, bypass_item(m, d));
      w += emitted;
    }
  }
  *state = x;
  *word_count = w;
  return kOk;
}

__global__ void __launch_bounds__(kEncodeThreads)
    encode_chunks(const int32_t* __restrict__ symbols, const int32_t* __restrict__ indexes, int64_t n,
                  int64_t chunks, int64_t tasks, int64_t capacity, int32_t lanes, int32_t chunk_log2,
                  int32_t skip_below, EncodeTables tables, InterleavedEncodeBuffers buf) {
  const int lane = lane_id();
  for (int64_t task = first_warp(kEncodeWarps); task < tasks; task += warp_count(kEncodeWarps)) {
    const int64_t b = task / chunks;
    const int64_t chunk_first = (task % chunks) << chunk_log2;
    const int64_t len = min(int64_t{1} << chunk_log2, n - chunk_first);  // 0 only for n == 0
    const int64_t first = b * n + chunk_first;
    uint32_t state = rans32::kLower;
    int64_t words = 0;
    const Status s = encode_chunk_warp(symbols + first, indexes + first, len, lanes, skip_below, tables,
                                       buf.words + task * capacity, capacity, &state, &words);
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
      sizes[b] = header_bytes + chunk_ends[end - 1] - (begin > 0 ? chunk_ends[begin - 1] : 0);
    }
  }
}

// Warp = task. Every stream size and chunk size is even, so every chunk starts at an even byte
// and its states and words are copied as aligned uint16 (a state is its low, then high half).
__global__ void __launch_bounds__(kResultThreads)
    pack_chunks(InterleavedEncodeBuffers buf, int64_t chunks, int64_t tasks, int64_t capacity,
                int32_t lanes, int32_t chunk_log2, uint8_t* __restrict__ out) {
  const int lane = lane_id();
  const int64_t header_bytes = kHeaderBytes + 4 * (chunks - 1);
  for (int64_t task = first_warp(kResultWarps); task < tasks; task += warp_count(kResultWarps)) {
    const int64_t b = task / chunks, c = task % chunks;
    const int64_t bytes = buf.chunk_bytes[task];
    const int64_t words = (bytes - 4 * static_cast<int64_t>(lanes)) / 2;
    if (lane == 0) {
      const int64_t head = b * chunks;  // the stream's first task
      uint8_t* stream = out + buf.chunk_ends[head] - buf.chunk_bytes[head] + b * header_bytes;
      if (c == 0) write_header(stream, lanes, chunk_log2);
      if (c + 1 < chunks) store_u32(stream + kHeaderBytes + 4 * c, static_cast<uint32_t>(words));
    }
    uint16_t* dst = reinterpret_cast<uint16_t*>(out + buf.chunk_ends[task] - bytes + (b + 1) * header_bytes);
    const uint32_t* states = buf.states + task * lanes;
    const uint16_t* src = buf.words + task * capacity;
    const int64_t state_halves = 2 * static_cast<int64_t>(lanes);
    for (int64_t i = lane; i < state_halves + words; i += kWarpSize) {
      dst[i] = i < state_halves ? static_cast<uint16_t>(states[i >> 1] >> (16 * (i & 1))) : src[i - state_halves];
    }
  }
}

// ---- decode ----

// Thread = stream: its header against n elements.
__global__ void parse_streams(const uint8_t* __restrict__ data, const int64_t* __restrict__ start,
                              int64_t num_streams, int64_t n, InterleavedDecodeBuffers buf) {
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    Layout layout{};
    const Status s = parse_header(data + start[b], start[b + 1] - start[b], n, layout);
    buf.stream_status[b] = s;
    buf.layout[b] = s == kOk ? layout.lanes | layout.chunk_log2 << 8 : 0;
    buf.chunk_count[b] = s == kOk ? layout.chunks : 0;
  }
}

// Thread = stream: the stream of each of its tasks, then its chunks' offsets and word counts.
__global__ void locate_streams(const uint8_t* __restrict__ data, const int64_t* __restrict__ start,
                               int64_t num_streams, InterleavedDecodeBuffers buf) {
  for (int64_t b = grid::first_thread(); b < num_streams; b += grid::thread_count()) {
    const int64_t chunks = buf.chunk_count[b], base = buf.chunk_end[b] - chunks;
    for (int64_t c = 0; c < chunks; ++c) buf.chunk_stream[base + c] = static_cast<int32_t>(b);
    if (buf.stream_status[b] != kOk) continue;
    const Layout layout{buf.layout[b] & 0xff, buf.layout[b] >> 8, chunks};
    buf.stream_status[b] = locate_chunks(data + start[b], start[b + 1] - start[b], layout,
                                         buf.chunk_offset + base, buf.chunk_words + base);
  }
}

// The decode tables as the decode warps read them. Row r of the cdf starts at
// rows + row_start[r] (packed, shared memory) or rows + r * stride (the caller's padded table).
struct DecodeView {
  const int32_t* rows;
  const int32_t* row_start;
  int64_t stride;
  const uint16_t* lut;
  const int32_t* cdf_length;
  const int32_t* offset;
  int32_t num_rows;
};

template <bool kShared>
__device__ __forceinline__ const int32_t* cdf_row(const DecodeView& t, int32_t r) {
  return kShared ? t.rows + t.row_start[r] : t.rows + r * t.stride;
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
                                    int32_t skip_below, const DecodeView& t, int32_t* __restrict__ out) {
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

// Bytes of shared memory for the decode tables: packed rows, row starts, lengths, offsets
// (int32), then the bucket table (u16; its offset is a multiple of 4).
int64_t decode_smem_bytes(int64_t rows, int64_t packed_entries) {
  return 4 * (packed_entries + 3 * rows) + 2 * kLutSize * rows;
}

// Warp = task. kShared: every block first copies the tables into shared memory (one launch is a
// persistent grid, so each block loads them once).
template <bool kShared>
__global__ void __launch_bounds__(kDecodeThreads)
    decode_chunks(const uint8_t* __restrict__ data, const int64_t* __restrict__ start,
                  const int32_t* __restrict__ indexes, int64_t n, int64_t tasks, int32_t skip_below,
                  DecodeTables tables, const int64_t* __restrict__ row_start, int64_t packed_entries,
                  InterleavedDecodeBuffers buf, int32_t* __restrict__ out) {
  extern __shared__ uint4 smem[];
  const int lane = lane_id();
  const int32_t rows = tables.num_rows;
  DecodeView view{tables.cdf, nullptr, tables.cdf_stride, tables.lut, tables.cdf_length, tables.offset, rows};
  if (kShared) {
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
    for (int32_t r = threadIdx.x / kWarpSize; r < rows; r += kDecodeWarps) {  // warp = row
      const int32_t* src = tables.cdf + r * tables.cdf_stride;
      int32_t* dst = s_rows + row_start[r] + r;
      for (int32_t k = lane; k < tables.cdf_length[r]; k += kWarpSize) dst[k] = src[k];
    }
    const uint32_t* lut_words = reinterpret_cast<const uint32_t*>(tables.lut);  // 256 u16 per row
    uint32_t* s_lut_words = reinterpret_cast<uint32_t*>(s_lut);
    for (int64_t i = threadIdx.x; i < static_cast<int64_t>(rows) * (kLutSize / 2); i += blockDim.x) {
      s_lut_words[i] = lut_words[i];
    }
    __syncthreads();
    view = DecodeView{s_rows, s_start, 0, s_lut, s_len, s_offset, rows};
  }
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
    const Status s = decode_chunk_warp<kShared>(data + start[b] + buf.chunk_offset[task], buf.chunk_words[task],
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

// Shared-memory bytes for the decode tables, or 0 to read them from global memory: they must fit
// the device's opt-in limit and leave room for at least one block per SM. *blocks_per_sm is the
// occupancy of the chosen kernel.
cudaError_t choose_decode_smem(int64_t rows, int64_t packed_entries, size_t* smem, int* blocks_per_sm) {
  *smem = 0;
  *blocks_per_sm = 0;
  int device = 0, optin = 0;
  cudaError_t err = cudaGetDevice(&device);
  if (err == cudaSuccess) err = cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
  if (err != cudaSuccess) return err;
  const int64_t bytes = decode_smem_bytes(rows, packed_entries);
  if (bytes <= optin) {
    err = cudaFuncSetAttribute(decode_chunks<true>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                               static_cast<int>(bytes));
    if (err == cudaSuccess) {
      err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks_per_sm, decode_chunks<true>, kDecodeThreads,
                                                          static_cast<size_t>(bytes));
    }
    if (err != cudaSuccess) return err;
    if (*blocks_per_sm > 0) {
      *smem = static_cast<size_t>(bytes);
      return cudaSuccess;
    }
  }
  return cudaOccupancyMaxActiveBlocksPerMultiprocessor(blocks_per_sm, decode_chunks<false>, kDecodeThreads, 0);
}

}  // namespace

cudaError_t launch_interleaved_encode(const int32_t* symbols, const int32_t* indexes,
                                      int64_t num_streams, int64_t n, int32_t skip_below,
                                      int32_t lanes, int32_t chunk_log2, const EncodeTables& tables,
                                      const InterleavedEncodeBuffers& buf, cudaStream_t stream) {
  const int64_t chunks = num_chunks(n, chunk_log2), tasks = num_streams * chunks;
  if (tasks == 0) return cudaSuccess;
  const int64_t capacity = max_chunk_words(std::min<int64_t>(n, int64_t{1} << chunk_log2), lanes);
  encode_chunks<<<grid::blocks(tasks, kEncodeWarps), kEncodeThreads, 0, stream>>>(
      symbols, indexes, n, chunks, tasks, capacity, lanes, chunk_log2, skip_below, tables, buf);
  cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  err = launch_inclusive_sum(buf.chunk_bytes, buf.chunk_ends, tasks, buf.scan_temp, buf.scan_temp_bytes, stream);
  if (err != cudaSuccess) return err;
  encode_stream_results<<<grid::blocks(num_streams, kResultWarps), kResultThreads, 0, stream>>>(
      buf.chunk_status, buf.chunk_ends, chunks, kHeaderBytes + 4 * (chunks - 1), num_streams, buf.status,
      buf.sizes);
  return cudaGetLastError();
}

cudaError_t launch_interleaved_pack(const InterleavedEncodeBuffers& buf, int64_t num_streams,
                                    int64_t n, int32_t lanes, int32_t chunk_log2, uint8_t* data,
                                    cudaStream_t stream) {
  const int64_t chunks = num_chunks(n, chunk_log2), tasks = num_streams * chunks;
  if (tasks == 0) return cudaSuccess;
  const int64_t capacity = max_chunk_words(std::min<int64_t>(n, int64_t{1} << chunk_log2), lanes);
  pack_chunks<<<grid::blocks(tasks, kResultWarps), kResultThreads, 0, stream>>>(buf, chunks, tasks, capacity,
                                                                                lanes, chunk_log2, data);
  return cudaGetLastError();
}

cudaError_t launch_interleaved_parse(const uint8_t* data, const int64_t* start, int64_t num_streams,
                                     int64_t n, const InterleavedDecodeBuffers& buf,
                                     cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  parse_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(data, start, num_streams, n, buf);
  const cudaError_t err = cudaGetLastError();
  if (err != cudaSuccess) return err;
  return launch_inclusive_sum(buf.chunk_count, buf.chunk_end, num_streams, buf.scan_temp, buf.scan_temp_bytes,
                              stream);
}

cudaError_t launch_interleaved_decode(const uint8_t* data, const int64_t* start,
                                      const int32_t* indexes, int64_t num_streams, int64_t n,
                                      int64_t tasks, int32_t skip_below, const DecodeTables& tables,
                                      const int64_t* row_start, int64_t packed_entries,
                                      const InterleavedDecodeBuffers& buf, int32_t* out,
                                      cudaStream_t stream) {
  if (num_streams == 0) return cudaSuccess;
  if (tasks > 0) {
    locate_streams<<<serial_blocks(num_streams), grid::kSerialThreads, 0, stream>>>(data, start, num_streams, buf);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) return err;
    size_t smem = 0;
    int blocks_per_sm = 0, device = 0, sms = 0;
    err = choose_decode_smem(tables.num_rows, packed_entries, &smem, &blocks_per_sm);
    if (err == cudaSuccess) err = cudaGetDevice(&device);
    if (err == cudaSuccess) err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device);
    if (err != cudaSuccess) return err;
    const int64_t resident = std::max<int64_t>(1, static_cast<int64_t>(sms) * blocks_per_sm);
    const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(grid::blocks(tasks, kDecodeWarps), resident));
    if (smem > 0) {
      decode_chunks<true><<<blocks, kDecodeThreads, smem, stream>>>(data, start, indexes, n, tasks, skip_below,
                                                                    tables, row_start, packed_entries, buf, out);
    } else {
      decode_chunks<false><<<blocks, kDecodeThreads, 0, stream>>>(data, start, indexes, n, tasks, skip_below,
                                                                  tables, row_start, packed_entries, buf, out);
    }
    err = cudaGetLastError();
    if (err != cudaSuccess) return err;
  }
  decode_stream_results<<<grid::blocks(num_streams, kResultWarps), kResultThreads, 0, stream>>>(buf, num_streams);
  return cudaGetLastError();
}

}  // namespace ecc
