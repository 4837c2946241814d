"""Telephone-band speech: 16 kHz audio that went through an 8 kHz channel.

Three channels, each of (N,) float32 at 16 kHz in and out, the same length:

    low-pass   random cut-off in 3.4-4 kHz (8th-order Butterworth, zero phase)
    8 kHz      resampled to 8 kHz and back (soxr, the band above 4 kHz gone)
    mu-law     resampled to 8 kHz, 8-bit G.711 mu-law, resampled back (quantisation noise too)

``through_8k`` is the evaluation's narrowband subset (``ecc eval --narrowband``); ``telephone``
draws one channel at random, the training augmentation (``data.narrowband``, ecc.train.data).
"""

from __future__ import annotations

import numpy as np

from .audio import SAMPLE_RATE, resample

NARROW_RATE = 8000
CUTOFF_HZ = (3400.0, 4000.0)
MU = 255.0


def through_8k(wave: np.ndarray) -> np.ndarray:
    """(N,) float32 at 16 kHz -> (N,) float32: resampled to 8 kHz and back."""
    return _length(resample(resample(wave, SAMPLE_RATE, NARROW_RATE), NARROW_RATE, SAMPLE_RATE), len(wave))


def mu_law(wave: np.ndarray) -> np.ndarray:
    """(N,) float in [-1, 1] -> the same after 8-bit mu-law (G.711) coding and decoding."""
    code = np.round(np.sign(wave) * np.log1p(MU * np.minimum(np.abs(wave), 1.0)) / np.log1p(MU) * 127.0)
    return (np.sign(code) * np.expm1(np.abs(code) / 127.0 * np.log1p(MU)) / MU).astype(np.float32)


def low_pass(wave: np.ndarray, cutoff_hz: float) -> np.ndarray:
    """(N,) float32 at 16 kHz -> (N,) float32 with the band above ``cutoff_hz`` removed."""
    from scipy.signal import butter, sosfiltfilt

    sos = butter(8, cutoff_hz, fs=SAMPLE_RATE, output="sos")
    return sosfiltfilt(sos, wave).astype(np.float32)


def telephone(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N,) float32 at 16 kHz -> (N,) float32 through one of the three channels, drawn from ``rng``."""
    kind = rng.integers(3)
    if kind == 0:
        return low_pass(wave, rng.uniform(*CUTOFF_HZ))
    if kind == 1:
        return through_8k(wave)
    narrow = mu_law(resample(wave, SAMPLE_RATE, NARROW_RATE))
    return _length(resample(narrow, NARROW_RATE, SAMPLE_RATE), len(wave))


def _length(wave: np.ndarray, n: int) -> np.ndarray:
    wave = wave[:n].astype(np.float32, copy=False)
    return np.pad(wave, (0, n - len(wave))) if len(wave) < n else wave
