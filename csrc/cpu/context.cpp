// CPU implementation of ecc::deterministic_conv1d: common/context.h's conv1d_row (the same
// summation order per element as the CUDA kernel's conv1d_at), threaded over (batch, output
// channel) rows; the thread count cannot change a bit. Short sequences (a streaming packet's few
// frames, where conv1d_row's loop over t has nothing to vectorise) go through conv1d_channels
// instead: the same terms in the same order per element, vectorised over output channels.
#include <ATen/Parallel.h>
#include <algorithm>
#include <optional>
#include <torch/library.h>

#include "../checks.h"
#include "../common/context.h"

namespace ecc {
namespace {

constexpr int64_t kShortLength = 16;  // below this many frames, vectorise over channels
constexpr int64_t kChannelBlock = kConv1dChannelBlock;

// out[o, t] for o in [o0, o0 + count), count <= kChannelBlock, and every t < kShortLength, of one
// batch element; packed is the weight as (Cin, K, Cout rounded up to kChannelBlock), zero past
// Cout. Each element adds conv1d_at's terms in its order (i, then k; terms outside [0, T) left
// out), so it gets the same bits; the loops over j vectorise.
void conv1d_channels(const float* x, const float* packed, const float* bias, int64_t cin, int64_t length,
                     int64_t kernel, int64_t stride, int64_t o0, int64_t count, int32_t activation, float* out) {
  const int64_t half = kernel / 2;
  float acc[kShortLength][kChannelBlock];
  for (int64_t t = 0; t < length; ++t) {
    for (int64_t j = 0; j < kChannelBlock; ++j) acc[t][j] = j < count ? bias[o0 + j] : 0.0f;
  }
  for (int64_t i = 0; i < cin; ++i) {
    for (int64_t k = 0; k < kernel; ++k) {
      const float* weights = packed + (i * kernel + k) * stride + o0;
      const int64_t shift = k - half;  // out[t] takes x[t + shift]
      const int64_t begin = shift < 0 ? -shift : 0;
      const int64_t end = shift > 0 ? length - shift : length;
      for (int64_t t = begin; t < end; ++t) {
        const float value = x[i * length + t + shift];
        for (int64_t j = 0; j < kChannelBlock; ++j) {
          const float product = weights[j] * value;
          acc[t][j] = acc[t][j] + product;
        }
      }
    }
  }
  for (int64_t t = 0; t < length; ++t) {
    for (int64_t j = 0; j < count; ++j) out[(o0 + j) * length + t] = context::activate(acc[t][j], activation);
  }
}

// The weight as (Cin, K, Cout rounded up to kChannelBlock), zero past Cout: conv1d_channels' layout.
at::Tensor pack_weight(const at::Tensor& weight) {
  const int64_t cout = weight.size(0);
  at::Tensor packed = at::zeros({weight.size(1), weight.size(2), conv1d_packed_width(cout)}, weight.options());
  packed.narrow(2, 0, cout).copy_(weight.permute({1, 2, 0}));
  return packed;
}

at::Tensor deterministic_conv1d_cpu(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                                    int64_t activation, const std::optional<at::Tensor>& given) {
  check_conv1d_args(x, weight, bias, activation);
  if (given.has_value()) check_conv1d_packed(*given, weight);
  const int64_t batch = x.size(0), cin = x.size(1), length = x.size(2);
  const int64_t cout = weight.size(0), kernel = weight.size(2);
  at::Tensor out = at::empty({batch, cout, length}, x.options());
  const float* xs = x.data_ptr<float>();
  const float* w = weight.data_ptr<float>();
  const float* b = bias.data_ptr<float>();
  float* o = out.data_ptr<float>();
  if (length < kShortLength) {
    const int64_t stride = conv1d_packed_width(cout), blocks = stride / kChannelBlock;
    const at::Tensor packed = given.has_value() ? *given : pack_weight(weight);
    const float* p = packed.data_ptr<float>();
    at::parallel_for(0, batch * blocks, 1, [&](int64_t begin, int64_t end) {
      for (int64_t item = begin; item < end; ++item) {
        const int64_t n = item / blocks, o0 = item % blocks * kChannelBlock;
        conv1d_channels(xs + n * cin * length, p, b, cin, length, kernel, stride, o0, std::min(kChannelBlock, cout - o0),
                        static_cast<int32_t>(activation), o + n * cout * length);
      }
    });
    return out;
  }
  at::parallel_for(0, batch * cout, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / cout, c = row % cout;
      context::conv1d_row(xs + n * cin * length, w, b[c], cin, length, kernel, c, static_cast<int32_t>(activation),
                          o + row * length);
    }
  });
  return out;
}

}  // namespace

TORCH_LIBRARY_IMPL(ecc, CPU, m) { m.impl("deterministic_conv1d", &deterministic_conv1d_cpu); }

}  // namespace ecc
