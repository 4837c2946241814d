"""The streaming STFT front end: the features of :mod:`ecc.model.stft` with no lookahead past a packet.

Frame t covers samples [160 t - 160, 160 t + 160) (20 ms Hann window, 10 ms hop), so the frames
of a packet of L samples need the packet and the 160 samples before it (the analysis state).
Synthesis overlap-adds each frame's inverse FFT (windowed again) and divides by the two windows'
summed squares; samples [160 t - 160, 160 t) are final once frame t is known, so a packet's
frames complete the 160 samples before it and all but its last 160 (the synthesis state, half a
frame: 10 ms of latency).
"""

from __future__ import annotations

import torch
from torch import nn

from .stft import HOP, N_FFT, SpectralFrontEnd, compressed_features, expanded_spectrum


class CausalFrontEnd(nn.Module):
    """Waveform <-> compressed complex STFT features, a packet at a time (see the module docstring).

    ``analysis_step`` and ``synthesis_step`` map (input, state) to (output, state); None starts a
    stream (silence before it). Packets are multiples of ``HOP`` samples.
    """

    channels = SpectralFrontEnd.channels

    def __init__(self):
        super().__init__()
        window = torch.hann_window(N_FFT)
        self.register_buffer("window", window, persistent=False)
        self.register_buffer("envelope", window[:HOP].square() + window[HOP:].square(), persistent=False)

    def analysis_step(self, x: torch.Tensor, state: torch.Tensor | None):
        """x (B, L) float32, L a multiple of 160 -> (features (B, 322, L / 160), state (B, 160))."""
        if x.shape[-1] % HOP:
            raise ValueError(f"packets must be a multiple of {HOP} samples, got {x.shape[-1]}")
        if state is None:
            state = x.new_zeros(x.shape[0], HOP)
        x = torch.cat([state, x], -1)
        spec = torch.stft(x, N_FFT, HOP, window=self.window, center=False, return_complex=True)
        return compressed_features(spec), x[:, x.shape[-1] - HOP:]

    def synthesis_step(self, features: torch.Tensor, state: torch.Tensor | None):
        """features (B, 322, F) -> (samples [160 t0 - 160, 160 (t0 + F) - 160) as (B, 160 F) float32,
        state (B, 160)) where t0 is the packet's first frame."""
        frames = torch.fft.irfft(expanded_spectrum(features), N_FFT, dim=1) * self.window[:, None]  # (B, 320, F)
        first, second = frames[:, :HOP], frames[:, HOP:]
        if state is None:
            state = first.new_zeros(first.shape[0], HOP)
        before = torch.cat([state[..., None], second[..., :-1]], -1)
        wave = (first + before) / self.envelope[:, None]                          # (B, 160, F)
        return wave.transpose(1, 2).reshape(len(wave), -1), second[..., -1]
