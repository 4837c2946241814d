"""What limits the shipped model's PESQ: its magnitudes or its phase?

Decodes clips with a model file and scores, at each quality, the decoder's own output and two
oracles built from the same decoder run: the model's magnitudes with the input's true phase, and
the true magnitudes with the model's phase; plus Griffin-Lim refinement (ITERS iterations from
the model's phase, magnitudes kept). PESQ-WB and STOI, means over the clips.

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
from ecc.model.stft import COMPRESSION, HOP, N_FFT
from ecc.model.weights import load_model


def decoder_spectrum(model, x: torch.Tensor, quality: float) -> tuple[torch.Tensor, torch.Tensor]:
    """x (1, 1, N) -> the decoder's (magnitude, phase), each (1, 161, F), as ``model.forward`` in
    eval mode makes them (the y_hat that compress codes)."""
    gain, inverse_gain = model._gains(quality, 1)
    y = model._latent(x, gain)
    z_hat, _ = model.entropy_bottleneck(model.h_a(y))
    y_hat, _ = model.context(y, model._hyper(z_hat, True), ste=True, deterministic=True)
    log_magnitude, phase = model.g_s(y_hat * inverse_gain).chunk(2, 1)
    return log_magnitude.clamp(max=5.0).exp().pow(1 / COMPRESSION), phase


def waveform(magnitude: torch.Tensor, phase: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """(1, 161, F) magnitude and phase -> (1, 160 F) waveform (the front end's synthesis)."""
    spec = torch.polar(magnitude, phase)
    spec = torch.cat([spec, torch.zeros_like(spec[..., :1])], -1)
    return torch.istft(spec, N_FFT, HOP, window=window, center=True, length=HOP * magnitude.shape[-1])


def griffin_lim(magnitude: torch.Tensor, phase: torch.Tensor, window: torch.Tensor, iters: int) -> torch.Tensor:
    for _ in range(iters):
        spec = torch.stft(waveform(magnitude, phase, window), N_FFT, HOP, window=window, center=True,
                          return_complex=True)[..., :-1]
        phase = spec.angle()
    return waveform(magnitude, phase, window)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("clips", nargs="*")
    p.add_argument("--model", default=None)
    p.add_argument("--quality", type=float, nargs="+", default=[1.0, 3.0])
    p.add_argument("--iters", type=int, nargs="+", default=[8, 32])
    args = p.parse_args()
    torch.set_num_threads(1)
    model = load_model(args.model)
    window = torch.hann_window(N_FFT)
    clips = args.clips or default_clips()[:6]
    scores: dict[tuple[float, str], list[tuple[float, float]]] = {}
    for clip in clips:
        x = torch.from_numpy(read_audio(str(clip)))[None, None]
        n = x.shape[-1]
        padded = torch.nn.functional.pad(x, (0, model.padded_length(n) - n))
        true = torch.stft(padded[:, 0], N_FFT, HOP, window=window, center=True, return_complex=True)[..., :-1]
        reference = x[0, 0].numpy()
        for quality in args.quality:
            with torch.no_grad():
                magnitude, phase = decoder_spectrum(model, x, quality)
                cases = {"model": waveform(magnitude, phase, window),
                         "model magnitude + true phase": waveform(magnitude, true.angle(), window),
                         "true magnitude + model phase": waveform(true.abs(), phase, window)}
                cases.update({f"model + {k} Griffin-Lim": griffin_lim(magnitude, phase, window, k) for k in args.iters})
            for name, wave in cases.items():
                decoded = wave[0, :n].numpy()
                scores.setdefault((quality, name), []).append(
                    (pesq(SAMPLE_RATE, reference, decoded, "wb"), stoi(reference, decoded, SAMPLE_RATE)))
    print(f"{len(clips)} clips; model {model.model_id}")
    print("| quality | decoder output | PESQ-WB | STOI |\n|---|---|---:|---:|")
    for (quality, name), values in scores.items():
        pesq_wb, stoi_score = np.mean(values, 0)
        print(f"| {quality:g} | {name} | {pesq_wb:.3f} | {stoi_score:.3f} |")


if __name__ == "__main__":
    main()
