"""``python -m ecc.train --config ...``: the ``ecc train`` subcommand on its own (torchrun-friendly)."""

import argparse
import sys

from .cli import add_parser

parser = add_parser(argparse.ArgumentParser().add_subparsers())
parser.prog = "python -m ecc.train"
args = parser.parse_args()
try:
    raise SystemExit(args.func(args))
except ValueError as e:
    print(f"ecc train: error: {e}", file=sys.stderr)
    raise SystemExit(2)
