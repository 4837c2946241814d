"""CRM blocks: convolutions for local structure + RWKV-style linear-attention time mixing for
long-range structure (the ECC paper's encoder/decoder building block)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ChannelNorm(nn.Module):
    """LayerNorm over channels at every frame: (B, C, T) -> (B, C, T), no mixing across time."""

    def __init__(self, channels: int):
        super().__init__()
        self.norm = nn.LayerNorm(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x.transpose(1, 2)).transpose(1, 2)


class TimeMixing(nn.Module):
    """Bidirectional RWKV-style time mixing with a learned per-channel decay::

        out[c, t] = sigmoid(r[c, t]) * sum_s exp(-w_c |t - s| + k[c, s]) v[c, s]
                                      / sum_s exp(-w_c |t - s| + k[c, s])

    i.e. RWKV's WKV average run over both directions (the codec sees whole segments, so it need
    not be causal). Both sums are one convolution with the kernel exp(-w_c |d|), computed by FFT
    in float64: O(T log T) time and O(T) memory per channel. Keys are bounded to [-10, 10], so
    every weight exp(k - max k) >= e^-20 and the denominator never underflows.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.norm = ChannelNorm(channels)
        self.rkv = nn.Conv1d(channels, 3 * channels, 1)
        self.output = nn.Conv1d(channels, channels, 1)
        # log-decays: time constants spread from 1 to ~100 frames, as RWKV initialises them
        self.decay = nn.Parameter(torch.linspace(0.0, -4.6, channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, T) -> (B, C, T), residual included."""
        r, k, v = self.rkv(self.norm(x)).chunk(3, 1)
        k = 10 * torch.tanh(k / 10)
        length = x.shape[-1]
        weights = torch.exp(k - k.amax(-1, keepdim=True)).double()                # (B, C, T)
        lags = torch.arange(1 - length, length, device=x.device, dtype=torch.float64).abs()
        kernel = torch.exp(-self.decay.double().exp()[:, None] * lags)             # (C, 2T - 1)
        n = 3 * length - 2                                                         # linear, not circular
        spectrum = torch.fft.rfft(kernel, n)
        sums = torch.fft.irfft(torch.fft.rfft(torch.stack([weights * v.double(), weights]), n) * spectrum, n)
        numerator, denominator = sums[..., length - 1 : 2 * length - 1]
        return x + self.output(torch.sigmoid(r) * (numerator / denominator).to(x.dtype))


class ConvMixing(nn.Module):
    """Depthwise convolution along T + a pointwise feed-forward network (local structure)."""

    def __init__(self, channels: int, kernel_size: int = 5, expansion: int = 2):
        super().__init__()
        self.depthwise = nn.Conv1d(channels, channels, kernel_size, padding=kernel_size // 2, groups=channels)
        self.norm = ChannelNorm(channels)
        self.up = nn.Conv1d(channels, expansion * channels, 1)
        self.down = nn.Conv1d(expansion * channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, T) -> (B, C, T), residual included."""
        return x + self.down(F.gelu(self.up(self.norm(self.depthwise(x)))))


class CRMBlock(nn.Sequential):
    """ConvMixing, then (optionally) TimeMixing: (B, C, T) -> (B, C, T)."""

    def __init__(self, channels: int, time_mixing: bool = True, kernel_size: int = 5):
        layers = [ConvMixing(channels, kernel_size)]
        if time_mixing:
            layers.append(TimeMixing(channels))
        super().__init__(*layers)
