"""``ecc eval``: score codecs on speech clips and write the report (see docs/eval.md).

``ecc.cli`` calls ``add_parser`` to add the subcommand; its handler returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys

from .codec import codec_names, get_codec
from .data import default_clips, find_clips, narrowband_copies, rd_clips
from .metrics import METRICS, check_metrics, metric_available

# What the evaluation itself imports (the metrics' packages are checked per metric).
_PACKAGES = ("scipy", "soundfile", "soxr", "matplotlib", "tqdm")


def _list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _points(text: str) -> tuple[str, list[str]]:
    codec, sep, points = text.partition("=")
    if not sep or not codec or not _list(points):
        raise argparse.ArgumentTypeError(f"expected CODEC=POINT,POINT,... (e.g. opus=6k,12k), got {text!r}")
    return codec, _list(points)


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces ``args``."""
    words = ["ecc", "eval", *args.inputs, *(["--rd-clips"] if args.rd_clips else []),
             *(["--narrowband"] if args.narrowband else []), "--codecs", ",".join(args.codecs)]
    for codec, points in args.points:
        words += ["--points", f"{codec}={','.join(points)}"]
    words += ["--metrics", ",".join(args.metrics), "--jobs", str(args.jobs), "--out", args.out]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    """Handler of ``ecc eval``: evaluate, write the report, print the means. ValueError on user errors."""
    missing = [package for package in _PACKAGES if importlib.util.find_spec(package) is None]
    if missing:
        raise ValueError(f"ecc eval needs `pip install {' '.join(missing)}`")
    from .report import mean_table, means, write_report
    from .runner import evaluate

    if args.rd_clips and args.inputs:
        raise ValueError("--rd-clips is a clip set of its own: name files or folders, or give --rd-clips, not both")
    args.codecs = args.codecs or codec_names()
    points = dict(args.points)
    unknown = set(points) - set(args.codecs)
    if unknown:
        raise ValueError(f"--points names {', '.join(sorted(unknown))}, which --codecs does not evaluate")
    codecs = [get_codec(name)(points.get(name)) for name in args.codecs]  # user errors before any warning
    if args.metrics is None:
        args.metrics = [m for m in METRICS if metric_available(m)]
        for m in METRICS:
            if m not in args.metrics:
                print(f"ecc eval: {m} skipped: `pip install '{METRICS[m].requirement}'` to score it", file=sys.stderr)
    check_metrics(args.metrics)
    files = rd_clips() if args.rd_clips else find_clips(args.inputs) if args.inputs else default_clips()
    if args.narrowband:
        files = narrowband_copies(files, os.path.join(args.out, "narrowband"))

    evaluation = evaluate(files, codecs, args.metrics, jobs=args.jobs, progress=not args.quiet)
    report = write_report(evaluation, args.out, command=_command(args))

    print("\n".join(mean_table(means(evaluation), args.metrics)))
    for path, error in evaluation.failures:
        print(f"ecc eval: failed, left out of the means: {path}: {error}", file=sys.stderr)
    passed = len(files) - len(evaluation.failures)
    print(f"{passed} of {len(files)} file(s) evaluated in {evaluation.seconds:.1f} s; report: {report}")
    return 0 if passed else 1


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``eval`` subcommand to ``ecc``'s subparsers; returns its parser."""
    p = subparsers.add_parser(
        "eval", help="score codecs (PESQ, STOI/ESTOI, ViSQOL, bitrate) on speech clips; RD curves, BD-rate, report",
        description="Encode, decode, align and score every clip with every codec and operating point; write "
                    "scores.csv, report.json, rd_<metric>.png and report.md.")
    p.add_argument("inputs", nargs="*", metavar="DIR_OR_FILE",
                   help="clips (.wav, .flac, .raw = 16-kHz s16le) or folders of them (default: the dev clips, "
                        "see docs/eval.md)")
    p.add_argument("--rd-clips", action="store_true",
                   help="the 33 dev clips of the shipped model's RD table in benchmarks/RESULTS.md (festvox-ru, "
                        "tuxpaint Spanish, pocketsphinx English; see docs/eval.md)")
    p.add_argument("--narrowband", action="store_true",
                   help="evaluate telephone-band copies of the clips instead (resampled to 8 kHz and back, "
                        "written to OUT/narrowband/; see docs/eval.md)")
    p.add_argument("--codecs", type=_list, default=None,
                   help=f"comma-separated codecs (default: all registered: {','.join(codec_names())})")
    p.add_argument("--points", type=_points, action="append", default=[], metavar="CODEC=P1,P2",
                   help="operating points of one codec (repeatable; default: each codec's own list)")
    p.add_argument("--metrics", type=_list, default=None,
                   help=f"comma-separated metrics from {','.join(METRICS)} (default: all installed)")
    p.add_argument("--out", default="report", help="output folder (default: report)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: CPU count)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p
