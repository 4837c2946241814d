"""Training losses of the ECC codec: rate, multi-scale mel, compressed STFT magnitude and complex
spectrum, adversarial, feature matching.

Units (what the numbers in the logs mean):

- rate: ``rate_bits`` is the ideal code length of the latents, -log2 of their likelihoods,
  in bits per utterance; ``RateDistortionLoss`` turns it into kbit per second of audio
  (bits / (N / 16000) / 1000), the unit of the paper's RD curves.
- mel: mean absolute difference of log10 mel magnitudes, averaged over the FFT sizes.
  One unit is a factor of 10 in magnitude (20 dB), so 0.05 is a mean error of 1 dB.
- magnitude: mean squared difference of power-law compressed STFT magnitudes (``|X| ** 0.3``, as
  the codec's front end), averaged over the FFT sizes. Where the log mel weights every band and
  frame alike (silence included), this weights the loud ones, as PESQ's loudness model does; trained
  models sit at about 0.01-0.03.
- complex: the same on compressed complex STFTs (``X |X| ** -0.7``): the one term that scores
  the phase (weighted by the compressed magnitude); a signal of 0 against speech scores about
  0.3, a decoder that invents its phase about 0.6.
- adversarial and feature matching: averaged over the sub-discriminators (EnCodec), so
  adding a discriminator does not rescale them.

Every distortion term is returned per item, shape (B,), so that each utterance is weighted
by the lambda of its own operating point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..model import SAMPLE_RATE


def _per_item(t: torch.Tensor) -> torch.Tensor:
    """(B, ...) -> (B,) mean over all but the batch dimension."""
    return t.reshape(t.shape[0], -1).mean(1)


def _stft(x: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """x (B, 1, N) -> complex STFT (B, n_fft // 2 + 1, frames): n_fft = len(window), hop n_fft / 4, centred."""
    n_fft = window.shape[0]
    return torch.stft(x.reshape(-1, x.shape[-1]), n_fft, n_fft // 4, window=window, return_complex=True)


def mel_filterbank(n_fft: int, n_mels: int, sample_rate: int = SAMPLE_RATE, f_min: float = 0.0,
                   f_max: float | None = None) -> torch.Tensor:
    """Triangular HTK-mel filters, (n_fft // 2 + 1, n_mels) float32, unnormalised; the same
    matrix as ``torchaudio.functional.melscale_fbanks`` with its defaults (norm=None, htk)."""
    f_max = sample_rate / 2 if f_max is None else f_max
    freqs = torch.linspace(0, sample_rate / 2, n_fft // 2 + 1, dtype=torch.float64)
    m_min, m_max = (2595.0 * math.log10(1.0 + f / 700.0) for f in (f_min, f_max))
    points = 700.0 * (10 ** (torch.linspace(m_min, m_max, n_mels + 2, dtype=torch.float64) / 2595.0) - 1.0)
    widths = points[1:] - points[:-1]
    slopes = points[None, :] - freqs[:, None]  # (n_freqs, n_mels + 2)
    down = -slopes[:, :-2] / widths[:-1]
    up = slopes[:, 2:] / widths[1:]
    return torch.clamp(torch.minimum(down, up), min=0.0).float()


class MelSpectrogram(nn.Module):
    """Log10 mel magnitude: |STFT| (Hann window n_fft, hop n_fft / 4, centred) -> mel filters -> log10.

    Args:
        n_fft, n_mels: FFT size and mel bands.
        floor: magnitudes are clamped to this before the log (1e-5, -100 dB, as DAC).
    """

    def __init__(self, n_fft: int, n_mels: int, sample_rate: int = SAMPLE_RATE, floor: float = 1e-5):
        super().__init__()
        if n_mels > n_fft // 2 + 1:
            raise ValueError(f"n_mels={n_mels} exceeds the {n_fft // 2 + 1} bins of a {n_fft}-point FFT")
        self.floor = floor
        self.register_buffer("window", torch.hann_window(n_fft), persistent=False)
        self.register_buffer("filters", mel_filterbank(n_fft, n_mels, sample_rate), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, 1, N) float -> (B, n_mels, frames) float."""
        spec = _stft(x, self.window).abs()
        return torch.log10(torch.clamp(torch.einsum("bft,fm->bmt", spec, self.filters), min=self.floor))


class MultiScaleMelLoss(nn.Module):
    """L1 between log10 mel spectrograms at several resolutions, averaged over them.

    Args:
        fft_sizes, n_mels: one resolution per pair (short FFTs for timing, long ones for pitch).
    """

    def __init__(self, fft_sizes: Sequence[int] = (256, 512, 1024, 2048),
                 n_mels: Sequence[int] = (32, 64, 80, 128), sample_rate: int = SAMPLE_RATE):
        super().__init__()
        if len(fft_sizes) != len(n_mels) or not fft_sizes:
            raise ValueError(f"need one n_mels per FFT size, got fft_sizes={list(fft_sizes)}, n_mels={list(n_mels)}")
        self.spectrograms = nn.ModuleList(MelSpectrogram(n, m, sample_rate) for n, m in zip(fft_sizes, n_mels))

    def forward(self, x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """x_hat, x (B, 1, N) -> (B,) mean |log10 mel(x_hat) - log10 mel(x)| per item."""
        return torch.stack([_per_item((mel(x_hat) - mel(x)).abs()) for mel in self.spectrograms]).mean(0)


class CompressedSpectrumLoss(nn.Module):
    """Mean squared error of power-law compressed STFTs at several resolutions: complex
    (``X |X| ** -0.7``, the "complex" loss of speech enhancement, e.g. CMGAN: magnitude and phase
    errors together, the phase's weighted by the compressed magnitude) or magnitudes only
    (``|X| ** 0.3``: unlike the log mel, it weights loud regions most).

    Args:
        fft_sizes: Hann windows of these sizes, hop size / 4, centred.
        phase: compare complex spectra (True) or magnitudes (False).
        compression: magnitudes are raised to this power (0.3, as the front end).
    """

    def __init__(self, fft_sizes: Sequence[int] = (256, 512, 1024), phase: bool = True, compression: float = 0.3):
        super().__init__()
        if not fft_sizes:
            raise ValueError("need at least one FFT size for the compressed spectrum loss")
        self.fft_sizes, self.phase, self.compression = list(fft_sizes), phase, compression
        for n in self.fft_sizes:
            self.register_buffer(f"window_{n}", torch.hann_window(n), persistent=False)

    def _compressed(self, x: torch.Tensor, n_fft: int) -> torch.Tensor:
        spec = _stft(x, getattr(self, f"window_{n_fft}"))
        magnitude = spec.abs().clamp_min(1e-5)
        return spec * magnitude.pow(self.compression - 1) if self.phase else magnitude.pow(self.compression)

    def forward(self, x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """x_hat, x (B, 1, N) -> (B,) mean |C(x_hat) - C(x)|^2 per item, C the compressed STFT."""
        return torch.stack([_per_item((self._compressed(x_hat, n) - self._compressed(x, n)).abs().square())
                            for n in self.fft_sizes]).mean(0)


def generator_adversarial_loss(fake_logits: list[torch.Tensor], kind: str = "hinge") -> torch.Tensor:
    """The generator's adversarial loss, (B,) per item, averaged over sub-discriminators.

    hinge: mean relu(1 - D(x_hat)) (EnCodec); lsgan: mean (1 - D(x_hat))^2 (HiFi-GAN, DAC).
    """
    if kind == "hinge":
        terms = [_per_item(F.relu(1 - logits)) for logits in fake_logits]
    elif kind == "lsgan":
        terms = [_per_item((1 - logits) ** 2) for logits in fake_logits]
    else:
        raise ValueError(f"adversarial loss must be 'hinge' or 'lsgan', got {kind!r}")
    return torch.stack(terms).mean(0)


def discriminator_loss(real_logits: list[torch.Tensor], fake_logits: list[torch.Tensor],
                       kind: str = "hinge") -> torch.Tensor:
    """The discriminators' loss, a scalar averaged over sub-discriminators.

    hinge: relu(1 - D(x)) + relu(1 + D(x_hat)); lsgan: (1 - D(x))^2 + D(x_hat)^2.
    """
    if kind == "hinge":
        terms = [F.relu(1 - real).mean() + F.relu(1 + fake).mean() for real, fake in zip(real_logits, fake_logits)]
    elif kind == "lsgan":
        terms = [((1 - real) ** 2).mean() + (fake ** 2).mean() for real, fake in zip(real_logits, fake_logits)]
    else:
        raise ValueError(f"adversarial loss must be 'hinge' or 'lsgan', got {kind!r}")
    return torch.stack(terms).mean()


def feature_matching_loss(real_features: list[list[torch.Tensor]], fake_features: list[list[torch.Tensor]]) -> torch.Tensor:
    """EnCodec's relative feature matching, (B,) per item: for every layer of every
    sub-discriminator, mean |D_l(x) - D_l(x_hat)| / mean |D_l(x)| (the denominator over the
    batch, detached), averaged over layers and sub-discriminators."""
    terms = []
    for real_maps, fake_maps in zip(real_features, fake_features):
        layers = [_per_item((real.detach() - fake).abs()) / real.detach().abs().mean().clamp_min(1e-8)
                  for real, fake in zip(real_maps, fake_maps)]
        terms.append(torch.stack(layers).mean(0))
    return torch.stack(terms).mean(0)


def rate_bits(likelihoods: dict[str, torch.Tensor]) -> torch.Tensor:
    """Ideal code length of every latent in ``likelihoods`` ({name: (B, ...) in (0, 1]}), summed:
    (B,) float bits per item."""
    return sum(-torch.log2(lik).reshape(lik.shape[0], -1).sum(1) for lik in likelihoods.values())


class RateDistortionLoss(nn.Module):
    """The ECC training objective, per item, averaged over the batch::

        loss = rate_kbps + lambda[point] * (mel + w_magnitude * magnitude + w_complex * complex
                                            + w_adv * adv + w_fm * fm + w_l1 * l1)

    with rate_kbps the likelihood rate in kbit per second of audio, mel the multi-scale log10
    mel L1 (:class:`MultiScaleMelLoss`), magnitude and complex the compressed STFT magnitude and
    complex errors (:class:`CompressedSpectrumLoss` at ``spectrum_fft_sizes``; each computed only
    when its weight is > 0), adv and fm the generator's adversarial and relative
    feature-matching losses (only when discriminator outputs are given), l1 the mean absolute
    waveform error. A larger lambda buys quality with rate: one lambda per operating point.

    Args:
        lambdas: (points,) lambda of each operating point.
        mel: the mel loss module (default :class:`MultiScaleMelLoss` ()).
        w_adv, w_fm, w_l1, w_complex, w_magnitude: weights inside the distortion; ``w_complex`` may
            also be one weight per operating point (a phase term for the top points only).
        adversarial: "hinge" or "lsgan".
        spectrum_fft_sizes: resolutions of the magnitude and complex terms.
    """

    def __init__(self, lambdas: Sequence[float], mel: MultiScaleMelLoss | None = None, w_adv: float = 0.1,
                 w_fm: float = 0.5, w_l1: float = 0.0, adversarial: str = "hinge", sample_rate: int = SAMPLE_RATE,
                 w_complex: float | Sequence[float] = 0.0, w_magnitude: float = 0.0,
                 spectrum_fft_sizes: Sequence[int] = (256, 512, 1024)):
        super().__init__()
        if adversarial not in ("hinge", "lsgan"):
            raise ValueError(f"adversarial loss must be 'hinge' or 'lsgan', got {adversarial!r}")
        self.register_buffer("lambdas", torch.tensor(list(lambdas), dtype=torch.float32), persistent=False)
        self.mel = mel or MultiScaleMelLoss(sample_rate=sample_rate)
        self.complex_spectrum = CompressedSpectrumLoss(spectrum_fft_sizes, phase=True)
        self.magnitude_spectrum = CompressedSpectrumLoss(spectrum_fft_sizes, phase=False)
        self.w_adv, self.w_fm, self.w_l1 = w_adv, w_fm, w_l1
        per_point = torch.as_tensor(w_complex, dtype=torch.float32).expand(len(self.lambdas)).clone()  # (points,)
        self.register_buffer("w_complex", per_point, persistent=False)
        self.complex_on = bool(per_point.any())  # decided once: no device read per step
        self.w_magnitude = w_magnitude
        self.adversarial, self.sample_rate = adversarial, sample_rate

    def forward(self, x: torch.Tensor, out: dict, point: torch.Tensor,
                fake: tuple[list[torch.Tensor], list[list[torch.Tensor]]] | None = None,
                real_features: list[list[torch.Tensor]] | None = None) -> dict[str, torch.Tensor]:
        """Args:
            x (B, 1, N): the input; out: the model's output ({"x_hat", "likelihoods"});
            point (B,) int64: operating point of each item.
            fake: the discriminators' (logits, features) on out["x_hat"]; real_features: their
                features on x. Without them adv and fm are 0.

        Returns:
            {"loss", "rate_kbps", "distortion", "mel", "complex", "magnitude", "adv", "fm", "l1"}: scalar batch means
            ("loss" is differentiable; the others are detached).
        """
        x_hat = out["x_hat"]
        seconds = x.shape[-1] / self.sample_rate
        rate_kbps = rate_bits(out["likelihoods"]) / seconds / 1000
        terms = {"mel": self.mel(x_hat, x)}
        zero = torch.zeros_like(terms["mel"])
        if fake is not None:
            terms["adv"] = generator_adversarial_loss(fake[0], self.adversarial)
            terms["fm"] = feature_matching_loss(real_features, fake[1])
        else:
            terms["adv"] = terms["fm"] = zero
        terms["l1"] = _per_item((x_hat - x).abs()) if self.w_l1 else zero
        terms["complex"] = self.complex_spectrum(x_hat, x) if self.complex_on else zero
        terms["magnitude"] = self.magnitude_spectrum(x_hat, x) if self.w_magnitude else zero
        distortion = (terms["mel"] + self.w_complex[point] * terms["complex"] + self.w_magnitude * terms["magnitude"]
                      + self.w_adv * terms["adv"] + self.w_fm * terms["fm"] + self.w_l1 * terms["l1"])
        loss = (rate_kbps + self.lambdas[point] * distortion).mean()
        result = {name: value.detach().mean() for name, value in terms.items()}
        return {"loss": loss, "rate_kbps": rate_kbps.detach().mean(), "distortion": distortion.detach().mean(), **result}
