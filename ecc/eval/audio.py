"""Audio in and out of the evaluation: clips to 16-kHz mono float32 (see :mod:`ecc.audio`)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from ..audio import from_pcm16, read_audio, resample, to_pcm16

__all__ = ["from_pcm16", "load_clip", "resample", "to_pcm16"]


def load_clip(path: str | Path) -> np.ndarray:
    """Read a clip as float32 (N,) mono at 16 kHz (channels averaged, other rates resampled).

    Raises:
        ValueError: unreadable, empty or silent audio.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wave = read_audio(path)
    if wave.size == 0 or not np.any(wave):
        raise ValueError(f"{path} is empty or silent")
    return wave
