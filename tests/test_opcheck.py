"""torch.library.opcheck for every op: schema, fake (meta) implementation, dispatch."""

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


def test_cuda_version_reports_the_build():
    version = ecc.ops.cuda_version()
    assert isinstance(version, int) and version >= 0
    assert (version > 0) == (torch.version.cuda is not None and version > 0)
