"""Streams coded in parts: ``ecc.ops.rans_decode_part`` and the entropy modules' StreamWriter /
StreamReader (one stream holding parts with their own tables, as CompressAI's
BufferedRansEncoder + RansDecoder.decode_stream code them)."""

import pytest
import torch

import ecc
from ecc.coding import reference
from ecc.entropy import CoderSettings, EntropyBottleneck, GaussianConditional

from conftest import gaussian_latent


def hand_tables():
    """A second table set, unlike the Gaussian ones: 2 rows, other widths and offsets."""
    cdf = torch.tensor([[0, 1000, 60000, 65536, 0, 0], [0, 20000, 40000, 50000, 60000, 65536]], dtype=torch.int32)
    return cdf, torch.tensor([4, 6], dtype=torch.int32), torch.tensor([-1, 3], dtype=torch.int32)


def as_lists(tables):
    return [t.tolist() for t in tables]


@pytest.mark.parametrize("cuts", [(0, 5000), (1, 2, 4999), (700, 701, 3000), (2500,)])
@pytest.mark.parametrize("skip_below", [-1, 10])
def test_parts_decode_like_the_whole_stream(tables, cuts, skip_below):
    symbols, indexes = gaussian_latent(5000, seed=21, batch=3)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below)
    whole = ecc.ops.rans_decode(data, sizes, indexes, *tables, skip_below=skip_below)
    bounds = [0, *cuts, 5000]
    state, pieces = None, []
    for i, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])):
        piece, state = ecc.ops.rans_decode_part(data, sizes, state, indexes[:, lo:hi].contiguous(), *tables,
                                                skip_below, finish=i == len(bounds) - 2)
        pieces.append(piece)
    assert torch.equal(torch.cat(pieces, 1), whole)
    assert state[:, 0].tolist() == [2**31] * 3 and state[:, 1].tolist() == sizes.tolist()


def test_parts_with_their_own_tables_equal_compressai_and_reference(compressai, tables):
    """One stream of a Gaussian part and a hand-table part: CompressAI's buffered encoder writes
    the same bytes, its decoder reads ours part by part, and so does the pure-Python reference."""
    g_symbols, g_indexes = gaussian_latent(3000, seed=22)
    h_indexes = torch.randint(0, 2, (1000,), generator=torch.Generator().manual_seed(1), dtype=torch.int32)
    h_symbols = torch.randint(-4, 12, (1000,), generator=torch.Generator().manual_seed(2), dtype=torch.int32)
    parts = [(g_symbols, g_indexes, tables), (h_symbols, h_indexes, hand_tables())]
    writer = CoderSettings().writer()
    for symbols, indexes, t in parts:
        writer.add(symbols[None], indexes[None], t)
    data, sizes = writer.finish()
    ours = bytes(data.numpy())
    theirs = compressai.ans.BufferedRansEncoder()
    for symbols, indexes, t in parts:
        theirs.encode_with_indexes(symbols.tolist(), indexes.tolist(), *as_lists(t))
    assert sizes.tolist() == [[len(ours)]] and ours == theirs.flush()

    decoder, python = compressai.ans.RansDecoder(), reference.StreamDecoder(ours)
    decoder.set_stream(ours)
    reader = CoderSettings().reader(data, sizes)
    for symbols, indexes, t in parts:
        assert decoder.decode_stream(indexes.tolist(), *as_lists(t)) == symbols.tolist()
        assert python.decode(indexes.tolist(), *as_lists(t)) == symbols.tolist()
        assert torch.equal(reader.read(indexes[None], t)[0], symbols)
    reader.finish()
    assert python.finished()


@pytest.mark.parametrize("shared", [True, False])
def test_writer_and_reader_round_trip_parts_with_skip(tables, shared):
    coder = CoderSettings(shared=shared)
    g_symbols, g_indexes = gaussian_latent(2000, seed=23, batch=2)
    h_indexes = torch.randint(0, 2, (2, 7, 9), generator=torch.Generator().manual_seed(3), dtype=torch.int32)
    h_symbols = torch.randint(-3, 9, (2, 7, 9), generator=torch.Generator().manual_seed(4), dtype=torch.int32)
    writer = coder.writer()
    writer.add(h_symbols, h_indexes, hand_tables())
    writer.add(g_symbols, g_indexes, tables, skip_below=20)
    writer.add(h_symbols, h_indexes, hand_tables(), skip_below=1)
    data, sizes = writer.finish()
    assert sizes.shape == ((1, 2) if shared else (3, 2))
    reader = coder.reader(data, sizes)
    assert torch.equal(reader.read(h_indexes, hand_tables()), h_symbols)
    assert torch.equal(reader.read(g_indexes, tables, 20), torch.where(g_indexes < 20, 0, g_symbols))
    assert torch.equal(reader.read(h_indexes, hand_tables(), 1), torch.where(h_indexes < 1, 0, h_symbols))
    reader.finish()
    if shared:  # each part of its own stream would flush its own 64-bit state: >= 4 bytes more
        apart = CoderSettings(shared=False).writer()
        for args in ((h_symbols, h_indexes, hand_tables()), (g_symbols, g_indexes, tables, 20),
                     (h_symbols, h_indexes, hand_tables(), 1)):
            apart.add(*args)
        assert apart.finish()[0].numel() - data.numel() >= 2 * 2 * 4


def test_reading_past_or_short_of_the_parts_raises(tables):
    symbols, indexes = gaussian_latent(500, seed=24, batch=2)
    for shared in (True, False):
        coder = CoderSettings(shared=shared)
        writer = coder.writer()
        writer.add(symbols, indexes, tables)
        writer.add(symbols, indexes, tables)
        data, sizes = writer.finish()
        reader = coder.reader(data, sizes)
        reader.read(indexes, tables)
        with pytest.raises(RuntimeError, match="stream 0 is corrupt" if shared else "hold 2 parts, 1 were read"):
            reader.finish()  # one part left unread
        reader = coder.reader(data, sizes)
        for _ in range(2):
            reader.read(indexes, tables)
        with pytest.raises(RuntimeError, match="stream 0 is truncated" if shared else "hold 2 parts; part 3"):
            reader.read(indexes, tables)


def test_bad_states_and_indexes_raise(tables):
    symbols, indexes = gaussian_latent(300, seed=25, batch=2)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    _, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :100].contiguous(), *tables)
    for row, col, value in ((0, 1, 2), (1, 1, 10**6), (0, 0, 5), (1, 1, -4)):
        bad = state.clone()
        bad[row, col] = value
        with pytest.raises(RuntimeError, match=f"stream {row} has a decoder state that is not a position"):
            ecc.ops.rans_decode_part(data, sizes, bad, indexes[:, 100:].contiguous(), *tables)
    with pytest.raises(RuntimeError, match="state must be \\(2, 2\\)"):
        ecc.ops.rans_decode_part(data, sizes, state[:1], indexes[:, 100:].contiguous(), *tables)
    writer = CoderSettings().writer()
    writer.add(symbols, indexes, tables)
    writer.add(symbols, torch.full_like(indexes, 2), hand_tables())
    with pytest.raises(ValueError, match="part 1 has an index outside \\[0, 2\\)"):
        writer.finish()
    with pytest.raises(ValueError, match="shared streams need format 'compressai', 'compact' or 'range'"):
        CoderSettings("interleaved", shared=True)


def test_module_streams_share_one_stream(tables):
    """EntropyBottleneck and GaussianConditional parts in one stream decode as they were written."""
    torch.manual_seed(0)
    bottleneck, gaussian = EntropyBottleneck(4).eval(), GaussianConditional(skip_below=5)
    bottleneck.update()
    gaussian.update()
    z = torch.randn(3, 4, 11) * 3
    y, scales = torch.randn(3, 8, 11) * 4, torch.rand(3, 8, 11) * 6 + 0.05
    indexes = gaussian.build_indexes(scales)
    writer = CoderSettings().writer()
    z_hat = bottleneck.write(writer, z)
    gaussian.write(writer, y, indexes, means=torch.zeros_like(y))
    data, sizes = writer.finish()
    reader = CoderSettings().reader(data, sizes)
    assert torch.equal(bottleneck.read(reader, z.shape), z_hat)
    y_hat = gaussian.read(reader, indexes, torch.zeros_like(y))
    reader.finish()
    assert torch.equal(y_hat, torch.where(indexes < 5, 0.0, torch.round(y)))
