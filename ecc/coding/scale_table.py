"""Scale tables: the Gaussian scales whose CDFs are tabulated, and scale -> row index."""

from __future__ import annotations

import math

import torch

SCALE_MIN = 0.11
SCALE_MAX = 256.0


def default_scale_table(levels: int = 64) -> torch.Tensor:
    """CompressAI's default table: ``levels`` scales log-spaced over [0.11, 256], (levels,) float32."""
    return torch.exp(torch.linspace(math.log(SCALE_MIN), math.log(SCALE_MAX), levels))


def scale_indexes(scales: torch.Tensor, table: torch.Tensor) -> torch.Tensor:
    """Row of ``table`` for each scale, as CompressAI's ``GaussianConditional.build_indexes``:
    the number of table entries (the last excluded) below the scale, scales clamped at 0.11.

    Args:
        scales: any shape, float.
        table: (S,) ascending float32.
    Returns:
        int32 tensor shaped like ``scales``, values in [0, S).
    """
    return torch.searchsorted(table[:-1].to(scales), scales.clamp_min(SCALE_MIN).contiguous(), side="left").int()
