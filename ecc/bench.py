"""``ecc bench``: every installed entropy coder on the same Gaussian-latent workload.

Workload: scales log-uniform in [0.02, 20] (speech-codec latents have many near-silent
elements), values ``round(N(0, scale))``, CompressAI's default 64-scale table. With skip on,
elements whose scale is below 0.15 (DCVC's threshold) are not coded. Each coder's round trip
is checked before it is timed; times are the median of ``repeat`` runs (device-synchronised).

Coders: ecc's two formats on each device (on CUDA `interleaved` with the batch's chunk size and
32 lanes), the pure-Python reference (small sizes only),
CompressAI's coder (lists prebuilt), constriction's AnsCoder with its QuantizedGaussian model,
and torchac (per-symbol int16 CDFs; small sizes only, no escapes, so values are clipped).

``kernel_only`` (``ecc bench --kernel-only``) times ecc's coding kernels alone instead: the same
workload cut into ``streams`` streams, tables prepared and inputs resident on the device before
timing, the zero-sync padded ops (no host read inside the timed region; statuses and round trip
checked outside it). On CUDA each op is captured in a CUDA graph whose replays are timed with CUDA
events (no launch gaps; plain calls, with a warning, if capture fails); on the CPU a monotonic clock.
"""

from __future__ import annotations

import importlib
import math
import statistics
import time
import warnings
from dataclasses import dataclass
from typing import Callable

import torch

from . import ops
from .coding import default_scale_table, ideal_bits, reference, scale_indexes

SKIP_SCALE = 0.15
PYTHON_MAX_SYMBOLS = 100_000
TORCHAC_MAX_SYMBOLS = 100_000


@dataclass
class Workload:
    """One stream of n symbols: symbols/indexes (n,) int32, scales (n,) float32, tables."""

    symbols: torch.Tensor
    indexes: torch.Tensor
    scales: torch.Tensor
    tables: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
    skip_below: int

    @property
    def n(self) -> int:
        return self.symbols.numel()

    def coded(self) -> torch.Tensor:
        """What a skipping decoder returns: symbols, with skipped elements 0."""
        return torch.where(self.indexes >= self.skip_below, self.symbols, 0)


def make_workload(n: int, skip: bool, seed: int = 0) -> Workload:
    g = torch.Generator().manual_seed(seed)
    scales = torch.exp(torch.rand(n, generator=g) * math.log(20 / 0.02) + math.log(0.02))
    symbols = torch.round(torch.randn(n, generator=g) * scales).int()
    table = default_scale_table()
    skip_below = int(scale_indexes(torch.tensor([SKIP_SCALE]), table)) if skip else -1
    return Workload(symbols, scale_indexes(scales, table), scales, ops.gaussian_cdf_table(table), skip_below)


@dataclass
class Coder:
    """encode() -> handle; decode(handle) -> symbols (n,) int32 on the coder's device (timed without
    a copy back); size(handle) -> bytes."""

    name: str
    device: str
    encode: Callable[[], object]
    decode: Callable[[object], torch.Tensor]
    size: Callable[[object], int]


def _ecc_coders(w: Workload, device: str) -> list[Coder]:
    sym, idx = w.symbols.to(device), w.indexes.to(device)
    tables = tuple(t.to(device) for t in w.tables)
    coders = []
    for fmt in ops.FORMATS:
        if fmt in ops.CPU_ONLY_FORMATS and device != "cpu":
            continue
        # On a GPU the interleaved format takes the batch's chunk size and full warps (32 lanes).
        layout = {"chunk_size": 0, "lanes": 32} if fmt == "interleaved" and device.startswith("cuda") else {}

        def encode(fmt=fmt, layout=layout):
            return ops.rans_encode(sym, idx, *tables, skip_below=w.skip_below, format=fmt, **layout)

        def decode(h, fmt=fmt):
            return ops.rans_decode(*h, idx, *tables, skip_below=w.skip_below, format=fmt)

        coders.append(Coder(f"ecc {fmt}", device, encode, decode, lambda h: h[0].numel()))
    return coders


def _reference_coder(w: Workload) -> Coder:
    lists = (w.symbols.tolist(), w.indexes.tolist(), *(t.tolist() for t in w.tables))

    def decode(data):
        return torch.tensor(reference.decode_stream(data, *lists[1:], w.skip_below), dtype=torch.int32)

    return Coder("python reference", "cpu", lambda: reference.encode_stream(*lists, w.skip_below), decode, len)


def _compressai_coder(w: Workload, compressai) -> Coder:
    kept = w.indexes >= w.skip_below  # CompressAI has no skip: give it the kept symbols only
    sym, idx = w.symbols[kept].tolist(), w.indexes[kept].tolist()
    tables = tuple(t.tolist() for t in w.tables)

    def decode(data):
        out = torch.zeros(w.n, dtype=torch.int32)
        out[kept] = torch.tensor(compressai.ans.RansDecoder().decode_with_indexes(data, idx, *tables), dtype=torch.int32)
        return out

    return Coder("compressai", "cpu", lambda: compressai.ans.RansEncoder().encode_with_indexes(sym, idx, *tables),
                 decode, len)


def _constriction_coder(w: Workload, constriction) -> Coder:
    import numpy as np

    kept = (w.indexes >= w.skip_below).numpy()
    sym = w.symbols.numpy()[kept]
    stds = np.maximum(w.scales.numpy()[kept].astype(np.float64), 0.11)
    means = np.zeros_like(stds)
    bound = int(np.abs(sym).max(initial=0)) + 1
    model = constriction.stream.model.QuantizedGaussian(-bound, bound)

    def encode():
        coder = constriction.stream.stack.AnsCoder()
        coder.encode_reverse(sym, model, means, stds)
        return coder.get_compressed()

    def decode(data):
        out = torch.zeros(w.n, dtype=torch.int32)
        out[torch.from_numpy(kept)] = torch.from_numpy(
            constriction.stream.stack.AnsCoder(data).decode(model, means, stds).astype(np.int32))
        return out

    return Coder("constriction", "cpu", encode, decode, lambda data: 4 * len(data))


def _torchac_coder(w: Workload, torchac) -> Coder:
    """torchac takes one CDF per symbol: (n, L) int16 holding uint16 bit patterns; rows are padded
    to one width, so each row ends at 65535 (the top unit of probability goes unused). It has no
    escape: values are clipped to each table row."""
    cdf, length, offset = w.tables
    kept = w.indexes >= w.skip_below
    idx = w.indexes[kept].long()
    width = int(length[idx].max()) if idx.numel() else 2
    rows = cdf[idx, :width].clone()
    rows[torch.arange(width) >= length[idx, None] - 1] = (1 << 16) - 1
    rows = rows.to(torch.int16)
    slot = torch.minimum((w.symbols[kept] - offset[idx]).clamp(min=0), length[idx] - 2)
    expected = torch.zeros(w.n, dtype=torch.int32)
    expected[kept] = slot + offset[idx]

    def decode(data):
        out = torch.zeros(w.n, dtype=torch.int32)
        out[kept] = torchac.decode_int16_normalized_cdf(rows, data).int() + offset[idx]
        return out

    coder = Coder("torchac", "cpu", lambda: torchac.encode_int16_normalized_cdf(rows, slot.to(torch.int16)),
                  decode, len)
    coder.expected = expected
    return coder


def installed_peers() -> dict[str, object]:
    """The peer packages that import here (CompressAI is loaded through ecc.testing's shim)."""
    peers = {}
    try:
        from .testing import import_compressai

        peers["compressai"] = import_compressai()
    except ImportError:
        pass
    for name in ("constriction", "torchac"):
        try:
            peers[name] = importlib.import_module(name)
        except ImportError:
            pass
    return peers


def coders_for(w: Workload, devices: list[str], peers: dict[str, object], only: list[str] | None = None) -> list[Coder]:
    """The coders to measure on ``w``; ``only``: name prefixes to keep (checked before a coder
    builds its inputs, which for the list-based peers is costly)."""

    def wanted(name: str) -> bool:
        return not only or any(name.startswith(prefix) for prefix in only)

    coders = [c for d in devices for c in _ecc_coders(w, d) if wanted(c.name)]
    if w.n <= PYTHON_MAX_SYMBOLS and wanted("python reference"):
        coders.append(_reference_coder(w))
    if "compressai" in peers and wanted("compressai"):
        coders.append(_compressai_coder(w, peers["compressai"]))
    if "constriction" in peers and wanted("constriction"):
        coders.append(_constriction_coder(w, peers["constriction"]))
    if "torchac" in peers and w.n <= TORCHAC_MAX_SYMBOLS and wanted("torchac"):
        coders.append(_torchac_coder(w, peers["torchac"]))
    return coders


def _median_seconds(fn: Callable[[], object], repeat: int, cuda: bool) -> float:
    times = []
    for _ in range(repeat):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(coder: Coder, w: Workload, repeat: int) -> dict:
    """Checks the round trip, then times encode and decode. Returns one result row."""
    handle = coder.encode()
    expected = getattr(coder, "expected", w.coded())
    if not torch.equal(coder.decode(handle).cpu(), expected):
        raise RuntimeError(f"{coder.name} on {coder.device} did not round-trip")
    cuda = coder.device.startswith("cuda")
    t_enc = _median_seconds(coder.encode, repeat, cuda)
    t_dec = _median_seconds(lambda: coder.decode(handle), repeat, cuda)
    ideal = ideal_bits(w.symbols[w.indexes >= w.skip_below], w.indexes[w.indexes >= w.skip_below], *w.tables)
    return {"coder": coder.name, "device": coder.device, "n": w.n, "skip": w.skip_below >= 0,
            "enc_msym": w.n / t_enc / 1e6, "dec_msym": w.n / t_dec / 1e6,
            "bits": 8 * coder.size(handle) / w.n, "ideal": ideal / w.n}


def run(sizes: list[int], devices: list[str], skips: list[bool], repeat: int, progress=None,
        only: list[str] | None = None) -> list[dict]:
    """Measures every coder (or those whose name starts with one of ``only``) on every job."""
    peers = installed_peers()
    rows = []
    jobs = [(n, skip) for n in sizes for skip in skips]
    for n, skip in jobs:
        w = make_workload(n, skip)
        for coder in coders_for(w, devices, peers, only):
            if progress:
                progress(f"{coder.name} ({coder.device}), {n:,} symbols, skip {'on' if skip else 'off'}")
            rows.append(measure(coder, w, repeat if n <= 10**6 else max(1, repeat // 2)))
    return rows


def _graph_of(fn: Callable[[], object]) -> Callable[[], object]:
    """fn captured in a CUDA graph (its replay), after a warm-up on a side stream; fn itself, with a
    warning, when it cannot be captured."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        fn()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    try:
        with torch.cuda.graph(graph):
            fn()
    except RuntimeError as e:
        warnings.warn(f"timing without a CUDA graph: the op could not be captured ({str(e).splitlines()[0]})")
        return fn
    return graph.replay


def _kernel_seconds(fn: Callable[[], object], repeat: int, device: str) -> float:
    """Median seconds of fn() over repeat runs after a warm-up: on CUDA its CUDA-graph replays (no
    launch gaps), CUDA events recorded around each and read after one final synchronisation;
    time.perf_counter on the CPU."""
    if not device.startswith("cuda"):
        fn()
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times)
    run = _graph_of(fn)
    run()
    events = [(torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)) for _ in range(repeat)]
    torch.cuda.synchronize(device)
    for start, end in events:
        start.record()
        run()
        end.record()
    torch.cuda.synchronize(device)
    return statistics.median(start.elapsed_time(end) / 1e3 for start, end in events)


def kernel_only(sizes: list[int], devices: list[str], skips: list[bool], repeat: int, streams: int = 1,
                formats: tuple[str, ...] = ops.PADDED_FORMATS, lanes: int = 32, progress=None) -> list[dict]:
    """Times ecc's padded encode and decode alone: n symbols as ``streams`` streams of n / streams
    (n is rounded down to a multiple), tables prepared on the device first; `interleaved` with
    ``lanes`` lanes (default 32, a full warp; the automatic choice gives the batch-sized chunks of
    chunk_size=0 fewer) and the chunk size from the batch. Returns rows as :func:`measure` does
    (coder ``ecc <format> kernels``)."""
    rows = []
    for n, skip, device in ((n, skip, d) for n in sizes for skip in skips for d in devices):
        per_stream = max(1, n // streams)
        w = make_workload(per_stream * streams, skip)
        sym, idx = (t.reshape(streams, per_stream).to(device) for t in (w.symbols, w.indexes))
        prepared = ops.prepare_tables(*(t.to(device) for t in w.tables))
        for fmt in formats:
            if progress:
                progress(f"ecc {fmt} kernels ({device}), {w.n:,} symbols in {streams} stream(s), "
                         f"skip {'on' if skip else 'off'}")

            layout = {"lanes": lanes} if fmt == "interleaved" else {}

            def encode(fmt=fmt, layout=layout):
                return ops.rans_encode_padded(sym, idx, prepared, skip_below=w.skip_below, format=fmt, **layout)

            padded, sizes, status = encode()

            def decode(fmt=fmt):
                return ops.rans_decode_padded(padded, sizes, idx, prepared, skip_below=w.skip_below, format=fmt)

            decoded, dec_status = decode()
            ops.check_status(status, prepared, "rans_encode")
            ops.check_status(dec_status, prepared)
            if not torch.equal(decoded.reshape(-1).cpu(), w.coded()):
                raise RuntimeError(f"ecc {fmt} kernels on {device} did not round-trip")
            t_enc, t_dec = _kernel_seconds(encode, repeat, device), _kernel_seconds(decode, repeat, device)
            kept = w.indexes >= w.skip_below
            rows.append({"coder": f"ecc {fmt} kernels", "device": device, "n": w.n, "skip": skip,
                         "enc_msym": w.n / t_enc / 1e6, "dec_msym": w.n / t_dec / 1e6,
                         "bits": 8 * int(sizes.sum()) / w.n,
                         "ideal": ideal_bits(w.symbols[kept], w.indexes[kept], *w.tables) / w.n})
    return rows


def format_table(rows: list[dict]) -> str:
    """One table; ratios are speed-ups over the pure-Python coder and CompressAI on the same job."""
    head = (f"{'coder':<25}{'device':<7}{'symbols':>11} {'skip':<5}{'enc Msym/s':>11}{'dec Msym/s':>11}"
            f"{'bits/sym':>9}{'ideal':>8}{'enc/dec vs python':>19}{'enc/dec vs compressai':>23}")
    lines = [head, "-" * len(head)]
    for r in rows:
        same = [o for o in rows if o["n"] == r["n"] and o["skip"] == r["skip"]]

        def ratio(name):
            base = next((o for o in same if o["coder"] == name), None)
            if base is None:
                return "-"
            return f"{r['enc_msym'] / base['enc_msym']:.1f}x / {r['dec_msym'] / base['dec_msym']:.1f}x"

        lines.append(f"{r['coder']:<25}{r['device']:<7}{r['n']:>11,} {'on' if r['skip'] else 'off':<5}"
                     f"{r['enc_msym']:>11.1f}{r['dec_msym']:>11.1f}{r['bits']:>9.4f}{r['ideal']:>8.4f}"
                     f"{ratio('python reference'):>19}{ratio('compressai'):>23}")
    return "\n".join(lines)
