"""Ideal code length of symbols under quantized CDF tables (what a perfect coder would spend)."""

from __future__ import annotations

import torch


def ideal_bits(symbols: torch.Tensor, indexes: torch.Tensor, cdf: torch.Tensor, cdf_length: torch.Tensor,
               offset: torch.Tensor) -> float:
    """Sum of -log2(freq / 2^16) over the symbols' table slots (escaped values count as the
    escape slot; their bypass bits are not included).

    Args:
        symbols, indexes: same shape, int; cdf (S, Lmax), cdf_length (S,), offset (S,) int32.
    Returns:
        total bits, a Python float.
    """
    sym, idx = symbols.reshape(-1).long().cpu(), indexes.reshape(-1).long().cpu()
    cdf, length, offset = cdf.cpu(), cdf_length.cpu().long(), offset.cpu()
    slot = torch.minimum((sym - offset[idx]).clamp(min=0), length[idx] - 2)
    freq = cdf[idx, slot + 1] - cdf[idx, slot]
    return (16 - torch.log2(freq.double())).sum().item()
