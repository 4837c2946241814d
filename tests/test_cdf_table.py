"""ecc.ops.gaussian_cdf_table == CompressAI's GaussianConditional.update() tables."""

import math

import pytest
import torch

import ecc
from ecc.coding import reference

from conftest import scale_table


def compressai_tables(compressai, scales):
    gc = compressai.entropy_models.GaussianConditional(None)
    gc.update_scale_table(scales)
    gc.update()
    return gc._quantized_cdf, gc._cdf_length, gc._offset


def assert_tables_equal(ours, theirs):
    for name, a, b in zip(("cdf", "cdf_length", "offset"), ours, theirs):
        assert a.dtype == torch.int32, name
        assert torch.equal(a, b), f"{name} differs in rows {(a != b).reshape(len(a), -1).any(1).nonzero().flatten().tolist()}"


def test_default_table_equals_compressai(compressai):
    assert_tables_equal(ecc.ops.gaussian_cdf_table(scale_table()), compressai_tables(compressai, scale_table()))


@pytest.mark.parametrize("seed", range(8))
def test_random_tables_equal_compressai(compressai, seed):
    g = torch.Generator().manual_seed(seed)
    scales = torch.exp(torch.rand(64, generator=g) * math.log(300 / 0.05) + math.log(0.05))
    assert_tables_equal(ecc.ops.gaussian_cdf_table(scales), compressai_tables(compressai, scales))


def test_unsorted_tiny_and_huge_scales_equal_compressai(compressai):
    scales = torch.tensor([1e-6, 3000.0, 0.11, 1.0, 0.5, 4.25, 1e-3, 2048.5])
    assert_tables_equal(ecc.ops.gaussian_cdf_table(scales), compressai_tables(compressai, scales))


def test_reference_table_equals_op():
    g = torch.Generator().manual_seed(5)
    scales = torch.exp(torch.rand(16, generator=g) * 5 - 2)
    assert_tables_equal(ecc.ops.gaussian_cdf_table(scales), reference.gaussian_cdf_table(scales))


def test_table_rows_are_valid_cdfs(tables):
    cdf, length, offset = tables
    for row, n, off in zip(cdf.tolist(), length.tolist(), offset.tolist()):
        assert row[0] == 0 and row[n - 1] == 1 << 16
        assert all(b > a for a, b in zip(row[: n - 1], row[1:n]))
        assert all(v == 0 for v in row[n:])
        assert n == 3 - 2 * off


@pytest.mark.parametrize("bad", [0.0, -1.0, float("nan"), float("inf"), 1e6])
def test_bad_scales_raise(bad):
    with pytest.raises(RuntimeError, match="scales must be finite"):
        ecc.ops.gaussian_cdf_table(torch.tensor([1.0, bad]))


def test_float64_scales_are_accepted_as_float32():
    scales = scale_table()
    assert all(torch.equal(a, b) for a, b in zip(ecc.ops.gaussian_cdf_table(scales.double()), ecc.ops.gaussian_cdf_table(scales)))
