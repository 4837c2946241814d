"""The `.ecc` file: a versioned container around the rANS streams of one encoded signal.

Layout of version 3 (integers little-endian, varints unsigned LEB128; docs/container.md has
the tables, and those of versions 1 and 2, which have a fixed 38-byte part instead)::

    COMPACT (6 bytes)  magic "ECC\\0", version u8, flags u8 (coder, lanes)
    fields             sample_rate varint, num_samples varint, model_hash 8s, quality f32,
                       skip_below varint, chunk_samples varint, model_id length u8
    model_id           0..32 ASCII bytes (0: the hash alone names the model)
    stream count       varint, then one varint per stream: its size in bytes
    payload            the streams back to back (sum of the sizes)
    CRC32              zlib.crc32 of every byte before it, u32

The magic and the version byte never move. A reader reads every version up to ``VERSION`` and
refuses newer ones with :class:`UnsupportedVersion`; any change to the layout bumps ``VERSION``.
"""

from __future__ import annotations

import math
import operator
import struct
import zlib
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Sequence

from . import output_files
from .coding.reference_interleaved import LANES

MAGIC = b"ECC\x00"
VERSION = 3  # 3: the compact header; 2: a `compressai` file codes each segment in one stream
FIXED = struct.Struct("<4sBIQ8sfHBBIB")  # the fixed part of versions 1 and 2
COMPACT = struct.Struct("<4sBB")  # version 3: magic, version, flags
QUALITY = struct.Struct("<f")
LANE_CODES = (0, *LANES)  # version 3 flags: bits 0-1 coder code, bits 2-4 position in LANE_CODES
CRC = struct.Struct("<I")
CODERS = ("compressai", "interleaved")  # coder code = position in this tuple
HASH_SIZE = 8
MAX_MODEL_ID = 32
MAX_STREAMS = 1 << 20
MAX_VARINT_BYTES = 9  # values below 2^63
MAX_U64_VARINT_BYTES = 10  # version 3's sample count: any u64


class EccFileError(ValueError):
    """Base: a file ecc cannot read (message names the problem and the file when known)."""


class NotAnEccFile(EccFileError):
    """The bytes do not start with the `.ecc` magic."""


class TruncatedFile(EccFileError):
    """The file ends before the header, the streams or the CRC it describes."""


class CorruptFile(EccFileError):
    """CRC mismatch, or fields that contradict each other or the format."""


class UnsupportedVersion(EccFileError):
    """The file has a newer format version than this ecc reads."""


class ModelMismatch(EccFileError):
    """The file was encoded with other model weights than the ones loaded."""


def _int(name: str, value, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi] (anything with ``__index__``), else ValueError."""
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be an integer, got {type(value).__name__}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be in [{lo}, {hi}], got {value}")
    return value


@dataclass(frozen=True)
class Header:
    """What a decoder needs besides the streams. Validated on construction (ValueError).

    ``quality`` is rounded to float32 here, so a header equals its own round trip through
    :func:`pack` and :func:`unpack`.
    """

    sample_rate: int    # Hz, 1..2^32-1
    num_samples: int    # samples of the original signal at sample_rate, 0..2^64-1
    model_id: str       # 1..32 printable ASCII characters, e.g. "ecc-default"; from version 3
                        # it may be "" (not stored: the hash names the model)
    model_hash: bytes   # HASH_SIZE bytes: the first 8 bytes of the weights' SHA-256
    quality: float      # operating point / rate-control value used (stored as float32)
    skip_below: int     # entropy skip: scale-table rows below this are not coded; 0 = off
    coder: str          # "compressai" or "interleaved"
    lanes: int          # 0 for "compressai"; for "interleaved" the lanes asked for (one of LANES),
                        # or 0: chosen per stream from its length (each stream records its own)
    chunk_samples: int  # samples per independently coded segment; 0 = one segment
    version: int = VERSION  # format version: how the codec lays out its streams (1..VERSION)

    def __post_init__(self):
        def put(name, value):
            object.__setattr__(self, name, value)

        put("sample_rate", _int("sample_rate", self.sample_rate, 1, 2**32 - 1))
        put("num_samples", _int("num_samples", self.num_samples, 0, 2**64 - 1))
        put("skip_below", _int("skip_below", self.skip_below, 0, 2**16 - 1))
        put("chunk_samples", _int("chunk_samples", self.chunk_samples, 0, 2**32 - 1))
        put("version", _int("version", self.version, 1, VERSION))
        shortest = 0 if self.version >= 3 else 1
        if not (isinstance(self.model_id, str) and shortest <= len(self.model_id) <= MAX_MODEL_ID
                and self.model_id.isascii() and self.model_id.isprintable()):
            raise ValueError(f"model_id must be {shortest}..{MAX_MODEL_ID} printable ASCII characters "
                             f"in version {self.version}, got {self.model_id!r}")
        if not (isinstance(self.model_hash, bytes) and len(self.model_hash) == HASH_SIZE):
            raise ValueError(f"model_hash must be {HASH_SIZE} bytes (the start of a SHA-256 "
                             f"digest), got {self.model_hash!r}")
        try:
            quality = QUALITY.unpack(QUALITY.pack(self.quality))[0]
        except (struct.error, OverflowError):
            raise ValueError(f"quality must be a float32-representable number, "
                             f"got {self.quality!r}") from None
        if not math.isfinite(quality):
            raise ValueError(f"quality must be finite, got {self.quality!r}")
        put("quality", quality)
        if self.coder not in CODERS:
            raise ValueError(f"coder must be one of {CODERS}, got {self.coder!r}")
        put("lanes", _int("lanes", self.lanes, 0, 255))
        allowed = (0,) if self.coder == "compressai" else (0, *LANES)
        if self.lanes not in allowed:
            raise ValueError(f"lanes must be one of {allowed} for coder {self.coder!r}, "
                             f"got {self.lanes}")


def _varint(value: int) -> bytes:
    """Unsigned LEB128: 7 bits per byte, least significant first, high bit = more follows."""
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _read_varint(blob: bytes, pos: int, end: int, what: str = "stream size",
                 max_bytes: int = MAX_VARINT_BYTES) -> tuple[int, int]:
    """(value, next position) of the varint at ``pos``; ``end`` bounds the read; ``what`` (the
    field) names it in errors.

    Raises TruncatedFile when the varint runs past ``end`` and CorruptFile when it is longer
    than ``max_bytes`` or not in its shortest form (so each value has one encoding).
    """
    value = 0
    for i in range(max_bytes):
        if pos + i >= end:
            table = "the stream size table" if what == "stream size" else "the header"
            raise TruncatedFile(f"the file ends inside {table}")
        byte = blob[pos + i]
        value |= (byte & 0x7F) << (7 * i)
        if byte < 0x80:
            if byte == 0 and i > 0:
                raise CorruptFile(f"a {what} is not in its shortest varint form")
            return value, pos + i + 1
    raise CorruptFile(f"a {what} varint is longer than {max_bytes} bytes")


def pack(header: Header, stream_sizes: Sequence[int], payload: bytes) -> bytes:
    """The `.ecc` bytes of one encoded signal.

    Args:
        header: a :class:`Header`.
        stream_sizes: bytes per stream, in payload order (ints, e.g. ``sizes.tolist()`` of
            ``ecc.ops.rans_encode``); at most MAX_STREAMS.
        payload: the streams back to back (bytes-like), ``sum(stream_sizes)`` bytes.
    Returns:
        bytes: the file contents.
    Raises:
        ValueError: an argument that cannot be stored, with what was expected.
    """
    if not isinstance(header, Header):
        raise ValueError(f"header must be an ecc.bitstream.Header, got {type(header).__name__}")
    if not isinstance(payload, (bytes, bytearray, memoryview)):
        raise ValueError(f"payload must be bytes, got {type(payload).__name__}")
    payload = bytes(payload)
    if len(stream_sizes) > MAX_STREAMS:
        raise ValueError(f"at most {MAX_STREAMS} streams fit a file, got {len(stream_sizes)}")
    sizes = [_int(f"stream_sizes[{i}]", s, 0, 2**63 - 1) for i, s in enumerate(stream_sizes)]
    if sum(sizes) != len(payload):
        raise ValueError(f"stream_sizes add up to {sum(sizes)} bytes but the payload has "
                         f"{len(payload)}")
    model_id = header.model_id.encode("ascii")
    if header.version >= 3:
        flags = CODERS.index(header.coder) | LANE_CODES.index(header.lanes) << 2
        out = bytearray(COMPACT.pack(MAGIC, header.version, flags))
        out += _varint(header.sample_rate) + _varint(header.num_samples) + header.model_hash
        out += QUALITY.pack(header.quality) + _varint(header.skip_below) + _varint(header.chunk_samples)
        out.append(len(model_id))
    else:
        out = bytearray(FIXED.pack(MAGIC, header.version, header.sample_rate, header.num_samples,
                                   header.model_hash, header.quality, header.skip_below,
                                   CODERS.index(header.coder), header.lanes, header.chunk_samples,
                                   len(model_id)))
    out += model_id
    out += _varint(len(sizes))
    for size in sizes:
        out += _varint(size)
    out += payload
    out += CRC.pack(zlib.crc32(out))
    return bytes(out)


def _compact_fields(blob: bytes) -> tuple[tuple, int]:
    """Version 3: (sample_rate, num_samples, model_hash, quality, skip_below, coder code, lanes,
    chunk_samples, model_id length) and the model id's offset; the CRC is not checked here.

    Raises TruncatedFile when the fields run past the CRC, CorruptFile for unknown flags or a
    malformed varint.
    """
    end = len(blob) - CRC.size
    if COMPACT.size > end:
        raise TruncatedFile("the file ends inside the header")
    flags = blob[COMPACT.size - 1]
    if flags >> 5 or (flags >> 2) >= len(LANE_CODES):
        raise CorruptFile(f"unknown flags {flags:#04x}")
    sample_rate, pos = _read_varint(blob, COMPACT.size, end, "sample rate")
    num_samples, pos = _read_varint(blob, pos, end, "sample count", MAX_U64_VARINT_BYTES)
    if pos + HASH_SIZE + QUALITY.size > end:
        raise TruncatedFile("the file ends inside the header")
    model_hash = blob[pos : pos + HASH_SIZE]
    (quality,) = QUALITY.unpack_from(blob, pos + HASH_SIZE)
    skip_below, pos = _read_varint(blob, pos + HASH_SIZE + QUALITY.size, end, "skip threshold")
    chunk_samples, pos = _read_varint(blob, pos, end, "segment length")
    if pos >= end:
        raise TruncatedFile("the file ends inside the header")
    fields = (sample_rate, num_samples, model_hash, quality, skip_below, flags & 3,
              LANE_CODES[flags >> 2], chunk_samples, blob[pos])
    return fields, pos + 1


def _layout(blob: bytes, id_end: int) -> tuple[list[int], int]:
    """(stream sizes, payload offset) read after the model id; the CRC is not checked here.

    Raises TruncatedFile when the table or the payload it describes runs past the CRC, and
    CorruptFile for a malformed table (see :func:`_read_varint`, more than MAX_STREAMS).
    """
    end = len(blob) - CRC.size
    if id_end > end:
        raise TruncatedFile("the file ends inside the model id")
    count, pos = _read_varint(blob, id_end, end)
    if count > MAX_STREAMS:
        raise CorruptFile(f"the file claims {count} streams (at most {MAX_STREAMS})")
    if count > end - pos:  # every size takes at least one byte: check before building the list
        raise TruncatedFile(f"the file ends inside the stream size table ({count} streams)")
    sizes = []
    for _ in range(count):
        size, pos = _read_varint(blob, pos, end)
        sizes.append(size)
    if pos + sum(sizes) > end:
        raise TruncatedFile(f"the streams need {pos + sum(sizes) + CRC.size} bytes, "
                            f"the file has {len(blob)}")
    return sizes, pos


def unpack(blob: bytes, name: str | None = None) -> tuple[Header, list[int], bytes]:
    """Header, stream sizes and payload of `.ecc` bytes, every field checked.

    Args:
        blob: the file contents (bytes-like).
        name: the file's path, used in error messages.
    Returns:
        (header, sizes, payload): sizes in payload order, ``sum(sizes) == len(payload)``.
    Raises:
        NotAnEccFile, TruncatedFile, CorruptFile, UnsupportedVersion (all EccFileError).
    """
    blob = bytes(blob)
    where = f"{name}: " if name else ""
    if blob[: len(MAGIC)] != MAGIC[: len(blob)]:
        raise NotAnEccFile(f"{where}not an .ecc file (starts with {blob[:8]!r})")
    if len(blob) <= len(MAGIC):
        raise TruncatedFile(f"{where}truncated .ecc file ({len(blob)} bytes)")
    version = blob[len(MAGIC)]
    if version > VERSION:
        from . import __version__
        raise UnsupportedVersion(
            f"{where}.ecc format version {version} is newer than this ecc {__version__} reads "
            f"(up to version {VERSION}); upgrade ecc to decode it")
    if version == 0:
        raise CorruptFile(f"{where}corrupt .ecc file (format version 0 does not exist)")
    if version < 3 and len(blob) < FIXED.size + CRC.size:
        raise TruncatedFile(f"{where}truncated .ecc file ({len(blob)} bytes, the header alone "
                            f"is {FIXED.size + CRC.size})")
    crc_ok = zlib.crc32(memoryview(blob)[: -CRC.size]) == CRC.unpack_from(blob, len(blob) - CRC.size)[0]
    try:
        if version >= 3:
            fields, id_start = _compact_fields(blob)
        else:
            fields, id_start = FIXED.unpack_from(blob)[2:], FIXED.size
        (sample_rate, num_samples, model_hash, quality, skip_below, coder, lanes, chunk_samples,
         id_len) = fields
        sizes, pos = _layout(blob, id_start + id_len)
    except TruncatedFile as e:
        if crc_ok:  # a matching CRC over a layout that does not fit: written wrong, not cut short
            raise CorruptFile(f"{where}corrupt .ecc file ({e})") from None
        raise TruncatedFile(f"{where}truncated .ecc file ({e})") from None
    except CorruptFile as e:
        raise CorruptFile(f"{where}corrupt .ecc file ({e})") from None
    if not crc_ok:
        raise CorruptFile(f"{where}corrupt .ecc file (CRC32 mismatch)")
    if pos + sum(sizes) != len(blob) - CRC.size:
        raise CorruptFile(f"{where}corrupt .ecc file ({len(blob) - CRC.size - pos - sum(sizes)} "
                          f"bytes after the streams)")
    try:
        model_id = blob[id_start : id_start + id_len].decode("ascii")
        if coder >= len(CODERS):
            raise ValueError(f"unknown coder code {coder}")
        header = Header(sample_rate, num_samples, model_id, model_hash, quality, skip_below,
                        CODERS[coder], lanes, chunk_samples, version)
    except ValueError as e:  # UnicodeDecodeError included
        raise CorruptFile(f"{where}corrupt .ecc file ({e})") from None
    return header, sizes, blob[pos:-CRC.size]


def check_model(header: Header, model_id: str, model_hash: bytes, name: str | None = None) -> None:
    """Raise ModelMismatch unless the file was encoded with this model: the same hash, and the
    same id when the file stores one.

    Args:
        header: the file's header.
        model_id: the loaded model's id.
        model_hash: the loaded weights' hash: HASH_SIZE bytes or more (a full SHA-256 digest
            is fine; its first HASH_SIZE bytes are compared).
        name: the file's path, used in the message.
    """
    if not isinstance(model_hash, bytes) or len(model_hash) < HASH_SIZE:
        raise ValueError(f"model_hash must be at least {HASH_SIZE} bytes, got {model_hash!r}")
    if header.model_hash != model_hash[:HASH_SIZE] or header.model_id not in ("", model_id):
        where = f"{name}: " if name else ""
        encoded = (f"model {header.model_id!r} (hash {header.model_hash.hex()})" if header.model_id
                   else f"the model of hash {header.model_hash.hex()}")
        raise ModelMismatch(
            f"{where}encoded with {encoded}, "
            f"but the loaded model is {model_id!r} (hash {model_hash[:HASH_SIZE].hex()}); "
            f"decode with the weights it was encoded with")


def read(path: str | PathLike) -> tuple[Header, list[int], bytes]:
    """(header, sizes, payload) of the `.ecc` file at ``path``; see :func:`unpack`."""
    return unpack(Path(path).read_bytes(), name=str(path))


def write(path: str | PathLike, header: Header, stream_sizes: Sequence[int], payload: bytes) -> int:
    """Write a `.ecc` file (see :func:`pack`) atomically (a temporary file renamed onto ``path``, so
    an interrupted write never leaves a partial file); returns the number of bytes written."""
    blob = pack(header, stream_sizes, payload)
    with output_files.writing(Path(path)) as temporary:
        temporary.write_bytes(blob)
    return len(blob)


__all__ = ["MAGIC", "VERSION", "Header", "pack", "unpack", "check_model", "read", "write",
           "EccFileError", "NotAnEccFile", "TruncatedFile", "CorruptFile", "UnsupportedVersion",
           "ModelMismatch"]
