"""The STFT front end: 16 kHz waveform <-> power-law compressed complex spectrum.

Features are the complex STFT with its magnitude compressed to ``|X| ** 0.3`` and its phase
kept (``X * |X| ** -0.7``), as real and imaginary parts stacked on the channel axis; the
compression evens out the dynamic range between formants and the quiet high band. (The ECC
model adds the compressed magnitudes for its encoder and builds the decoder's features from a
predicted log magnitude and phase; see :class:`ecc.model.ECC`.) 20 ms Hann windows, 10 ms hop:
100 frames/s, 161 bins.
"""

from __future__ import annotations

import torch
from torch import nn

from ..audio import SAMPLE_RATE

N_FFT = 320
HOP = 160
COMPRESSION = 0.3
_EPS = 1e-5


def compressed_features(spec: torch.Tensor) -> torch.Tensor:
    """Complex STFT (B, 161, F) -> features (B, 322, F): magnitude compressed to ``|X| ** 0.3``."""
    spec = spec * spec.abs().clamp_min(_EPS).pow(COMPRESSION - 1)
    return torch.cat([spec.real, spec.imag], 1)


def expanded_spectrum(features: torch.Tensor) -> torch.Tensor:
    """The inverse of :func:`compressed_features`: features (B, 322, F) -> complex STFT (B, 161, F)."""
    real, imag = features.float().chunk(2, 1)
    spec = torch.complex(real, imag)
    return spec * spec.abs().clamp_min(_EPS).pow(1 / COMPRESSION - 1)


def polar_features(magnitude: torch.Tensor, phase: torch.Tensor) -> torch.Tensor:
    """Compressed magnitude and phase, each (B, 161, F) -> features (B, 322, F) (real, imaginary)."""
    return torch.cat([magnitude * torch.cos(phase), magnitude * torch.sin(phase)], 1)


class SpectralFrontEnd(nn.Module):
    """Waveform <-> compressed complex STFT features.

    Args:
        frame_multiple: the frame count of :meth:`analysis` is a multiple of this (the encoder's
            total down-sampling), reached by padding the waveform (see :meth:`padded_length`).
    """

    channels = 2 * (N_FFT // 2 + 1)

    def __init__(self, frame_multiple: int = 8):
        super().__init__()
        self.frame_multiple = frame_multiple
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)

    def padded_length(self, num_samples: int) -> int:
        """Samples after padding: at least one window of zeros after the signal (so the last,
        dropped frame never touches it), rounded up to ``frame_multiple`` hops."""
        block = HOP * self.frame_multiple
        return -(-(num_samples + N_FFT) // block) * block

    def analysis(self, x: torch.Tensor, hop: int = HOP) -> torch.Tensor:
        """x (B, 1, N) float32 with N = padded_length(...) -> features (B, 322, N / hop) float32
        (``hop``: as :meth:`synthesis`'s)."""
        if x.shape[-1] % (HOP * self.frame_multiple):
            raise ValueError(f"pad the waveform with padded_length() first (got {x.shape[-1]} samples)")
        spec = torch.stft(x.squeeze(1), N_FFT, hop, window=self.window, center=True, return_complex=True)
        return compressed_features(spec[..., :-1])  # the frame centred on the last sample covers padding only

    def synthesis(self, features: torch.Tensor, num_samples: int, hop: int = HOP) -> torch.Tensor:
        """features (B, 322, F) -> waveform (B, 1, num_samples) float32 (num_samples <= hop F).

        ``hop``: the frames' spacing in samples; 80 overlaps the 320-sample windows by 75%
        (:class:`ecc.model.ECC` with ``synthesis_hop = 80``)."""
        spec = expanded_spectrum(features)
        spec = torch.cat([spec, torch.zeros_like(spec[..., :1])], -1)
        length = hop * features.shape[-1]
        wave = torch.istft(spec, N_FFT, hop, window=self.window, center=True, length=length)
        return wave[:, None, :num_samples]
