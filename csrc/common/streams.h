// Where the streams of one decode call lie, in either of the two forms the ops exchange:
//   flat    stream b is data[start[b], start[b + 1]) (start: B + 1 offsets the host has checked
//           against the data's length);
//   padded  stream b is the first sizes[b] bytes of row b of a (B, stride) byte array (the
//           zero-sync form; sizes are read where the kernel runs and checked there).
#pragma once

#include <stdint.h>

#include "macros.h"

namespace ecc {

struct StreamSpans {
  const uint8_t* data;
  const int64_t* start;  // flat form; nullptr for the padded form
  const int64_t* sizes;  // padded form
  int64_t stride;        // padded form: bytes per row
};

// Stream b's first byte and size; false when a padded size is negative or exceeds its row.
ECC_HOST_DEVICE bool stream_span(const StreamSpans& s, int64_t b, const uint8_t** begin, int64_t* size) {
  if (s.start != nullptr) {
    *begin = s.data + s.start[b];
    *size = s.start[b + 1] - s.start[b];
    return true;
  }
  *begin = s.data + b * s.stride;
  *size = s.sizes[b];
  return *size >= 0 && *size <= s.stride;
}

}  // namespace ecc
