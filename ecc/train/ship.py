"""Make a trained run's model the one ecc ships: measure each operating point's real bitrate on
the dev set, name the model, write it.

    python -m ecc.train.ship runs/shipped/model.pt ecc/weights/ecc-default.pt --data data/speech
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from tqdm.auto import tqdm

from ..audio import SAMPLE_RATE, read_audio
from ..model.weights import load_model, save_model
from ..speech_codec import SpeechCodec

DEFAULT_KBPS = 1.2  # the default quality is the lowest point of at least this rate


def point_bitrates(codec: SpeechCodec, waves: list[torch.Tensor], progress: bool = True) -> list[float]:
    """kbit/s of whole ``.ecc`` files (headers included) over all ``waves`` at each operating point."""
    seconds = sum(len(w) for w in waves) / SAMPLE_RATE
    rates = []
    model = codec.model
    for point in tqdm(range(model.points), desc="measuring bitrates", disable=not progress):
        if model.causal:  # a streaming model: every packet byte (ecc.streaming)
            from ..streaming import stream_kbps
            bits = sum(stream_kbps(model, w, point) * len(w) for w in waves) / SAMPLE_RATE * 1000
        else:
            bits = 8 * sum(map(len, codec.compress_many(waves, float(point))))
        rates.append(bits / seconds / 1000)
    return rates


def default_quality(point_kbps: list[float], kbps: float = DEFAULT_KBPS) -> int:
    """The quality ``ecc compress`` uses without ``--quality``/``--bitrate``: the lowest operating
    point of at least ``kbps`` (the highest point when none reaches it)."""
    return next((p for p, rate in enumerate(point_kbps) if rate >= kbps), len(point_kbps) - 1)


def ship(source: str | Path, target: str | Path, data_root: str | Path, model_id: str = "ecc-default",
         progress: bool = True, max_files: int = 0) -> dict:
    """Load ``source``, measure its point bitrates on the dev set under ``data_root`` (``max_files``
    > 0: that many files spread over it), write ``target``; returns the stored meta."""
    from ..data import dev_files

    model = load_model(source)
    files = dev_files(data_root)
    if max_files:
        files = files[:: -(-len(files) // max_files)]
    waves = [torch.from_numpy(read_audio(path)) for path in files]
    rates = point_bitrates(SpeechCodec(model), waves, progress)
    meta = {**model.meta, "point_kbps": [round(r, 4) for r in rates], "trained_as": model.model_id,
            "rates_measured_on": f"{len(files)} dev files ({sum(map(len, waves)) / SAMPLE_RATE / 3600:.2f} h)",
            "default_quality": default_quality(rates)}
    digest = save_model(model, target, model_id, meta)
    print(f"{target}: {model_id} ({digest.hex()}), kbps per point: {', '.join(f'{r:.2f}' for r in rates)}")
    return meta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecc.train.ship", description=__doc__.split("\n")[0])
    parser.add_argument("source", help="model.pt of a training run")
    parser.add_argument("target", help="where to write the shipped model")
    parser.add_argument("--data", required=True, help="the corpus root of `ecc data build` (its dev split)")
    parser.add_argument("--model-id", default="ecc-default")
    parser.add_argument("--max-files", type=int, default=0, help="measure on this many dev files (default: all)")
    args = parser.parse_args(argv)
    ship(args.source, args.target, args.data, args.model_id, max_files=args.max_files)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
