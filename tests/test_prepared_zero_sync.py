"""Prepared tables and the zero-sync API: the same bytes as the three-tensor ops and the pure-Python
reference, statuses instead of exceptions, and the same errors from check_status."""

import pytest
import torch

import ecc
from ecc.coding import reference

from conftest import gaussian_latent

FORMATS = ["compressai", "interleaved"]


@pytest.fixture(scope="module")
def prepared(tables):
    return ecc.ops.prepare_tables(*tables)


@pytest.mark.parametrize("format", FORMATS)
@pytest.mark.parametrize("skip_below", [-1, 12])
def test_prepared_matches_reference(tables, prepared, format, skip_below):
    symbols, indexes = gaussian_latent(700, seed=3, batch=3)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, prepared, skip_below=skip_below, format=format)
    ref_data, ref_sizes = reference.rans_encode(symbols, indexes, *tables, skip_below=skip_below, format=format)
    assert torch.equal(data, ref_data) and torch.equal(sizes, ref_sizes)
    decoded = ecc.ops.rans_decode(data, sizes, indexes, prepared, skip_below=skip_below, format=format)
    assert torch.equal(decoded, ecc.ops.rans_decode(data, sizes, indexes, *tables, skip_below=skip_below, format=format))


@pytest.mark.parametrize("format", FORMATS)
def test_padded_round_trip_matches_reference(tables, prepared, format):
    symbols, indexes = gaussian_latent(5000, seed=4, batch=4)
    padded, sizes, status = ecc.ops.rans_encode_padded(symbols, indexes, prepared, format=format)
    assert status.dtype == torch.int32 and not status.any()
    kwargs = {"chunk_size": 1 << 12} if format == "interleaved" else {}  # 4 streams of 5000: the batch's choice
    ref_data, ref_sizes = reference.rans_encode(symbols, indexes, *tables, format=format, **kwargs)
    assert torch.equal(ecc.ops.rans_compact(padded, sizes), ref_data) and torch.equal(sizes, ref_sizes)
    decoded, status = ecc.ops.rans_decode_padded(padded, sizes, indexes, prepared, format=format)
    assert not status.any() and torch.equal(decoded, symbols)


def test_prepared_decode_part(tables, prepared):
    symbols, indexes = gaussian_latent(300, seed=5, batch=2)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    first, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100], prepared)
    rest, _ = ecc.ops.rans_decode_part(data, sizes, state, indexes[:, 100:], prepared, finish=True)
    assert torch.equal(torch.cat([first, rest], 1), symbols)


@pytest.mark.parametrize("format", FORMATS)
def test_statuses_instead_of_exceptions(prepared, format):
    symbols, indexes = gaussian_latent(200, seed=6, batch=3)
    bad = indexes.clone()
    bad[1, 5] = prepared.num_rows
    padded, sizes, status = ecc.ops.rans_encode_padded(symbols, bad, prepared, format=format)
    assert status.tolist() == [0, 1, 0] and sizes[1] == 0
    with pytest.raises(RuntimeError, match="stream 1 has an index outside"):
        ecc.ops.check_status(status, prepared, "rans_encode")
    padded, sizes, _ = ecc.ops.rans_encode_padded(symbols, indexes, prepared, format=format)
    sizes[2] -= 2
    _, status = ecc.ops.rans_decode_padded(padded, sizes, indexes, prepared, format=format)
    assert status[0] == 0 and status[1] == 0 and status[2] != 0
    with pytest.raises(RuntimeError, match="stream 2"):
        ecc.ops.check_status(status, prepared)
    sizes[2] = padded.shape[1] + 1
    _, status = ecc.ops.rans_decode_padded(padded, sizes, indexes, prepared, format=format)
    assert status[2] == 6  # kBadSize: a size beyond its row


def test_prepare_checks_rows_once(tables):
    cdf, cdf_length, offset = (t.clone() for t in tables)
    cdf[3, 1] = cdf[3, 0]
    with pytest.raises(RuntimeError, match="cdf row 3 is not a valid quantized CDF"):
        ecc.ops.prepare_tables(cdf, cdf_length, offset)


def test_tampered_prepared_tables_are_refused(prepared):
    symbols, indexes = gaussian_latent(100, seed=7)
    broken = ecc.ops.PreparedTables([t.clone() for t in prepared.tensors])
    broken.tensors[1][0] += 5  # a cdf_length that no longer matches the packed rows
    with pytest.raises(RuntimeError, match="prepare them again"):
        ecc.ops.rans_encode(symbols, indexes, broken)
    with pytest.raises(TypeError, match="PreparedTables alone"):
        ecc.ops.rans_encode(symbols, indexes, prepared, 3)


def test_entropy_model_keeps_its_prepared_tables_until_the_buffers_change():
    from ecc.entropy.gaussian_conditional import GaussianConditional

    gc = GaussianConditional()
    gc.update()
    first = gc._tables()
    assert gc._tables() is first
    gc.load_state_dict(gc.state_dict())
    assert gc._tables() is not first
