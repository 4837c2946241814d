"""The training loop of the ECC codec (arXiv 2606.11631, "Training"); docs/training.md.

One step, on a batch of crops x (B, 1, N) with a random operating point per item::

    x_hat = model(x, point)                                       (entropy skip on in stage 2)
    [from adv_start_step] D step: discriminator_loss(D(x), D(x_hat.detach()))
    G step: rate_kbps + lambda[point] * (mel + w_magnitude magnitude + w_complex complex + w_adv adv
                                         + w_fm fm + w_l1 l1)
    aux step: model.aux_loss(), Adam on the "quantiles" parameters only (as CompressAI)

With ``decoder_only`` the latents come from the frozen encoder side in eval mode under no_grad
(exactly those ``compress`` codes), only the decoder learns, and there is no aux step. With
``discriminator.segment`` the discriminators judge one random segment of x and x_hat.

Runs unchanged under ``torchrun --nproc_per_node=N``: one process per rank (gloo on CPU, nccl
on CUDA), DDP around codec and discriminators, each rank its own share of every epoch and of the
dev clips; rank 0 alone writes logs, checkpoints and the exported model.

Step s of rank r reseeds torch, numpy and random from (seed, r, s), and the sampler restarts at
the item it stopped at, so a checkpoint needs no RNG state and a resumed run repeats a straight
one exactly when the dataset's items are fixed (the synthetic set). ``SpeechCrops`` draws its
random crops from its own per-process generator: a resumed run sees other, equally random crops.

The exported ``model.pt`` is an :mod:`ecc.model.weights` model file (float16 weights, CDF tables,
the measured bitrate of every point in ``meta["point_kbps"]``) for ``ecc compress``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from ..model import ECC, SAMPLE_RATE, build_model
from ..model.discriminators import Discriminators
from ..model.weights import load_model, save_model
from .config import TrainConfig
from .data import ResumableSampler, dev_clips, train_dataset
from .losses import MultiScaleMelLoss, RateDistortionLoss, discriminator_loss

CHECKPOINT_FORMAT, CHECKPOINT_VERSION = "ecc-train-checkpoint", 1
_DECODER = ("g_s.", "log_inverse_gain")  # what decoder_only trains: everything after the bitstream but h_s


def real_bitrate(model: nn.Module, waves: Sequence[torch.Tensor], point: int) -> list[float]:
    """Real bitrate of coding each wave at operating point ``point``: the length of its ``.ecc``
    file (:class:`ecc.speech_codec.SpeechCodec`, header included) in kbit per second of audio.

    Args:
        model: an ECC with fresh CDF tables (``model.update()``); it is left in eval mode.
        waves: each (N_i,) float32 at 16 kHz.
    """
    from ..speech_codec import SpeechCodec

    if model.causal:  # a streaming model: every packet byte (ecc.streaming)
        from ..streaming import stream_kbps
        return [stream_kbps(model, wave, point) for wave in waves]
    device = next(model.parameters()).device
    blobs = SpeechCodec(model, device).compress_many(list(waves), point)
    return [8 * len(blob) / (len(wave) / SAMPLE_RATE) / 1000 for blob, wave in zip(blobs, waves)]


def _step_seed(seed: int, rank: int, step: int) -> int:
    digest = hashlib.blake2b(f"{seed}/{rank}/{step}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def _initialise(net: ECC, path: str) -> None:
    """Copy the weights of the model file ``path`` into ``net`` (fine-tuning a trained model).
    ValueError when its architecture differs from ``net``'s ([model] of the config)."""
    source = load_model(path)
    if source.config != net.config:
        raise ValueError(f"init model {path} has the architecture {source.config}, the config asks for "
                         f"{net.config}: make [model] match it")
    net.load_state_dict(source.state_dict())


def _unwrap(module: nn.Module) -> nn.Module:
    return module.module if isinstance(module, DistributedDataParallel) else module


class Trainer:
    """Builds everything a run needs from a :class:`TrainConfig` and trains it.

    Args:
        config: the run's configuration.
        run_dir: checkpoints, log.jsonl, config.json and the exported model.pt go here
            (default ``config.run_dir``).

    Call :meth:`fit` for the whole loop; :meth:`train_step` is one step on a given batch.
    Call :meth:`close` (or use ``with``) to leave the process group.
    """

    def __init__(self, config: TrainConfig, run_dir: str | Path | None = None):
        self.config = config
        self.run_dir = Path(run_dir or config.run_dir)
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = config.device == "cuda" or (config.device == "auto" and torch.cuda.is_available())
        self.device = torch.device(f"cuda:{local_rank}" if cuda else "cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        self._owns_group = self.world > 1 and not dist.is_initialized()
        if self._owns_group:
            dist.init_process_group("nccl" if cuda else "gloo")
        if config.threads:
            torch.set_num_threads(config.threads)
        self.is_main = self.rank == 0
        self.step = 0
        self._seed(-1)  # initial weights: the same on every rank

        net = build_model(config.model).to(self.device)
        if config.init:
            _initialise(net, config.init)
        if len(config.loss.lambdas) != net.points:
            raise ValueError(f"loss.lambdas has {len(config.loss.lambdas)} value(s), the model has {net.points} "
                             "operating points: give one lambda per point")
        d = config.discriminator
        disc = Discriminators(d.periods, d.period_channels, d.stft_ffts, d.stft_channels, d.spectral).to(self.device)
        c = config.loss
        self.loss = RateDistortionLoss(c.lambdas, MultiScaleMelLoss(c.mel_fft_sizes, c.mel_bins), c.w_adv, c.w_fm,
                                       c.w_l1, c.adversarial, w_complex=c.w_complex, w_magnitude=c.w_magnitude,
                                       spectrum_fft_sizes=c.spectrum_fft_sizes).to(self.device)

        o = config.optim
        names = dict(net.named_parameters())
        unknown = sorted(set(o.frozen) - set(names))
        if unknown:
            raise ValueError(f"optim.frozen names {unknown}, which the model does not have (its parameters are "
                             f"named like {', '.join(list(names)[:3])}, ...)")
        frozen = set(o.frozen)
        if config.decoder_only:
            if self.world > 1:
                raise ValueError("decoder_only runs in one process: start it without torchrun")
            frozen |= {name for name in names if not name.startswith(_DECODER)}
        for name in frozen:
            names[name].requires_grad_(False)
        main = [p for name, p in net.named_parameters() if not name.endswith("quantiles") and p.requires_grad]
        quantiles = [p for name, p in net.named_parameters() if name.endswith("quantiles")]
        self.opt_g = torch.optim.Adam(main, o.lr, betas=tuple(o.betas))
        self.opt_d = torch.optim.Adam(disc.parameters(), o.lr_disc, betas=tuple(o.betas))
        self.opt_aux = torch.optim.Adam(quantiles, o.aux_lr)
        if self.world > 1:
            ids = [self.device.index] if cuda else None
            # The quantiles get no gradient from the main loss: DDP must expect unused parameters.
            # Buffers (CDF tables, windows) follow from the parameters on every rank: not broadcast.
            net = DistributedDataParallel(net, ids, find_unused_parameters=True, broadcast_buffers=False)
            disc = DistributedDataParallel(disc, ids, broadcast_buffers=False)
        self.model, self.disc = net, disc
        self.net = _unwrap(net)
        self._stage = None
        self.point_kbps: list[float] = []

    # -- one step -------------------------------------------------------------------------------

    def _seed(self, step: int) -> None:
        seed = _step_seed(self.config.seed, self.rank if step >= 0 else 0, step)
        torch.manual_seed(seed)
        np.random.seed(seed % 2**32)
        random.seed(seed)

    def _enter_stage(self) -> None:
        """Apply the current step's stage (entropy skip, waveform L1 weight) and codec learning rate."""
        for group in self.opt_g.param_groups:
            group["lr"] = self.config.codec_lr(self.step)
        stage = self.config.stage(self.step)
        if stage is self._stage:
            return
        self._stage = stage
        self.net.set_entropy_skip(stage.skip_below)
        self.loss.w_l1 = self.config.loss.w_l1 if stage.w_l1 is None else stage.w_l1

    def _clip(self, parameters) -> None:
        if self.config.optim.grad_clip:
            torch.nn.utils.clip_grad_norm_(parameters, self.config.optim.grad_clip)

    def sample_points(self, batch: int) -> torch.Tensor:
        """(batch,) int64 uniform operating points on the training device."""
        return torch.randint(self.net.points, (batch,)).to(self.device)

    def _segments(self, x: torch.Tensor, x_hat: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The part of the crops x, x_hat (B, 1, N) the discriminators judge: one random segment of
        ``discriminator.segment`` samples at the same place in both (HiFi-GAN), or all of them."""
        size = self.config.discriminator.segment
        if not size or size >= x.shape[-1]:
            return x, x_hat
        start = int(torch.randint(x.shape[-1] - size + 1, ()))
        return x[..., start:start + size], x_hat[..., start:start + size]

    def train_step(self, x: torch.Tensor, point: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """One optimisation step of codec, discriminators (from adv_start_step) and quantiles.

        Args:
            x (B, 1, N) float32 crops; point (B,) int64 operating points (default: random).

        Returns:
            detached scalars: the terms of :class:`RateDistortionLoss`, "disc" and "aux".
        """
        self._enter_stage()
        self._seed(self.step)
        x = x.to(self.device, non_blocking=True)
        point = self.sample_points(x.shape[0]) if point is None else point.to(self.device)
        self.disc.train()
        if self.config.decoder_only:  # the latents as coded, no encoder backward; the rate is fixed
            self.net.eval()
            with torch.no_grad():
                out = self.net.quantize(x, point)
            self.net.train()
            out["x_hat"] = self.net.decode(out["y_hat"], point, x.shape[-1])
        else:
            self.model.train()
            out = self.model(x, point)
        fake = real_features = None
        d_loss = torch.zeros((), device=self.device)
        if self.step >= self.config.adv_start_step:
            real, x_hat = self._segments(x, out["x_hat"])
            logits, _ = self.disc(torch.cat([real, x_hat.detach()]))
            batch = x.shape[0]
            d_loss = discriminator_loss([t[:batch] for t in logits], [t[batch:] for t in logits],
                                        self.config.loss.adversarial)
            self.opt_d.zero_grad(set_to_none=True)
            d_loss.backward()
            self._clip(self.disc.parameters())
            self.opt_d.step()
            with torch.no_grad():
                real_features = self.disc(real)[1]
            fake = self.disc(x_hat)
        terms = self.loss(x, out, point, fake, real_features)
        self.opt_g.zero_grad(set_to_none=True)
        terms["loss"].backward()
        self._clip(self.opt_g.param_groups[0]["params"])
        self.opt_g.step()
        aux = torch.zeros((), device=self.device)
        if not self.config.decoder_only:  # frozen quantiles: nothing to fit
            aux = self.net.aux_loss()
            self.opt_aux.zero_grad(set_to_none=True)
            aux.backward()
            self.opt_aux.step()
        self.step += 1
        return {**{k: v.detach() for k, v in terms.items()}, "disc": d_loss.detach(), "aux": aux.detach()}

    # -- validation -----------------------------------------------------------------------------

    @torch.no_grad()
    def validate(self, clips: Sequence[torch.Tensor]) -> dict[str, float]:
        """Mel distance, real bitrate (:func:`real_bitrate`) and STOI (the first ``data.stoi_clips``
        clips, when pystoi is installed) per operating point, averaged over the dev clips, which
        the ranks share.

        Args:
            clips: float32 (1, N_i) each (:func:`ecc.train.data.dev_clips`).
        Returns:
            {"p{i}/mel", "p{i}/kbps"[, "p{i}/stoi"]} for every operating point i.
        """
        try:
            from pystoi import stoi
        except ImportError:
            stoi = None
        points, mel = self.net.points, self.loss.mel
        mine = list(range(self.rank, len(clips), self.world))
        waves = [clips[i].to(self.device) for i in mine]  # (1, N) each
        sums = torch.zeros(points, 5, dtype=torch.float64)  # mel, kbps, clips, stoi, stoi clips
        self.net.update()
        self.net.eval()
        for p in range(points):
            for i, x, kbps in zip(mine, waves, real_bitrate(self.net, [x[0] for x in waves], p)):
                x_hat = self.net(x[None], torch.tensor([p], device=self.device))["x_hat"]
                sums[p, :3] += torch.tensor([mel(x_hat, x[None]).item(), kbps, 1])
                if stoi is not None and i < self.config.data.stoi_clips:
                    sums[p, 3:] += torch.tensor([stoi(x.flatten().cpu().numpy(), x_hat.flatten().cpu().numpy(),
                                                      SAMPLE_RATE), 1])
        self.net.train()
        if self.world > 1:
            sums = sums.to(self.device)
            dist.all_reduce(sums)
            sums = sums.cpu()
        result = {}
        for p, (mel_sum, kbps_sum, n, stoi_sum, stoi_n) in enumerate(sums.tolist()):
            result[f"p{p}/mel"], result[f"p{p}/kbps"] = mel_sum / max(n, 1), kbps_sum / max(n, 1)
            if stoi_n:
                result[f"p{p}/stoi"] = stoi_sum / stoi_n
        self.point_kbps = [result[f"p{p}/kbps"] for p in range(points)]
        return result

    # -- checkpoints ----------------------------------------------------------------------------

    @property
    def checkpoint_dir(self) -> Path:
        return self.run_dir / "checkpoints"

    def latest_checkpoint(self) -> Path | None:
        """The checkpoint with the highest step in the run dir, or None."""
        found = sorted(self.checkpoint_dir.glob("step-*.pt"))
        return found[-1] if found else None

    def save_checkpoint(self) -> Path | None:
        """Write checkpoints/step-<step>.pt (rank 0; atomically) and keep the newest few."""
        if not self.is_main:
            return None
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        path = self.checkpoint_dir / f"step-{self.step:08d}.pt"
        state = {"format": CHECKPOINT_FORMAT, "version": CHECKPOINT_VERSION, "step": self.step,
                 "config": self.config.to_dict(), "point_kbps": self.point_kbps,
                 "model": self.net.state_dict(), "discriminator": _unwrap(self.disc).state_dict(),
                 "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                 "opt_aux": self.opt_aux.state_dict()}
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        os.replace(tmp, path)
        for old in sorted(self.checkpoint_dir.glob("step-*.pt"))[:-self.config.keep_checkpoints]:
            old.unlink()
        return path

    def load_checkpoint(self, path: str | Path) -> None:
        """Restore model, discriminators, optimisers and step from a checkpoint (every rank)."""
        state = torch.load(path, map_location=self.device, weights_only=True)
        if not isinstance(state, dict) or state.get("format") != CHECKPOINT_FORMAT:
            raise ValueError(f"{path} is not an ecc training checkpoint")
        self.net.load_state_dict(state["model"])
        _unwrap(self.disc).load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.opt_aux.load_state_dict(state["opt_aux"])
        self.step, self.point_kbps = state["step"], state["point_kbps"]
        self._stage = None

    # -- the loop -------------------------------------------------------------------------------

    def _log(self, record: dict) -> None:
        """Rank 0: one JSON line in log.jsonl and a readable line on stdout."""
        if not self.is_main:
            return
        with open(self.run_dir / "log.jsonl", "a") as f:
            f.write(json.dumps(record) + "\n")
        text = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in record.items())
        tqdm.write(text, file=sys.stdout)  # above the progress bar

    def _should_stop(self, start: float) -> bool:
        """Whether max_minutes has passed (on rank 0's clock, so every rank stops at the same step)."""
        if not self.config.max_minutes:
            return False
        stop = torch.tensor([time.monotonic() - start > 60 * self.config.max_minutes], dtype=torch.float32)
        if self.world > 1:
            stop = stop.to(self.device)
            dist.broadcast(stop, 0)
        return bool(stop.item())

    def fit(self, resume: bool = False) -> Path | None:
        """Train to config.total_steps (or max_minutes), then checkpoint and export.

        Args:
            resume: continue from the newest checkpoint in the run dir (start fresh if none).
                Without it a run dir that has checkpoints is an error, not overwritten.

        Returns:
            the exported model file (rank 0), else None.
        """
        start = time.monotonic()
        latest = self.latest_checkpoint()
        if latest is not None and not resume:
            raise ValueError(f"{self.run_dir} already has checkpoints: pass --resume to continue that run, "
                             "or choose another --run-dir")
        if latest is not None:
            self.load_checkpoint(latest)
        if self.is_main:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            (self.run_dir / "config.json").write_text(json.dumps(self.config.to_dict(), indent=2) + "\n")
            if latest is not None:
                print(f"resuming from {latest} at step {self.step}")
        c = self.config
        dataset = train_dataset(c.data, c.seed)
        clips = dev_clips(c.data, c.seed)
        sampler = ResumableSampler(len(dataset), self.rank, self.world, c.seed, start=self.step * c.data.batch_size)
        loader = torch.utils.data.DataLoader(dataset, c.data.batch_size, sampler=sampler, drop_last=True,
                                             num_workers=c.data.num_workers, pin_memory=self.device.type == "cuda",
                                             persistent_workers=c.data.num_workers > 0)
        bar = tqdm(total=c.total_steps, initial=self.step, disable=not (self.is_main and c.progress),
                   dynamic_ncols=True, file=sys.stderr)
        sums, count, tick = {}, 0, time.monotonic()
        self._seed(self.step)  # per rank: the loader's worker seeds and SpeechCrops' crop generator
        batches = iter(loader)
        stopped_early = False
        with bar:
            while self.step < c.total_steps:
                terms = self.train_step(next(batches))
                for k, v in terms.items():
                    sums[k] = sums.get(k, 0.0) + v
                count += 1
                bar.update(1)
                if self.step % c.log_every == 0 or self.step == c.total_steps:
                    means = torch.stack([sums[k] for k in sums]).float() / count
                    if self.world > 1:
                        dist.all_reduce(means)
                        means /= self.world
                    record = {"kind": "train", "step": self.step, "stage": 1 if self._stage is c.stage1 else 2,
                              **{k: v.item() for k, v in zip(sums, means)},
                              "lr": self.opt_g.param_groups[0]["lr"],
                              "s_per_step": (time.monotonic() - tick) / count}
                    self._log(record)
                    bar.set_postfix(loss=f"{record['loss']:.3f}", kbps=f"{record['rate_kbps']:.2f}")
                    sums, count, tick = {}, 0, time.monotonic()
                if self.step % c.val_every == 0 or self.step == c.total_steps:
                    self._log({"kind": "val", "step": self.step, **self.validate(clips)})
                if self.step % c.checkpoint_every == 0:
                    self.save_checkpoint()
                if self.step < c.total_steps and self._should_stop(start):
                    stopped_early = True
                    break
        if stopped_early and self.step % c.val_every:
            self._log({"kind": "val", "step": self.step, **self.validate(clips)})
        if self.step % c.checkpoint_every:
            self.save_checkpoint()
        if not self.is_main:
            return None
        path = self.run_dir / "model.pt"
        meta = {"point_kbps": self.point_kbps, "step": self.step, "lambdas": list(c.loss.lambdas)}
        save_model(self.net, path, model_id=f"{self.run_dir.name}-step{self.step}", meta=meta)
        reason = f"time limit ({c.max_minutes} min) reached" if stopped_early else "done"
        print(f"{reason} at step {self.step}/{c.total_steps}; model: {path}", file=sys.stdout)
        return path

    def close(self) -> None:
        """Leave the process group (when this trainer started one)."""
        if self._owns_group:
            dist.destroy_process_group()
            self._owns_group = False

    def __enter__(self) -> Trainer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def train(config: TrainConfig, run_dir: str | Path | None = None, resume: bool = False) -> Path | None:
    """Train a codec as ``config`` says; returns the exported model file (rank 0) or None."""
    with Trainer(config, run_dir) as trainer:
        return trainer.fit(resume)
