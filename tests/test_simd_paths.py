"""Every SIMD path of the CPU `interleaved` coder (ECC_SIMD=scalar|avx2|avx512, csrc/cpu/simd/)
writes the bytes of the pure-Python reference and of the scalar path, and decodes them back,
including escape-heavy input, skip, every lane count, odd lengths, empty streams, slot searches in
a row's tails and damaged streams. Paths this CPU lacks are skipped."""

import pytest
import torch

import ecc
from ecc.coding import reference_interleaved as ri
from ecc.testing import escape_heavy, gaussian_latent

PATHS = ["scalar", "avx2", "avx512"]


@pytest.fixture(params=PATHS)
def path(request, monkeypatch):
    """Forces one path for the test (the kernels read ECC_SIMD at every call)."""
    monkeypatch.setenv("ECC_SIMD", request.param)
    try:
        assert ecc.ops.simd_path() == request.param
    except RuntimeError as e:
        pytest.skip(str(e))
    return request.param


def lists(tables):
    return [t.tolist() for t in tables]


def encode(symbols, indexes, tables, **kwargs):
    return ecc.ops.rans_encode(symbols, indexes, *tables, format="interleaved", **kwargs)


def decode(data, sizes, indexes, tables, skip_below=-1):
    return ecc.ops.rans_decode(data, sizes, indexes, *tables, skip_below=skip_below, format="interleaved")


def scalar_encode(monkeypatch, *args, **kwargs):
    monkeypatch.setenv("ECC_SIMD", "scalar")
    out = encode(*args, **kwargs)
    monkeypatch.undo()
    return out


@pytest.mark.parametrize("lanes", [1, 4, 8, 16, 32])
@pytest.mark.parametrize("n,chunk_size", [(0, 1 << 16), (1, 32), (33, 32), (1000, 64), (2051, 1024)])
@pytest.mark.parametrize("skip_below", [-1, 20])
def test_bytes_equal_reference(tables, path, lanes, n, chunk_size, skip_below):
    symbols, indexes = gaussian_latent(n, seed=n + lanes, low=0.02, high=200.0, batch=2)
    symbols = escape_heavy(symbols, indexes, tables)
    data, sizes = encode(symbols, indexes, tables, skip_below=skip_below, lanes=lanes, chunk_size=chunk_size)
    start = 0
    for b in range(2):
        ref = ri.encode_stream(symbols[b].tolist(), indexes[b].tolist(), *lists(tables), skip_below, lanes, chunk_size)
        assert bytes(data[start : start + sizes[b]].numpy()) == ref
        start += int(sizes[b])
    assert torch.equal(decode(data, sizes, indexes, tables, skip_below), torch.where(indexes >= skip_below, symbols, 0))


@pytest.mark.parametrize("lanes", [4, 16, 32])
@pytest.mark.parametrize("heavy", [False, True])
def test_long_streams_equal_the_scalar_path(tables, path, monkeypatch, lanes, heavy):
    symbols, indexes = gaussian_latent(150_001, seed=lanes, low=0.02, high=20.0, batch=2)
    if heavy:
        symbols = escape_heavy(symbols, indexes, tables)
    data, sizes = encode(symbols, indexes, tables, lanes=lanes, chunk_size=1 << 14)
    expected = scalar_encode(monkeypatch, symbols, indexes, tables, lanes=lanes, chunk_size=1 << 14)
    assert torch.equal(data, expected[0]) and torch.equal(sizes, expected[1])
    monkeypatch.setenv("ECC_SIMD", path)
    assert torch.equal(decode(data, sizes, indexes, tables), symbols)


def test_extreme_rows(path):
    """A row whose only slot is the escape slot (frequency 2^16) and one with frequency-1 slots."""
    cdf = torch.tensor([[0, 65536, 0, 0], [0, 1, 65535, 65536]], dtype=torch.int32)
    tables = (cdf, torch.tensor([2, 4], dtype=torch.int32), torch.tensor([0, -1], dtype=torch.int32))
    g = torch.Generator().manual_seed(3)
    indexes = torch.randint(0, 2, (1, 777), generator=g, dtype=torch.int32)
    symbols = torch.randint(-3, 5, (1, 777), generator=g, dtype=torch.int32)
    for lanes in (4, 32):
        data, sizes = encode(symbols, indexes, tables, lanes=lanes, chunk_size=256)
        ref = ri.encode_stream(symbols[0].tolist(), indexes[0].tolist(), *lists(tables), -1, lanes, 256)
        assert bytes(data.numpy()) == ref
        assert torch.equal(decode(data, sizes, indexes, tables), symbols)


def test_escape_limits(tables, path):
    """Raw values up to 2^31 - 1 code on every path; one further is refused."""
    symbols, indexes = gaussian_latent(64, seed=4)
    _, cdf_length, offset = tables
    r = indexes.long()
    low, top = offset[r] - 2**30, offset[r] + cdf_length[r] - 2 + 2**30 - 1  # the furthest codable
    symbols[0::2], symbols[1::2] = low[0::2], top[1::2]
    data, sizes = encode(symbols[None], indexes[None], tables, lanes=32, chunk_size=64)
    ref = ri.encode_stream(symbols.tolist(), indexes.tolist(), *lists(tables), -1, 32, 64)
    assert bytes(data.numpy()) == ref
    assert torch.equal(decode(data, sizes, indexes[None], tables)[0], symbols)
    for too_far in (low - 1, top + 1):
        symbols[5] = too_far[5]
        with pytest.raises(RuntimeError, match="too far"):
            encode(symbols[None], indexes[None], tables, lanes=32, chunk_size=64)
        symbols[5] = low[5]


def test_errors_equal_reference(tables, path):
    """Bad indexes, symbols too far out to code, random and bit-flipped streams: the same outcome
    as the reference on every path."""
    symbols, indexes = gaussian_latent(600, seed=7)
    bad = indexes.clone()
    bad[100] = 64
    with pytest.raises(RuntimeError, match="index outside"):
        encode(symbols, bad, tables, lanes=32, chunk_size=256)
    far = symbols.clone()
    far[200] = 2**31 - 1
    with pytest.raises(RuntimeError, match="too far"):
        encode(far, indexes, tables, lanes=32, chunk_size=256)
    symbols = escape_heavy(symbols, indexes, tables)
    data, _ = encode(symbols, indexes, tables, lanes=32, chunk_size=256)
    g = torch.Generator().manual_seed(8)
    for trial in range(300):
        damaged = data.clone()
        pos = torch.randint(0, len(damaged), (2,), generator=g)
        damaged[pos] ^= torch.randint(1, 256, (2,), generator=g, dtype=torch.uint8)
        try:
            ours = decode(damaged, torch.tensor([len(damaged)]), indexes, tables).tolist()
        except RuntimeError:
            ours = None
        try:
            theirs = ri.decode_stream(bytes(damaged.numpy()), indexes.tolist(), *lists(tables))
        except ValueError:
            theirs = None
        assert ours == theirs, f"trial {trial}"


def test_unknown_path_is_refused(tables, monkeypatch):
    monkeypatch.setenv("ECC_SIMD", "sse9")
    symbols, indexes = gaussian_latent(10, seed=1)
    with pytest.raises(RuntimeError, match="ECC_SIMD=sse9 is not a SIMD path: use scalar, avx2 or avx512"):
        encode(symbols, indexes, tables)


@pytest.mark.parametrize("bad_chunk", [0, 1, 2])
def test_an_error_in_either_chunk_of_a_pair_is_reported(tables, path, bad_chunk):
    """A thread decodes chunks two at a time (AVX-512: their groups alternating); a bad index in
    any one of them, the pair's first, its second or the odd one left over, fails the call."""
    symbols, indexes = gaussian_latent(2500, seed=7, low=0.02, high=200.0, batch=1)
    data, sizes = encode(symbols, indexes, tables, lanes=32, chunk_size=1024)  # chunks of 1024, 1024, 452
    assert torch.equal(decode(data, sizes, indexes, tables), symbols)
    broken = indexes.clone()
    broken[0, 1024 * bad_chunk + 100] = tables[0].shape[0]
    with pytest.raises(RuntimeError, match="index"):
        decode(data, sizes, broken, tables)
