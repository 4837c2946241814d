"""The `range` stream format: the C++ coder == the pure-Python reference byte for byte, a minimal
termination (no trailing 0x00, the empty stream is 0 bytes), decoding in parts, the worst-case
bound, and a clear error (never a crash) for damaged bytes."""

import random

import pytest
import torch

import ecc
from ecc.coding import ideal_bits, reference
from ecc.coding import reference_range as rr
from ecc.entropy import CoderSettings
from ecc.testing import gaussian_latent

from conftest import lists, with_escapes
from test_rans_compact import random_tables, streams


def max_bytes(n):
    """range_stream.h max_bytes: < 53 bits per element (slot, count, 8 nibbles) plus the 4-byte flush."""
    return (53 * n + 7) // 8 + 4


def as_int64(v):
    """An unsigned 64-bit value as the int64 a state tensor holds."""
    return v - 2**64 if v >= 2**63 else v


def encode(symbols, indexes, tables, skip_below=-1):
    return ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below, format="range")


def decode(data, sizes, indexes, tables, skip_below=-1):
    return ecc.ops.rans_decode(data, sizes, indexes, *tables, skip_below=skip_below, format="range")


@pytest.mark.parametrize("n", [0, 1, 2, 7, 100, 1000])
@pytest.mark.parametrize("skip_below", [-1, 20])
def test_bytes_equal_reference_and_round_trip(tables, n, skip_below):
    symbols, indexes = gaussian_latent(n, seed=n + 1, batch=3)
    symbols = with_escapes(symbols)
    data, sizes = encode(symbols, indexes, tables, skip_below)
    for b, stream in enumerate(streams(data, sizes)):
        assert stream == rr.encode_stream(symbols[b].tolist(), indexes[b].tolist(), *lists(tables), skip_below)
    expected = torch.where(indexes >= skip_below, symbols, 0)
    assert torch.equal(decode(data, sizes, indexes, tables, skip_below), expected)
    assert torch.equal(reference.rans_decode(data, sizes, indexes, *tables, skip_below, format="range"), expected)


@pytest.mark.parametrize("seed", range(6))
def test_random_tables_and_symbols_equal_reference(seed):
    tables = random_tables(seed)
    g = torch.Generator().manual_seed(100 + seed)
    n = [0, 1, 3, 50, 300, 2000][seed]
    indexes = torch.randint(0, len(tables[0]), (4, n), generator=g, dtype=torch.int32)
    symbols = torch.randint(-30, 50, (4, n), generator=g, dtype=torch.int32)  # often past the rows: escapes
    data, sizes = encode(symbols, indexes, tables, seed - 1)
    ref_data, ref_sizes = reference.rans_encode(symbols, indexes, *tables, seed - 1, format="range")
    assert torch.equal(data, ref_data) and torch.equal(sizes, ref_sizes)
    prepared = ecc.ops.prepare_tables(*tables)
    assert torch.equal(ecc.ops.rans_encode(symbols, indexes, prepared, skip_below=seed - 1, format="range")[0], data)
    decoded = ecc.ops.rans_decode(data, sizes, indexes, prepared, skip_below=seed - 1, format="range")
    assert torch.equal(decoded, torch.where(indexes >= seed - 1, symbols, 0))


def test_minimal_termination(tables):
    empty = torch.zeros(2, 0, dtype=torch.int32)
    data, sizes = encode(empty, empty, tables)
    assert sizes.tolist() == [0, 0] and data.numel() == 0
    assert decode(data, sizes, empty, tables).shape == (2, 0)
    symbols, indexes = gaussian_latent(40, seed=9)
    assert encode(symbols, indexes, tables, 10**6)[1].tolist() == [0]  # every element skipped
    excess = []
    for seed in range(200):
        symbols, indexes = gaussian_latent(100, seed=seed)
        data, sizes = encode(symbols, indexes, tables)
        (stream,) = streams(data, sizes)
        assert stream[-1] != 0
        excess.append(8 * len(stream) - ideal_bits(symbols, indexes, *tables))
    assert sum(excess) / len(excess) < 8  # against ~15 bits for `compact`


def test_worst_case_bound_holds_for_maximal_escapes(tables):
    """Every element escaped with 8 nibbles from the row with the rarest escape: the most bytes an
    element can cost. The encoder would raise "overflowed its worst-case output bound" past it."""
    cdf, cdf_length, offset = tables
    escape_freq = torch.stack([cdf[r, cdf_length[r] - 1] - cdf[r, cdf_length[r] - 2] for r in range(len(cdf))])
    row = int(torch.argmin(escape_freq))
    for n in (1, 2, 3, 10, 333):
        indexes = torch.full((2, n), row, dtype=torch.int32)
        symbols = (offset[row] - (1 << 29) + torch.zeros(2, n, dtype=torch.int32)).int()  # raw = 2^30 - 1
        symbols[1] = offset[row] + cdf_length[row] - 2 + (1 << 29) - 1  # raw = 2^30 - 2, above the row
        data, sizes = encode(symbols, indexes, tables)
        assert (sizes <= max_bytes(n)).all() and (sizes >= 6 * n).all()
        assert torch.equal(decode(data, sizes, indexes, tables), symbols)


def test_decode_in_parts(tables):
    symbols, indexes = gaussian_latent(300, seed=5, batch=3)
    symbols = with_escapes(symbols)
    data, sizes = encode(symbols, indexes, tables, 15)
    prepared = ecc.ops.prepare_tables(*tables)
    for cuts in ([0, 300], [0, 1, 299, 300], [0, 100, 100, 250, 300]):
        state, parts = None, []
        for k, (start, end) in enumerate(zip(cuts, cuts[1:])):
            t = (prepared,) if k % 2 else tables
            part, state = ecc.ops.rans_decode_part(data, sizes, state, indexes[:, start:end].contiguous(), *t,
                                                   skip_below=15, finish=end == 300, format="range")
            parts.append(part)
        assert torch.equal(torch.cat(parts, 1), torch.where(indexes >= 15, symbols, 0))
        assert torch.equal(state[:, 1], sizes)  # every byte read; virtual zeros past the end are not counted
    _, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100], *tables, skip_below=15, format="range")
    assert (state[:, 0] >> 56 != 0).all()  # x = range << 32 | code, range >= 2^24
    with pytest.raises(RuntimeError, match="stream 0 is corrupt"):  # stops 200 elements early
        ecc.ops.rans_decode_part(data, sizes, state, indexes[:, 100:100], *tables, finish=True, format="range")
    x, pos = int(state[0, 0]), int(state[0, 1])
    code_at_range = as_int64((x % 2**64 >> 32) * (2**32 + 1))  # code == range
    for bad in ([[(1 << 24) - 1 << 32, pos]], [[code_at_range, pos]], [[x, 3]], [[x, int(sizes[0]) + 1]],
                [[0, pos]], [[x, -1]]):
        wrong = state.clone()
        wrong[:1] = torch.tensor(bad)
        with pytest.raises(RuntimeError, match="stream 0 has a decoder state that is not a position"):
            ecc.ops.rans_decode_part(data, sizes, wrong, indexes[:, 100:].contiguous(), *tables, skip_below=15,
                                     format="range")
    short = torch.tensor([0x80, 0x01], dtype=torch.uint8)  # a 2-byte stream: a started position reads both
    none = torch.zeros(1, 0, dtype=torch.int32)
    _, started = ecc.ops.rans_decode_part(short, torch.tensor([2]), None, none, *tables, format="range")
    assert started[0, 1] == 2


def test_coder_settings_share_one_range_stream_across_parts(tables):
    """z-like and slice-like parts with their own tables, in one stream per element, read in parts."""
    coder = CoderSettings(format="range")
    assert coder.shared
    z_tables = random_tables(7, rows=4)
    g = torch.Generator().manual_seed(3)
    z = torch.randint(-3, 8, (2, 16), generator=g, dtype=torch.int32)
    z_idx = torch.randint(0, 4, (2, 16), generator=g, dtype=torch.int32)
    y, y_idx = gaussian_latent(80, seed=4, batch=2)
    sizes_by_format = {}
    for fmt in ("compact", "range"):
        writer = CoderSettings(format=fmt).writer()
        writer.add(z, z_idx, z_tables)
        writer.add(y, y_idx, tables, skip_below=12)
        sizes_by_format[fmt] = writer.finish()
    data, sizes = sizes_by_format["range"]
    assert (sizes < sizes_by_format["compact"][1]).all()
    reader = coder.reader(data, sizes)
    assert torch.equal(reader.read(z_idx, z_tables), z)
    assert torch.equal(reader.read(y_idx, ecc.ops.prepare_tables(*tables), skip_below=12),
                       torch.where(y_idx >= 12, y, 0))
    reader.finish()
    early = coder.reader(data, sizes)
    early.read(z_idx, z_tables)
    with pytest.raises(RuntimeError, match="is corrupt"):
        early.finish()


def test_damaged_streams_raise_errors_or_decode(tables):
    symbols, indexes = gaussian_latent(120, seed=6)
    symbols = with_escapes(symbols)
    data, sizes = encode(symbols, indexes, tables)
    for extra in ([0], [7, 9, 0], list(range(1, 65))):  # a trailing 0x00, or bytes never read
        longer = torch.cat([data, torch.tensor(extra, dtype=torch.uint8)])
        with pytest.raises(RuntimeError, match="stream 0 is corrupt"):
            decode(longer, torch.tensor([len(longer)]), indexes, tables)
    for cut in (1, 2, 3, 5, len(data) - 3):  # zeros replace the cut bytes: other symbols, or an error
        try:
            out = decode(data[:-cut], torch.tensor([len(data) - cut]), indexes, tables)
        except RuntimeError as e:
            assert "stream 0 is corrupt" in str(e)
        else:
            assert not torch.equal(out, symbols)
    garbage = torch.full((4,), 0xFF, dtype=torch.uint8)  # code >= range: a value outside the interval
    with pytest.raises(RuntimeError, match="stream 0 is corrupt"):
        decode(garbage, torch.tensor([4]), indexes, tables)
    with pytest.raises(ValueError, match="corrupt"):
        rr.decode_stream(bytes(garbage.tolist()), indexes.tolist(), *lists(tables))
    with pytest.raises(ValueError, match="corrupt"):
        rr.decode_stream(b"\x01\x00", [], *lists(tables))  # ends in 0x00
    rng, raised = random.Random(0), {"garbage": 0, "flipped": 0}
    for case in range(400):  # an error or some symbols, never a crash
        kind = ("garbage", "flipped")[case % 2]
        damaged = data.clone()
        if kind == "garbage":
            damaged = torch.randint(0, 256, (rng.randint(0, 300),), dtype=torch.uint8)
        else:
            damaged[rng.randrange(len(damaged))] ^= rng.randint(1, 255)
        state = None
        try:
            for part in (indexes[:50], indexes[50:]):
                out, state = ecc.ops.rans_decode_part(damaged, torch.tensor([len(damaged)]), state, part[None],
                                                      *tables, finish=part.shape[0] == 70, format="range")
                assert out.shape == (1, part.shape[0])
        except RuntimeError:
            raised[kind] += 1
    # no checksum: a range coder reads any bytes as some symbols; only the end checks can catch them
    assert raised["garbage"] >= 100 and raised["flipped"] >= 20


def test_range_is_cpu_only_and_not_in_the_padded_api(tables):
    symbols, indexes = gaussian_latent(10, seed=8)
    meta = [t.to("meta") for t in (symbols, indexes, *tables)]
    with pytest.raises(RuntimeError, match="format='range' is CPU-only"):
        ecc.ops.rans_encode(*meta, format="range")
    with pytest.raises(RuntimeError, match="format='range' is CPU-only"):
        ecc.ops.rans_decode_part(torch.empty(3, dtype=torch.uint8, device="meta"), torch.tensor([3], device="meta"),
                                 None, meta[1], *meta[2:], format="range")
    prepared = ecc.ops.prepare_tables(*tables)
    with pytest.raises(ValueError, match="zero-sync .* API codes format 'compressai' or 'interleaved'"):
        ecc.ops.rans_encode_padded(symbols[None], indexes[None], prepared, format="range")


def test_opcheck_range_ops(tables):
    symbols, indexes = gaussian_latent(300, seed=1, batch=3)
    prepared = ecc.ops.prepare_tables(*tables)
    t = prepared.tensors
    for skip in (-1, 12):
        torch.library.opcheck(torch.ops.ecc.rans_encode_range.default, (symbols, indexes, *tables, skip))
        torch.library.opcheck(torch.ops.ecc.rans_encode_range.prepared, (symbols, indexes, t, skip))
    data, sizes = encode(symbols, indexes, tables)
    torch.library.opcheck(torch.ops.ecc.rans_decode_range.default, (data, sizes, indexes, *tables, -1))
    torch.library.opcheck(torch.ops.ecc.rans_decode_range.prepared, (data, sizes, indexes, t, -1))
    _, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100], *tables, format="range")
    rest = indexes[:, 100:].contiguous()
    torch.library.opcheck(torch.ops.ecc.rans_decode_part_range.default, (data, sizes, state, rest, *tables, -1, True))
    torch.library.opcheck(torch.ops.ecc.rans_decode_part_range.prepared, (data, sizes, state, rest, t, -1, True))
