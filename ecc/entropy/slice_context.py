"""Channel-wise slice context with temporal modeling and latent residual prediction (LRP): the
entropy model of the ECC paper (arXiv 2606.11631), with a deterministic inference path."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .. import ops
from ..coding import default_scale_table
from .coding import CoderSettings, StreamReader, StreamWriter
from .gaussian_conditional import GaussianConditional

_TORCH_ACTIVATIONS = {
    None: lambda v: v,
    "relu": F.relu,
    "leaky_relu": lambda v: F.leaky_relu(v, 0.125),
    "hardtanh": F.hardtanh,
}


class DeterministicConvStack(nn.Module):
    """1-D convolutions along T (same padding, non-causal) with piecewise-linear activations.

    ``forward(x, deterministic=True)`` runs ecc's ``deterministic_conv1d`` (the same bits on
    every device and thread count); ``deterministic=False`` runs ordinary PyTorch layers with
    the same weights (training).

    Args:
        channels: widths (in, hidden..., out); kernel_size odd.
    """

    def __init__(self, channels: tuple[int, ...], kernel_size: int = 3, activation: str = "leaky_relu",
                 final_activation: str | None = None):
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size must be odd, got {kernel_size}")
        self.convs = nn.ModuleList(nn.Conv1d(a, b, kernel_size, padding=kernel_size // 2)
                                   for a, b in zip(channels[:-1], channels[1:]))
        self.activations = [activation] * (len(self.convs) - 1) + [final_activation]
        self._packed: dict[int, tuple[torch.Tensor, tuple[int, int], torch.Tensor]] = {}

    def forward(self, x: torch.Tensor, deterministic: bool = False) -> torch.Tensor:
        """x (B, C_in, T) float32 -> (B, C_out, T) float32."""
        for i, (conv, act) in enumerate(zip(self.convs, self.activations)):
            if deterministic:
                weight = conv.weight
                packed = self._packed_weight(i, weight) if x.device.type == "cpu" else None
                x = ops.deterministic_conv1d(x, weight, conv.bias, act, packed)
            else:
                x = _TORCH_ACTIVATIONS[act](conv(x))
        return x

    def _packed_weight(self, i: int, weight: torch.Tensor) -> torch.Tensor:
        """Conv i's ``weight`` packed for the CPU kernel (ops.pack_conv1d_weight), kept until the
        weight changes (in place: its version; its data or the tensor replaced)."""
        kept, key = self._packed.get(i), (weight._version, weight.data_ptr())
        if kept is None or kept[0] is not weight or kept[1] != key:
            with torch.no_grad():
                kept = self._packed[i] = weight, key, ops.pack_conv1d_weight(weight)
        return kept[2]


class ChannelSliceContext(nn.Module):
    """y (B, C, T) coded in S channel slices, each conditioned on the hyper features and on the
    slices decoded before it (paper: channel-wise context + temporal modeling + LRP)::

        for slice i = 0 .. S-1:
            mean_i, log_scale_i = params_i(cat(hyper, y_hat_0 .. y_hat_{i-1}))    1-D convs along T
            y_hat_i = round(y_i - mean_i) + mean_i        (entropy skip: mean_i where the
                                                          scale index is below skip_below)
            y_hat_i += 0.5 * hardtanh(lrp_i(cat(hyper, y_hat_0 .. y_hat_i)))       LRP

    The whole path is deterministic at inference: convolutions through ecc's
    ``deterministic_conv1d`` and scale indexes by comparing log-scales with the table's log-bounds
    (float64 logs stored as float32), so no exp/log decides an index. ``hyper`` must itself be
    computed deterministically (e.g. by a :class:`DeterministicConvStack`).

    Args:
        channels: C; divisible by ``slices``.
        hyper_channels: channels of the hyper features (B, H, T).
        slices: S; hidden: width of the context networks; layers: convs per network.
        skip_below: as :class:`~ecc.entropy.GaussianConditional` (the default of the coding calls,
            which take ``skip_below`` and the stream format per call and change no state).
        scale_levels: rows of the (CompressAI-style, log-spaced over [0.11, 256]) scale table; a
            scale is coded with the next table scale up, so finer tables waste fewer bits.
    """

    def __init__(self, channels: int, hyper_channels: int, slices: int = 4, hidden: int = 64, layers: int = 2,
                 kernel_size: int = 3, skip_below: int = 0, scale_levels: int = 64):
        super().__init__()
        if channels % slices:
            raise ValueError(f"channels ({channels}) must be divisible by slices ({slices})")
        self.slices, self.width = slices, channels // slices
        inner = (hidden,) * (layers - 1)
        self.params = nn.ModuleList(
            DeterministicConvStack((hyper_channels + i * self.width, *inner, 2 * self.width), kernel_size)
            for i in range(slices))
        self.lrp = nn.ModuleList(
            DeterministicConvStack((hyper_channels + (i + 1) * self.width, *inner, self.width), kernel_size,
                                   final_activation="hardtanh")
            for i in range(slices))
        self.gaussian = GaussianConditional(default_scale_table(scale_levels), skip_below)
        log_table = torch.log(self.gaussian.scale_table.double()).float()
        self.register_buffer("log_bounds", log_table[:-1])
        self.log_scale_min, self.log_scale_max = float(log_table[0]), float(log_table[-1])

    def update(self) -> None:
        self.gaussian.update()

    def indexes(self, log_scale: torch.Tensor) -> torch.Tensor:
        """Scale-table rows from log-scales by exact comparisons (int32, shaped like log_scale)."""
        return torch.searchsorted(self.log_bounds, log_scale.contiguous(), side="left").int()  # #bounds < v

    def _slice_params(self, i: int, hyper: torch.Tensor, decoded: list[torch.Tensor], deterministic: bool):
        out = self.params[i](torch.cat([hyper, *decoded], 1), deterministic)
        # log-scales clamped to the table's range (a comparison: exact on every device), so the
        # likelihoods describe the distributions that are actually coded
        return out[:, : self.width], out[:, self.width :].clamp(self.log_scale_min, self.log_scale_max)

    def _refine(self, i: int, hyper: torch.Tensor, decoded: list[torch.Tensor], deterministic: bool) -> torch.Tensor:
        return decoded[i] + 0.5 * self.lrp[i](torch.cat([hyper, *decoded], 1), deterministic)

    def forward(self, y: torch.Tensor, hyper: torch.Tensor, training: bool | None = None, ste: bool = False,
                deterministic: bool = False):
        """Training/eval pass: (y_hat, likelihoods), both (B, C, T); ``ste`` as
        :meth:`GaussianConditional.forward`. With ``deterministic`` (evaluation) the networks run
        through ecc's deterministic op, so y_hat is exactly what :meth:`compress` codes, and the
        likelihoods use the table scales the coder uses (their bits are the real rate)."""
        decoded, likelihoods = [], []
        for i, y_i in enumerate(y.split(self.width, 1)):
            mean, log_scale = self._slice_params(i, hyper, decoded, deterministic)
            indexes = self.indexes(log_scale.detach())
            scale = self.gaussian.scale_table[indexes.long()] if deterministic else torch.exp(log_scale)
            y_hat, lik = self.gaussian(y_i, scale, mean, training, ste, indexes)
            decoded.append(y_hat)
            decoded[i] = self._refine(i, hyper, decoded, deterministic)
            likelihoods.append(lik)
        return torch.cat(decoded, 1), torch.cat(likelihoods, 1)

    @torch.no_grad()
    def write(self, writer: StreamWriter, y: torch.Tensor, hyper: torch.Tensor,
              skip_below: int | None = None) -> torch.Tensor:
        """Adds y (B, C, T) to ``writer`` as S parts, one per slice, given hyper (B, H, T); returns
        y_hat (B, C, T), what :meth:`read` will give. ``skip_below``: None for the module's."""
        skip_below = self.gaussian.skip_threshold(skip_below)
        decoded = []
        for i, y_i in enumerate(y.split(self.width, 1)):
            mean, log_scale = self._slice_params(i, hyper, decoded, deterministic=True)
            indexes = self.indexes(log_scale)
            self.gaussian.write(writer, y_i, indexes, mean, skip_below)
            q = torch.round(y_i - mean)
            decoded.append(torch.where(indexes < skip_below, mean, q + mean))
            decoded[i] = self._refine(i, hyper, decoded, deterministic=True)
        return torch.cat(decoded, 1)

    @torch.no_grad()
    def read(self, reader: StreamReader, hyper: torch.Tensor, skip_below: int | None = None) -> torch.Tensor:
        """y_hat (B, C, T) from the next S parts of ``reader`` and the same hyper and ``skip_below``
        as :meth:`write`."""
        decoded = []
        for i in range(self.slices):
            mean, log_scale = self._slice_params(i, hyper, decoded, deterministic=True)
            decoded.append(self.gaussian.read(reader, self.indexes(log_scale), mean, skip_below))
            decoded[i] = self._refine(i, hyper, decoded, deterministic=True)
        return torch.cat(decoded, 1)

    def compress(self, y: torch.Tensor, hyper: torch.Tensor, coder: CoderSettings | None = None,
                 skip_below: int | None = None):
        """y (B, C, T), hyper (B, H, T) -> (data uint8 (total,), sizes int64 (P, B), y_hat (B, C, T)):
        P = 1 shared stream per element, or one stream per slice and element, slice-major, as
        ``coder`` (default ``compressai``) says."""
        writer = (coder or CoderSettings()).writer()
        y_hat = self.write(writer, y, hyper, skip_below)
        return (*writer.finish(), y_hat)

    def decompress(self, data: torch.Tensor, sizes: torch.Tensor, hyper: torch.Tensor,
                   coder: CoderSettings | None = None, skip_below: int | None = None) -> torch.Tensor:
        """y_hat (B, C, T) from :meth:`compress`'s data and sizes (P, B) and the same hyper, coder
        and skip_below."""
        reader = (coder or CoderSettings()).reader(data, sizes)
        y_hat = self.read(reader, hyper, skip_below)
        reader.finish()
        return y_hat

    def rate_bits(self, likelihoods: torch.Tensor) -> torch.Tensor:
        """Estimated bits (a scalar) of the likelihoods from :meth:`forward`."""
        return -torch.log(likelihoods).sum() / math.log(2)
