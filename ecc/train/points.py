"""Add operating points to a trained model: new rows of its gain tables below its lowest point and
above its highest, every other weight unchanged (a warm start for fine-tuning the wider set).

    python -m ecc.train.points ecc/weights/ecc-default.pt runs/seven_points.pt --below 0.35 --above 0.8

A point's gain scales the latent before rounding, so a log gain larger by ``offset`` (natural log)
codes it ``offset / ln 2`` bits finer: 0.7 (a gain x2) adds about one bit per coded latent.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import torch

from ..model import ECC
from ..model.weights import load_model, save_model


def _offsets(values: Sequence[float], side: str) -> list[float]:
    values = sorted(float(v) for v in values)
    if any(v <= 0 for v in values) or len(set(values)) != len(values):
        raise ValueError(f"--{side} offsets must be distinct and > 0, got {values}")
    return values


def add_points(model: ECC, below: Sequence[float] = (), above: Sequence[float] = ()) -> ECC:
    """A copy of ``model`` with ``len(below) + len(above)`` more operating points.

    Point i of ``model`` is point ``len(below) + i`` of the copy and decodes exactly as before. A
    new point below has the log gains ``log_gain[0] - offset`` (every latent channel shifted
    alike) and the inverse log gains ``log_inverse_gain[0] + offset``; a new point above shifts
    the highest point the other way. Points stay ordered by rate.

    Raises:
        ValueError: an offset that is not > 0, or two equal offsets on one side.
    """
    below, above = _offsets(below, "below"), _offsets(above, "above")
    wider = ECC(**{**model.config, "points": model.points + len(below) + len(above)})
    state = model.state_dict()
    low = torch.tensor(below[::-1])[:, None]  # farthest first: the new lowest point is row 0
    high = torch.tensor(above)[:, None]
    for name, sign in (("log_gain", 1.0), ("log_inverse_gain", -1.0)):
        table = state[name]
        state[name] = torch.cat([table[:1] - sign * low, table, table[-1:] + sign * high])
    wider.load_state_dict(state)
    wider.set_entropy_skip(model.skip_below)
    wider.model_id = model.model_id
    return wider


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ecc.train.points", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="model file (.pt) to widen")
    parser.add_argument("target", type=Path, help="model file to write (its point bitrates unmeasured)")
    parser.add_argument("--below", type=float, nargs="*", default=[], help="log-gain offsets of new low points")
    parser.add_argument("--above", type=float, nargs="*", default=[], help="log-gain offsets of new high points")
    args = parser.parse_args(argv)
    try:
        wider = add_points(load_model(args.source), args.below, args.above)
    except ValueError as e:
        parser.error(str(e))
    digest = save_model(wider, args.target, f"{wider.model_id}+{len(args.below)}+{len(args.above)}")
    print(f"{args.target}: {wider.points} operating points, hash {digest.hex()}")


if __name__ == "__main__":
    main()
