"""Shared fixtures: CompressAI (imported without its vision/graph dependencies) and latents."""

from __future__ import annotations

import importlib
import importlib.machinery
import math
import os
import sys
import types

import pytest
import torch

import ecc
from ecc.coding import default_scale_table as scale_table
from ecc.coding import scale_indexes


def gaussian_latent(n: int, seed: int, low: float = 0.11, high: float = 20.0, batch: int | None = None):
    """Speech/image-like latent: log-uniform scales, Gaussian values. Returns (symbols, indexes)."""
    g = torch.Generator().manual_seed(seed)
    shape = (n,) if batch is None else (batch, n)
    scales = torch.exp(torch.rand(shape, generator=g) * math.log(high / low) + math.log(low))
    symbols = torch.round(torch.randn(shape, generator=g) * scales).int()
    return symbols, scale_indexes(scales, scale_table())


@pytest.fixture(scope="session")
def tables():
    """(cdf, cdf_length, offset) for the default scale table, built by ecc."""
    return ecc.ops.gaussian_cdf_table(scale_table())


class _Stub(types.ModuleType):
    """Stands in for a package CompressAI imports but never uses on the paths tested here."""

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


@pytest.fixture(scope="session")
def compressai():
    """The real compressai package (1.2.8). torchvision and torch_geometric have no CPU wheels
    for this torch; CompressAI imports them only in its transform registry, so they are stubbed
    when missing. In CI (CI=true) a missing compressai is an error, not a skip."""
    for name in ("torchvision.transforms", "torch_geometric.transforms", "torch_geometric.data.datapipes"):
        _stub_missing(name)
    try:
        import compressai
        import compressai.ans
        import compressai.entropy_models
    except ImportError as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"compressai is not importable: {e}")
    return compressai
