"""Turning a recording into corpus audio: decode, mono, 16 kHz, trim, normalise; joining short clips.

All functions are deterministic (the joining's gaps come from the caller's seeded generator), so
a rebuild writes the same samples.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..audio import SAMPLE_RATE, decode_audio, resample, to_pcm16

FRAME_SECONDS = 0.02  # the energy frames of trimming and normalising
SILENCE_DB = -40.0  # frames this far below the loudest frame are silence, ...
NOISE_DB = 12.0  # ... and so are frames within this of the noise floor (10th percentile frame), up
SPEECH_DB = -25.0  # to this far below the loudest frame, ...
FLOOR_DBFS = -60.0  # ... and anything below this absolute level
MARGIN_SECONDS = 0.05  # kept either side of the speech when trimming
TARGET_DBFS = -20.0  # RMS of the speech frames after normalising ...
PEAK = 0.9  # ... unless that would put the peak above this
MIN_SECONDS = 0.1  # shorter clips (after trimming) are dropped
GAP_SECONDS = (0.05, 0.15)  # silence between joined clips (each clip also keeps its margins)


def decode(data: bytes, suffix: str) -> tuple[np.ndarray, int]:
    """Audio file bytes -> (float32 (N,) mono, rate): channels averaged; ``.raw`` is 16-kHz int16.

    Raises:
        ValueError: unreadable audio.
    """
    wave, rate = decode_audio(data, suffix)
    return wave.mean(axis=1), rate


def _frame_db(wave: np.ndarray, rate: int) -> np.ndarray:
    """Mean-square level of each FRAME_SECONDS frame in dBFS (the last, partial frame included)."""
    n = max(1, round(FRAME_SECONDS * rate))
    padded = np.zeros(-(-len(wave) // n) * n, dtype=np.float64)
    padded[: len(wave)] = wave
    power = np.mean(padded.reshape(-1, n) ** 2, axis=1)
    return 10 * np.log10(np.maximum(power, 1e-20))


def _speech_frames(db: np.ndarray) -> np.ndarray:
    """Frames that are not silence (see SILENCE_DB ... FLOOR_DBFS)."""
    loudest = db.max()
    noise = min(np.percentile(db, 10) + NOISE_DB, loudest + SPEECH_DB)
    return db > max(loudest + SILENCE_DB, noise, FLOOR_DBFS)


def trim_silence(wave: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Cut leading and trailing silence, keeping MARGIN_SECONDS either side (empty if all silent).

    Args:
        wave: float32 (N,).
    Returns:
        float32 (M,), M <= N: a slice of ``wave``.
    """
    if len(wave) == 0:
        return wave
    speech = np.flatnonzero(_speech_frames(_frame_db(wave, rate)))
    if len(speech) == 0:
        return wave[:0]
    n = max(1, round(FRAME_SECONDS * rate))
    margin = round(MARGIN_SECONDS * rate)
    return wave[max(0, speech[0] * n - margin): (speech[-1] + 1) * n + margin]


def normalise(wave: np.ndarray, rate: int = SAMPLE_RATE) -> np.ndarray:
    """Scale to TARGET_DBFS RMS over the speech frames, or less if the peak would pass PEAK.

    Args:
        wave: float32 (N,), not all silent.
    Returns:
        float32 (N,).
    """
    db = _frame_db(wave, rate)
    speech_db = 10 * np.log10(np.mean(10 ** (db[_speech_frames(db)] / 10)))
    gain = min(10 ** ((TARGET_DBFS - speech_db) / 20), PEAK / float(np.max(np.abs(wave))))
    return (wave * gain).astype(np.float32)


def prepare(wave: np.ndarray, rate: int) -> np.ndarray | str:
    """A decoded recording -> int16 (N,) at 16 kHz, trimmed and normalised, or why it is dropped.

    Args:
        wave: float32 (N,) mono at ``rate``.
    Returns:
        int16 (M,) at SAMPLE_RATE, or a reason string ("below 16 kHz", "silent", "too short").
    """
    if rate < SAMPLE_RATE:
        return "below 16 kHz"
    wave = trim_silence(resample(wave - np.mean(wave), rate, SAMPLE_RATE))
    if len(wave) < MIN_SECONDS * SAMPLE_RATE:
        return "too short" if len(wave) else "silent"
    return to_pcm16(normalise(wave))


def join_clips(clips: Iterable[np.ndarray], max_samples: int, rng: np.random.Generator,
               gap_seconds: tuple[float, float] = GAP_SECONDS) -> Iterator[tuple[np.ndarray, list[int]]]:
    """Join consecutive short clips into crops of at most ``max_samples``, with silent gaps.

    A clip of ``max_samples`` or more becomes a crop of its own (the shorter clips around it keep
    filling the crop in progress). Gaps are drawn uniformly from ``gap_seconds`` by ``rng``.

    Args:
        clips: int16 (N_i,) arrays at 16 kHz, in order.
    Yields:
        (int16 (M,) crop, indexes of the clips in it, ascending).
    """
    parts: list[np.ndarray] = []
    members: list[int] = []
    size = 0
    for index, clip in enumerate(clips):
        if len(clip) >= max_samples:
            yield clip, [index]
            continue
        gap = np.zeros(round(rng.uniform(*gap_seconds) * SAMPLE_RATE), dtype=np.int16)
        if parts and size + len(gap) + len(clip) > max_samples:
            yield np.concatenate(parts), members
            parts, members, size = [], [], 0
        if parts:
            parts.append(gap)
            size += len(gap)
        parts.append(clip)
        members.append(index)
        size += len(clip)
    if parts:
        yield np.concatenate(parts), members
