"""Writes the streaming model's starting point: the shipped model's weights in a CausalECC.

    python -m ecc.streaming.init OUT.pt [--source MODEL.pt]

Every parameter of :class:`~ecc.model.CausalECC` has the shape of :class:`~ecc.model.ECC`'s, so
the whole state dict carries over; only the layers' padding (causal) and time mixing (one-sided)
change, which fine-tuning (configs/stream.toml) adapts to. From a decoder at 75% overlap
(``synthesis_hop = 80``, the shipped one since the tenth model) the last layer keeps the half
that makes the frames at the hop-160 times.
"""

from __future__ import annotations

import argparse

from ..model import CausalECC, SpectralFrontEnd
from ..model.stft import HOP
from ..model.weights import load_model, save_model


def causal_from(source: str | None = None, packet_frames: int = 2) -> CausalECC:
    """The model in ``source`` (default: the shipped one) as a CausalECC."""
    trained = load_model(source)
    config = {key: value for key, value in trained.config.items() if key != "synthesis_hop"}
    model = CausalECC(packet_frames, **config)
    state = trained.state_dict()
    if trained.synthesis_hop != HOP:  # a 75%-overlap decoder: keep its frames at the hop-160 times
        last = trained.synthesis_head
        for name in (f"{last}.weight", f"{last}.bias"):
            state[name] = state[name][:SpectralFrontEnd.channels]
    model.load_state_dict(state)
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
