"""Synthetic speech-like clips for tests: voiced syllables with formants, fricatives and pauses.

A source-filter toy: a glottal pulse train (F0 100-200 Hz, gliding) through three formant
resonators of a random vowel per syllable, a noise burst before some syllables, syllables of
150-300 ms separated by 50-120 ms of near silence. Enough speech structure for PESQ's voice
activity detection, Codec 2's pitch tracker and the delay estimator; not a substitute for
real speech in reported numbers.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from .codec import SAMPLE_RATE

_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (300, 870, 2240), (530, 1840, 2480), (570, 840, 2410))
_BANDWIDTHS = (90, 110, 170)  # Hz, formants 1-3


def _syllable(rng: np.random.Generator, n: int) -> np.ndarray:
    f0 = np.linspace(rng.uniform(110, 190), rng.uniform(100, 180), n)
    phase = np.cumsum(f0 / SAMPLE_RATE)
    pulses = np.diff(np.floor(phase), prepend=0.0)  # one impulse per pitch period
    wave = signal.lfilter([1.0], [1.0, -1.9, 0.9025], pulses)  # glottal pulse shape (double pole at 0.95)
    wave = np.diff(wave, prepend=0.0)  # lip radiation
    out = np.zeros(n)
    for formant, bandwidth in zip(_VOWELS[rng.integers(len(_VOWELS))], _BANDWIDTHS, strict=True):
        r = np.exp(-np.pi * bandwidth / SAMPLE_RATE)
        theta = 2 * np.pi * formant / SAMPLE_RATE
        out += signal.lfilter([1 - r], [1.0, -2 * r * np.cos(theta), r * r], wave)
    return out * np.hanning(n) ** 0.5


def speech_like(seconds: float = 3.0, seed: int = 0) -> np.ndarray:
    """A speech-like clip: float32 (round(seconds * 16000),) at 16 kHz, peak 0.5."""
    rng = np.random.default_rng(seed)
    total = round(seconds * SAMPLE_RATE)
    parts, length = [], 0
    while length < total:
        parts.append(rng.normal(0, 1e-4, int(rng.uniform(0.05, 0.12) * SAMPLE_RATE)))  # pause
        if rng.random() < 0.4:  # a fricative: high-passed noise
            noise = rng.normal(0, 1, int(0.04 * SAMPLE_RATE))
            parts.append(0.05 * signal.lfilter([1, -1], [1], noise) * np.hanning(len(noise)))
        parts.append(_syllable(rng, int(rng.uniform(0.15, 0.3) * SAMPLE_RATE)))
        length = sum(map(len, parts))
    wave = np.concatenate(parts)[:total]
    return (0.5 * wave / np.max(np.abs(wave))).astype(np.float32)
