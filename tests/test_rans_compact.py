"""The short-stream formats `compact` and `range`: the C++ coder == the pure-Python reference byte
for byte, decoding in parts, CoderSettings, the CPU-only checks and opcheck for both; `compact`'s
3- or 4-byte flush and its clear errors (never a crash) for damaged bytes (`range`'s own tests:
test_rans_range.py)."""

import random

import pytest
import torch

import ecc
from ecc.coding import ideal_bits, reference
from ecc.coding import reference_compact as rc
from ecc.entropy import CoderSettings
from ecc.testing import gaussian_latent

from conftest import lists, with_escapes

SHORT_FORMATS = ("compact", "range")


def streams(data, sizes):
    """The flat streams as a list of bytes."""
    ends = torch.cumsum(sizes, 0).tolist()
    return [bytes(data[end - size : end].numpy()) for end, size in zip(ends, sizes.tolist())]


def random_tables(seed, rows=12):
    """Quantized CDFs of random pmfs (1 to 40 slots, some near-zero probabilities)."""
    g = torch.Generator().manual_seed(seed)
    pmf = torch.rand(rows, 40, generator=g) ** 4
    lengths = torch.randint(1, 41, (rows,), generator=g, dtype=torch.int32)
    pmf *= (torch.arange(40) < lengths[:, None]).float()
    pmf = pmf / pmf.sum(1, keepdim=True) * 0.999
    cdf, cdf_length = ecc.ops.pmf_to_quantized_cdf(pmf, lengths, torch.full((rows,), 0.001))
    offset = torch.randint(-20, 5, (rows,), generator=g, dtype=torch.int32)
    return cdf, cdf_length, offset


@pytest.mark.parametrize("format", SHORT_FORMATS)
@pytest.mark.parametrize("n", [0, 1, 2, 7, 100, 1000])
@pytest.mark.parametrize("skip_below", [-1, 20])
def test_bytes_equal_reference_and_round_trip(tables, n, skip_below, format):
    symbols, indexes = gaussian_latent(n, seed=n + 1, batch=3)
    symbols = with_escapes(symbols)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below, format=format)
    encode_stream = reference._format_module(format).encode_stream
    for b, stream in enumerate(streams(data, sizes)):
        assert stream == encode_stream(symbols[b].tolist(), indexes[b].tolist(), *lists(tables), skip_below)
    expected = torch.where(indexes >= skip_below, symbols, 0)
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, *tables, skip_below=skip_below, format=format),
                       expected)
    assert torch.equal(reference.rans_decode(data, sizes, indexes, *tables, skip_below, format=format), expected)


@pytest.mark.parametrize("format", SHORT_FORMATS)
@pytest.mark.parametrize("seed", range(6))
def test_random_tables_and_symbols_equal_reference(seed, format):
    tables = random_tables(seed)
    g = torch.Generator().manual_seed(100 + seed)
    n = [0, 1, 3, 50, 300, 2000][seed]
    indexes = torch.randint(0, len(tables[0]), (4, n), generator=g, dtype=torch.int32)
    symbols = torch.randint(-30, 50, (4, n), generator=g, dtype=torch.int32)  # often past the rows: escapes
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=seed - 1, format=format)
    ref_data, ref_sizes = reference.rans_encode(symbols, indexes, *tables, seed - 1, format=format)
    assert torch.equal(data, ref_data) and torch.equal(sizes, ref_sizes)
    prepared = ecc.ops.prepare_tables(*tables)
    assert torch.equal(ecc.ops.rans_encode(symbols, indexes, prepared, skip_below=seed - 1, format=format)[0], data)
    decoded = ecc.ops.rans_decode(data, sizes, indexes, prepared, skip_below=seed - 1, format=format)
    assert torch.equal(decoded, torch.where(indexes >= seed - 1, symbols, 0))


def test_flush_is_three_or_four_bytes(tables):
    empty = torch.zeros(2, 0, dtype=torch.int32)
    data, sizes = ecc.ops.rans_encode(empty, empty, *tables, format="compact")
    assert sizes.tolist() == [3, 3] and bytes(data.numpy()) == b"\x01\x00\x00" * 2
    symbols, indexes = gaussian_latent(40, seed=9)
    skipped = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=10**6, format="compact")
    assert skipped[1].tolist() == [3]
    widths, excess = set(), []
    for seed in range(200):
        symbols, indexes = gaussian_latent(100, seed=seed)
        data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, format="compact")
        (stream,) = streams(data, sizes)
        dec = rc.StreamDecoder(stream)
        width = len(stream) - 2 * len(dec.words)
        assert width == (3 if dec.x < 1 << 24 else 4)
        widths.add(width)
        excess.append(8 * len(stream) - ideal_bits(symbols, indexes, *tables))
    assert widths == {3, 4}
    assert sum(excess) / len(excess) < 16  # the 24-32 bits of state carry ~16-20 bits of information


def test_long_streams_cost_what_compressai_costs(tables):
    symbols, indexes = gaussian_latent(200_000, seed=3)
    compact, _ = ecc.ops.rans_encode(symbols, indexes, *tables, format="compact")
    compat, _ = ecc.ops.rans_encode(symbols, indexes, *tables)
    assert compact.numel() <= compat.numel() * 1.003
    assert torch.equal(ecc.ops.rans_decode(compact, torch.tensor([compact.numel()]), indexes, *tables,
                                           format="compact"), symbols)


def decode_in_parts(format, tables):
    """Streams of 300 elements (escapes, skip_below 15) decoded in parts with tensors and prepared
    tables alternating, checked against the symbols; returns (data, sizes, indexes, the state after
    100 elements, the state at the end)."""
    symbols, indexes = gaussian_latent(300, seed=5, batch=3)
    symbols = with_escapes(symbols)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=15, format=format)
    prepared = ecc.ops.prepare_tables(*tables)
    for cuts in ([0, 300], [0, 1, 299, 300], [0, 100, 100, 250, 300]):
        state, parts = None, []
        for k, (start, end) in enumerate(zip(cuts, cuts[1:])):
            t = (prepared,) if k % 2 else tables
            part, state = ecc.ops.rans_decode_part(data, sizes, state, indexes[:, start:end].contiguous(), *t,
                                                   skip_below=15, finish=end == 300, format=format)
            parts.append(part)
        assert torch.equal(torch.cat(parts, 1), torch.where(indexes >= 15, symbols, 0))
    _, early = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100], *tables, skip_below=15, format=format)
    with pytest.raises(RuntimeError, match="stream 0 is corrupt"):  # stops 200 elements early
        ecc.ops.rans_decode_part(data, sizes, early, indexes[:, 100:100], *tables, finish=True, format=format)
    return data, sizes, indexes, early, state


def test_decode_in_parts(tables):
    data, sizes, indexes, state, _ = decode_in_parts("compact", tables)
    head = 3 if sizes[0] % 2 else 4  # the state's bytes: positions are head + 2k <= size
    for bad in ([[1 << 32, int(state[0, 1])]], [[5, head - 1]], [[5, head + 1]], [[5, int(sizes[0]) + 2]], [[5, 0]]):
        wrong = state.clone()
        wrong[:1] = torch.tensor(bad)
        with pytest.raises(RuntimeError, match="stream 0 has a decoder state that is not a position"):
            ecc.ops.rans_decode_part(data, sizes, wrong, indexes[:, 100:].contiguous(), *tables, skip_below=15,
                                     format="compact")
    with pytest.raises(ValueError, match="cannot be decoded in parts"):
        ecc.ops.rans_decode_part(data, sizes, None, indexes, *tables, format="interleaved")


@pytest.mark.parametrize("format, larger", [("compact", "compressai"), ("range", "compact")])
def test_coder_settings_share_one_stream_across_parts(tables, format, larger):
    """z-like and slice-like parts with their own tables, in one stream per element, read in parts."""
    coder = CoderSettings(format=format)
    assert coder.shared
    z_tables = random_tables(7, rows=4)
    g = torch.Generator().manual_seed(3)
    z = torch.randint(-3, 8, (2, 16), generator=g, dtype=torch.int32)
    z_idx = torch.randint(0, 4, (2, 16), generator=g, dtype=torch.int32)
    y, y_idx = gaussian_latent(80, seed=4, batch=2)
    encoded = {}
    for fmt in (format, larger):
        writer = CoderSettings(format=fmt).writer()
        writer.add(z, z_idx, z_tables)
        writer.add(y, y_idx, tables, skip_below=12)
        encoded[fmt] = writer.finish()
    data, sizes = encoded[format]
    assert (sizes < encoded[larger][1]).all()
    reader = coder.reader(data, sizes)
    assert torch.equal(reader.read(z_idx, z_tables), z)
    assert torch.equal(reader.read(y_idx, ecc.ops.prepare_tables(*tables), skip_below=12),
                       torch.where(y_idx >= 12, y, 0))
    reader.finish()
    early = coder.reader(data, sizes)
    early.read(z_idx, z_tables)
    with pytest.raises(RuntimeError, match="is corrupt"):
        early.finish()


def test_damaged_streams_raise_runtime_errors(tables):
    symbols, indexes = gaussian_latent(120, seed=6)
    symbols = with_escapes(symbols)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, format="compact")
    for size in range(3):
        with pytest.raises(RuntimeError, match="impossible size for its format.*`compact` one at least 3"):
            ecc.ops.rans_decode(data[:size], torch.tensor([size]), indexes, *tables, format="compact")
    for cut in (1, 2, 3, 5, len(data) - 3):  # truncated streams cannot be told from corrupt ones
        with pytest.raises(RuntimeError, match="stream 0 is corrupt"):
            ecc.ops.rans_decode(data[:-cut], torch.tensor([len(data) - cut]), indexes, *tables, format="compact")
    longer = torch.cat([data, torch.tensor([7, 9], dtype=torch.uint8)])
    with pytest.raises(RuntimeError, match="stream 0 is corrupt"):
        ecc.ops.rans_decode(longer, torch.tensor([len(longer)]), indexes, *tables, format="compact")
    rng, raised = random.Random(0), {"garbage": 0, "flipped": 0}
    for case in range(300):  # an error or some symbols, never a crash
        kind = ("garbage", "flipped")[case % 2]
        damaged = data.clone()
        if kind == "garbage":
            damaged = torch.randint(0, 256, (rng.randint(3, 300),), dtype=torch.uint8)
        else:
            damaged[rng.randrange(len(damaged))] ^= rng.randint(1, 255)
        try:
            ecc.ops.rans_decode(damaged, torch.tensor([len(damaged)]), indexes, *tables, format="compact")
        except RuntimeError:
            raised[kind] += 1
    # rANS has no checksum: like the `compressai` format (~84% measured), a flipped byte may decode
    assert raised["garbage"] == 150 and raised["flipped"] >= 110
    with pytest.raises(ValueError, match="corrupt"):
        rc.decode_stream(bytes([1, 2, 3, 0]), [], *lists(tables))  # a 4-byte state below 2^24


@pytest.mark.parametrize("format", SHORT_FORMATS)
def test_cpu_only_and_not_in_the_padded_api(tables, format):
    symbols, indexes = gaussian_latent(10, seed=8)
    meta = [t.to("meta") for t in (symbols, indexes, *tables)]
    with pytest.raises(RuntimeError, match=f"format='{format}' is CPU-only"):
        ecc.ops.rans_encode(*meta, format=format)
    data, sizes = torch.empty(3, dtype=torch.uint8, device="meta"), torch.tensor([3], device="meta")
    with pytest.raises(RuntimeError, match=f"format='{format}' is CPU-only"):
        ecc.ops.rans_decode(data, sizes, meta[1], *meta[2:], format=format)
    with pytest.raises(RuntimeError, match=f"format='{format}' is CPU-only"):
        ecc.ops.rans_decode_part(data, sizes, None, meta[1], *meta[2:], format=format)
    prepared = ecc.ops.prepare_tables(*tables)
    with pytest.raises(ValueError, match="zero-sync .* API codes format 'compressai' or 'interleaved'"):
        ecc.ops.rans_encode_padded(symbols[None], indexes[None], prepared, format=format)


@pytest.mark.parametrize("format", SHORT_FORMATS)
def test_opcheck(tables, format):
    encode, decode, decode_part = (getattr(torch.ops.ecc, f"{op}_{format}")
                                   for op in ("rans_encode", "rans_decode", "rans_decode_part"))
    symbols, indexes = gaussian_latent(300, seed=1, batch=3)
    prepared = ecc.ops.prepare_tables(*tables)
    t = prepared.tensors
    for skip in (-1, 12):
        torch.library.opcheck(encode.default, (symbols, indexes, *tables, skip))
        torch.library.opcheck(encode.prepared, (symbols, indexes, t, skip))
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, format=format)
    torch.library.opcheck(decode.default, (data, sizes, indexes, *tables, -1))
    torch.library.opcheck(decode.prepared, (data, sizes, indexes, t, -1))
    _, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100], *tables, format=format)
    rest = indexes[:, 100:].contiguous()
    torch.library.opcheck(decode_part.default, (data, sizes, state, rest, *tables, -1, True))
    torch.library.opcheck(decode_part.prepared, (data, sizes, state, rest, t, -1, True))
