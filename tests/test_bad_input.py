"""Bad input gets a clear exception, never a crash, hang or out-of-bounds access."""

import types

import pytest
import torch

import ecc
from ecc.coding import reference

from conftest import gaussian_latent


@pytest.fixture(scope="module")
def encoded(tables):
    symbols, indexes = gaussian_latent(2000, seed=21, batch=3)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    return symbols, indexes, data, sizes


def test_wrong_dtypes(tables):
    symbols, indexes = gaussian_latent(10, seed=0)
    with pytest.raises(RuntimeError, match="symbols must be Int"):
        ecc.ops.rans_encode(symbols.long(), indexes, *tables)
    with pytest.raises(RuntimeError, match="indexes must be Int"):
        ecc.ops.rans_encode(symbols, indexes.float(), *tables)
    cdf, length, offset = tables
    with pytest.raises(RuntimeError, match="cdf must be Int"):
        ecc.ops.rans_encode(symbols, indexes, cdf.long(), length, offset)


def test_wrong_shapes(tables):
    symbols, indexes = gaussian_latent(10, seed=0)
    with pytest.raises(RuntimeError, match="same shape"):
        ecc.ops.rans_encode(symbols, indexes[:5], *tables)
    with pytest.raises(ValueError, match="expected \\(B, N\\)"):
        ecc.ops.rans_encode(symbols.reshape(1, 2, 5), indexes.reshape(1, 2, 5), *tables)
    cdf, length, offset = tables
    with pytest.raises(RuntimeError, match="one entry per cdf row"):
        ecc.ops.rans_encode(symbols, indexes, cdf, length[:-1], offset)


def test_cuda_tensor_on_a_cpu_build_names_the_problem():
    if ecc.ops.cuda_version() != 0:
        pytest.skip("this build has CUDA")
    cuda_like = types.SimpleNamespace(is_cuda=True)  # a CPU-only torch cannot make a CUDA tensor
    with pytest.raises(RuntimeError, match="built without CUDA"):
        ecc.ops._check_device(torch.zeros(1), cuda_like)


def test_index_out_of_range(tables):
    symbols, indexes = gaussian_latent(10, seed=0)
    for bad in (-1, 64, 1 << 30):
        indexes[3] = bad
        with pytest.raises(RuntimeError, match="index outside \\[0, 64\\)"):
            ecc.ops.rans_encode(symbols, indexes, *tables)


def test_bad_cdf_rows(tables):
    symbols, indexes = gaussian_latent(10, seed=0)
    cdf, length, offset = (t.clone() for t in tables)
    not_increasing = cdf.clone()
    not_increasing[5, 3] = not_increasing[5, 2]
    wrong_end = cdf.clone()
    wrong_end[0, length[0] - 1] = 60000
    too_long = length.clone()
    too_long[2] = cdf.shape[1] + 1
    for c, n in ((not_increasing, length), (wrong_end, length), (cdf, too_long)):
        with pytest.raises(RuntimeError, match="not a valid quantized CDF"):
            ecc.ops.rans_encode(symbols, indexes, c, n, offset)
        with pytest.raises(RuntimeError, match="not a valid quantized CDF"):
            ecc.ops.rans_decode(torch.zeros(8, dtype=torch.uint8), torch.tensor([8]), indexes, c, n, offset)


def test_sizes_that_do_not_match_the_buffer(tables, encoded):
    _, indexes, data, sizes = encoded
    for bad in (sizes + 4, sizes - 4, -sizes):
        with pytest.raises(RuntimeError, match="sizes"):
            ecc.ops.rans_decode(data, bad, indexes, *tables)
    with pytest.raises(RuntimeError, match="sizes has 2 entries"):
        ecc.ops.rans_decode(data[: int(sizes[:2].sum())], sizes[:2], indexes, *tables)


@pytest.mark.parametrize("format", ["compressai", "interleaved", "part"])
def test_sizes_whose_sum_wraps_around_raise(tables, format):
    """int64 sizes that add up past 2^63 (to 16 mod 2^64) must not pass as 16 bytes (issue 19)."""
    data = torch.zeros(16, dtype=torch.uint8)
    sizes = torch.tensor([8, 2**63 - 4, 2**63 - 4, 16])
    indexes = torch.zeros(4, 1000, dtype=torch.int32)
    with pytest.raises(RuntimeError, match="sizes add up to more than the 16 bytes of data"):
        if format == "part":
            ecc.ops.rans_decode_part(data, sizes, None, indexes, *tables)
        else:
            ecc.ops.rans_decode(data, sizes, indexes, *tables, format=format)


def test_truncated_streams_raise(tables, encoded):
    _, indexes, data, sizes = encoded
    for cut in (4, 8, int(sizes[0]) - 8):
        short = sizes.clone()
        short[0] = cut
        chopped = torch.cat([data[:cut], data[int(sizes[0]) :]])
        with pytest.raises(RuntimeError, match="stream 0 is (truncated|corrupt)|stream 0 has an impossible size"):
            ecc.ops.rans_decode(chopped, short, indexes, *tables)


def test_odd_sized_stream_raises(tables, encoded):
    _, indexes, data, sizes = encoded
    odd = sizes.clone()
    odd[1] += 1
    with pytest.raises(RuntimeError, match="stream 1 has an impossible size for its format"):
        ecc.ops.rans_decode(torch.cat([data, torch.zeros(1, dtype=torch.uint8)]), odd, indexes, *tables)


def test_wrong_indexes_are_detected(tables, encoded):
    _, indexes, data, sizes = encoded
    with pytest.raises(RuntimeError, match="corrupt|truncated"):
        ecc.ops.rans_decode(data, sizes, (indexes + 1).clamp(max=63), *tables)


def test_fuzz_random_and_corrupted_streams(tables, encoded):
    """Thousands of random/corrupted streams: each decodes or raises RuntimeError, and the
    reference agrees on which. Never a crash or hang."""
    symbols, indexes, data, sizes = encoded
    g = torch.Generator().manual_seed(99)
    stream, idx = data[: int(sizes[0])], indexes[0]
    n_idx = idx[:300]
    outcomes = {"decoded": 0, "raised": 0}
    for trial in range(3000):
        kind = trial % 4
        if kind == 0:  # random bytes
            size = 4 * int(torch.randint(2, 80, (1,), generator=g))
            bad = torch.randint(0, 256, (size,), generator=g, dtype=torch.uint8)
        elif kind == 1:  # flip bytes in a real stream
            bad = stream.clone()
            pos = torch.randint(0, len(bad), (3,), generator=g)
            bad[pos] ^= torch.randint(1, 256, (3,), generator=g, dtype=torch.uint8)
        elif kind == 2:  # truncate a real stream to a multiple of 4
            bad = stream[: 4 * int(torch.randint(2, len(stream) // 4, (1,), generator=g))].clone()
        else:  # a real stream's prefix decoded with fewer indexes
            bad = stream[: 4 * int(torch.randint(2, 40, (1,), generator=g))].clone()
        use = idx if kind != 3 else n_idx
        try:
            out = ecc.ops.rans_decode(bad, torch.tensor([len(bad)]), use, *tables)
            ours = out.tolist()
        except RuntimeError:
            ours = None
        try:
            theirs = reference.decode_stream(bytes(bad.numpy()), use.tolist(), *(t.tolist() for t in tables))
        except ValueError:
            theirs = None
        assert ours == theirs, f"trial {trial}: op and reference disagree"
        outcomes["decoded" if ours is not None else "raised"] += 1
    assert outcomes["raised"] > 2500  # the final-state check catches nearly all corruption
