"""Helpers for ecc's tests and benchmarks: synthetic latents and the CompressAI oracle."""

from __future__ import annotations

import importlib
import importlib.machinery
import math
import sys
import types

import torch

from .coding import default_scale_table, scale_indexes

# Packages CompressAI imports at start-up but never uses on its coding paths; torchvision and
# torch_geometric have no CPU wheels for the pinned torch, so they are stubbed when missing.
_COMPRESSAI_OPTIONAL = ("torchvision.transforms", "torch_geometric.transforms", "torch_geometric.data.datapipes")


def gaussian_latent(n: int, seed: int, low: float = 0.11, high: float = 20.0, batch: int | None = None):
    """A speech/image-codec-like latent: log-uniform scales in [low, high], Gaussian values.

    Returns:
        symbols, indexes: int32, shape (n,) or (batch, n); indexes into the default scale table.
    """
    g = torch.Generator().manual_seed(seed)
    shape = (n,) if batch is None else (batch, n)
    scales = torch.exp(torch.rand(shape, generator=g) * math.log(high / low) + math.log(low))
    symbols = torch.round(torch.randn(shape, generator=g) * scales).int()
    return symbols, scale_indexes(scales, default_scale_table())


class _Stub(types.ModuleType):
    """Stands in for a module CompressAI imports but does not use here."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        child = _Stub(f"{self.__name__}.{name}")
        setattr(self, name, child)
        return child

    def __call__(self, *args, **kwargs):  # decorators such as torch_geometric's functional_transform
        return self

    def __mro_entries__(self, bases):  # classes deriving from a stubbed base
        return (object,)


def escape_heavy(symbols: torch.Tensor, indexes: torch.Tensor, tables) -> torch.Tensor:
    """symbols with a third escaping (just past either end of their row, or far out) and a sixth
    on a row's first or last regular slot (the tails of a decoder's slot search).

    Args: symbols, indexes: int32, same shape; tables: (cdf, cdf_length, offset) as indexed.
    Returns: int32, the shape of symbols.
    """
    _, cdf_length, offset = tables
    low = offset[indexes.long()]
    top = low + cdf_length[indexes.long()] - 2  # the escape slot's symbol
    out = symbols.clone()
    out[..., 0::6] = top[..., 0::6] + symbols[..., 0::6].abs() % 40
    out[..., 1::6] = low[..., 1::6] - 1 - symbols[..., 1::6].abs() % 300
    out[..., 2::12] = top[..., 2::12] - 1
    out[..., 3::12] = low[..., 3::12]
    out[..., 4::97] -= 70000
    return out


def _stub_missing(name: str) -> None:
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        sub = ".".join(parts[:i])
        try:
            importlib.import_module(sub)
        except ImportError:
            module = _Stub(sub)
            module.__path__ = []
            module.__spec__ = importlib.machinery.ModuleSpec(sub, None)
            sys.modules[sub] = module


def import_compressai():
    """Import the real compressai package (with ``.ans`` and ``.entropy_models`` loaded),
    stubbing torchvision/torch_geometric only where they are not installed."""
    for name in _COMPRESSAI_OPTIONAL:
        _stub_missing(name)
    import compressai
    import compressai.ans
    import compressai.entropy_models

    return compressai
