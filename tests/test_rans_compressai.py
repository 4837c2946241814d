"""The `compressai` stream format: byte identity with CompressAI's own coder and with the
pure-Python reference, exact round trips, batching, entropy skip."""

import pytest
import torch

import ecc
from ecc.coding import ideal_bits, reference

from conftest import gaussian_latent


def compressai_encode(compressai, symbols, indexes, tables):
    cdf, length, offset = (t.tolist() for t in tables)
    return compressai.ans.RansEncoder().encode_with_indexes(symbols.tolist(), indexes.tolist(), cdf, length, offset)


def compressai_decode(compressai, data, indexes, tables):
    cdf, length, offset = (t.tolist() for t in tables)
    return compressai.ans.RansDecoder().decode_with_indexes(data, indexes.tolist(), cdf, length, offset)


def compressai_encoder_is_safe(data: bytes, symbols, indexes, tables) -> bool:
    """CompressAI's flush writes into a buffer of one word per coder item and underflows it when
    the stream has more words than items (tiny streams: a crash, not bytes). Only ask it then."""
    items = reference._items(symbols.tolist(), indexes.tolist(), *(t.tolist() for t in tables), -1)
    return len(data) // 4 <= len(items)


def ecc_bytes(symbols, indexes, tables, skip_below=-1) -> bytes:
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables, skip_below=skip_below)
    assert sizes.tolist() == [data.numel()]
    return bytes(data.numpy())


@pytest.mark.parametrize("n,seed", [(1000, 0), (10000, 1), (100000, 2), (5, 3), (64, 4)])
def test_bytes_equal_compressai_and_reference(compressai, tables, n, seed):
    symbols, indexes = gaussian_latent(n, seed)
    ours = ecc_bytes(symbols, indexes, tables)
    assert compressai_encoder_is_safe(ours, symbols, indexes, tables)
    assert ours == compressai_encode(compressai, symbols, indexes, tables)
    assert compressai_decode(compressai, ours, indexes, tables) == symbols.tolist()
    assert ours == reference.encode_stream(symbols.tolist(), indexes.tolist(), *(t.tolist() for t in tables))


def adversarial_cases(tables):
    """(name, symbols, indexes) that stress the escape and bypass paths."""
    cdf, length, offset = tables
    g = torch.Generator().manual_seed(7)
    n = 3000
    indexes = torch.randint(0, len(length), (n,), generator=g, dtype=torch.int32)
    low, high = offset[indexes], offset[indexes] + length[indexes] - 3  # first and last regular slot
    cases = {
        "first_slot": low,
        "last_regular_slot": high,
        "escape_slot_exactly": high + 1,
        "just_below_table": low - 1,
        "escapes_both_ends": torch.where(torch.arange(n) % 2 == 0, low - 1 - torch.arange(n) % 40, high + 1 + torch.arange(n) % 40),
        "large_magnitudes": (torch.randint(-(1 << 26), 1 << 26, (n,), generator=g, dtype=torch.int32)),
        "every_nibble_count": torch.tensor([(1 << (4 * k)) + offset[0] for k in range(7)] * 3, dtype=torch.int32),
    }
    for name, symbols in cases.items():
        yield name, symbols.int(), indexes[: len(symbols)]


def test_adversarial_bytes_equal_compressai(compressai, tables):
    for name, symbols, indexes in adversarial_cases(tables):
        ours = ecc_bytes(symbols, indexes, tables)
        if compressai_encoder_is_safe(ours, symbols, indexes, tables):
            assert ours == compressai_encode(compressai, symbols, indexes, tables), name
        assert compressai_decode(compressai, ours, indexes, tables) == symbols.tolist(), name
        assert ours == reference.encode_stream(symbols.tolist(), indexes.tolist(), *(t.tolist() for t in tables)), name


@pytest.mark.parametrize("value", [(1 << 30) - 1, -(1 << 30), (1 << 29) + 12345, -(1 << 28) - 7])
def test_largest_codable_values_round_trip_and_decode_with_compressai(compressai, tables, value):
    symbols = torch.tensor([value, 0, value, -3], dtype=torch.int32)
    indexes = torch.tensor([0, 10, 63, 5], dtype=torch.int32)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, *tables), symbols)
    assert compressai_decode(compressai, bytes(data.numpy()), indexes, tables) == symbols.tolist()


@pytest.mark.parametrize("value", [2**31 - 1, -(2**31), (1 << 30) + 5, -(1 << 30) - 2])
def test_values_beyond_the_bypass_range_raise(tables, value):
    symbols = torch.tensor([7, value], dtype=torch.int32)
    with pytest.raises(RuntimeError, match="too far outside its table"):
        ecc.ops.rans_encode(symbols, torch.zeros(2, dtype=torch.int32), *tables)
    with pytest.raises(ValueError, match="too far outside its table"):
        reference.encode_stream(symbols.tolist(), [0, 0], *(t.tolist() for t in tables))


def test_empty_stream(compressai, tables):
    empty = torch.zeros(0, dtype=torch.int32)
    data = ecc_bytes(empty, empty, tables)
    assert data == bytes.fromhex("0000008000000000")  # the initial state 2^31, flushed
    assert compressai_decode(compressai, data, empty, tables) == []
    assert ecc.ops.rans_decode(torch.frombuffer(bytearray(data), dtype=torch.uint8), torch.tensor([8]), empty, *tables).numel() == 0


def test_one_symbol_decodes_with_compressai(compressai, tables):
    for value in (0, 3, -200, 5000):
        symbols, indexes = torch.tensor([value], dtype=torch.int32), torch.tensor([20], dtype=torch.int32)
        data = ecc_bytes(symbols, indexes, tables)
        assert data == reference.encode_stream([value], [20], *(t.tolist() for t in tables))
        assert compressai_decode(compressai, data, indexes, tables) == [value]


def test_batched_streams_equal_single_calls(tables):
    symbols, indexes = gaussian_latent(777, seed=11, batch=6)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    assert sizes.dtype == torch.int64 and sizes.shape == (6,) and data.numel() == sizes.sum()
    start = 0
    for b in range(6):
        single, _ = ecc.ops.rans_encode(symbols[b], indexes[b], *tables)
        assert torch.equal(data[start : start + sizes[b]], single)
        start += int(sizes[b])
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, *tables), symbols)
    ref_data, ref_sizes = reference.rans_encode(symbols, indexes, *tables)
    assert torch.equal(ref_data, data) and torch.equal(ref_sizes, sizes)
    assert torch.equal(reference.rans_decode(data, sizes, indexes, *tables), symbols)


@pytest.mark.parametrize("format", ["compressai", "interleaved"])
def test_zero_streams_encode_to_nothing_on_every_backend(tables, format):
    none = torch.zeros(0, 7, dtype=torch.int32)
    for backend in (ecc.ops, reference):
        data, sizes = backend.rans_encode(none, none, *tables, format=format)
        assert data.dtype == torch.uint8 and data.shape == (0,) and sizes.shape == (0,)
        assert backend.rans_decode(data, sizes, none, *tables, format=format).shape == (0, 7)


def test_bytes_do_not_depend_on_thread_count(tables):
    symbols, indexes = gaussian_latent(20000, seed=12, batch=8)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = ecc.ops.rans_encode(symbols, indexes, *tables)
        torch.set_num_threads(max(2, before))
        many = ecc.ops.rans_encode(symbols, indexes, *tables)
    finally:
        torch.set_num_threads(before)
    assert all(torch.equal(a, b) for a, b in zip(one, many))


@pytest.mark.parametrize("skip_below", [0, 1, 8, 20, 64, 100])
def test_skip_equals_compressai_on_kept_symbols(compressai, tables, skip_below):
    symbols, indexes = gaussian_latent(5000, seed=13)
    ours = ecc_bytes(symbols, indexes, tables, skip_below)
    kept = indexes >= skip_below
    if compressai_encoder_is_safe(ours, symbols[kept], indexes[kept], tables):
        assert ours == compressai_encode(compressai, symbols[kept], indexes[kept], tables)
    data = torch.frombuffer(bytearray(ours), dtype=torch.uint8)
    decoded = ecc.ops.rans_decode(data, torch.tensor([len(ours)]), indexes, *tables, skip_below=skip_below)
    assert torch.equal(decoded, torch.where(kept, symbols, 0))
    assert ours == reference.encode_stream(symbols.tolist(), indexes.tolist(), *(t.tolist() for t in tables), skip_below)
    assert reference.decode_stream(ours, indexes.tolist(), *(t.tolist() for t in tables), skip_below) == decoded.tolist()


def test_all_skipped_is_an_empty_stream(tables):
    symbols, indexes = gaussian_latent(100, seed=14)
    assert ecc_bytes(symbols, indexes, tables, skip_below=64) == bytes.fromhex("0000008000000000")


def test_handmade_table_with_frequency_one_slots():
    cdf = torch.tensor([[0, 1, 2, 65535, 65536], [0, 65535, 65536, 0, 0]], dtype=torch.int32)
    length, offset = torch.tensor([5, 3], dtype=torch.int32), torch.tensor([-2, 7], dtype=torch.int32)
    g = torch.Generator().manual_seed(3)
    symbols = torch.randint(-10, 12, (2000,), generator=g, dtype=torch.int32)
    indexes = torch.randint(0, 2, (2000,), generator=g, dtype=torch.int32)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, cdf, length, offset)
    assert bytes(data.numpy()) == reference.encode_stream(symbols.tolist(), indexes.tolist(), cdf.tolist(), length.tolist(), offset.tolist())
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, cdf, length, offset), symbols)


def test_bits_per_symbol_is_close_to_the_ideal(tables):
    symbols, indexes = gaussian_latent(200000, seed=15)
    data, _ = ecc.ops.rans_encode(symbols, indexes, *tables)
    assert data.numel() * 8 <= ideal_bits(symbols, indexes, *tables) * 1.01 + 64
