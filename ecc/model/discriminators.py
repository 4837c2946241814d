"""Discriminators for adversarial training of the ECC codec (arXiv 2606.11631, "Training").

Two families, as in HiFi-GAN and EnCodec, scaled down to train on a couple of CPU cores
(each discriminator well under 0.3 M parameters at the default widths):

    x (B, 1, N) ──┬─ MultiPeriodDiscriminator: fold into (B, 1, N/p, p) per period p in 2,3,5,7,11,
                  │    strided (5, 1) Conv2d stack over time, periods kept apart      (HiFi-GAN MPD)
                  ├─ MultiScaleSTFTDiscriminator: complex STFT per FFT size as 2 channels
                  │    (real, imag) x (frames, bins), dilated Conv2d stack, stride 2 in frequency
                  │                                                                 (EnCodec MS-STFTD)
                  └─ or MultiResolutionDiscriminator: compressed STFT magnitude per FFT size,
                       Conv2d stack halving frequency from the first layer            (UnivNet MRD)

Every discriminator returns one logit map and its hidden feature maps; each family's
``forward(x)`` returns ``(logits, features)``: a list with one logit tensor per
discriminator and a list (one per discriminator) of lists of feature maps, for the
adversarial and feature-matching losses in :mod:`ecc.train.losses`.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import weight_norm

Outputs = tuple[list[torch.Tensor], list[list[torch.Tensor]]]
_SLOPE = 0.1  # LeakyReLU slope of HiFi-GAN; EnCodec uses 0.2, the difference does not matter here


class PeriodDiscriminator(nn.Module):
    """HiFi-GAN's sub-discriminator for one period p: samples p apart share a column.

    Args:
        period: p; the input is right-padded (reflect) to a multiple of p.
        channels: widths of the strided (5, 1) convolutions; one more stride-1 convolution
            at the last width and a 1-channel output convolution follow.
    """

    def __init__(self, period: int, channels: Sequence[int] = (16, 32, 64, 64)):
        super().__init__()
        self.period = period
        widths = (1, *channels)
        self.convs = nn.ModuleList(
            weight_norm(nn.Conv2d(c_in, c_out, (5, 1), (3, 1), padding=(2, 0)))
            for c_in, c_out in pairwise(widths))
        self.convs.append(weight_norm(nn.Conv2d(widths[-1], widths[-1], (5, 1), padding=(2, 0))))
        self.post = weight_norm(nn.Conv2d(widths[-1], 1, (3, 1), padding=(1, 0)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """x (B, 1, N) -> (logits (B, 1, T', p), feature maps)."""
        n = x.shape[-1]
        if n % self.period:
            x = F.pad(x, (0, self.period - n % self.period), mode="reflect")
        h = x.view(x.shape[0], 1, -1, self.period)
        features = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), _SLOPE)
            features.append(h)
        return self.post(h), features


class _Bank(nn.Module):
    """Sub-discriminators side by side: x (B, 1, N) float -> (logits, features), one entry each."""

    def __init__(self, discriminators):
        super().__init__()
        self.discriminators = nn.ModuleList(discriminators)

    def forward(self, x: torch.Tensor) -> Outputs:
        outputs = [d(x) for d in self.discriminators]
        return [logits for logits, _ in outputs], [features for _, features in outputs]


class MultiPeriodDiscriminator(_Bank):
    """One :class:`PeriodDiscriminator` per period (HiFi-GAN: 2, 3, 5, 7, 11)."""

    def __init__(self, periods: Sequence[int] = (2, 3, 5, 7, 11), channels: Sequence[int] = (16, 32, 64, 64)):
        super().__init__(PeriodDiscriminator(p, channels) for p in periods)


class STFTDiscriminator(nn.Module):
    """EnCodec's sub-discriminator on one complex STFT (Hann window n_fft, hop n_fft / 4).

    Args:
        n_fft: FFT size (= window length).
        channels: width of every hidden convolution.
        dilations: time dilations of the (3, 9) convolutions that halve the frequency axis.
    """

    def __init__(self, n_fft: int, channels: int = 32, dilations: Sequence[int] = (1, 2, 4)):
        super().__init__()
        self.n_fft, self.hop = n_fft, n_fft // 4
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.convs = nn.ModuleList([weight_norm(nn.Conv2d(2, channels, (3, 9), padding=(1, 4)))])
        for d in dilations:
            self.convs.append(weight_norm(nn.Conv2d(channels, channels, (3, 9), (1, 2), padding=(d, 4), dilation=(d, 1))))
        self.convs.append(weight_norm(nn.Conv2d(channels, channels, (3, 3), padding=(1, 1))))
        self.post = weight_norm(nn.Conv2d(channels, 1, (3, 3), padding=(1, 1)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """x (B, 1, N) -> (logits (B, 1, frames, bins'), feature maps)."""
        spec = torch.stft(x.squeeze(1), self.n_fft, self.hop, window=self.window, normalized=True,
                          return_complex=True)  # (B, bins, frames)
        h = torch.view_as_real(spec).permute(0, 3, 2, 1)  # (B, 2, frames, bins)
        features = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), _SLOPE)
            features.append(h)
        return self.post(h), features


class MultiScaleSTFTDiscriminator(_Bank):
    """One :class:`STFTDiscriminator` per FFT size (EnCodec's MS-STFTD, sizes for 16 kHz)."""

    def __init__(self, n_ffts: Sequence[int] = (1024, 512, 256), channels: int = 32):
        super().__init__(STFTDiscriminator(n, channels) for n in n_ffts)


class MagnitudeDiscriminator(nn.Module):
    """UnivNet's resolution sub-discriminator: Conv2d stack over one compressed STFT magnitude
    (``|X| ** 0.3``, Hann window n_fft, hop n_fft / 4), one input channel, no dilation, every
    convolution but the last two halving the frequency axis (the first too: cheaper than
    UnivNet's, whose first convolution keeps every bin).

    Args:
        n_fft: FFT size (= window length).
        channels: width of every hidden convolution.
        strided: (3, 9) convolutions with stride 2 in frequency (the first included).
    """

    def __init__(self, n_fft: int, channels: int = 32, strided: int = 4):
        super().__init__()
        self.n_fft, self.hop = n_fft, n_fft // 4
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        widths = (1, *[channels] * strided)
        self.convs = nn.ModuleList(weight_norm(nn.Conv2d(c_in, c_out, (3, 9), (1, 2), padding=(1, 4)))
                                   for c_in, c_out in pairwise(widths))
        self.convs.append(weight_norm(nn.Conv2d(channels, channels, (3, 3), padding=(1, 1))))
        self.post = weight_norm(nn.Conv2d(channels, 1, (3, 3), padding=(1, 1)))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """x (B, 1, N) -> (logits (B, 1, frames, bins'), feature maps)."""
        spec = torch.stft(x.squeeze(1), self.n_fft, self.hop, window=self.window, normalized=True,
                          return_complex=True)  # (B, bins, frames)
        h = spec.abs().clamp_min(1e-5).pow(0.3).transpose(1, 2)[:, None]  # (B, 1, frames, bins)
        features = []
        for conv in self.convs:
            h = F.leaky_relu(conv(h), _SLOPE)
            features.append(h)
        return self.post(h), features


class MultiResolutionDiscriminator(_Bank):
    """One :class:`MagnitudeDiscriminator` per FFT size (UnivNet's MRD): the cheap spectral family."""

    def __init__(self, n_ffts: Sequence[int] = (1024, 512, 256), channels: int = 32):
        super().__init__(MagnitudeDiscriminator(n, channels) for n in n_ffts)


SPECTRAL = {"complex": MultiScaleSTFTDiscriminator, "magnitude": MultiResolutionDiscriminator}


class Discriminators(nn.Module):
    """The training set-up of the paper: multi-period and multi-scale STFT discriminators,
    outputs concatenated (periods first). One module, so one optimiser and one DDP wrapper.

    Args:
        periods, period_channels: :class:`MultiPeriodDiscriminator`; no periods leaves it out.
        stft_ffts, stft_channels: the spectral family; no sizes leaves it out.
        spectral: "complex" (:class:`MultiScaleSTFTDiscriminator`, EnCodec) or "magnitude"
            (:class:`MultiResolutionDiscriminator`, UnivNet; about 3x cheaper).
    """

    def __init__(self, periods: Sequence[int] = (2, 3, 5, 7, 11), period_channels: Sequence[int] = (16, 32, 64, 64),
                 stft_ffts: Sequence[int] = (1024, 512, 256), stft_channels: int = 32, spectral: str = "complex"):
        super().__init__()
        if not periods and not stft_ffts:
            raise ValueError("Discriminators needs at least one period or one STFT size")
        if spectral not in SPECTRAL:
            raise ValueError(f"the spectral discriminator must be one of {', '.join(SPECTRAL)}, got {spectral!r}")
        self.families = nn.ModuleList()
        if periods:
            self.families.append(MultiPeriodDiscriminator(periods, period_channels))
        if stft_ffts:
            self.families.append(SPECTRAL[spectral](stft_ffts, stft_channels))

    def forward(self, x: torch.Tensor) -> Outputs:
        """x (B, 1, N) float -> (logits, features), one entry per sub-discriminator."""
        logits, features = [], []
        for family in self.families:
            family_logits, family_features = family(x)
            logits += family_logits
            features += family_features
        return logits, features
