"""What the trainer reads: the speech crops (or synthetic stand-ins) and a resumable sampler."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import Dataset, Sampler

from ..model import SAMPLE_RATE
from .config import DataConfig


class SyntheticSpeech(Dataset):
    """Speech-like clips (:func:`ecc.eval.synthetic.speech_like`): item i is float32 (1, seconds * 16000),
    the same for the same (seed, i). For tests and smoke runs without a corpus."""

    def __init__(self, items: int, seconds: float, seed: int = 0):
        self.items, self.seconds, self.seed = items, seconds, seed

    def __len__(self) -> int:
        return self.items

    def __getitem__(self, i: int) -> torch.Tensor:
        from ..eval.synthetic import speech_like

        if not 0 <= i < self.items:
            raise IndexError(i)
        return torch.from_numpy(speech_like(self.seconds, seed=self.seed * 1_000_003 + i))[None]


class Narrowband(Dataset):
    """A dataset whose items (1, N) float32 at 16 kHz go, with probability ``share``, through a random
    telephone channel (:func:`ecc.narrowband.telephone`; input and target alike: the codec learns to
    reproduce narrowband speech). Draws from its own per-process generator, as ``SpeechCrops``."""

    def __init__(self, dataset: Dataset, share: float):
        self.dataset, self.share = dataset, share

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, i: int) -> torch.Tensor:
        from ..narrowband import telephone

        item = self.dataset[i]
        rng = np.random.default_rng(torch.randint(2**62, ()).item())  # follows the step seed / worker seed
        if rng.random() >= self.share:
            return item
        return torch.from_numpy(telephone(item[0].numpy(), rng))[None]


def train_dataset(config: DataConfig, seed: int) -> Dataset:
    """The training crops, float32 (1, data.seconds * 16000) each: augmented ``SpeechCrops`` of the
    corpus, or 256 synthetic clips; a ``data.narrowband`` share of them telephone-band (:class:`Narrowband`)."""
    if config.dataset == "synthetic":
        dataset = SyntheticSpeech(256, config.seconds, seed)
    else:
        from ..data import SpeechCrops  # imported here: the corpus code is only needed for real runs

        dataset = SpeechCrops(config.root, split="train", seconds=config.seconds, augment=True, seed=seed)
    return Narrowband(dataset, config.narrowband) if config.narrowband else dataset


def dev_clips(config: DataConfig, seed: int) -> list[torch.Tensor]:
    """The validation clips, float32 (1, N_i) each, at most ``val_seconds`` long: ``val_clips``
    whole dev files spread over the corpus's dev list (whole utterances, so the bitrate includes
    the container's overhead as real files do), or synthetic clips of ``val_seconds``."""
    if config.dataset == "synthetic":
        clips = SyntheticSpeech(config.val_clips, config.val_seconds, seed + 1)
        return [clips[i] for i in range(len(clips))]
    from ..audio import read_audio
    from ..data import dev_files

    files = dev_files(config.root)
    count = min(config.val_clips, len(files))
    limit = round(config.val_seconds * SAMPLE_RATE)
    return [torch.from_numpy(read_audio(files[i * len(files) // count])[:limit])[None] for i in range(count)]


class ResumableSampler(Sampler[int]):
    """An endless index stream for one rank: epoch e is a permutation seeded by (seed, e), split
    across ranks like ``DistributedSampler`` (the tail that does not divide evenly is dropped).

    Starting at ``start`` (items this rank has already drawn) resumes a run exactly where it
    stopped, without reading the skipped items.
    """

    def __init__(self, items: int, rank: int = 0, world: int = 1, seed: int = 0, start: int = 0):
        if items < world:
            raise ValueError(f"the dataset has {items} item(s), fewer than the {world} processes")
        self.items, self.rank, self.world, self.seed, self.start = items, rank, world, seed, start
        self.per_rank = items // world

    def __len__(self) -> int:  # endless; DataLoader only needs a length for its own bookkeeping
        return 2**62

    def __iter__(self) -> Iterator[int]:
        epoch, offset = divmod(self.start, self.per_rank)
        while True:
            order = torch.randperm(self.items, generator=torch.Generator().manual_seed(self.seed + epoch))
            yield from order[self.rank::self.world][offset:self.per_rank].tolist()
            epoch, offset = epoch + 1, 0
