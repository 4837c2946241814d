"""Streaming on the command line (docs/streaming.md):

    ecc compress --stream in.wav out.ecc     a stream file (length-prefixed packets), which
    ecc decompress out.ecc out.wav           reads back like any .ecc file
    ecc stream encode < s16le > stream       raw 16 kHz mono s16le in, a stream file out, packet by packet
    ecc stream decode < stream > s16le       and back, so ecc sits in a pipe:
        arecord -f S16_LE -r 16000 | ecc stream encode | ecc stream decode | aplay -f S16_LE -r 16000
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from . import output_files
from .audio import SAMPLE_RATE, from_pcm16, read_audio, to_pcm16, write_audio
from .streaming import StreamDecoder, StreamEncoder, read_stream_file, write_stream_file
from .streaming.container import MAGIC

_READ = 4096  # bytes of stdin per read (128 ms of s16le): what arrives is pushed at once


def _encoder(args: argparse.Namespace) -> StreamEncoder:
    return StreamEncoder(args.model, bitrate=args.bitrate, quality=args.quality)


def _decode_all(decoder: StreamDecoder, packets) -> np.ndarray:
    return np.concatenate([decoder.push(p) for p in packets] + [decoder.flush()])


def compress_stream(args: argparse.Namespace) -> int:
    """``ecc compress --stream IN OUT``: one audio file -> one stream file."""
    if len(args.inputs) != 1 or not Path(args.inputs[0]).is_file():
        raise ValueError("--stream compresses one audio file: ecc compress --stream IN.wav OUT.ecc")
    output_files.check([(Path(args.inputs[0]), Path(args.output))], args.force)
    wave = read_audio(args.inputs[0])
    encoder = _encoder(args)
    packets = encoder.push(wave) + encoder.flush()
    with output_files.writing(Path(args.output)) as temporary, open(temporary, "wb") as out:
        write_stream_file(out, packets)
    size = len(MAGIC) + sum(2 + len(p) for p in packets)
    seconds = len(wave) / SAMPLE_RATE
    print(f"{args.inputs[0]} -> {args.output}: {seconds:.2f} s, {len(packets)} packets, {size} bytes"
          + (f", {8 * size / seconds / 1000:.2f} kbps" if seconds else "") + f" (quality {encoder.quality:g})")
    return 0


def _is_stream_file(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(len(MAGIC)) == MAGIC


def decompress_stream(args: argparse.Namespace) -> int:
    """``ecc decompress STREAM OUT.wav`` for a stream file."""
    output_files.check([(Path(args.inputs[0]), Path(args.output))], args.force)
    decoder = StreamDecoder(args.model)
    with open(args.inputs[0], "rb") as f:
        wave = _decode_all(decoder, read_stream_file(f))
    with output_files.writing(Path(args.output)) as temporary:
        write_audio(temporary, wave)
    print(f"{args.inputs[0]} -> {args.output}: {len(wave) / SAMPLE_RATE:.2f} s at {SAMPLE_RATE} Hz")
    return 0


def encode_pipe(args: argparse.Namespace) -> int:
    """``ecc stream encode``: s16le on stdin -> stream file on stdout, each packet as soon as it is whole."""
    encoder, source, out = _encoder(args), sys.stdin.buffer.fileno(), sys.stdout.buffer
    write_stream_file(out, [])
    odd = b""
    while chunk := os.read(source, _READ):
        chunk, odd = odd + chunk, b""
        if len(chunk) % 2:
            chunk, odd = chunk[:-1], chunk[-1:]
        write_stream_file(out, encoder.push(from_pcm16(np.frombuffer(chunk, "<i2"))), magic=False)
        out.flush()
    write_stream_file(out, encoder.flush(), magic=False)
    out.flush()
    return 0


def decode_pipe(args: argparse.Namespace) -> int:
    """``ecc stream decode``: stream file on stdin -> s16le on stdout, each packet's samples at once."""
    decoder, out = StreamDecoder(args.model), sys.stdout.buffer
    for packet in read_stream_file(sys.stdin.buffer):
        out.write(to_pcm16(decoder.push(packet)).astype("<i2").tobytes())
        out.flush()
    out.write(to_pcm16(decoder.flush()).astype("<i2").tobytes())
    out.flush()
    return 0


def _with_stream_option(parser: argparse.ArgumentParser) -> None:
    """``--stream`` on ``ecc compress``; ``ecc decompress`` reads stream files."""
    plain = parser.get_default("func")
    parser.add_argument("--stream", action="store_true",
                        help="write a stream file with the streaming model (--model: a streaming model file)")
    parser.set_defaults(func=lambda args: (compress_stream if args.stream else plain)(args))


def _reading_stream_files(parser: argparse.ArgumentParser) -> None:
    plain = parser.get_default("func")

    def decompress(args):
        single = len(args.inputs) == 1 and Path(args.inputs[0]).is_file()
        return (decompress_stream if single and _is_stream_file(args.inputs[0]) else plain)(args)

    parser.set_defaults(func=decompress)


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """``ecc stream encode|decode``, ``ecc compress --stream``, stream files in ``ecc decompress``
    (after :func:`ecc.codec_cli.add_parsers`)."""
    _with_stream_option(sub.choices["compress"])
    _reading_stream_files(sub.choices["decompress"])
    stream = sub.add_parser("stream", help="real-time streaming in a pipe: s16le <-> stream file (docs/streaming.md)")
    actions = stream.add_subparsers(dest="action", required=True)
    p = actions.add_parser("encode", help="raw 16 kHz mono s16le on stdin -> stream file on stdout")
    p.add_argument("--model", help="streaming model file (default: the shipped one)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--bitrate", type=float, help="target kbps (from the model's measured rates)")
    group.add_argument("--quality", type=float, help="operating point in [0, points-1]")
    p.set_defaults(func=encode_pipe)
    p = actions.add_parser("decode", help="stream file on stdin -> raw 16 kHz mono s16le on stdout")
    p.add_argument("--model", help="streaming model file (default: the shipped one)")
    p.set_defaults(func=decode_pipe)
