"""The ECC codec end to end (network + entropy coding + container): real-time factors for one
10 s utterance (1 thread and all threads) and throughput for a batch of 64 utterances of 3 s, on
the CPU and (when present) CUDA. Uses the shipped model (or a randomly initialised default-size
one when none ships). Run:
    python -m pytest benchmarks/bench_codec.py --benchmark-columns=median,rounds -s
"""

from __future__ import annotations

import pytest
import torch

import ecc
from ecc.model import ECC
from ecc.model.weights import DEFAULT_MODEL, load_model
from ecc.speech_codec import SpeechCodec

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() and ecc.ops.cuda_version() else [])
SUMMARY: list[str] = []


def _codec(device: str) -> SpeechCodec:
    if DEFAULT_MODEL.is_file():
        return SpeechCodec(load_model(), device)
    torch.manual_seed(0)
    model = ECC().eval()
    model.update()
    return SpeechCodec(model, device)


def _speech(seconds: float, seed: int) -> torch.Tensor:
    from ecc.audio import read_audio
    from ecc.codec_cli import DEMO_CLIP

    clip = torch.from_numpy(read_audio(DEMO_CLIP))
    reps = int(seconds * 16000) // len(clip) + 1
    return torch.roll(clip.repeat(reps), 997 * seed)[: int(seconds * 16000)]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("direction", ["encode", "decode"])
@pytest.mark.parametrize("case", ["10s", "batch64x3s"])
def test_codec_speed(benchmark, threads, device, direction, case):
    codec = _codec(device)
    waves = [_speech(10.0, 0)] if case == "10s" else [_speech(3.0, s) for s in range(64)]
    blobs = codec.compress_many(waves, 2.0)
    decoded = codec.decompress_many(blobs)
    assert [len(d) for d in decoded] == [len(w) for w in waves]

    def run():
        if direction == "encode":
            codec.compress_many(waves, 2.0)
        else:
            codec.decompress_many(blobs)
        if device == "cuda":
            torch.cuda.synchronize()

    benchmark.group = f"codec {case}"
    benchmark.pedantic(run, rounds=3, warmup_rounds=1)
    seconds = benchmark.stats.stats.median
    audio = sum(len(w) for w in waves) / 16000
    benchmark.extra_info.update(real_time_factor=audio / seconds, utterances_per_s=len(waves) / seconds)
    SUMMARY.append(f"{case:>11} {direction:6} {device:4} {threads:2} thread(s): {audio / seconds:8.1f}x real time, "
                   f"{len(waves) / seconds:8.2f} utterances/s, "
                   f"{8 * sum(map(len, blobs)) / audio / 1000:.2f} kbps (model {codec.model.model_id})")


def teardown_module():
    print("\n" + "\n".join(SUMMARY))
