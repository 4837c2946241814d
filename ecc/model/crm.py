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
    not be causal); computed as a softmax over s, memory (B, C, T, T).
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
        steps = torch.arange(x.shape[-1], device=x.device, dtype=x.dtype)
        distance = (steps[:, None] - steps[None, :]).abs()                       # (T, T)
        logits = k[:, :, None, :] - self.decay.exp()[:, None, None] * distance   # (B, C, T, T)
        mixed = torch.einsum("bcts,bcs->bct", logits.softmax(-1), v)
        return x + self.output(torch.sigmoid(r) * mixed)


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
