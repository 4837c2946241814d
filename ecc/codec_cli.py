"""``ecc compress``, ``ecc decompress``, ``ecc info`` and ``ecc demo``: the codec on the command line."""

from __future__ import annotations

import argparse
import functools
import math
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from . import bitstream, output_files
from .audio import AUDIO_SUFFIXES, SAMPLE_RATE, files_under, read_audio, write_audio
from .entropy import CoderSettings

DEMO_CLIP = Path(__file__).resolve().parent / "assets" / "demo.wav"


def _codec(args: argparse.Namespace):
    from .model.weights import load_model
    from .speech_codec import SpeechCodec

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError("--device cuda: torch sees no CUDA device")
    coder = CoderSettings(getattr(args, "coder", "compressai"))
    return SpeechCodec(load_model(args.model, args.device), args.device, coder=coder)


def _kbps(text: str) -> float:
    """The argparse type of ``--bitrate``: a positive finite number."""
    try:
        kbps = float(text)
    except ValueError:
        kbps = math.nan
    if not (math.isfinite(kbps) and kbps > 0):
        raise argparse.ArgumentTypeError(f"must be a positive finite number of kbps, got {text!r}")
    return kbps


def _check_target(codec, args: argparse.Namespace) -> None:
    """Refuse a --quality or --bitrate outside the model's range before any file is read.

    The bitrate range is that of the model's operating points (model.meta["point_kbps"], rounded
    outwards to 0.01 kbps); a file the codec cannot code at the request still fails in the codec,
    with the file's name (see :func:`_encode`).
    """
    model = codec.model
    if args.quality is not None and not 0 <= args.quality <= model.points - 1:
        raise ValueError(f"--quality {args.quality:g}: quality must lie in [0, {model.points - 1}] "
                         f"(the operating points of model {model.model_id})")
    rates = model.meta.get("point_kbps")
    if args.bitrate is not None and rates:  # without rates, the codec's search finds the range
        low, high = math.floor(100 * min(rates)) / 100, math.ceil(100 * max(rates)) / 100
        if not low <= args.bitrate <= high:
            raise ValueError(f"--bitrate {args.bitrate:g}: model {model.model_id} codes {low:g} to {high:g} "
                             "kbps; choose --bitrate in that range")


def _quality(codec, args: argparse.Namespace) -> float | None:
    """--quality, else the model's default; None with --bitrate (the quality is searched per file)."""
    _check_target(codec, args)
    if args.bitrate is not None:
        return None
    if args.quality is not None:
        return args.quality
    return float(codec.model.meta.get("default_quality", (codec.model.points - 1) / 2))


def _pairs(inputs: list[str], output: str, suffixes: tuple[str, ...], new_suffix: str) -> list[tuple[Path, Path]]:
    """(input file, output file) pairs: one file -> OUTPUT, else (or when OUTPUT is a folder or
    ends in a slash) files into the OUTPUT folder, named as their inputs with ``new_suffix``."""
    paths = [Path(p) for p in inputs]
    for path in paths:
        if not path.exists():
            raise ValueError(f"{path} does not exist")
    folder = Path(output).is_dir() or output.endswith(("/", os.sep))
    if len(paths) == 1 and paths[0].is_file() and not folder:
        return [(paths[0], Path(output))]
    pairs = []
    for path in paths:
        if path.is_dir():
            pairs += [(p, Path(output) / p.relative_to(path).with_suffix(new_suffix))
                      for p in files_under(path, suffixes)]
        else:
            pairs.append((path, Path(output) / path.with_suffix(new_suffix).name))
    return pairs


def _encode(codec, pairs: list[tuple[Path, Path]], waves: list[torch.Tensor], quality: float | None,
            bitrate: float | None) -> list[bytes]:
    """codec.compress_many over every file (at ``quality``, or searched per file for ``bitrate``); a
    ValueError from the codec names the file it came from."""
    try:
        return codec.compress_many(waves, quality, progress=True, bitrate=bitrate)  # shown from 2 batches on
    except ValueError as error:
        if len(pairs) == 1:
            raise ValueError(f"{pairs[0][0]}: {error}") from None
        for (src, _), wave in zip(pairs, waves):  # on this error path only: each file alone finds it
            try:
                codec.compress(wave, quality, bitrate=bitrate)
            except ValueError as e:
                raise ValueError(f"{src}: {e}") from None
        raise


def compress(args: argparse.Namespace) -> int:
    pairs = _pairs(args.inputs, args.output, AUDIO_SUFFIXES, ".ecc")
    output_files.check(pairs, args.force)
    codec = _codec(args)
    quality = _quality(codec, args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        waves = [torch.from_numpy(read_audio(src)) for src, _ in pairs]
    for w in caught:
        print(f"ecc compress: warning: {w.message}", file=sys.stderr)
    blobs = _encode(codec, pairs, waves, quality, args.bitrate)
    for (src, dst), wave, blob in zip(pairs, waves, blobs):
        with output_files.writing(dst) as temporary:
            temporary.write_bytes(blob)
        seconds = len(wave) / SAMPLE_RATE
        rate = f"{8 * len(blob) / seconds / 1000:.2f} kbps" if seconds else "empty"
        print(f"{src} -> {dst}: {seconds:.2f} s, {len(blob)} bytes, {rate} "
              f"(quality {bitstream.unpack(blob)[0].quality:g})")
    return 0


def decompress(args: argparse.Namespace) -> int:
    pairs = _pairs(args.inputs, args.output, (".ecc",), ".wav")
    output_files.check(pairs, args.force)
    codec = _codec(args)
    blobs = [src.read_bytes() for src, _ in pairs]
    waves = codec.decompress_many(blobs, [str(src) for src, _ in pairs], progress=True)
    for (src, dst), wave in zip(pairs, waves):
        with output_files.writing(dst) as temporary:
            write_audio(temporary, wave.numpy())
        print(f"{src} -> {dst}: {len(wave) / SAMPLE_RATE:.2f} s at {SAMPLE_RATE} Hz")
    return 0


@functools.lru_cache(maxsize=1)
def _shipped_model() -> tuple[str, bytes]:
    """(id, hash) of the model shipped with ecc, or ("", b"") when it is missing."""
    from .model.weights import load_model, model_hash

    try:
        model = load_model()
    except ValueError:
        return "", b""
    return model.model_id, model_hash(model)


def _model_name(header: bitstream.Header) -> str:
    """The model line of ``ecc info``: the stored id, else the shipped model's id if the hash is its."""
    name = header.model_id
    if not name:
        shipped_id, shipped_hash = _shipped_model()
        name = f"{shipped_id} (shipped with ecc)" if header.model_hash == shipped_hash else "not the shipped model,"
    return f"{name} hash {header.model_hash.hex()}"


def describe(path: Path) -> str:
    """The header of one ``.ecc`` file and its bitrates, as ``ecc info`` prints them."""
    blob = path.read_bytes()
    header, sizes, payload = bitstream.unpack(blob, str(path))
    seconds = header.num_samples / header.sample_rate
    lanes = f", {header.lanes or 'auto'} lanes" if header.coder == "interleaved" else ""

    def kbps(n: int) -> str:
        return f"{8 * n / seconds / 1000:.3f} kbps" if seconds else "-"

    return "\n".join([
        f"{path}: ecc file, format version {blob[4]}",
        f"  audio       {header.num_samples} samples at {header.sample_rate} Hz = {seconds:.3f} s",
        f"  model       {_model_name(header)}",
        f"  quality     {header.quality:g}",
        f"  skip        {'scale-table rows < ' + str(header.skip_below) if header.skip_below else 'off'}",
        f"  coder       {header.coder}{lanes}",
        f"  segments    {header.chunk_samples / header.sample_rate:g} s max, {len(sizes)} stream"
        f"{'s' if len(sizes) != 1 else ''}",
        f"  payload     {len(payload)} bytes = {kbps(len(payload))}",
        f"  file        {len(blob)} bytes = {kbps(len(blob))}",
    ])


def info(args: argparse.Namespace) -> int:
    """Describe every .ecc file named or under a named folder; a bad one is reported in one line
    on stderr and skipped. Exit status 1 if any was bad."""
    failed = total = 0

    def fail(message: str) -> None:
        nonlocal failed
        failed += 1
        print(f"ecc info: error: {message}", file=sys.stderr, flush=True)

    for name in args.files:
        try:
            paths = files_under(name, (".ecc",)) if Path(name).is_dir() else [Path(name)]
        except ValueError as e:  # a folder with no .ecc files
            total += 1
            fail(str(e))
            continue
        total += len(paths)
        for path in paths:
            try:
                print(describe(path), flush=True)
            except OSError as e:
                fail(f"{path}: {e.strerror or e}")
            except ValueError as e:  # EccFileError and the rest: their messages name the file
                fail(str(e))
    if failed:
        print(f"ecc info: {failed} of {total} could not be read", file=sys.stderr)
    return 1 if failed else 0


def demo(args: argparse.Namespace) -> int:
    """Compress + decompress the bundled clip at every operating point; print rate and quality."""
    from .eval.metrics import metric_available, score

    codec = _codec(args)
    model = codec.model
    wave = read_audio(DEMO_CLIP)
    seconds = len(wave) / SAMPLE_RATE
    rates = model.meta.get("point_kbps") or [None] * model.points
    chosen = args.quality is not None or args.bitrate is not None
    qualities = [_quality(codec, args)] if chosen else [float(q) for q in range(model.points)]
    print(f"ecc demo: {DEMO_CLIP.name} ({seconds:.2f} s of speech, 16 kHz) with model {model.model_id} "
          f"on {args.device}, {torch.get_num_threads()} thread(s)")
    print(f"  {'quality':>7} {'nominal':>9} {'file':>10} {'payload':>10} {'PESQ-WB':>8} {'STOI':>6} "
          f"{'encode':>8} {'decode':>8}")
    for q in qualities:
        start = time.perf_counter()
        blob = codec.compress(torch.from_numpy(wave), q, bitrate=args.bitrate)
        middle = time.perf_counter()
        q = bitstream.unpack(blob)[0].quality
        decoded = codec.decompress(blob).numpy()
        end = time.perf_counter()
        payload = len(bitstream.unpack(blob)[2])
        names = [m for m in ("pesq_wb", "stoi") if metric_available(m)]
        scores = {"pesq_wb": float("nan"), "stoi": float("nan"), **score(wave, decoded, names)}
        nominal = rates[int(q)] if float(q).is_integer() and rates[int(q)] else None
        print(f"  {q:7g} {f'{nominal:.2f} kbps' if nominal else '-':>9} "
              f"{8 * len(blob) / seconds / 1000:6.2f} kbps {8 * payload / seconds / 1000:5.2f} kbps "
              f"{scores['pesq_wb']:8.2f} {scores['stoi']:6.3f} {seconds / (middle - start):7.0f}x "
              f"{seconds / (end - middle):7.0f}x")
    print("  (file: the whole .ecc file; payload: the coded streams alone; encode/decode: x real time)")
    if not metric_available("pesq_wb"):
        print("  PESQ/STOI need `pip install pesq==0.0.4 pystoi==0.4.1`")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add compress, decompress, info and demo to the ``ecc`` command line."""
    def common(p, quality: bool = False):
        p.add_argument("--model", help="model file (default: the model shipped with ecc)")
        p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
        if quality:
            group = p.add_mutually_exclusive_group()
            group.add_argument("--bitrate", type=_kbps, help="target kbps of each file (its bytes, header "
                               "included, / its duration): within 10%%, 5%% from 5 s")
            group.add_argument("--quality", type=float, help="operating point in [0, points-1]; fractions "
                               "interpolate (default: the model's default quality, for the shipped "
                               "model its lowest point of at least 1.2 kbps)")

    def outputs(p, suffix: str):
        p.add_argument("output", help=f"the {suffix} file (one input file) or a folder (created if missing), "
                       f"where each input gives <its name>{suffix}; two inputs of one name are refused")
        p.add_argument("-f", "--force", action="store_true", help="replace existing output files")

    p = sub.add_parser("compress", help="speech files -> .ecc files")
    p.add_argument("inputs", nargs="+", help="audio files or folders (any rate soundfile reads; mixed to mono)")
    outputs(p, ".ecc")
    p.add_argument("--coder", choices=["compressai", "interleaved"], default="compressai", help="stream format")
    common(p, quality=True)
    p.set_defaults(func=compress)
    p = sub.add_parser("decompress", help=".ecc files -> 16 kHz WAV files")
    p.add_argument("inputs", nargs="+", help=".ecc files or folders")
    outputs(p, ".wav")
    common(p)
    p.set_defaults(func=decompress)
    p = sub.add_parser("info", help="header, model and bitrate of .ecc files")
    p.add_argument("files", nargs="+", help=".ecc files or folders; bad files are reported and skipped "
                   "(exit status 1)")
    p.set_defaults(func=info)
    p = sub.add_parser("demo", help="compress + decompress the bundled speech clip; print bitrate and quality")
    common(p, quality=True)
    p.set_defaults(func=demo)
