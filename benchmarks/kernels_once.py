"""Runs each of ecc's coding kernels once on small inputs and checks every result: the driver that
benchmarks/gpu_check.sh runs under compute-sanitizer (memcheck, racecheck), where each launch is
10-100x slower. Covers the table kernels, both formats through the three-tensor, prepared and
padded ops (compaction included), entropy skip, escapes, several lane counts, a decode table too
large for shared memory, decoding in parts and corrupt streams.

    python benchmarks/kernels_once.py --device cuda [--formats interleaved]
    python benchmarks/kernels_once.py --device cpu      # the same path on the CPU, a dry run
"""

from __future__ import annotations

import argparse
import pathlib
import math
import sys

import torch

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))  # run from anywhere: this checkout's ecc

import ecc
from ecc.coding import default_scale_table
from ecc.testing import gaussian_latent


def check(name: str, ok: bool) -> None:
    print(f"{'ok' if ok else 'FAILED':<7}{name}", flush=True)
    if not ok:
        raise SystemExit(f"kernels_once: {name} gave a wrong result")


def run_format(fmt: str, tables, device: str) -> None:
    symbols, indexes = gaussian_latent(3000, seed=1, batch=6)
    symbols[:, ::41] += 900  # escapes
    symbols[:, ::53] -= 70000
    sym, idx = symbols.to(device), indexes.to(device)
    prepared = ecc.ops.prepare_tables(*tables)
    lane_choices = [1, 8, 32] if fmt == "interleaved" else [None]
    for skip_below in (-1, 12):
        expected = torch.where(indexes >= skip_below, symbols, 0)
        for lanes in lane_choices:
            kwargs = {"format": fmt, "skip_below": skip_below}
            layout = {"lanes": lanes, "chunk_size": 512} if lanes is not None else {}
            data, sizes = ecc.ops.rans_encode(sym, idx, *tables, **kwargs, **layout)
            decoded = ecc.ops.rans_decode(data, sizes, idx, *tables, **kwargs)
            check(f"{fmt} lanes={lanes} skip_below={skip_below}: three-tensor round trip",
                  torch.equal(decoded.cpu(), expected))
            decoded = ecc.ops.rans_decode(data, sizes, idx, prepared, **kwargs)
            check(f"{fmt} lanes={lanes} skip_below={skip_below}: prepared decode", torch.equal(decoded.cpu(), expected))
        padded, psizes, status = ecc.ops.rans_encode_padded(sym, idx, prepared, format=fmt, skip_below=skip_below)
        decoded, dec_status = ecc.ops.rans_decode_padded(padded, psizes, idx, prepared, format=fmt,
                                                         skip_below=skip_below)
        check(f"{fmt} skip_below={skip_below}: padded round trip",
              not status.any() and not dec_status.any() and torch.equal(decoded.cpu(), expected))
        flat = ecc.ops.rans_compact(padded, psizes)
        decoded = ecc.ops.rans_decode(flat, psizes, idx, prepared, format=fmt, skip_below=skip_below)
        check(f"{fmt} skip_below={skip_below}: compacted round trip", torch.equal(decoded.cpu(), expected))
    # Corrupt streams: statuses, never a bad access.
    padded, psizes, _ = ecc.ops.rans_encode_padded(sym, idx, prepared, format=fmt)
    broken, broken_sizes = padded.clone(), psizes.clone()
    broken[0, 8:40] ^= 0x5A
    broken_sizes[1] -= 2
    broken_sizes[2] = padded.shape[1] + 7
    broken[3, : int(psizes[3])] = torch.randint(0, 256, (int(psizes[3]),), dtype=torch.uint8, device=device)
    _, status = ecc.ops.rans_decode_padded(broken, broken_sizes, idx, prepared, format=fmt)
    # Rows 0 and 3 are most likely caught too; rows 1 and 2 always are.
    check(f"{fmt}: corrupt streams give statuses", bool(status[1:3].all()) and not status[4:].any())
    bad = idx.clone()
    bad[4, 7] = prepared.num_rows
    _, _, status = ecc.ops.rans_encode_padded(sym, bad, prepared, format=fmt)
    check(f"{fmt}: a bad index gives its status", status.cpu().tolist() == [0, 0, 0, 0, 1, 0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--formats", default="compressai,interleaved")
    args = parser.parse_args()
    device = args.device
    tables = ecc.ops.gaussian_cdf_table(default_scale_table().to(device))
    check("gaussian_cdf_table", torch.equal(tables[0].cpu(), ecc.ops.gaussian_cdf_table(default_scale_table())[0]))
    for fmt in args.formats.split(","):
        run_format(fmt, tables, device)
    if "compressai" in args.formats:
        symbols, indexes = (t.to(device) for t in gaussian_latent(800, seed=2, batch=3))
        data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
        first, state = ecc.ops.rans_decode_part(data, sizes, None, indexes[:, :300].contiguous(), *tables)
        rest, _ = ecc.ops.rans_decode_part(data, sizes, state, indexes[:, 300:].contiguous(), *tables, finish=True)
        check("compressai: decode in parts", torch.equal(torch.cat([first, rest], 1), symbols))
    if "interleaved" in args.formats:
        # 600 rows: the decode tables no longer fit shared memory, so the global-memory kernel runs.
        g = torch.Generator().manual_seed(3)
        scales = torch.exp(torch.rand(600, generator=g) * math.log(3000 / 0.11) + math.log(0.11)).sort().values
        big = ecc.ops.gaussian_cdf_table(scales.to(device))
        symbols = torch.round(torch.randn(4, 5000, generator=g) * 40).int()
        indexes = torch.randint(0, 600, (4, 5000), generator=g, dtype=torch.int32)
        sym, idx = symbols.to(device), indexes.to(device)
        data, sizes = ecc.ops.rans_encode(sym, idx, *big, format="interleaved", lanes=32, chunk_size=1024)
        decoded = ecc.ops.rans_decode(data, sizes, idx, *big, format="interleaved")
        check("interleaved: tables in global memory", torch.equal(decoded.cpu(), symbols))
    g = torch.Generator().manual_seed(4)
    x, w, b = torch.randn(2, 8, 50, generator=g), torch.randn(6, 8, 3, generator=g), torch.randn(6, generator=g)
    out = ecc.ops.deterministic_conv1d(x.to(device), w.to(device), b.to(device), "relu")
    check("deterministic_conv1d", torch.equal(out.cpu(), ecc.ops.deterministic_conv1d(x, w, b, "relu")))
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    print("kernels_once: every kernel ran and checked", flush=True)


if __name__ == "__main__":
    main()
