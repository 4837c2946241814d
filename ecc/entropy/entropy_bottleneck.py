"""Factorized prior for the hyper-latent z (Balle et al. 2018), CompressAI's EntropyBottleneck."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .. import ops
from .coding import CoderSettings, StreamReader, StreamWriter, TableBuffers

LIKELIHOOD_MIN = 1e-9


class EntropyBottleneck(TableBuffers):
    """A learned, per-channel univariate density, coded with quantized CDF tables.

    Each channel's CDF is a small monotone network (``filters`` hidden widths). ``update()``
    tabulates it between the learned tail quantiles (ecc's ``pmf_to_quantized_cdf``, CompressAI's
    rounding); ``compress``/``decompress`` code one stream per batch element. ``loss()`` is the
    auxiliary loss that fits the tail quantiles.

    Args:
        channels: C of z (B, C, *).
        tail_mass: probability left outside the tabulated range.
        init_scale, filters: as CompressAI.

    The module holds no coding settings: the stream format travels with each call (a
    :class:`~ecc.entropy.coding.StreamWriter`/``StreamReader``, or ``coder`` in
    :meth:`compress`/:meth:`decompress`), so one module serves any number of threads.
    """

    def __init__(self, channels: int, tail_mass: float = 1e-9, init_scale: float = 10.0,
                 filters: tuple[int, ...] = (3, 3, 3, 3)):
        super().__init__()
        self.channels, self.tail_mass = channels, float(tail_mass)
        widths = (1, *filters, 1)
        scale = init_scale ** (1 / (len(filters) + 1))
        self.matrices, self.biases, self.factors = nn.ParameterList(), nn.ParameterList(), nn.ParameterList()
        for i in range(len(filters) + 1):
            init = math.log(math.expm1(1 / scale / widths[i + 1]))
            self.matrices.append(nn.Parameter(torch.full((channels, widths[i + 1], widths[i]), init)))
            self.biases.append(nn.Parameter(torch.empty(channels, widths[i + 1], 1).uniform_(-0.5, 0.5)))
            if i < len(filters):
                self.factors.append(nn.Parameter(torch.zeros(channels, widths[i + 1], 1)))
        self.quantiles = nn.Parameter(torch.tensor([-init_scale, 0.0, init_scale]).repeat(channels, 1, 1))
        target = math.log(2 / self.tail_mass - 1)
        self.register_buffer("target", torch.tensor([-target, 0.0, target]))
        self.register_tables()

    def _logits_cumulative(self, inputs: torch.Tensor, stop_gradient: bool) -> torch.Tensor:
        """inputs (C, 1, N) -> logits of the per-channel CDF (C, 1, N)."""
        logits = inputs
        for i, (matrix, bias) in enumerate(zip(self.matrices, self.biases)):
            if stop_gradient:
                matrix, bias = matrix.detach(), bias.detach()
            logits = torch.matmul(F.softplus(matrix), logits) + bias
            if i < len(self.factors):
                factor = self.factors[i].detach() if stop_gradient else self.factors[i]
                logits = logits + torch.tanh(factor) * torch.tanh(logits)
        return logits

    def _likelihood(self, values: torch.Tensor, stop_gradient: bool = False):
        lower = self._logits_cumulative(values - 0.5, stop_gradient)
        upper = self._logits_cumulative(values + 0.5, stop_gradient)
        return torch.sigmoid(upper) - torch.sigmoid(lower), lower, upper

    def medians(self) -> torch.Tensor:
        """(C,) the learned median of each channel."""
        return self.quantiles[:, 0, 1].detach()

    def loss(self) -> torch.Tensor:
        """Auxiliary loss fitting the tail quantiles (add it to the training loss)."""
        return (self._logits_cumulative(self.quantiles, stop_gradient=True) - self.target).abs().sum()

    def forward(self, z: torch.Tensor, training: bool | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(z_hat, likelihoods), both shaped like z (B, C, *): noise in training, rounding around
        the medians otherwise."""
        training = self.training if training is None else training
        values = z.transpose(0, 1).reshape(self.channels, 1, -1)
        medians = self.quantiles[:, :, 1:2]
        if training:
            values = values + torch.empty_like(values).uniform_(-0.5, 0.5)
        else:
            values = torch.round(values - medians) + medians
        likelihood = self._likelihood(values)[0].clamp_min(LIKELIHOOD_MIN)
        shape = (self.channels, z.shape[0], *z.shape[2:])
        return (values.reshape(shape).transpose(0, 1), likelihood.reshape(shape).transpose(0, 1))

    @torch.no_grad()
    def update(self) -> None:
        """Tabulates each channel's density between its tail quantiles (CompressAI's update())."""
        medians = self.quantiles[:, 0, 1]
        minima = torch.ceil(medians - self.quantiles[:, 0, 0]).int().clamp_min(0)
        maxima = torch.ceil(self.quantiles[:, 0, 2] - medians).int().clamp_min(0)
        pmf_length = maxima + minima + 1
        samples = torch.arange(int(pmf_length.max()), device=medians.device)[None, :] + (medians - minima)[:, None, None]
        pmf, lower, upper = self._likelihood(samples, stop_gradient=True)
        tail = torch.sigmoid(lower[:, 0, 0]) + torch.sigmoid(-upper[:, 0, -1])
        self._quantized_cdf, self._cdf_length = ops.pmf_to_quantized_cdf(pmf[:, 0, :], pmf_length, tail)
        self._offset = -minima

    def _indexes_and_medians(self, shape):
        view = (1, self.channels) + (1,) * (len(shape) - 2)
        indexes = torch.arange(self.channels, dtype=torch.int32, device=self.quantiles.device).view(view).expand(shape)
        return indexes, self.medians().view(view).expand(shape)

    def write(self, writer: StreamWriter, z: torch.Tensor) -> torch.Tensor:
        """Adds z (B, C, *) as the next part of ``writer``; returns z_hat, what :meth:`read` gives."""
        if z.dim() < 2 or z.shape[1] != self.channels:
            raise ValueError(f"expected z of shape (B, {self.channels}, ...), got {tuple(z.shape)}")
        indexes, medians = self._indexes_and_medians(z.shape)
        symbols = torch.round(z - medians).int()
        writer.add(symbols, indexes, self._tables())
        return symbols + medians

    def read(self, reader: StreamReader, shape: tuple[int, ...]) -> torch.Tensor:
        """z_hat float32 of ``shape`` (B, C, *), the next part of ``reader``."""
        indexes, medians = self._indexes_and_medians(shape)
        return reader.read(indexes.contiguous(), self._tables()).float() + medians

    def compress(self, z: torch.Tensor, coder: CoderSettings | None = None):
        """z (B, C, *) float -> (data uint8 (total,), sizes int64 (B,)), one stream per element in
        ``coder``'s format (default ``compressai``)."""
        writer = (coder or CoderSettings()).writer()
        self.write(writer, z)
        data, sizes = writer.finish()
        return data, sizes[0]

    def decompress(self, data: torch.Tensor, sizes: torch.Tensor, size: tuple[int, ...],
                   coder: CoderSettings | None = None) -> torch.Tensor:
        """z_hat (B, C, *size) float32 from :meth:`compress`'s output (the same ``coder``); B = len(sizes)."""
        reader = (coder or CoderSettings()).reader(data, sizes[None])
        z_hat = self.read(reader, (len(sizes), self.channels, *size))
        reader.finish()
        return z_hat
