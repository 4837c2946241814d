"""``ecc data``: build the training corpus and dev set (see docs/data.md).

``ecc.cli`` calls ``add_parser`` to add the subcommand; ``python -m ecc.data`` runs ``main``.
Handlers return the exit code and raise ValueError on user errors.
"""

from __future__ import annotations

import argparse
import os
import sys


def _build(args: argparse.Namespace) -> int:
    """Handler of ``ecc data build``."""
    from .build import build

    build(args.out, tts_minutes=args.tts_minutes, jobs=args.jobs, install=args.install, seed=args.seed,
          progress=not args.quiet)
    return 0


def add_commands(subparsers: argparse._SubParsersAction) -> None:
    """Add ``build`` (the subcommands of ``ecc data``) to ``subparsers``."""
    p = subparsers.add_parser(
        "build", help="decode, resample, trim and join the Debian speech packages into OUT",
        description="Write OUT/train/*.wav, OUT/dev/*.wav (16 kHz mono 16-bit), OUT/manifest.csv and "
                    "OUT/summary.json. The same packages, seed and options give the same files.")
    p.add_argument("out", metavar="OUT", help="output folder (new, empty, or an earlier build, which is replaced)")
    p.add_argument("--install", action="store_true", help="apt-get install missing Debian packages (as root)")
    p.add_argument("--tts-minutes", type=float, default=20.0,
                   help="minutes of espeak-ng sentences added to train (default 20; 0: none)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="worker processes (default: the CPU count); the output does not depend on it")
    p.add_argument("--seed", type=int, default=0, help="seed of crop order, gaps and synthesized prosody")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(func=_build)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``data`` subcommand to ``ecc``'s subparsers; returns its parser."""
    p = subparsers.add_parser("data", help="build the training corpus and dev set from Debian packages",
                              description=__doc__.split("\n")[0])
    add_commands(p.add_subparsers(dest="data_command", required=True))
    return p


def main(argv: list[str] | None = None) -> int:
    """``python -m ecc.data build OUT ...``."""
    parser = argparse.ArgumentParser(prog="python -m ecc.data", description=__doc__.split("\n")[0])
    add_commands(parser.add_subparsers(dest="data_command", required=True))
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ValueError as e:
        print(f"ecc data: error: {e}", file=sys.stderr)
        return 2
