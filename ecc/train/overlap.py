"""A trained ECC model's decoder widened to 75% STFT overlap (issue 23, lead 2), as a start for a
decoder-only fine-tune (``configs/overlap.toml``)::

    python -m ecc.train.overlap ecc/weights/ecc-default.pt runs/overlap_init.pt

The widened model (``synthesis_hop = 80``) keeps every weight; g_s's last layer is doubled. Its
first copy makes the frames at the old frame times, its second the frames 80 samples later, with
the phase of bin k advanced by pi k / 2 (how a steady partial at bin k's frequency advances in 80
samples). So the widened model starts near the original's output (a steady signal decodes as
before; changes within 10 ms are what the fine-tune learns), and codes the same streams.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch

from ..model import ECC, build_model
from ..model.stft import HOP, N_FFT
from ..model.weights import load_model, save_model


def widened(model: ECC) -> ECC:
    """``model`` (``synthesis_hop = 160``) -> a new model with ``synthesis_hop = 80``, as the module says."""
    if model.synthesis_hop != HOP or model.causal:
        raise ValueError("widen a non-streaming model whose decoder runs at a hop of 160 samples")
    wide = build_model({**model.config, "synthesis_hop": HOP // 2})
    state = model.state_dict()
    last = model.synthesis_head
    bins = N_FFT // 2 + 1
    advance = torch.zeros(2 * bins)
    advance[bins:] = math.pi / 2 * torch.arange(bins)  # (log magnitude, phase): the phase half moves
    state[f"{last}.weight"] = state[f"{last}.weight"].repeat(2, 1, 1)
    state[f"{last}.bias"] = torch.cat([state[f"{last}.bias"], state[f"{last}.bias"] + advance])
    wide.load_state_dict(state)
    wide.set_entropy_skip(model.skip_below)
    return wide


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ecc.train.overlap", description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="model file (synthesis_hop 160)")
    parser.add_argument("output", type=Path, help="the widened model file to write")
    args = parser.parse_args(argv)
    if args.output.exists():
        raise SystemExit(f"{args.output} exists: name a new file")
    model = load_model(args.source)
    wide = widened(model)
    digest = save_model(wide, args.output, model.model_id + "-overlap", model.meta)
    print(f"{args.output}: synthesis_hop {wide.synthesis_hop}, hash {digest.hex()}")


if __name__ == "__main__":
    main()
