"""The streaming packet format (docs/streaming.md): one byte of sequence number and flags, an
optional header (what a decoder joining the stream needs), an optional end marker, the payload.

    byte 0            bits 0-5: sequence number mod 64; bit 6: a header follows; bit 7: final packet
    header (20 bytes) version u8 (3), model hash (8 bytes), sample rate u16, quality float32,
                      entropy-skip threshold u8, packet index u32 (big-endian)
    end (2 bytes)     final and end packets: u16 samples to drop from the end of the final packet's
                      output; bit 15 set: an end packet
    payload           the packet's coded latents (`range` format, docs/format.md): z, then the latent
                      slices; may be empty

The transport carries the packet's length; the payload is the rest of the packet. End packets
(the last two of ``StreamEncoder.flush``) have the final flag, the end field with bit 15 set and
nothing after it: they repeat the final packet's end under the next sequence number, so the
length stays exact when the final packet is lost.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

VERSION = 3  # 3: `range` payloads, end packets marked (2: `compact` payloads; 1: `compressai`)
SEQUENCE_MODULUS = 64
HEADED_START = 2  # the stream's first packets all carry a header, so losing packet 0 costs only itself
HEADER = struct.Struct(">B8sHfBI")
END = struct.Struct(">H")
_HAS_HEADER, _FINAL = 0x40, 0x80
_END_PACKET = 0x8000  # in the end field


class PacketError(ValueError):
    """A packet that cannot be decoded (garbage, truncated, another model's or a newer version's).
    The decoder's state is unchanged: push ``None`` in its place to conceal it."""


@dataclass(frozen=True)
class StreamHeader:
    """What a decoder needs to join a stream."""

    model_hash: bytes
    sample_rate: int
    quality: float
    skip_below: int
    index: int  # the packet's position in the stream (0 = first)


@dataclass(frozen=True)
class Packet:
    sequence: int                   # index mod 64
    header: StreamHeader | None
    drop: int | None                # final and end packets: samples to drop from the end of the output
    payload: bytes
    end: bool = False               # an end packet (no audio: the end again, after the final packet)


def pack(packet: Packet) -> bytes:
    """A :class:`Packet` as bytes."""
    first = packet.sequence % SEQUENCE_MODULUS | (_HAS_HEADER if packet.header else 0)
    first |= _FINAL if packet.drop is not None else 0
    out = bytearray([first])
    if packet.header:
        h = packet.header
        out += HEADER.pack(VERSION, h.model_hash, h.sample_rate, h.quality, h.skip_below, h.index)
    if packet.end and (packet.drop is None or packet.header or packet.payload):
        raise ValueError("an end packet has an end field and nothing else")
    if packet.drop is not None:
        out += END.pack(packet.drop | (_END_PACKET if packet.end else 0))
    return bytes(out + packet.payload)


def unpack(data: bytes) -> Packet:
    """Bytes -> :class:`Packet`. Raises :class:`PacketError` for packets too short for their flags,
    other versions, or end packets with more than their end field."""
    data = bytes(data)
    if not data:
        raise PacketError("empty packet: a packet has at least its sequence byte")
    first, at, header, drop, end = data[0], 1, None, None, False
    if first & _HAS_HEADER:
        if len(data) < at + HEADER.size:
            raise PacketError(f"truncated packet: {len(data)} bytes, its header alone needs {1 + HEADER.size}")
        version, model_hash, rate, quality, skip_below, index = HEADER.unpack_from(data, at)
        if version != VERSION:
            raise PacketError(f"stream version {version}; this ecc reads version {VERSION}: upgrade ecc")
        header = StreamHeader(model_hash, rate, quality, skip_below, index)
        at += HEADER.size
    if first & _FINAL:
        if len(data) < at + END.size:
            raise PacketError(f"truncated packet: {len(data)} bytes, too short for its end marker")
        (drop,) = END.unpack_from(data, at)
        end, drop, at = bool(drop & _END_PACKET), drop & ~_END_PACKET, at + END.size
    if end and (header or len(data) > at):
        raise PacketError("corrupt end packet: an end packet has its end field and nothing else")
    return Packet(first % SEQUENCE_MODULUS, header, drop, data[at:], end)
