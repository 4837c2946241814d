"""torch.library.opcheck for every op: schema, fake (meta) implementation, dispatch."""

import pytest
import torch

import ecc

from conftest import gaussian_latent, scale_table


def test_opcheck_gaussian_cdf_table():
    torch.library.opcheck(torch.ops.ecc.gaussian_cdf_table.default, (scale_table()[:20].contiguous(),))


def test_opcheck_rans_encode(tables):
    symbols, indexes = gaussian_latent(300, seed=1, batch=3)
    torch.library.opcheck(torch.ops.ecc.rans_encode.default, (symbols, indexes, *tables, -1))
    torch.library.opcheck(torch.ops.ecc.rans_encode.default, (symbols, indexes, *tables, 12))


def test_opcheck_rans_decode(tables):
    symbols, indexes = gaussian_latent(300, seed=2, batch=3)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    torch.library.opcheck(torch.ops.ecc.rans_decode.default, (data, sizes, indexes, *tables, -1))


def test_opcheck_rans_decode_part(tables):
    symbols, indexes = gaussian_latent(300, seed=2, batch=3)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    _, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100], *tables)
    torch.library.opcheck(torch.ops.ecc.rans_decode_part.default,
                          (data, sizes, state, indexes[:, 100:].contiguous(), *tables, -1, True))


def test_opcheck_pmf_to_quantized_cdf():
    g = torch.Generator().manual_seed(8)
    pmf = torch.rand(6, 30, generator=g) ** 6
    lengths = torch.randint(1, 31, (6,), generator=g, dtype=torch.int32)
    pmf *= (torch.arange(30) < lengths[:, None]).float()
    pmf = pmf / pmf.sum(1, keepdim=True) * 0.99
    torch.library.opcheck(torch.ops.ecc.pmf_to_quantized_cdf.default, (pmf, lengths, torch.full((6,), 0.01)))


@pytest.mark.parametrize("length", [9, 1, 0])
def test_opcheck_deterministic_conv1d(length):
    x, w, b = torch.randn(2, 6, length), torch.randn(4, 6, 5), torch.randn(4)
    torch.library.opcheck(torch.ops.ecc.deterministic_conv1d.default, (x, w, b, 2))
    torch.library.opcheck(torch.ops.ecc.deterministic_conv1d.default, (x, w, b, 2, ecc.ops.pack_conv1d_weight(w)))
    assert ecc.ops.deterministic_conv1d(x, w, b).shape == (2, 4, length)


def test_deterministic_conv1d_backward_says_it_is_not_differentiable():
    x, w = torch.randn(1, 2, 7, requires_grad=True), torch.randn(3, 2, 3, requires_grad=True)
    y = ecc.ops.deterministic_conv1d(x, w, torch.zeros(3))
    with pytest.raises(RuntimeError, match="deterministic_conv1d is not differentiable.*conv1d"):
        y.sum().backward()


def test_cuda_version_reports_the_build():
    version = ecc.ops.cuda_version()
    assert isinstance(version, int) and version >= 0
    assert (version > 0) == (torch.version.cuda is not None and version > 0)


def test_opcheck_prepared_and_zero_sync_ops(tables):
    prepared = ecc.ops.prepare_tables(*tables)
    torch.library.opcheck(torch.ops.ecc.prepare_tables.default, tables)
    symbols, indexes = gaussian_latent(300, seed=3, batch=3)
    t = prepared.tensors
    torch.library.opcheck(torch.ops.ecc.rans_encode.prepared, (symbols, indexes, t, -1))
    torch.library.opcheck(torch.ops.ecc.rans_encode_interleaved.prepared, (symbols, indexes, t, -1, 0, 64))
    torch.library.opcheck(torch.ops.ecc.rans_encode_padded.default, (symbols, indexes, t, -1))
    torch.library.opcheck(torch.ops.ecc.rans_encode_interleaved_padded.default, (symbols, indexes, t, -1, 0, 0))
    for format, op in (("compressai", torch.ops.ecc.rans_decode), ("interleaved", torch.ops.ecc.rans_decode_interleaved)):
        data, sizes = ecc.ops.rans_encode(symbols, indexes, prepared, format=format)
        torch.library.opcheck(op.prepared, (data, sizes, indexes, t, -1))
    _, state = ecc.ops.rans_decode_part(data[:0], sizes[:0], None, indexes[:0, :0], prepared)
    padded, sizes, status = ecc.ops.rans_encode_padded(symbols, indexes, prepared)
    torch.library.opcheck(torch.ops.ecc.rans_decode_padded.default, (padded, sizes, indexes, t, -1))
    torch.library.opcheck(torch.ops.ecc.rans_compact.default, (padded, sizes))
    torch.library.opcheck(torch.ops.ecc.rans_check_status.default, (status, "rans_encode", prepared.num_rows))
    padded, sizes, _ = ecc.ops.rans_encode_padded(symbols, indexes, prepared, format="interleaved")
    torch.library.opcheck(torch.ops.ecc.rans_decode_interleaved_padded.default, (padded, sizes, indexes, t, -1))
    data, sizes = ecc.ops.rans_encode(symbols, indexes, prepared)
    _, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100], prepared)
    torch.library.opcheck(torch.ops.ecc.rans_decode_part.prepared,
                          (data, sizes, state, indexes[:, 100:].contiguous(), t, -1, True))
