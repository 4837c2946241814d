"""The `range` stream format: a minimal termination (no trailing 0x00, the empty stream is 0
bytes), the worst-case bound, decoder positions, and an error or other symbols (never a crash) for
damaged bytes. Byte identity with the reference, decoding in parts, CoderSettings, CPU-only checks
and opcheck: test_rans_compact.py, for both short-stream formats."""

import random

import pytest
import torch

import ecc
from ecc.coding import ideal_bits, reference
from ecc.coding import reference_range as rr
from ecc.testing import gaussian_latent

from conftest import lists, with_escapes
from test_rans_compact import decode_in_parts, streams


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
        assert torch.equal(data, reference.rans_encode(symbols, indexes, *tables, format="range")[0])


def test_decode_in_parts(tables):
    data, sizes, indexes, state, end = decode_in_parts("range", tables)
    assert (end[:, 1] >= sizes).all()  # every byte read; the zeros read past the end count too
    assert (state[:, 0] >> 56 != 0).all()  # x = range << 32 | code, range >= 2^24
    x, pos = int(state[0, 0]), int(state[0, 1])
    code_at_range = as_int64((x % 2**64 >> 32) * (2**32 + 1))  # code == range
    for bad in ([[(1 << 24) - 1 << 32, pos]], [[code_at_range, pos]], [[x, 3]], [[x, 0]], [[0, pos]], [[x, -1]]):
        wrong = state.clone()
        wrong[:1] = torch.tensor(bad)
        with pytest.raises(RuntimeError, match="stream 0 has a decoder state that is not a position"):
            ecc.ops.rans_decode_part(data, sizes, wrong, indexes[:, 100:].contiguous(), *tables, skip_below=15,
                                     format="range")
    short = torch.tensor([0x80, 0x01], dtype=torch.uint8)  # a 2-byte stream: a started position read 4 bytes
    none = torch.zeros(1, 0, dtype=torch.int32)
    _, started = ecc.ops.rans_decode_part(short, torch.tensor([2]), None, none, *tables, format="range")
    assert started[0, 1] == 4


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


def test_cdf_rows_changed_after_preparation_never_hang_or_crash(tables):
    symbols, indexes = gaussian_latent(60, seed=2)
    prepared = ecc.ops.prepare_tables(*tables)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, prepared, format="range")
    for change in ("zeros", "reversed"):  # every slot's frequency 0, or negative (huge as unsigned)
        broken = ecc.ops.PreparedTables([t.clone() for t in prepared.tensors])
        cdf = broken.tensors[0]
        cdf.copy_(torch.zeros_like(cdf) if change == "zeros" else cdf.flip(1))
        try:
            out = ecc.ops.rans_decode(data, sizes, indexes, broken, format="range")
        except RuntimeError as e:
            assert "is corrupt" in str(e)
        else:
            assert out.shape == indexes.shape


def test_the_termination_check_catches_part_of_the_damage_and_never_a_valid_stream(tables):
    """The decoder checks that its final interval is as the termination leaves it (the coded value
    has the most trailing zeros in it): every valid stream passes, in native and reference decoders
    alike, and a share of single-byte changes that would decode silently raise instead."""
    rng = random.Random(3)
    caught = changed = 0
    for trial in range(300):
        symbols, indexes = gaussian_latent(rng.choice((1, 5, 40, 150)), seed=100 + trial, batch=1)
        data, sizes = encode(symbols, indexes, tables)
        assert torch.equal(decode(data, sizes, indexes, tables), symbols)
        if not len(data):
            continue
        damaged = data.clone()
        at = rng.randrange(len(damaged))
        damaged[at] = (int(damaged[at]) + rng.randrange(1, 256)) % 256
        changed += 1
        try:
            out = decode(damaged, sizes, indexes, tables)
        except RuntimeError as error:
            assert "is corrupt" in str(error)
            caught += 1
            with pytest.raises(ValueError, match="corrupt"):  # the reference agrees
                rr.decode_stream(bytes(damaged.tolist()), indexes[0].tolist(), *lists(tables))
            continue
        assert torch.equal(torch.tensor(rr.decode_stream(bytes(damaged.tolist()), indexes[0].tolist(), *lists(tables))),
                           out[0])
    assert caught >= 0.2 * changed
