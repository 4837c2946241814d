"""Ogg pages to packets (RFC 3533), enough to count an Opus file's audio bytes (RFC 7845).

Page layout (little-endian): ``"OggS"``, version (1 byte, 0), header type (1: bit 0 =
continued packet), granule position (8), stream serial (4), page sequence (4), CRC (4),
segment count n (1), n segment sizes (1 byte each), then the segments. A packet is a run of
segments ending with one shorter than 255 bytes; it may continue on the next page.
"""

from __future__ import annotations

import struct

_PAGE_HEADER = struct.Struct("<4sBBqIIIB")  # capture, version, type, granule, serial, sequence, crc, segments


def ogg_packets(data: bytes) -> list[bytes]:
    """Split one logical Ogg stream into its packets, in order.

    Raises:
        ValueError: not Ogg, truncated, several multiplexed streams, or a packet left unfinished.
    """
    packets: list[bytes] = []
    pending = b""  # the part of a packet that continues on the next page
    serial = None
    pos = 0
    while pos < len(data):
        if len(data) - pos < _PAGE_HEADER.size:
            raise ValueError(f"Ogg stream truncated in a page header at byte {pos}")
        capture, version, flags, _, page_serial, _, _, count = _PAGE_HEADER.unpack_from(data, pos)
        if capture != b"OggS" or version != 0:
            raise ValueError(f"not an Ogg page at byte {pos} (capture {capture!r}, version {version})")
        if serial is None:
            serial = page_serial
        elif page_serial != serial:
            raise ValueError(f"several logical streams (serials {serial:#x} and {page_serial:#x}); expected one")
        if bool(flags & 1) != bool(pending):
            raise ValueError(f"page at byte {pos}: continuation flag does not match the previous page")
        lacing = data[pos + _PAGE_HEADER.size: pos + _PAGE_HEADER.size + count]
        body = pos + _PAGE_HEADER.size + count
        end = body + sum(lacing)
        if len(lacing) < count or end > len(data):
            raise ValueError(f"Ogg page at byte {pos} is truncated")
        for size in lacing:
            pending += data[body: body + size]
            body += size
            if size < 255:
                packets.append(pending)
                pending = b""
        pos = end
    if pending:
        raise ValueError("Ogg stream ends inside a packet")
    return packets


def opus_audio_bytes(data: bytes) -> int:
    """Bytes of Opus audio packets in an Ogg Opus file: all packets but OpusHead and OpusTags."""
    packets = ogg_packets(data)
    if len(packets) < 2 or not packets[0].startswith(b"OpusHead") or not packets[1].startswith(b"OpusTags"):
        raise ValueError("not an Ogg Opus stream: the first two packets must be OpusHead and OpusTags")
    return sum(len(p) for p in packets[2:])
