"""Reading a built corpus: ``SpeechCrops`` (random training crops, augmented at load time) and ``dev_files``."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import torch

from ..audio import SAMPLE_RATE
from .build import MANIFEST
from .sources import DEV

GAIN_DB = 6.0  # gain drawn uniformly from +-GAIN_DB
BAND_LIMIT_P = 0.3  # probability of a band limit: low-pass at LOW_PASS_HZ, half the time also a high-pass
LOW_PASS_HZ = (3500.0, 7500.0)
HIGH_PASS_HZ = (50.0, 300.0)
TRANSITION_HZ = 500.0  # width of the low-pass's raised-cosine edge
NOISE_P = 0.3  # probability of white noise at NOISE_SNR_DB below the crop's RMS
NOISE_SNR_DB = (20.0, 50.0)


def _split_files(root: str | Path, split: str) -> list[Path]:
    """The wav files of ``split``, in manifest order.

    Raises:
        ValueError: no manifest.csv (not a built corpus), or no files in the split.
    """
    root = Path(root)
    manifest = root / MANIFEST
    if not manifest.is_file():
        raise ValueError(f"no {MANIFEST} in {root}: build the corpus with `ecc data build {root}`")
    with open(manifest, newline="", encoding="utf-8") as f:
        files = [root / row["path"] for row in csv.DictReader(f) if row["split"] == split]
    if not files:
        raise ValueError(f"{manifest} lists no {split!r} files")
    return files


def dev_files(root: str | Path) -> list[Path]:
    """The dev set's wav files (16 kHz mono int16) of the corpus in ``root``, in manifest order."""
    return _split_files(root, DEV)


def augment(wave: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random band limit (p=BAND_LIMIT_P), low-level noise (p=NOISE_P) and gain (+-GAIN_DB);
    the peak is kept at or below 1.

    Args:
        wave: float32 (N,) at 16 kHz.
    Returns:
        float32 (N,).
    """
    n = len(wave)
    if rng.random() < BAND_LIMIT_P:
        freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
        edge = np.clip((freqs - rng.uniform(*LOW_PASS_HZ)) / TRANSITION_HZ, 0, 1)
        mask = 0.5 * (1 + np.cos(np.pi * edge))
        if rng.random() < 0.5:
            mask *= 0.5 * (1 - np.cos(np.pi * np.clip(freqs / rng.uniform(*HIGH_PASS_HZ), 0, 1)))
        wave = np.fft.irfft(np.fft.rfft(wave) * mask, n)
    if rng.random() < NOISE_P:
        rms = np.sqrt(np.mean(np.square(wave, dtype=np.float64)))
        wave = wave + rng.standard_normal(n) * rms * 10 ** (-rng.uniform(*NOISE_SNR_DB) / 20)
    wave = wave * 10 ** (rng.uniform(-GAIN_DB, GAIN_DB) / 20)
    peak = np.max(np.abs(wave), initial=0.0)
    return (wave / peak if peak > 1 else wave).astype(np.float32)


class SpeechCrops(torch.utils.data.Dataset):
    """Random ``seconds``-long crops of one split of a corpus made by ``ecc data build``.

    The split's wav files are read once into one int16 array (``offsets`` index the files). An
    item is a crop of a single file, the file drawn with probability proportional to its length;
    a file shorter than the crop sits at a random offset in zeros. With ``augment``, see
    ``augment``. ``len`` is one epoch: the split's total length over the crop length.

    Randomness: with ``augment``, each process (each DataLoader worker) draws from its own
    generator, seeded by ``(seed, torch.initial_seed())``: workers differ, and so do epochs, as
    torch reseeds its workers every epoch (``torch.manual_seed`` makes a run reproducible).
    Without ``augment``, item ``i`` is always the same crop (seeded by ``(seed, i)``): a fixed
    validation set.

    Args:
        root: the corpus folder (with manifest.csv).
        split: "train" or "dev".
        seconds: crop length.
    Items:
        float32 (1, round(seconds * 16000)) in [-1, 1].
    """

    def __init__(self, root: str | Path, split: str = "train", seconds: float = 2.0, augment: bool = True,
                 seed: int = 0):
        import soundfile

        if seconds <= 0:
            raise ValueError(f"seconds must be positive, got {seconds}")
        self.files = _split_files(root, split)
        lengths = [soundfile.info(path).frames for path in self.files]
        self.offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.audio = np.empty(int(self.offsets[-1]), dtype=np.int16)
        for path, start, end in zip(self.files, self.offsets, self.offsets[1:]):
            pcm, rate = soundfile.read(path, dtype="int16")
            if rate != SAMPLE_RATE or pcm.shape != (end - start,):
                raise ValueError(f"{path} is not 16-kHz mono audio: rebuild the corpus")
            self.audio[start:end] = pcm
        self.samples = round(seconds * SAMPLE_RATE)
        self.augment = augment
        self.seed = seed
        self._rng: np.random.Generator | None = None
        self._pid: int | None = None

    def __len__(self) -> int:
        return max(1, int(self.offsets[-1]) // self.samples)

    def _generator(self, index: int) -> np.random.Generator:
        if not self.augment:
            return np.random.default_rng([self.seed, index])
        if self._rng is None or self._pid != os.getpid():
            self._rng, self._pid = np.random.default_rng([self.seed, torch.initial_seed()]), os.getpid()
        return self._rng

    def crop(self, rng: np.random.Generator) -> np.ndarray:
        """A random crop: float32 (samples,) in [-1, 1)."""
        position = rng.integers(self.offsets[-1])
        file = int(np.searchsorted(self.offsets, position, side="right")) - 1
        start, end = int(self.offsets[file]), int(self.offsets[file + 1])
        out = np.zeros(self.samples, dtype=np.float32)
        if end - start >= self.samples:
            begin = start + int(rng.integers(end - start - self.samples + 1))
            out[:] = self.audio[begin: begin + self.samples]
        else:
            at = int(rng.integers(self.samples - (end - start) + 1))
            out[at: at + end - start] = self.audio[start:end]
        return out / 32768

    def __getitem__(self, index: int) -> torch.Tensor:
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} crops")
        rng = self._generator(index)
        wave = self.crop(rng)
        if self.augment:
            wave = augment(wave, rng)
        return torch.from_numpy(wave[None])
