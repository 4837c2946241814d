"""Stream files: a stream's packets, each prefixed by its length (what ``ecc compress --stream``
and ``ecc stream encode`` write; docs/streaming.md)::

    magic b"ECCS", then per packet: length u16 (big-endian), the packet
"""

from __future__ import annotations

import struct
from typing import BinaryIO, Iterator

from .packet import PacketError

MAGIC = b"ECCS"
LENGTH = struct.Struct(">H")


def write_stream_file(out: BinaryIO, packets, magic: bool = True) -> None:
    """Writes ``magic`` (unless False: a continuation) and the packets, length-prefixed."""
    if magic:
        out.write(MAGIC)
    for packet in packets:
        out.write(LENGTH.pack(len(packet)) + packet)


def read_stream_file(source: BinaryIO) -> Iterator[bytes]:
    """The packets of a stream file, read as they come (a pipe works).

    Raises:
        PacketError: no stream-file magic, or a file that ends inside a packet.
    """
    if source.read(len(MAGIC)) != MAGIC:
        raise PacketError("not an ecc stream file (it does not start with ECCS)")
    while True:
        prefix = source.read(LENGTH.size)
        if not prefix:
            return
        if len(prefix) < LENGTH.size:
            raise PacketError("truncated stream file: it ends inside a packet's length")
        (length,) = LENGTH.unpack(prefix)
        packet = source.read(length)
        if len(packet) < length:
            raise PacketError(f"truncated stream file: a {length}-byte packet has only {len(packet)}")
        yield packet
