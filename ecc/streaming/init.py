"""Writes the streaming model's starting point: the shipped model's weights in a CausalECC.

    python -m ecc.streaming.init OUT.pt [--source MODEL.pt]

Every parameter of :class:`~ecc.model.CausalECC` has the shape of :class:`~ecc.model.ECC`'s, so
the whole state dict carries over; only the layers' padding (causal) and time mixing (one-sided)
change, which fine-tuning (configs/stream.toml) adapts to.
"""

from __future__ import annotations

import argparse

from ..model import CausalECC
from ..model.weights import load_model, save_model


def causal_from(source: str | None = None, packet_frames: int = 2) -> CausalECC:
    """The model in ``source`` (default: the shipped one) as a CausalECC."""
    trained = load_model(source)
    model = CausalECC(packet_frames, **trained.config)
    model.load_state_dict(trained.state_dict())
    model.set_entropy_skip(trained.skip_below)
    return model


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--source", default=None, help="a non-streaming model file (default: the shipped one)")
    args = parser.parse_args(argv)
    model = causal_from(args.source)
    digest = save_model(model, args.out, "ecc-stream-init", {"init_from": load_model(args.source).model_id})
    print(f"wrote {args.out} ({digest.hex()})")


if __name__ == "__main__":
    main()
