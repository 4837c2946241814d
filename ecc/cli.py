"""The ``ecc`` command line (also ``python -m ecc``).

Subcommands:
    compress, decompress, info   speech <-> .ecc files (see ecc.codec_cli; --stream: ecc.stream_cli)
    stream      encode/decode raw s16le in a pipe, packet by packet (see ecc.stream_cli)
    demo        compress + decompress the bundled speech clip; print bitrate and quality
    coder-demo  encode and decode a Gaussian latent; print bits/symbol and throughput
    bench       every installed entropy coder on one workload, one table (see ecc.bench)
    eval        score codecs (PESQ, STOI/ESTOI, ViSQOL, bitrate): RD curves, BD-rate, report (see ecc.eval)
    data        build the training corpus and dev set from Debian packages (see ecc.data)
    train       train an ECC model from a TOML config (see ecc.train, docs/training.md)
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import torch

from . import __version__, ops
from .coding import default_scale_table, ideal_bits, scale_indexes
from .codec_cli import add_parsers as add_codec_parsers
from .data.cli import add_parser as add_data_parser
from .eval.cli import add_parser as add_eval_parser
from .stream_cli import add_parsers as add_stream_parsers
from .train.cli import add_parser as add_train_parser


def _best_seconds(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def coder_demo(args: argparse.Namespace) -> int:
    """Entropy-code a speech-codec-like latent with ecc's `compressai`-format coder."""
    device = torch.device(args.device)
    g = torch.Generator().manual_seed(args.seed)
    n = args.symbols
    scales = torch.exp(torch.rand(args.streams, n, generator=g) * math.log(20 / 0.11) + math.log(0.11))
    symbols = torch.round(torch.randn(args.streams, n, generator=g) * scales).int().to(device)
    table = default_scale_table()
    indexes = scale_indexes(scales, table).to(device)
    total = symbols.numel()
    print(f"ecc {__version__} coder-demo: {args.streams} stream(s) x {n:,} Gaussian-latent symbols "
          f"(scales log-uniform in [0.11, 20]) on {device}, {torch.get_num_threads()} thread(s)")

    start = time.perf_counter()
    tables = ops.gaussian_cdf_table(table.to(device))
    print(f"  tables      {len(table)} Gaussian CDFs in {1e3 * (time.perf_counter() - start):.2f} ms")

    data, sizes = ops.rans_encode(symbols, indexes, *tables)
    decoded = ops.rans_decode(data, sizes, indexes, *tables)
    if not torch.equal(decoded, symbols):
        print("  round trip  FAILED: decoded symbols differ", file=sys.stderr)
        return 1
    t_enc = _best_seconds(lambda: ops.rans_encode(symbols, indexes, *tables), args.repeat)
    t_dec = _best_seconds(lambda: ops.rans_decode(data, sizes, indexes, *tables), args.repeat)

    ideal = ideal_bits(symbols, indexes, *tables) / total
    actual = 8 * data.numel() / total
    print(f"  encode      {1e3 * t_enc:8.2f} ms   {total / t_enc / 1e6:8.1f} Msym/s")
    print(f"  decode      {1e3 * t_dec:8.2f} ms   {total / t_dec / 1e6:8.1f} Msym/s")
    print(f"  size        {data.numel():,} bytes = {actual:.4f} bits/symbol "
          f"(ideal {ideal:.4f}, +{100 * (actual / ideal - 1):.2f}%)")
    print("  round trip  exact")
    return 0


def bench(args: argparse.Namespace) -> int:
    """Run ecc.bench and print its table."""
    from . import bench as runner

    devices = args.device or (["cpu", "cuda"] if torch.cuda.is_available() and ops.cuda_version() else ["cpu"])
    skips = {"off": [False], "on": [True], "both": [False, True]}[args.skip]
    torch.manual_seed(0)

    def progress(message: str) -> None:
        print(f"  measuring {message} ...", file=sys.stderr, flush=True)

    print(f"ecc {__version__} bench: torch {torch.__version__}, {torch.get_num_threads()} CPU thread(s), "
          f"devices {', '.join(devices)}", flush=True)
    only = args.coders.split(",") if args.coders else None
    if args.kernel_only:
        formats = tuple(f for f in ops.PADDED_FORMATS if not only or any(f"ecc {f}".startswith(o) for o in only))
        rows = runner.kernel_only(args.sizes, devices, skips, args.repeat, args.streams, formats, args.lanes,
                                  progress=None if args.quiet else progress)
    else:
        rows = runner.run(args.sizes, devices, skips, args.repeat, progress=None if args.quiet else progress, only=only)
    print(runner.format_table(rows))
    return 0


def _sizes(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",")]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ecc", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"ecc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_codec_parsers(sub)
    add_stream_parsers(sub)
    p = sub.add_parser("coder-demo", help="encode and decode a Gaussian latent, print bits/symbol and throughput")
    p.add_argument("--symbols", type=int, default=1_000_000, help="symbols per stream (default 1e6)")
    p.add_argument("--streams", type=int, default=1, help="independent streams, coded in parallel")
    p.add_argument("--device", default="cpu", help="cpu or cuda (default cpu)")
    p.add_argument("--repeat", type=int, default=5, help="timing repetitions; the best is shown")
    p.add_argument("--seed", type=int, default=0)
    p.set_defaults(func=coder_demo)
    p = sub.add_parser("bench", help="compare every installed entropy coder on one Gaussian-latent workload")
    p.add_argument("--sizes", type=_sizes, default=[10**4, 10**5, 10**6, 10**7],
                   help="comma-separated symbol counts (default 1e4,1e5,1e6,1e7)")
    p.add_argument("--device", action="append", help="cpu and/or cuda (repeatable; default: all available)")
    p.add_argument("--skip", choices=["off", "on", "both"], default="both", help="entropy skip (default both)")
    p.add_argument("--repeat", type=int, default=5, help="timed runs per measurement; the median is shown")
    p.add_argument("--coders", help="only coders whose names start with these (comma-separated, e.g. 'ecc')")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    p.add_argument("--kernel-only", action="store_true",
                   help="time ecc's padded coding ops alone (prepared tables, resident inputs; CUDA events on CUDA)")
    p.add_argument("--streams", type=int, default=1, help="--kernel-only: streams each size is cut into (default 1)")
    p.add_argument("--lanes", type=int, default=32, help="--kernel-only: lanes of the interleaved format (default 32)")
    p.set_defaults(func=bench)
    add_eval_parser(sub)
    add_data_parser(sub)
    add_train_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status: 0 done, 1 some files failed (each reported,
    the rest done: ``ecc info``), 2 an error stopped the command (bad arguments, as argparse's own
    usage errors, bad input, an output it must not write, out of memory) with one line on stderr,
    130 interrupted. An output is written whole or not at all (ecc.output_files)."""
    args = _parser().parse_args(argv)
    try:
        return args.func(args)
    except (MemoryError, torch.OutOfMemoryError):
        print(f"ecc {args.command}: error: out of memory; give it fewer or shorter files at a time, or free "
              "memory", file=sys.stderr)
        return 2
    except (RuntimeError, ValueError, OSError) as e:
        print(f"ecc {args.command}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ecc {args.command}: interrupted", file=sys.stderr)
        return 130
