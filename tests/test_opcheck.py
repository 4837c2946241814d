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
