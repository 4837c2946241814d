"""The entropy-parameter path + coding of ChannelSliceContext for a 10 s utterance's latent
(C = 64, T = 250 at 25 Hz) and a batch of 64: the deterministic ops vs plain PyTorch layers with
the same weights, on the CPU and (when present) CUDA. Run:
    python -m pytest benchmarks/bench_entropy_path.py --benchmark-columns=median,rounds
"""

from __future__ import annotations

import pytest
import torch

import ecc
from ecc.entropy import ChannelSliceContext

from conftest import record

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() and ecc.ops.cuda_version() else [])
CHANNELS, HYPER, LENGTH = 64, 64, 250


def _model(device):
    torch.manual_seed(0)
    model = ChannelSliceContext(CHANNELS, HYPER, slices=4, hidden=128, skip_below=3).eval().to(device)
    model.update()
    return model


def _inputs(batch, device):
    g = torch.Generator().manual_seed(1)
    return (torch.randn(batch, CHANNELS, LENGTH, generator=g).to(device),
            torch.randn(batch, HYPER, LENGTH, generator=g).to(device))


def _sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("batch", [1, 64])
@pytest.mark.parametrize("path", ["compress", "decompress", "plain-layers"])
def test_entropy_path(benchmark, device, batch, path):
    model, (y, hyper) = _model(device), _inputs(batch, device)
    data, sizes, y_hat = model.compress(y, hyper)
    assert torch.equal(model.decompress(data, sizes, hyper), y_hat)

    def run():
        with torch.no_grad():
            if path == "compress":
                model.compress(y, hyper)
            elif path == "decompress":
                model.decompress(data, sizes, hyper)
            else:  # the same parameter networks through torch's conv1d (not bit-stable across devices)
                model(y, hyper, training=False)
        _sync(device)

    benchmark.group = f"entropy path batch {batch}"
    benchmark.pedantic(run, rounds=3 if batch == 64 and device == "cpu" else 10, warmup_rounds=1)
    record(benchmark, coder=path, op=f"slice context B={batch}", n=CHANNELS * LENGTH, streams=batch, threads=torch.get_num_threads(),
           device=device, bits=8 * data.numel() / y.numel())
