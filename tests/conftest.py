"""Shared fixtures: the default tables and the CompressAI oracle."""

from __future__ import annotations

import os

import pytest

import ecc
from ecc.coding import default_scale_table as scale_table  # noqa: F401  (used by tests)
from ecc.testing import gaussian_latent, import_compressai  # noqa: F401


@pytest.fixture(scope="session")
def tables():
    """(cdf, cdf_length, offset) for the default scale table, built by ecc."""
    return ecc.ops.gaussian_cdf_table(scale_table())


@pytest.fixture(scope="session")
def compressai():
    """The real compressai package (1.2.8). In CI (CI=true) a missing compressai is an error,
    not a skip: byte identity with it is the point of the `compressai` format."""
    try:
        return import_compressai()
    except ImportError as e:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"compressai is not importable: {e}")


def lists(tables):
    """Tables (or any tensors) as nested lists, for the pure-Python reference coders."""
    return [t.tolist() for t in tables]


def with_escapes(symbols):
    """symbols with some values moved past any table row: escapes coded as bypass nibbles."""
    symbols = symbols.clone()
    symbols[..., ::13] += 300
    symbols[..., ::31] -= 70000
    return symbols
