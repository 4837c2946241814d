// Symbol <-> (table slot, escape) mapping shared by every stream format.
//
// For a row with cdf_length entries, max = cdf_length - 2 is the escape slot. A symbol becomes
// v = symbol - offset (64-bit, no overflow), then
//   v < 0      -> slot max, raw = -2v - 1      (odd raw: below the table)
//   v >= max   -> slot max, raw = 2(v - max)   (even raw: at or above the escape slot)
//   otherwise  -> slot v, not escaped.
// An escaped symbol is followed by its raw value in 4-bit bypass items: the nibble count n
// (raw's significant nibbles, 0 for raw = 0), then the n nibbles, least significant first.
// raw < 2^31 (|v| and v - max below 2^30), so n <= 8 and the count is a single item.
#pragma once

#include <stdint.h>

#include "macros.h"

namespace ecc {
namespace escape {

constexpr int kBypassBits = 4;
constexpr uint32_t kBypassMask = (1u << kBypassBits) - 1;
constexpr uint32_t kMaxNibbles = 8;
constexpr int64_t kMaxRawMagnitude = 1ll << 30;

struct Mapped {
  int32_t slot;
  uint32_t raw;      // only for escaped symbols
  uint32_t nibbles;  // bypass nibbles after the count, only for escaped symbols
  bool escaped;
};

// Number of significant nibbles of raw (0 for raw == 0).
ECC_HOST_DEVICE uint32_t nibble_count(uint32_t raw) {
  uint32_t n = 0;
  while (n < kMaxNibbles && (raw >> (n * kBypassBits)) != 0) ++n;
  return n;
}

// Maps a symbol of a row (offset, max = cdf_length - 2); false if it is too far out to code.
ECC_HOST_DEVICE bool map_symbol(int32_t symbol, int32_t offset, int32_t max, Mapped& m) {
  const int64_t v = static_cast<int64_t>(symbol) - offset;
  m.escaped = v < 0 || v >= max;
  if (!m.escaped) {
    m.slot = static_cast<int32_t>(v);
    return true;
  }
  if (v < -kMaxRawMagnitude || v - max >= kMaxRawMagnitude) return false;
  m.slot = max;
  m.raw = static_cast<uint32_t>(v < 0 ? -2 * v - 1 : 2 * (v - max));
  m.nibbles = nibble_count(m.raw);
  return true;
}

// Symbol of a regular slot (offset + slot); false if that leaves int32 (a corrupt stream).
ECC_HOST_DEVICE bool unmap_slot(int32_t slot, int32_t offset, int32_t& symbol) {
  const int64_t s = static_cast<int64_t>(slot) + offset;
  if (s < INT32_MIN || s > INT32_MAX) return false;
  symbol = static_cast<int32_t>(s);
  return true;
}

// Symbol of an escaped element from its raw value; false if raw or the result is impossible.
ECC_HOST_DEVICE bool unmap_escaped(uint32_t raw, int32_t offset, int32_t max, int32_t& symbol) {
  if (raw >> 31) return false;
  const int64_t v = (raw & 1) ? -static_cast<int64_t>(raw >> 1) - 1 : static_cast<int64_t>(raw >> 1) + max;
  const int64_t s = v + offset;
  if (s < INT32_MIN || s > INT32_MAX) return false;
  symbol = static_cast<int32_t>(s);
  return true;
}

}  // namespace escape
}  // namespace ecc
