"""The CPU `interleaved` coder on each SIMD path (ECC_SIMD=scalar|avx2|avx512) beside CompressAI's
coder in one process, one thread, 1e6 symbols of the `ecc bench` workload (Gaussian, CompressAI's
64-scale table) and of its escape-heavy variant (ecc.testing.escape_heavy: a third escape); then
one long stream on 1 and 2 threads (its chunks in parallel). Each checks its round trip first.
Run:
    python -m pytest benchmarks/bench_simd.py --benchmark-columns=median,rounds
On a busy shared machine add --benchmark-timer=time.process_time: the process's CPU time, so the
one-thread figures leave out the time other processes held the core (it cannot show thread
scaling: read the threads rows from a wall-clock run).
"""

from __future__ import annotations

import dataclasses
import os

import pytest
import torch

import ecc
from ecc import bench
from ecc.testing import escape_heavy

from conftest import record

N = 10**6
PATHS = ["scalar", "avx2", "avx512"]


def _workload(kind: str) -> bench.Workload:
    w = bench.make_workload(N, skip=False)
    return w if kind == "gaussian" else dataclasses.replace(w, symbols=escape_heavy(w.symbols, w.indexes, w.tables))


WORKLOADS = {kind: _workload(kind) for kind in ("gaussian", "escapes")}


@pytest.fixture
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _run(benchmark, encode, decode, op):
    handle = encode()
    benchmark.pedantic(encode if op == "encode" else lambda: decode(handle), rounds=7, warmup_rounds=1)
    return handle


@pytest.mark.parametrize("op", ["encode", "decode"])
@pytest.mark.parametrize("kind", list(WORKLOADS))
def test_compressai(benchmark, one_thread, kind, op):
    """CompressAI's RansEncoder / RansDecoder on prebuilt lists, timed without list conversions."""
    w = WORKLOADS[kind]
    compressai = bench.installed_peers().get("compressai")
    if compressai is None:
        pytest.skip("compressai is not installed")
    sym, idx = w.symbols.tolist(), w.indexes.tolist()
    tables = tuple(t.tolist() for t in w.tables)

    def encode():
        return compressai.ans.RansEncoder().encode_with_indexes(sym, idx, *tables)

    def decode(data):
        return compressai.ans.RansDecoder().decode_with_indexes(data, idx, *tables)

    assert decode(encode()) == sym
    benchmark.group = f"{op} {kind}"
    handle = _run(benchmark, encode, decode, op)
    record(benchmark, coder="compressai", op=f"{op} {kind}", n=N, streams=1, threads=1, device="cpu",
           bits=8 * len(handle) / N)


@pytest.mark.parametrize("op", ["encode", "decode"])
@pytest.mark.parametrize("kind", list(WORKLOADS))
@pytest.mark.parametrize("path", PATHS)
def test_interleaved_path(benchmark, one_thread, monkeypatch, path, kind, op):
    monkeypatch.setenv("ECC_SIMD", path)
    try:
        ecc.ops.simd_path()
    except RuntimeError as e:
        pytest.skip(str(e))
    w = WORKLOADS[kind]
    sym, idx = w.symbols[None], w.indexes[None]

    def encode():
        return ecc.ops.rans_encode(sym, idx, *w.tables, format="interleaved")

    def decode(handle):
        return ecc.ops.rans_decode(*handle, idx, *w.tables, format="interleaved")

    assert torch.equal(decode(encode()), sym)
    benchmark.group = f"{op} {kind}"
    handle = _run(benchmark, encode, decode, op)
    record(benchmark, coder=f"interleaved-{path}", op=f"{op} {kind}", n=N, streams=1, threads=1, device="cpu",
           bits=8 * handle[0].numel() / N)


@pytest.mark.parametrize("op", ["encode", "decode"])
@pytest.mark.parametrize("threads", [1, 2])
def test_long_stream_threads(benchmark, threads, op):
    """One stream of 8e6 symbols (122 chunks of 65,536) on 1 and 2 threads, the best SIMD path."""
    if threads > (os.cpu_count() or 1):
        pytest.skip(f"{threads} threads need {threads} cores")
    w = bench.make_workload(8 * N, skip=False)
    sym, idx = w.symbols[None], w.indexes[None]
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        handle = ecc.ops.rans_encode(sym, idx, *w.tables, format="interleaved")
        assert torch.equal(ecc.ops.rans_decode(*handle, idx, *w.tables, format="interleaved"), sym)
        benchmark.group = f"{op} long stream"
        _run(benchmark, lambda: ecc.ops.rans_encode(sym, idx, *w.tables, format="interleaved"),
             lambda h: ecc.ops.rans_decode(*h, idx, *w.tables, format="interleaved"), op)
    finally:
        torch.set_num_threads(before)
    record(benchmark, coder=f"interleaved-{ecc.ops.simd_path()}", op=f"{op} long", n=8 * N, streams=1,
           threads=threads, device="cpu", bits=8 * handle[0].numel() / (8 * N))
