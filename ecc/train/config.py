"""The training configuration: dataclasses read from a TOML file (``configs/*.toml``).

Every key has a default; a file sets what differs. The schema, section by section, is in
docs/training.md. ``--set section.key=value`` overrides a key with a TOML value (strings may
go unquoted); ``[model]`` is free-form: the keyword arguments of :class:`ecc.model.ECC`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same parser as the tomli package
    import tomli as tomllib


@dataclass
class DataConfig:
    """Training crops and the dev clips of validation (:mod:`ecc.train.data`)."""

    dataset: str = "speech"      # "speech": ecc.data.SpeechCrops(root); "synthetic": speech-like test signals
    root: str = "data/speech"
    seconds: float = 1.0         # crop length
    batch_size: int = 8          # per process
    num_workers: int = 0
    val_clips: int = 4           # dev files (whole) scored at every validation
    val_seconds: float = 10.0    # longest dev clip (longer files are cut)
    stoi_clips: int = 2          # of those, scored with STOI too (needs pystoi)
    narrowband: float = 0.0      # share of crops made telephone-band (ecc.train.narrowband); 0 = off


@dataclass
class LossConfig:
    """:class:`ecc.train.losses.RateDistortionLoss`: one lambda per operating point."""

    lambdas: list[float] = field(default_factory=lambda: [10.0, 20.0, 40.0, 80.0, 160.0])
    mel_fft_sizes: list[int] = field(default_factory=lambda: [256, 512, 1024, 2048])
    mel_bins: list[int] = field(default_factory=lambda: [32, 64, 80, 128])
    adversarial: str = "hinge"   # or "lsgan"
    w_adv: float = 0.1
    w_fm: float = 0.5
    w_l1: float = 0.0
    w_complex: float | list[float] = 0.0  # compressed complex STFT loss (scores the phase); 0 = off; or one per point
    w_magnitude: float = 0.0     # compressed STFT magnitude loss; 0 = off
    spectrum_fft_sizes: list[int] = field(default_factory=lambda: [256, 512, 1024])


@dataclass
class DiscriminatorConfig:
    """:class:`ecc.model.discriminators.Discriminators`."""

    periods: list[int] = field(default_factory=lambda: [2, 3, 5, 7, 11])
    period_channels: list[int] = field(default_factory=lambda: [16, 32, 64, 64])
    stft_ffts: list[int] = field(default_factory=lambda: [1024, 512, 256])
    stft_channels: int = 16
    spectral: str = "complex"    # "complex" (EnCodec MS-STFT) or "magnitude" (UnivNet MRD, ~3x cheaper)
    segment: int = 0             # discriminators see one random segment of this many samples; 0 = whole crop


@dataclass
class OptimConfig:
    """Adam for the codec, the discriminators and (separately) the entropy bottleneck's quantiles."""

    lr: float = 3e-4
    lr_disc: float = 3e-4
    betas: list[float] = field(default_factory=lambda: [0.8, 0.99])
    aux_lr: float = 1e-3
    grad_clip: float = 0.0       # max gradient norm of codec and discriminators; 0 = off
    frozen: list[str] = field(default_factory=list)  # codec parameters kept fixed, e.g. ["log_gain"]


@dataclass
class StageConfig:
    """One training stage; stage 2 continues stage 1's step count and optimisers."""

    steps: int = 0
    skip_below: int = 0          # entropy skip threshold (model.set_entropy_skip); 0 = off
    lr: float | None = None      # codec learning rate in this stage (default optim.lr)
    lr_end: float | None = None  # cosine decay of that rate to lr_end by the stage's end; None = constant
    decay_steps: int = 0         # the decay spans the stage's last decay_steps steps; 0 = all of them
    w_l1: float | None = None    # waveform L1 weight in this stage (default loss.w_l1)


@dataclass
class TrainConfig:
    """Everything a run needs; ``model`` holds the keyword arguments of :class:`ecc.model.ECC`."""

    seed: int = 0
    threads: int = 0             # torch.set_num_threads per process; 0 = torch's default
    device: str = "auto"         # "auto" (CUDA when available), "cpu" or "cuda"
    run_dir: str = "runs/default"
    max_minutes: float = 0.0     # stop (checkpoint and export) after this wall time; 0 = no limit
    model: dict[str, Any] = field(default_factory=dict)
    init: str = ""               # start from this model file's weights (same [model]); "" = random
    decoder_only: bool = False   # train the decoder alone (g_s, inverse gains): bitstream and rates unchanged
    adv_start_step: int = 0      # discriminators and adversarial losses from this step on
    log_every: int = 50
    val_every: int = 1000
    checkpoint_every: int = 1000
    keep_checkpoints: int = 2
    progress: bool = True        # tqdm bar on rank 0
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    discriminator: DiscriminatorConfig = field(default_factory=DiscriminatorConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    stage1: StageConfig = field(default_factory=StageConfig)
    stage2: StageConfig = field(default_factory=StageConfig)

    @property
    def total_steps(self) -> int:
        return self.stage1.steps + self.stage2.steps

    def stage(self, step: int) -> StageConfig:
        """The stage that step ``step`` (0-based) belongs to."""
        return self.stage1 if step < self.stage1.steps else self.stage2

    def codec_lr(self, step: int) -> float:
        """The codec's learning rate at step ``step``: its stage's ``lr`` (default ``optim.lr``),
        falling along a half cosine to ``lr_end`` over the stage's last ``decay_steps`` steps."""
        stage = self.stage(step)
        lr = self.optim.lr if stage.lr is None else stage.lr
        if stage.lr_end is None:
            return lr
        end = self.stage1.steps if stage is self.stage1 else self.total_steps
        span = stage.decay_steps or stage.steps
        done = step - (end - span)
        if done < 0:
            return lr
        return stage.lr_end + (lr - stage.lr_end) * 0.5 * (1 + math.cos(math.pi * done / span))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> TrainConfig:
        """Build from nested dicts. ValueError on unknown keys or malformed values."""
        config = _build(cls, values, "")
        if config.stage1.skip_below:
            raise ValueError("stage1.skip_below must be 0: entropy skip is off in stage 1 (it is stage 2's fine-tune)")
        if config.total_steps <= 0:
            raise ValueError("no training steps: set stage1.steps (and stage2.steps)")
        for name in ("stage1", "stage2"):
            stage = getattr(config, name)
            if not 0 <= stage.decay_steps <= stage.steps:
                raise ValueError(f"{name}.decay_steps must lie in [0, {name}.steps = {stage.steps}], "
                                 f"got {stage.decay_steps}")
            if stage.lr_end is not None and stage.lr_end < 0:
                raise ValueError(f"{name}.lr_end must be >= 0, got {stage.lr_end}")
        for name in ("log_every", "val_every", "checkpoint_every", "keep_checkpoints"):
            if getattr(config, name) <= 0:
                raise ValueError(f"{name} must be positive, got {getattr(config, name)}")
        if isinstance(config.loss.w_complex, list) and len(config.loss.w_complex) != len(config.loss.lambdas):
            raise ValueError(f"loss.w_complex has {len(config.loss.w_complex)} weights for "
                             f"{len(config.loss.lambdas)} operating points: give one per point, or one number")
        if not 0 <= config.data.narrowband <= 1:
            raise ValueError(f"data.narrowband is a share of the crops, in [0, 1]; got {config.data.narrowband}")
        if config.discriminator.segment < 0:
            raise ValueError(f"discriminator.segment must be >= 0 (0 = the whole crop), got {config.discriminator.segment}")
        if config.data.dataset not in ("speech", "synthetic"):
            raise ValueError(f"data.dataset must be 'speech' or 'synthetic', got {config.data.dataset!r}")
        return config


def _build(cls, values: dict, prefix: str):
    if not isinstance(values, dict):
        raise ValueError(f"[{prefix.rstrip('.')}] must be a table, got {values!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValueError(f"unknown config key(s) {', '.join(prefix + k for k in unknown)}; "
                         f"valid in this section: {', '.join(sorted(fields))}")
    kwargs = {}
    for name, value in values.items():
        sub = _SECTIONS.get(name) if cls is TrainConfig else None
        kwargs[name] = _build(sub, value, f"{prefix}{name}.") if sub else value
    return cls(**kwargs)


_SECTIONS = {"data": DataConfig, "loss": LossConfig, "discriminator": DiscriminatorConfig, "optim": OptimConfig,
             "stage1": StageConfig, "stage2": StageConfig}


def _parse_value(text: str) -> Any:
    """A TOML value (``3``, ``1e-4``, ``true``, ``[1, 2]``, ``"x"``), else the text as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_overrides(values: dict, overrides: list[str]) -> dict:
    """Set ``section.key=value`` overrides in the nested dict ``values`` (in place; returned)."""
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set expects KEY=VALUE (e.g. loss.w_adv=0.2), got {item!r}")
        *sections, name = key.strip().split(".")
        target = values
        for section in sections:
            target = target.setdefault(section, {})
            if not isinstance(target, dict):
                raise ValueError(f"--set {key}: {section} is not a section")
        target[name] = _parse_value(text.strip())
    return values


def load_config(path: str | Path, overrides: list[str] = ()) -> TrainConfig:
    """Read a TOML config and apply ``--set`` overrides. ValueError names a bad file or key."""
    path = Path(path)
    try:
        values = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ValueError(f"no config file at {path}") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"{path} is not valid TOML: {e}") from None
    return TrainConfig.from_dict(apply_overrides(values, list(overrides)))
