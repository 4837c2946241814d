"""The `interleaved` stream format: the C++ coder == the pure-Python reference byte for byte,
exact round trips for every lane count, with skip, escapes, empty streams and chunk boundaries."""

import pytest
import torch

import ecc
from ecc.coding import ideal_bits, reference
from ecc.coding import reference_interleaved as ri
from ecc.testing import gaussian_latent

from conftest import lists, with_escapes


@pytest.mark.parametrize("lanes", [1, 4, 8, 16, 32, None])
@pytest.mark.parametrize("n,chunk_size", [(0, 1 << 16), (1, 32), (31, 32), (32, 32), (33, 32), (1000, 64), (4099, 1024)])
@pytest.mark.parametrize("skip_below", [-1, 20])
def test_bytes_equal_reference_and_round_trip(tables, lanes, n, chunk_size, skip_below):
    symbols, indexes = gaussian_latent(n, seed=n + (lanes or 0), batch=2)
    symbols = with_escapes(symbols)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below, format="interleaved",
                                      lanes=lanes, chunk_size=chunk_size)
    start = 0
    for b in range(2):
        ref = ri.encode_stream(symbols[b].tolist(), indexes[b].tolist(), *lists(tables), skip_below, lanes, chunk_size)
        assert bytes(data[start : start + sizes[b]].numpy()) == ref
        start += int(sizes[b])
    expected = torch.where(indexes >= skip_below, symbols, 0)
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, *tables, skip_below=skip_below, format="interleaved"), expected)
    assert torch.equal(reference.rans_decode(data, sizes, indexes, *tables, skip_below, format="interleaved"), expected)


def test_header_records_lanes_and_chunk_size(tables):
    symbols, indexes = gaussian_latent(100, seed=1)
    data, _ = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", lanes=8, chunk_size=1 << 10)
    assert data[:4].tolist() == [1, 8, 10, 0]


@pytest.mark.parametrize("n,lanes", [(100, 1), (8191, 1), (8192, 4), (16384, 8), (32768, 16), (65536, 32), (10**6, 32)])
def test_automatic_lanes_follow_the_chunk_length(tables, n, lanes):
    assert ri.auto_lanes(min(n, 1 << 16)) == lanes
    symbols, indexes = gaussian_latent(n, seed=2)
    data, _ = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved")
    assert int(data[1]) == lanes


def test_compression_is_close_to_the_compressai_format(tables):
    symbols, indexes = gaussian_latent(200_000, seed=3)
    ideal = ideal_bits(symbols, indexes, *tables)
    interleaved, _ = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved")
    compat, _ = ecc.ops.rans_encode(symbols, indexes, *tables)
    assert compat.numel() * 8 <= ideal * 1.001 + 64
    assert interleaved.numel() * 8 <= ideal * 1.01  # 32-bit states + 4 bytes per lane per chunk


def test_many_chunks_decode_in_parallel_exactly(tables):
    symbols, indexes = gaussian_latent(300_000, seed=4, batch=3)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", chunk_size=1 << 12)
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, *tables, format="interleaved"), symbols)


def test_bad_arguments(tables):
    symbols, indexes = gaussian_latent(100, seed=5)
    with pytest.raises(RuntimeError, match="lanes must be 1, 4, 8, 16 or 32"):
        ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", lanes=3)
    with pytest.raises(RuntimeError, match="chunk_size must be a power of two"):
        ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", chunk_size=1000)
    with pytest.raises(ValueError, match="format must be one of"):
        ecc.ops.rans_encode(symbols, indexes, *tables, format="zip")
    with pytest.raises(ValueError, match="apply to format='interleaved' only"):
        ecc.ops.rans_encode(symbols, indexes, *tables, lanes=4)
    bad = indexes.clone()
    bad[7] = 64
    with pytest.raises(RuntimeError, match="index outside"):
        ecc.ops.rans_encode(symbols, bad, *tables, format="interleaved")


def test_foreign_and_damaged_streams_raise(tables):
    symbols, indexes = gaussian_latent(3000, seed=6)
    compat, compat_sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    with pytest.raises(RuntimeError, match="no valid `interleaved` header"):
        ecc.ops.rans_decode(compat, compat_sizes, indexes, *tables, format="interleaved")
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", lanes=4, chunk_size=1024)
    for cut in (2, 10, int(sizes[0]) - 2):
        with pytest.raises(RuntimeError, match="stream 0 (is truncated|is corrupt|has an impossible size)"):
            ecc.ops.rans_decode(data[:cut], torch.tensor([cut]), indexes, *tables, format="interleaved")


def test_fuzz_against_reference(tables):
    """Random and bit-flipped streams: the op and the reference agree on every outcome."""
    symbols, indexes = gaussian_latent(600, seed=7)
    data, _ = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", lanes=4, chunk_size=256)
    g = torch.Generator().manual_seed(8)
    raised = 0
    for trial in range(1500):
        if trial % 3 == 0:
            bad = torch.randint(0, 256, (int(torch.randint(4, 200, (1,), generator=g)),), generator=g, dtype=torch.uint8)
            bad[:4] = torch.tensor([1, 4, 8, 0], dtype=torch.uint8)  # a plausible header
        else:
            bad = data.clone()
            pos = torch.randint(0, len(bad), (2,), generator=g)
            bad[pos] ^= torch.randint(1, 256, (2,), generator=g, dtype=torch.uint8)
        try:
            ours = ecc.ops.rans_decode(bad, torch.tensor([len(bad)]), indexes, *tables, format="interleaved").tolist()
        except RuntimeError:
            ours = None
        try:
            theirs = ri.decode_stream(bytes(bad.numpy()), indexes.tolist(), *lists(tables))
        except ValueError:
            theirs = None
        assert ours == theirs, f"trial {trial}"
        raised += ours is None
    assert raised > 1200


def test_opcheck_interleaved(tables):
    symbols, indexes = gaussian_latent(300, seed=9, batch=3)
    torch.library.opcheck(torch.ops.ecc.rans_encode_interleaved.default, (symbols, indexes, *tables, -1, 4, 64))
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", lanes=4, chunk_size=64)
    torch.library.opcheck(torch.ops.ecc.rans_decode_interleaved.default, (data, sizes, indexes, *tables, -1))
