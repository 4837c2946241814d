"""The `.ecc` container: round trips, its exact size, every error, and fuzzed input."""

import hashlib
import random
import struct
import zlib

from pathlib import Path

import pytest
import torch

from ecc import bitstream
from ecc.bitstream import (CODERS, CRC, FIXED, MAGIC, MAX_STREAMS, VERSION, CorruptFile, EccFileError, Header,
                           ModelMismatch, NotAnEccFile, TruncatedFile, UnsupportedVersion, check_model, pack,
                           unpack)

HASH = hashlib.sha256(b"weights").digest()


def header(**changes) -> Header:
    fields = dict(sample_rate=16000, num_samples=48000, model_id="ecc-default", model_hash=HASH[:8],
                  quality=0.5, skip_below=3, coder="interleaved", lanes=4, chunk_samples=0)
    return Header(**{**fields, **changes})


def with_crc(body: bytes) -> bytes:
    """``body`` followed by its CRC32: a file whose only faults are in its fields."""
    return body + CRC.pack(zlib.crc32(body))


def files() -> list[bytes]:
    """A few valid files: typical, empty, many streams, edge values."""
    rng = random.Random(1)
    payload = rng.randbytes(375)
    extremes = dict(sample_rate=2**32 - 1, num_samples=2**64 - 1, model_id="x" * 32, quality=-1e30,
                    skip_below=2**16 - 1, lanes=32, chunk_samples=2**32 - 1)
    return [
        pack(header(version=2), [40, 335], payload),
        pack(header(), [40, 335], payload),
        pack(header(coder="compressai", lanes=0, num_samples=0, model_id=""), [], b""),
        pack(header(model_id="m"), [0, 1, 127, 128, 16383, 16384], rng.randbytes(33023)),
        pack(header(**extremes, version=2), [3], b"abc"),
        pack(header(**extremes), [3], b"abc"),
    ]


@pytest.mark.parametrize("changes", [
    {},
    dict(coder="compressai", lanes=0),
    dict(sample_rate=1, num_samples=0, skip_below=0, quality=0.0, chunk_samples=0, lanes=1),
    dict(sample_rate=2**32 - 1, num_samples=2**64 - 1, skip_below=2**16 - 1, chunk_samples=2**32 - 1,
         model_id="~" * 32, model_hash=b"\xff" * 8, quality=3.4028234663852886e38, lanes=32),
    dict(model_id="a b", quality=-0.1),
    dict(model_id=""),
    dict(version=2),
    dict(version=1, coder="compressai", lanes=0),
])
def test_round_trip(changes):
    h = header(**changes)
    payload = bytes(range(256)) * 3
    sizes = [0, 700, 68]
    got = unpack(pack(h, sizes, payload))
    assert got == (h, sizes, payload)
    assert pack(*got) == pack(h, sizes, payload)


def test_quality_is_float32():
    h = header(quality=0.1)
    assert h.quality == struct.unpack("<f", struct.pack("<f", 0.1))[0] != 0.1
    assert unpack(pack(h, [], b""))[0].quality == h.quality


def test_accepts_tensor_sizes_and_numpy_ints():
    sizes = torch.tensor([2, 3])
    h = header(num_samples=torch.tensor(48000).numpy().astype("int64")[()])
    _, got, payload = unpack(pack(h, sizes, bytearray(b"hello")))
    assert got == [2, 3] and payload == b"hello" and type(got[0]) is int


def test_header_size():
    """Version 3: 6 bytes + varint fields + hash, quality + model id + stream count + 1-3 bytes
    per stream + 4 bytes CRC. Versions 1 and 2: a fixed part of 38 bytes instead."""
    # magic, version, flags; sample rate 16000 (2 bytes); 48000 samples (3); hash; quality;
    # skip 3 (1); segment 0 (1); id length (1); 1 stream
    compact = 6 + 2 + 3 + 8 + 4 + 1 + 1 + 1 + 1
    assert len(pack(header(model_id=""), [375], bytes(375))) - 375 == compact + 2 + 4 == 33
    assert len(pack(header(), [40, 335], bytes(375))) - 375 == compact + 11 + 1 + 2 + 4 == 45
    assert FIXED.size == 38
    overhead = len(pack(header(version=2), [40, 335], bytes(375))) - 375
    assert overhead == 38 + len("ecc-default") + 1 + 1 + 2 + 4 == 57
    for size, varint_bytes in [(0, 1), (127, 1), (128, 2), (16383, 2), (16384, 3), (2**21 - 1, 3)]:
        assert len(pack(header(version=2), [size], bytes(size))) - size == 38 + 11 + 1 + varint_bytes + 4
        assert len(pack(header(model_id=""), [size], bytes(size))) - size == compact + varint_bytes + 4


def test_layout():
    blob = pack(header(), [2, 1], b"xyz")
    assert blob[:4] == MAGIC == b"ECC\x00" and blob[4] == VERSION == 3
    assert blob[5] == 1 | 2 << 2  # interleaved, lanes code 2 (4 lanes)
    assert blob[6:11] == bytes([0x80, 0x7D, 0x80, 0xF7, 0x02])  # varints 16000, 48000
    assert blob[11:19] == HASH[:8] and blob[19:23] == struct.pack("<f", 0.5)
    assert blob[23:26] == bytes([3, 0, 11]) and blob[26:37] == b"ecc-default"  # skip, segment, id
    assert blob[37:40] == bytes([2, 2, 1]) and blob[40:43] == b"xyz"
    assert blob[-4:] == struct.pack("<I", zlib.crc32(blob[:-4])) and len(blob) == 47
    legacy = pack(header(version=2), [2, 1], b"xyz")
    assert legacy[4] == 2
    assert legacy[38:49] == b"ecc-default" and legacy[49:52] == bytes([2, 2, 1]) and legacy[52:55] == b"xyz"
    assert legacy[-4:] == struct.pack("<I", zlib.crc32(legacy[:-4]))


@pytest.mark.parametrize("changes, match", [
    (dict(sample_rate=0), "sample_rate"),
    (dict(num_samples=-1), "num_samples"),
    (dict(num_samples=2**64), "num_samples"),
    (dict(num_samples=1.5), "num_samples must be an integer"),
    (dict(model_id="", version=2), "model_id must be 1..32 printable ASCII characters in version 2"),
    (dict(model_id="x" * 33), "model_id"),
    (dict(model_id="modèle"), "model_id"),
    (dict(model_id="a\nb"), "model_id"),
    (dict(model_hash=HASH), "model_hash must be 8 bytes"),
    (dict(quality=float("nan")), "finite"),
    (dict(quality=float("inf")), "finite"),
    (dict(quality=1e39), "float32"),
    (dict(quality="high"), "quality"),
    (dict(skip_below=2**16), "skip_below"),
    (dict(coder="cabac"), "coder must be one of"),
    (dict(lanes=2), "lanes must be one of \\(0, 1, 4, 8, 16, 32\\) for coder 'interleaved'"),
    (dict(coder="compressai", lanes=4), "lanes must be one of \\(0,\\)"),
    (dict(chunk_samples=2**32), "chunk_samples"),
])
def test_bad_header(changes, match):
    with pytest.raises(ValueError, match=match):
        header(**changes)


def test_pack_checks_arguments():
    with pytest.raises(ValueError, match="add up to 3 bytes but the payload has 2"):
        pack(header(), [1, 2], b"ab")
    with pytest.raises(ValueError, match="stream_sizes\\[1\\] must be in"):
        pack(header(), [3, -1], b"ab")
    with pytest.raises(ValueError, match="payload must be bytes"):
        pack(header(), [2], "ab")
    with pytest.raises(ValueError, match="header must be"):
        pack({}, [], b"")
    with pytest.raises(ValueError, match=f"at most {MAX_STREAMS} streams"):
        pack(header(), [0] * (MAX_STREAMS + 1), b"")


def test_errors_compact_header():
    blob = files()[1]
    cases = [
        (blob[:4], TruncatedFile, "4 bytes"),
        (blob[:5], TruncatedFile, "inside the header"),
        (blob[:9], TruncatedFile, "inside the header"),
        (blob[:20], TruncatedFile, "inside the header"),
        (blob[:30], TruncatedFile, "inside the model id"),
        (blob[:4] + b"\x04" + blob[5:], UnsupportedVersion, "format version 4 is newer .* upgrade ecc"),
        (with_crc(blob[:5] + b"\x20" + blob[6:-4]), CorruptFile, "unknown flags 0x20"),
        (with_crc(blob[:5] + bytes([1 | 6 << 2]) + blob[6:-4]), CorruptFile, "unknown flags 0x19"),
        (with_crc(blob[:5] + b"\x03" + blob[6:-4]), CorruptFile, "unknown coder code 3"),
        (with_crc(blob[:5] + b"\x08" + blob[6:-4]), CorruptFile, "lanes must be one of \\(0,\\)"),
        (with_crc(blob[:6] + b"\x80\x00" + blob[8:-4]), CorruptFile, "sample rate is not in its shortest"),
        (with_crc(blob[:6] + b"\x00" + blob[8:-4]), CorruptFile, "sample_rate must be in"),
        (with_crc(blob[:8] + b"\xff" * 10 + blob[11:-4]), CorruptFile, "sample count varint is longer than 10"),
        (with_crc(blob[:19] + b"\x00\x00\xc0\x7f" + blob[23:-4]), CorruptFile, "quality must be finite"),
        (with_crc(blob[:23] + b"\x80\x80\x04" + blob[24:-4]), CorruptFile, "skip_below must be in"),
        (with_crc(blob[:26] + b"\x07" + blob[27:-4]), CorruptFile, "model_id must be"),
        (with_crc(blob[:26] + b"\xff" + blob[27:-4]), CorruptFile, "'ascii' codec"),
        (blob[:100] + bytes([blob[100] ^ 1]) + blob[101:], CorruptFile, "CRC32 mismatch"),
    ]
    for bad, error, match in cases:
        with pytest.raises(error, match=match):
            unpack(bad, name="x.ecc")


def test_errors(tmp_path):
    blob = files()[0]
    cases = [
        (b"RIFF\x24\x00\x00\x00WAVE", NotAnEccFile, "x.ecc: not an .ecc file \\(starts with b'RIFF"),
        (b"", TruncatedFile, "0 bytes"),
        (blob[:3], TruncatedFile, "3 bytes"),
        (blob[:20], TruncatedFile, "the header alone is 42"),
        (blob[:45], TruncatedFile, "inside the model id"),
        (blob[:-10], TruncatedFile, "the streams need 432 bytes, the file has 422"),
        (blob[:4] + b"\x04" + blob[5:], UnsupportedVersion, "format version 4 is newer .* upgrade ecc"),
        (blob[:4] + b"\x00" + blob[5:], CorruptFile, "version 0"),
        (blob[:100] + bytes([blob[100] ^ 1]) + blob[101:], CorruptFile, "CRC32 mismatch"),
        (blob + b"\x00", CorruptFile, "CRC32 mismatch"),
        (with_crc(blob[:-4] + b"\x00"), CorruptFile, "1 bytes after the streams"),
        (with_crc(blob[:-5]), CorruptFile, "the streams need"),
        (with_crc(blob[:31] + b"\x09" + blob[32:-4]), CorruptFile, "unknown coder code 9"),
        (with_crc(blob[:32] + b"\x03" + blob[33:-4]), CorruptFile, "lanes must be one of"),
        (with_crc(blob[:38] + b"\xff" + blob[39:-4]), CorruptFile, "'ascii' codec"),
        (with_crc(blob[:38] + b"\x07" + blob[39:-4]), CorruptFile, "model_id must be"),
        (with_crc(blob[:5] + bytes(4) + blob[9:-4]), CorruptFile, "sample_rate"),
        (with_crc(blob[:49] + b"\x02\x80\x00\xcf\x02" + blob[53:-4]), CorruptFile, "shortest varint form"),
        (with_crc(blob[:49] + b"\xff" * 10 + blob[59:-4]), CorruptFile, "longer than 9 bytes"),
        (with_crc(blob[:49] + b"\x81\x80\x80\x01" + blob[53:-4]), CorruptFile, "claims 2097153 streams"),
    ]
    for bad, error, match in cases:
        with pytest.raises(error, match=match):
            unpack(bad, name="x.ecc")
    assert all(issubclass(e, EccFileError) and issubclass(e, ValueError)
               for e in (NotAnEccFile, TruncatedFile, CorruptFile, UnsupportedVersion, ModelMismatch))


def test_check_model():
    h = header()
    check_model(h, "ecc-default", HASH)
    check_model(h, "ecc-default", HASH[:8])
    expected = (f"x.ecc: encoded with model 'ecc-default' \\(hash {HASH[:8].hex()}\\), "
                "but the loaded model is 'ecc-small' \\(hash 0000000000000000\\)")
    with pytest.raises(ModelMismatch, match=expected):
        check_model(h, "ecc-small", bytes(8), name="x.ecc")
    with pytest.raises(ModelMismatch, match="hash 00000000"):
        check_model(h, "ecc-default", bytes(32))
    with pytest.raises(ValueError, match="at least 8 bytes"):
        check_model(h, "ecc-default", HASH[:4])
    anonymous = header(model_id="")  # version 3 may store the hash alone: any id matches it
    check_model(anonymous, "ecc-small", HASH)
    expected = (f"encoded with the model of hash {HASH[:8].hex()}, "
                "but the loaded model is 'ecc-small' \\(hash 0000000000000000\\)")
    with pytest.raises(ModelMismatch, match=expected):
        check_model(anonymous, "ecc-small", bytes(8))


def test_read_write(tmp_path):
    path = tmp_path / "a.ecc"
    assert bitstream.write(path, header(), [1, 2], b"abc") == path.stat().st_size == 44 + 3
    assert bitstream.read(path) == (header(), [1, 2], b"abc")
    path.write_bytes(b"hello world")
    with pytest.raises(NotAnEccFile, match=f"{path}: not an .ecc file"):
        bitstream.read(path)


def test_write_is_atomic(tmp_path, monkeypatch):
    """A write that fails half way leaves the old file as it was and no temporary file behind."""
    path = tmp_path / "a.ecc"
    bitstream.write(path, header(), [1, 2], b"abc")
    before = path.read_bytes()

    write_bytes = Path.write_bytes

    def fail(self, data):
        write_bytes(self, data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", fail)
    with pytest.raises(OSError, match="No space left"):
        bitstream.write(path, header(), [3, 3], b"abcdef")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.ecc"]


def _unpack_or_error(blob: bytes) -> tuple | None:
    """unpack's result, or None when it raised EccFileError (any other exception fails the test)."""
    try:
        return unpack(blob)
    except EccFileError:
        return None


def test_fuzz_truncation():
    for blob in files():
        for n in range(len(blob)):
            with pytest.raises(TruncatedFile):
                unpack(blob[:n])


def test_fuzz_corruption():
    """Corrupted bytes fail the CRC; random blobs are refused; with the CRC recomputed, fields are
    refused or decode to a consistent file."""
    rng = random.Random(0)
    valid = files()
    for blob in valid:
        for _ in range(500):
            bad = bytearray(blob)
            for _ in range(rng.choice([1, 1, 2, 5])):
                bad[rng.randrange(len(bad))] ^= rng.randrange(1, 256)
            assert _unpack_or_error(bytes(bad)) is None
            body = bad[:-4] if rng.random() < 0.8 else bad[: rng.randrange(len(bad))]
            got = _unpack_or_error(with_crc(bytes(body)))
            if got is not None:
                h, sizes, payload = got
                assert sum(sizes) == len(payload) and pack(h, sizes, payload) == with_crc(bytes(body))
    for _ in range(2000):
        noise = rng.randbytes(rng.randrange(80))
        prefix = rng.choice([b"", MAGIC, MAGIC + bytes([VERSION]), valid[0][:38]])
        assert _unpack_or_error(prefix + noise) is None
        got = _unpack_or_error(with_crc(prefix + noise))
        if got is not None:
            assert sum(got[1]) == len(got[2])


def test_coder_codes_are_fixed():
    """The coder code is the position in CODERS: appending is fine, reordering breaks files."""
    assert CODERS[:2] == ("compressai", "interleaved")
