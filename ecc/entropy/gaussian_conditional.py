"""Gaussian conditional entropy model with entropy skip (CompressAI-compatible tables and bytes)."""

from __future__ import annotations

import torch

from .. import ops
from ..coding import SCALE_MIN, default_scale_table, scale_indexes
from .coding import CoderSettings, StreamReader, StreamWriter, TableBuffers

LIKELIHOOD_MIN = 1e-9


def _standard_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * torch.erfc(-(2**-0.5) * x)


class GaussianConditional(TableBuffers):
    """y ~ N(mean, scale) quantized to integers around the mean, with a table of Gaussian CDFs.

    Entropy skip: elements whose scale index (row of the scale table) is below ``skip_below`` are
    neither coded nor sent; both sides use ``y_hat = mean`` there. The decoder knows the scales,
    so no mask is sent. ``skip_below = 0`` turns it off.

    ``skip_below`` is the module's own threshold (what :meth:`forward` trains with, and the default
    of the coding calls); :meth:`write`, :meth:`read`, :meth:`compress` and :meth:`decompress` take
    a ``skip_below`` (and the stream format) per call and change nothing on the module, so one
    module serves any number of threads.

    Args:
        scale_table: ascending scales (default: CompressAI's 64 scales over [0.11, 256]).
        skip_below: entropy-skip threshold on the scale index (0: off).
    """

    def __init__(self, scale_table=None, skip_below: int = 0):
        super().__init__()
        table = default_scale_table() if scale_table is None else torch.as_tensor(scale_table, dtype=torch.float32)
        if table.dim() != 1 or len(table) < 2 or not bool((table[1:] > table[:-1]).all()) or table[0] <= 0:
            raise ValueError("scale_table must be a 1-D ascending sequence of positive scales")
        self.register_buffer("scale_table", table)
        self.register_tables()
        self.skip_below = skip_below

    def update(self) -> None:
        """Builds the CDF tables from the scale table (ecc's op: CompressAI's tables exactly)."""
        self._quantized_cdf, self._cdf_length, self._offset = ops.gaussian_cdf_table(self.scale_table)

    def set_skip_scale(self, scale: float) -> None:
        """Skip elements whose scale falls in a table row below ``scale`` (0 turns skip off)."""
        self.skip_below = int(scale_indexes(torch.tensor([float(scale)]), self.scale_table)) if scale > 0 else 0

    def build_indexes(self, scales: torch.Tensor) -> torch.Tensor:
        """Scale-table row per element (int32, shaped like ``scales``)."""
        return scale_indexes(scales, self.scale_table)

    def likelihood(self, values: torch.Tensor, scales: torch.Tensor) -> torch.Tensor:
        """P(bin) of ``values`` (y - mean, possibly noisy) under N(0, scale); float like ``values``."""
        scales = scales.clamp_min(SCALE_MIN)
        values = values.abs()
        return _standard_cdf((0.5 - values) / scales) - _standard_cdf((-0.5 - values) / scales)

    def forward(self, inputs: torch.Tensor, scales: torch.Tensor, means: torch.Tensor | None = None,
                training: bool | None = None, ste: bool = False,
                indexes: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Training/eval pass: (y_hat, likelihoods), both shaped like ``inputs``.

        Training adds uniform noise; evaluation rounds around the mean. With ``ste`` (training
        only) the likelihoods still see the noise but y_hat is rounded with a straight-through
        gradient ("mixed quantization"), so the decoder trains on what it will get. Skipped
        elements take the mean and likelihood 1 (zero bits), so the rate is skip-aware; gradients
        reach the kept elements' scales and means. ``indexes`` (int32, shaped like ``inputs``)
        overrides ``build_indexes(scales)`` for the skip decision.
        """
        training = self.training if training is None else training
        means = torch.zeros_like(inputs) if means is None else means
        residual = inputs - means
        if training:
            values = residual + torch.empty_like(inputs).uniform_(-0.5, 0.5)
        else:
            values = torch.round(residual)
        likelihoods = self.likelihood(values, scales).clamp_min(LIKELIHOOD_MIN)
        if training and ste:
            values = residual + (torch.round(residual) - residual).detach()
        outputs = values + means
        if self.skip_below > 0:
            indexes = self.build_indexes(scales.detach()) if indexes is None else indexes
            skipped = indexes < self.skip_below
            outputs = torch.where(skipped, means, outputs)
            likelihoods = torch.where(skipped, torch.ones_like(likelihoods), likelihoods)
        return outputs, likelihoods

    def skip_threshold(self, skip_below: int | None) -> int:
        """The threshold a coding call uses: ``skip_below``, or the module's own when None."""
        return self.skip_below if skip_below is None else int(skip_below)

    def write(self, writer: StreamWriter, inputs: torch.Tensor, indexes: torch.Tensor,
              means: torch.Tensor | None = None, skip_below: int | None = None) -> None:
        """Adds the next part to ``writer``: inputs (B, ...) float latents, indexes same shape int32
        (``build_indexes``), means same shape or None; ``skip_below`` (None: the module's)."""
        if inputs.shape != indexes.shape or (means is not None and means.shape != inputs.shape):
            raise ValueError(f"inputs {tuple(inputs.shape)}, indexes {tuple(indexes.shape)} and means must have one shape")
        symbols = torch.round(inputs if means is None else inputs - means).int()
        writer.add(symbols, indexes, self._tables(), self.skip_threshold(skip_below))

    def read(self, reader: StreamReader, indexes: torch.Tensor, means: torch.Tensor | None = None,
             skip_below: int | None = None) -> torch.Tensor:
        """y_hat (float32, shaped like ``indexes``), the next part of ``reader``: decoded symbols +
        means; skipped elements (``skip_below`` as written) = means."""
        symbols = reader.read(indexes, self._tables(), self.skip_threshold(skip_below)).float()
        return symbols if means is None else symbols + means

    def compress(self, inputs: torch.Tensor, indexes: torch.Tensor, means: torch.Tensor | None = None,
                 coder: CoderSettings | None = None, skip_below: int | None = None):
        """One stream per batch element in ``coder``'s format (default ``compressai``): (data uint8
        (total,), sizes int64 (B,)); other arguments as :meth:`write`."""
        writer = (coder or CoderSettings()).writer()
        self.write(writer, inputs, indexes, means, skip_below)
        data, sizes = writer.finish()
        return data, sizes[0]

    def decompress(self, data: torch.Tensor, sizes: torch.Tensor, indexes: torch.Tensor,
                   means: torch.Tensor | None = None, coder: CoderSettings | None = None,
                   skip_below: int | None = None) -> torch.Tensor:
        """y_hat of :meth:`compress`'s streams (the same ``coder`` and ``skip_below``), as :meth:`read`."""
        reader = (coder or CoderSettings()).reader(data, sizes[None])
        y_hat = self.read(reader, indexes, means, skip_below)
        reader.finish()
        return y_hat
