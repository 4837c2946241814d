"""What limits the shipped model's PESQ: its magnitudes or its phase?

Codes clips with a model file (compress, then decompress) and scores, at each quality, the
decoder's own output and two oracles built from the same decoded spectrum: the model's
magnitudes with the input's true phase, and the true magnitudes with the model's phase; plus
Griffin-Lim refinement (ITERS iterations from the model's phase, magnitudes kept). PESQ-WB and
STOI, means over the clips.

    python benchmarks/phase_oracle.py [--model ecc/weights/ecc-default.pt] [--quality 1 3] \
        [--iters 8 32] [CLIP ...]          # default clips: ecc.eval.data.default_clips()[:6]
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from pesq import pesq
from pystoi import stoi

from ecc.audio import SAMPLE_RATE, read_audio
from ecc.eval.data import default_clips
from ecc.model.stft import polar_features
from ecc.model.weights import load_model


def decoded_spectrum(model, x: torch.Tensor, quality: float) -> tuple[torch.Tensor, torch.Tensor]:
    """x (1, 1, N) -> the decoder's compressed magnitude and phase, each (1, 161, F), from the
    y_hat that ``decompress`` gets back from ``compress``'s streams."""
    coded = model.compress(x, quality)
    y_hat = model.decompress(coded["strings"], coded["shape"], quality, x.shape[-1])["y_hat"]
    return model._spectrum(y_hat, model._gains(quality, 1)[1])


def polar(front, wave: torch.Tensor, hop: int) -> tuple[torch.Tensor, torch.Tensor]:
    """wave (1, 1, padded N) -> its compressed magnitude and phase at ``hop``, each (1, 161, N / hop)."""
    real, imag = front.analysis(wave, hop).chunk(2, 1)
    return torch.sqrt(real.square() + imag.square()), torch.atan2(imag, real)


def griffin_lim(front, magnitude: torch.Tensor, phase: torch.Tensor, iters: int, length: int,
                hop: int) -> torch.Tensor:
    """``iters`` Griffin-Lim steps from ``phase`` with ``magnitude`` kept -> waveform (1, 1, length)."""
    for _ in range(iters):
        phase = polar(front, front.synthesis(polar_features(magnitude, phase), length, hop), hop)[1]
    return front.synthesis(polar_features(magnitude, phase), length, hop)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("clips", nargs="*")
    p.add_argument("--model", default=None)
    p.add_argument("--quality", type=float, nargs="+", default=[1.0, 3.0])
    p.add_argument("--iters", type=int, nargs="+", default=[8, 32])
    args = p.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.model)
    front, hop = model.front, model.synthesis_hop  # the true spectrum at the decoder's own hop
    clips = args.clips or default_clips()[:6]
    scores: dict[tuple[float, str], list[tuple[float, float]]] = {}
    for clip in clips:
        x = torch.from_numpy(read_audio(str(clip)))[None, None]
        n, length = x.shape[-1], model.padded_length(x.shape[-1])
        true_magnitude, true_phase = polar(front, torch.nn.functional.pad(x, (0, length - n)), hop)
        reference = x[0, 0].numpy()
        for quality in args.quality:
            with torch.no_grad():
                magnitude, phase = decoded_spectrum(model, x, quality)
                cases = {"model": (magnitude, phase),
                         "model magnitude + true phase": (magnitude, true_phase),
                         "true magnitude + model phase": (true_magnitude, phase)}
                waves = {name: front.synthesis(polar_features(*spectrum), n, hop) for name, spectrum in cases.items()}
                waves.update({f"model + {k} Griffin-Lim": griffin_lim(front, magnitude, phase, k, length, hop)
                              for k in args.iters})
            for name, wave in waves.items():
                decoded = wave[0, 0, :n].numpy()
                scores.setdefault((quality, name), []).append(
                    (pesq(SAMPLE_RATE, reference, decoded, "wb"), stoi(reference, decoded, SAMPLE_RATE)))
    print(f"{len(clips)} clips; model {model.model_id}")
    print("| quality | decoder output | PESQ-WB | STOI |\n|---|---|---:|---:|")
    for (quality, name), values in scores.items():
        pesq_wb, stoi_score = np.mean(values, 0)
        print(f"| {quality:g} | {name} | {pesq_wb:.3f} | {stoi_score:.3f} |")


if __name__ == "__main__":
    main()
