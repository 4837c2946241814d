"""Benchmark plumbing: fixed seeds and thread counts, printed versions, and a closing table
of Msym/s, bits/symbol and speed ratios (against the pure-Python coder and CompressAI) for all
coders measured side by side in this process."""

from __future__ import annotations

import platform
from collections import defaultdict

import pytest

import ecc  # before torch: ecc sets OpenMP's passive waiting, as a user's `import ecc` does (ecc/_openmp.py)
import torch  # noqa: E402, I001

RESULTS: dict[tuple, dict] = {}  # (op, n, streams, threads, device, coder) -> {"seconds", "bits"}


def record(benchmark, *, coder: str, op: str, n: int, streams: int, threads: int, device: str, bits: float | None):
    """Store one benchmark's median time (call after benchmark.pedantic); nothing under
    ``--benchmark-disable`` (each body then runs once, as a test)."""
    if benchmark.stats is None:
        return
    seconds = benchmark.stats.stats.median
    benchmark.extra_info.update(coder=coder, msym_per_s=n * streams / seconds / 1e6, bits_per_symbol=bits)
    RESULTS[(op, n, streams, threads, device, coder)] = {"seconds": seconds, "bits": bits}


@pytest.fixture(scope="session")
def compressai():
    """The real compressai package (torchvision stubbed where missing); skips without it."""
    from ecc.testing import import_compressai

    try:
        return import_compressai()
    except ImportError:
        pytest.skip("compressai is not installed")


@pytest.fixture(params=[1, 0], ids=["1thread", "allthreads"])
def threads(request):
    """Intra-op threads for the measured call (0 = all cores); restored afterwards."""
    before = torch.get_num_threads()
    count = request.param or (torch.get_num_threads() if before > 1 else 1)
    torch.set_num_threads(count)
    yield count
    torch.set_num_threads(before)


def pytest_report_header(config):
    try:
        from ecc.testing import import_compressai

        cai = import_compressai().__version__
    except ImportError:
        cai = "not installed"
    gpu = torch.cuda.get_device_name() if torch.cuda.is_available() else "none"
    return (f"ecc {ecc.__version__}, torch {torch.__version__}, compressai {cai}, cuda build "
            f"{ecc.ops.cuda_version()}, GPU {gpu}, CPU {platform.processor() or platform.machine()} "
            f"x {torch.get_num_threads()} threads")


def pytest_terminal_summary(terminalreporter):
    if not RESULTS:
        return
    groups = defaultdict(dict)
    for (op, n, streams, threads, device, coder), r in RESULTS.items():
        groups[(op, n, streams)][(coder, device, threads)] = r
    w = terminalreporter
    w.section("ecc benchmark summary (median times; ratios are speed-ups)")
    w.write_line(f"{'op':<22}{'symbols':>12}{'streams':>8}  {'coder':<22}{'device':<6}{'thr':>4}"
                 f"{'Msym/s':>10}{'bits/sym':>10}{'vs python':>11}{'vs compressai':>15}")
    for (op, n, streams), rows in sorted(groups.items()):
        ref = [r["seconds"] for (c, _, _), r in rows.items() if c == "python-reference"]
        cai = [r["seconds"] for (c, _, _), r in rows.items() if c.startswith("compressai")]
        for (coder, device, threads), r in sorted(rows.items(), key=lambda kv: kv[1]["seconds"]):
            msym = n * streams / r["seconds"] / 1e6
            vs_ref = f"{ref[0] / r['seconds']:.1f}x" if ref else "-"
            vs_cai = f"{cai[0] / r['seconds']:.1f}x" if cai else "-"
            bits = f"{r['bits']:.4f}" if r["bits"] is not None else "-"
            w.write_line(f"{op:<22}{n:>12,}{streams:>8}  {coder:<22}{device:<6}{threads:>4}"
                         f"{msym:>10.1f}{bits:>10}{vs_ref:>11}{vs_cai:>15}")
