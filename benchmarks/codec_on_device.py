"""The speech codec on a device against the CPU: compress + decompress of a dev-like clip (the demo
clip looped to 10 s), files crossing devices (coded on the device, decoded on the CPU and the other
way round: the decoded latents must be equal), then batch throughput in x real time. Uses the
shipped model (or a seeded default-size one when none ships). Prints one line per check and a
summary; exits non-zero when a check fails. benchmarks/gpu_check.sh runs it on CUDA.

    python benchmarks/codec_on_device.py --device cuda [--batch 64 --seconds 3]
    python benchmarks/codec_on_device.py --device cpu --batch 2 --seconds 1    # a dry run
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import copy
import time

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run from anywhere: this checkout's ecc

from ecc.audio import read_audio
from ecc.codec_cli import DEMO_CLIP
from ecc.model import ECC, SAMPLE_RATE
from ecc.model.weights import DEFAULT_MODEL, load_model
from ecc.speech_codec import SpeechCodec

QUALITY = 2.0


def model() -> ECC:
    if DEFAULT_MODEL.is_file():
        return load_model()
    torch.manual_seed(0)
    m = ECC().eval()
    m.update()
    return m


def clip(seconds: float, seed: int) -> torch.Tensor:
    wave = torch.from_numpy(read_audio(DEMO_CLIP))
    n = int(seconds * SAMPLE_RATE)
    return torch.roll(wave.repeat(n // len(wave) + 1), 997 * seed)[:n]


def latent_spy(codec: SpeechCodec) -> list[torch.Tensor]:
    """The y_hat of every model.decompress call of codec, in order, on the CPU."""
    seen = []
    decompress = codec.model.decompress

    def spy(*args, **kwargs):
        out = decompress(*args, **kwargs)
        seen.append(out["y_hat"].cpu())
        return out

    codec.model.decompress = spy
    return seen


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--batch", type=int, default=64, help="utterances in the throughput batch")
    parser.add_argument("--seconds", type=float, default=3.0, help="length of each batch utterance")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    base = model()
    host, dev = SpeechCodec(copy.deepcopy(base), "cpu"), SpeechCodec(copy.deepcopy(base), args.device)
    host_latents, dev_latents = latent_spy(host), latent_spy(dev)
    failures = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        print(f"{'ok' if ok else 'FAILED':<7}{name}{': ' + detail if detail else ''}", flush=True)
        if not ok:
            failures.append(name)

    wave = clip(10.0, 0)
    blob_dev, blob_host = dev.compress(wave, QUALITY), host.compress(wave, QUALITY)
    out_dev = dev.decompress(blob_dev)
    check(f"compress + decompress on {args.device}",
          out_dev.shape == wave.shape and bool(torch.isfinite(out_dev).all()),
          f"{len(blob_dev)} bytes = {8 * len(blob_dev) / 10 / 1000:.2f} kbps")
    # Informative only: the analysis network may round differently per device.
    print(f"{'info':<7}the file's bytes are {'the same' if blob_dev == blob_host else 'different'} "
          f"on {args.device} and the CPU", flush=True)
    for blob, what in ((blob_dev, f"coded on {args.device}"), (blob_host, "coded on the CPU")):
        host_latents.clear()
        dev_latents.clear()
        out_host, out_dev = host.decompress(blob), dev.decompress(blob)
        same = len(host_latents) == len(dev_latents) and all(
            torch.equal(a, b) for a, b in zip(host_latents, dev_latents))
        check(f"{what}: the CPU and {args.device} decode the same latent", same,
              f"max waveform difference {float((out_host - out_dev).abs().max()):.2e}")

    waves = [clip(args.seconds, s) for s in range(args.batch)]
    audio = args.batch * args.seconds
    blobs = dev.compress_many(waves, QUALITY)
    dev.decompress_many(blobs)  # warm-up
    for direction, run in (("compress", lambda: dev.compress_many(waves, QUALITY)),
                           ("decompress", lambda: dev.decompress_many(blobs))):
        times = []
        for _ in range(args.repeat):
            sync(args.device)
            start = time.perf_counter()
            run()
            sync(args.device)
            times.append(time.perf_counter() - start)
        best = min(times)
        print(f"batch {args.batch} x {args.seconds:g} s {direction:10} on {args.device}: "
              f"{audio / best:9.1f}x real time ({best * 1e3:.1f} ms, best of {args.repeat})", flush=True)
    if failures:
        raise SystemExit(f"codec_on_device: {len(failures)} check(s) failed: {', '.join(failures)}")
    print("codec_on_device: every check passed", flush=True)


if __name__ == "__main__":
    main()
