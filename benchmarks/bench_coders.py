"""Every installed coder (ecc's `compressai` and `interleaved` formats on each device, the
pure-Python reference, CompressAI, constriction, torchac) on the `ecc bench` workload, through
pytest-benchmark. The same runs as `ecc bench`; each checks its round trip first. Run:
    python -m pytest benchmarks/bench_coders.py --benchmark-columns=median,rounds
"""

from __future__ import annotations

import pytest
import torch

import ecc
from ecc import bench

from conftest import record

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() and ecc.ops.cuda_version() else [])
SIZES = [10**4, 10**5, 10**6]
PEERS = bench.installed_peers()


def _jobs():
    for n in SIZES:
        for skip in (False, True):
            w = bench.make_workload(n, skip)
            for coder in bench.coders_for(w, DEVICES, PEERS):
                yield pytest.param(w, coder, id=f"{coder.name}-{coder.device}-{n}-skip{'on' if skip else 'off'}")


@pytest.mark.parametrize("op", ["encode", "decode"])
@pytest.mark.parametrize("workload,coder", list(_jobs()))
def test_coder(benchmark, workload, coder, op):
    handle = coder.encode()
    assert torch.equal(coder.decode(handle).cpu(), getattr(coder, "expected", workload.coded()))
    cuda = coder.device.startswith("cuda")

    def run():
        result = coder.encode() if op == "encode" else coder.decode(handle)
        if cuda:
            torch.cuda.synchronize()
        return result

    rounds = 1 if coder.name == "python reference" else 5
    benchmark.group = f"{op} {workload.n} skip {'on' if workload.skip_below >= 0 else 'off'}"
    benchmark.pedantic(run, rounds=rounds, warmup_rounds=1)
    name = coder.name.replace(" ", "-")
    skip = " (skip)" if workload.skip_below >= 0 else ""
    record(benchmark, coder=name, op=f"{op}{skip}", n=workload.n, streams=1,
           threads=torch.get_num_threads(), device=coder.device, bits=8 * coder.size(handle) / workload.n)
