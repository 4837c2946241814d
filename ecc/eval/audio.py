"""Audio in and out of the evaluation: clips to 16-kHz mono float32, resampling, 16-bit PCM."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .codec import SAMPLE_RATE

# Extensions ``ecc eval DIR`` picks up. ``.raw`` is headerless 16-kHz 16-bit little-endian mono,
# the convention of the pocketsphinx test data.
AUDIO_SUFFIXES = (".wav", ".flac", ".raw")


def load_clip(path: str | Path) -> np.ndarray:
    """Read a clip as float32 (N,) mono at 16 kHz (channels averaged, other rates resampled).

    Raises:
        ValueError: unreadable, empty or silent audio.
    """
    import soundfile

    path = Path(path)
    try:
        if path.suffix.lower() == ".raw":
            wave, rate = np.fromfile(path, dtype="<i2").astype(np.float32) / 32768, SAMPLE_RATE
        else:
            wave, rate = soundfile.read(path, dtype="float32", always_2d=True)
            wave = wave.mean(axis=1)
    except (OSError, RuntimeError) as e:  # soundfile.LibsndfileError is a RuntimeError
        raise ValueError(f"cannot read {path}: {e}") from None
    if wave.size == 0 or not np.any(wave):
        raise ValueError(f"{path} is empty or silent")
    return resample(wave, rate, SAMPLE_RATE)


def resample(wave: np.ndarray, rate: int, target: int) -> np.ndarray:
    """float32 (N,) at ``rate`` -> float32 (~N * target / rate,) at ``target`` (soxr, delay-free)."""
    import soxr

    if rate == target:
        return np.ascontiguousarray(wave, dtype=np.float32)
    return soxr.resample(wave, rate, target).astype(np.float32)


def to_pcm16(wave: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1] -> int16 (clipped, rounded)."""
    return np.clip(np.round(wave * 32768), -32768, 32767).astype(np.int16)


def from_pcm16(pcm: np.ndarray) -> np.ndarray:
    """int16 -> float32 in [-1, 1)."""
    return pcm.astype(np.float32) / 32768
