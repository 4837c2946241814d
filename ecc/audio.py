"""Reading and writing speech: any file soundfile reads -> 16 kHz mono float32, and back to WAV."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000

# Extensions that folder arguments pick up. ``.raw`` is headerless 16-kHz 16-bit little-endian
# mono, the convention of the pocketsphinx test data.
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".raw")


def files_under(folder: str | Path, suffixes: tuple[str, ...] = AUDIO_SUFFIXES) -> list[Path]:
    """Files below ``folder`` (recursively) whose suffix is one of ``suffixes``, sorted.

    Raises:
        ValueError: there are none.
    """
    found = sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in suffixes and p.is_file())
    if not found:
        raise ValueError(f"no {'/'.join(suffixes)} files under {folder}")
    return found


def decode_audio(source: str | Path | bytes, suffix: str) -> tuple[np.ndarray, int]:
    """A file's path or its bytes -> (float32 (N, channels), rate); ``suffix`` (``".wav"``, ...) says
    how to read it (``.raw`` is 16-kHz int16 mono).

    Raises:
        ValueError: the file is missing or not audio soundfile can read.
    """
    import soundfile

    name = "audio bytes" if isinstance(source, bytes) else str(source)
    try:
        if suffix.lower() == ".raw":
            data = source if isinstance(source, bytes) else Path(source).read_bytes()
            return from_pcm16(np.frombuffer(data, dtype="<i2"))[:, None], SAMPLE_RATE
        return soundfile.read(io.BytesIO(source) if isinstance(source, bytes) else source, dtype="float32",
                              always_2d=True)
    except (OSError, RuntimeError) as e:  # soundfile.LibsndfileError is a RuntimeError
        raise ValueError(f"cannot read {name}: {e}") from None


def read_audio(path: str | Path) -> np.ndarray:
    """A file as float32 (N,) mono at 16 kHz: channels averaged (with a warning), other rates
    resampled with soxr. Empty files give an empty array.

    Raises:
        ValueError: the file is missing or not audio soundfile can read.
    """
    wave, rate = decode_audio(path, Path(path).suffix)
    return resample(mix_down(wave, 1, str(path)), rate, SAMPLE_RATE)


def mix_down(wave, channel_axis: int, what: str, stacklevel: int = 3):
    """Several channels -> mono: their mean, with a warning naming ``what`` when there are several.

    Args:
        wave: float numpy array or torch tensor, 2-D, channels along ``channel_axis``.
    Returns:
        (N,) of the same kind and dtype.
    """
    channels = wave.shape[channel_axis]
    if channels > 1:
        warnings.warn(f"{what}: {channels} channels mixed down to mono", stacklevel=stacklevel)
    return wave.mean(channel_axis)


def write_audio(path: str | Path, wave: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """float32 (N,) in [-1, 1] -> a 16-bit PCM WAV file."""
    import soundfile

    soundfile.write(Path(path), to_pcm16(np.asarray(wave)), rate, subtype="PCM_16")


def resample(wave: np.ndarray, rate: int, target: int) -> np.ndarray:
    """float32 (N,) at ``rate`` -> float32 (~N * target / rate,) at ``target`` (soxr, delay-free)."""
    import soxr

    if rate == target or wave.size == 0:
        return np.ascontiguousarray(wave, dtype=np.float32)
    return soxr.resample(wave, rate, target).astype(np.float32)


def to_pcm16(wave: np.ndarray) -> np.ndarray:
    """float32 in [-1, 1] -> int16 (clipped, rounded)."""
    return np.clip(np.round(wave * 32768), -32768, 32767).astype(np.int16)


def from_pcm16(pcm: np.ndarray) -> np.ndarray:
    """int16 -> float32 in [-1, 1)."""
    return pcm.astype(np.float32) / 32768
