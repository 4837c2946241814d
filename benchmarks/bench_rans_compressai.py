"""The `compressai`-format coder: ecc's op (CPU, and CUDA when present) vs the pure-Python
reference vs CompressAI's own coder, on Gaussian latents (log-uniform scales 0.11-20).

Every benchmark checks its round trip first. Run:
    python -m pytest benchmarks/bench_rans_compressai.py --benchmark-columns=median,rounds
"""

from __future__ import annotations

import pytest
import torch

import ecc
from ecc.coding import default_scale_table, reference, scale_indexes
from ecc.testing import gaussian_latent

from conftest import record

SIZES = [100_000, 1_000_000]
HAS_CUDA = torch.cuda.is_available() and ecc.ops.cuda_version() > 0


@pytest.fixture(scope="module")
def tables():
    return ecc.ops.gaussian_cdf_table(default_scale_table())


def _latent(n: int, streams: int = 1):
    """n symbols: one (n,) stream, or (streams, n // streams)."""
    return gaussian_latent(n // streams, seed=n, batch=None if streams == 1 else streams)


def _lists(n: int, tables) -> tuple[list, ...]:
    """One stream of n symbols as Python lists: (symbols, indexes, cdfs, cdf_lengths, offsets)."""
    symbols, indexes = _latent(n)
    return (symbols.tolist(), indexes.tolist(), *(t.tolist() for t in tables))


def _bits(data: torch.Tensor, n: int) -> float:
    return 8 * data.numel() / n


@pytest.mark.parametrize("streams", [1, 8])
@pytest.mark.parametrize("n", SIZES)
def test_ecc_cpu(benchmark, tables, threads, n, streams):
    symbols, indexes = _latent(n, streams)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, *tables), symbols)
    benchmark.group = f"encode {n}"
    benchmark.pedantic(ecc.ops.rans_encode, (symbols, indexes, *tables), rounds=15, warmup_rounds=2)
    record(benchmark, coder="ecc", op="encode", n=n // streams, streams=streams, threads=threads, device="cpu",
           bits=_bits(data, n))


@pytest.mark.parametrize("streams", [1, 8])
@pytest.mark.parametrize("n", SIZES)
def test_ecc_cpu_decode(benchmark, tables, threads, n, streams):
    symbols, indexes = _latent(n, streams)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    benchmark.group = f"decode {n}"
    out = benchmark.pedantic(ecc.ops.rans_decode, (data, sizes, indexes, *tables), rounds=15, warmup_rounds=2)
    assert torch.equal(out, symbols)
    record(benchmark, coder="ecc", op="decode", n=n // streams, streams=streams, threads=threads, device="cpu",
           bits=_bits(data, n))


def _decode_in_parts(data, sizes, pieces, tables):
    state, out = None, []
    for i, piece in enumerate(pieces):
        symbols, state = ecc.ops.rans_decode_part(data, sizes, state, piece, *tables, finish=i == len(pieces) - 1)
        out.append(symbols)
    return torch.cat(out, 1)


@pytest.mark.parametrize("parts", [5, 50])
def test_ecc_cpu_decode_in_parts(benchmark, tables, threads, parts):
    """One stream read in parts (the codec reads 5: z and 4 slices) vs test_ecc_cpu_decode."""
    n = SIZES[0]
    symbols, indexes = (t[None] for t in _latent(n))
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *tables)
    cuts = torch.linspace(0, n, parts + 1).long().tolist()
    pieces = [indexes[:, lo:hi].contiguous() for lo, hi in zip(cuts[:-1], cuts[1:])]
    benchmark.group = f"decode {n}"
    out = benchmark.pedantic(_decode_in_parts, (data, sizes, pieces, tables), rounds=15, warmup_rounds=2)
    assert torch.equal(out, symbols)
    record(benchmark, coder="ecc", op=f"decode in {parts} parts", n=n, streams=1, threads=threads, device="cpu",
           bits=_bits(data, n))


@pytest.mark.parametrize("coder", ["compressai", "ecc-adapter"])
@pytest.mark.parametrize("parts", [5, 50])
def test_lists_decode_in_parts(benchmark, compressai, tables, parts, coder):
    """RansDecoder.decode_stream with the same parts as lists: CompressAI's, and ecc's drop-in
    (ecc.coding.compressai_adapter, what a switched model's autoregressive loops call)."""
    from ecc.coding import compressai_adapter

    n = SIZES[0]
    symbols, indexes, *lists = _lists(n, tables)
    data = compressai.ans.RansEncoder().encode_with_indexes(symbols, indexes, *lists)
    cuts = torch.linspace(0, n, parts + 1).long().tolist()
    decoder_class = compressai.ans.RansDecoder if coder == "compressai" else compressai_adapter.RansDecoder

    def decode():
        decoder, out = decoder_class(), []
        decoder.set_stream(data)
        for lo, hi in zip(cuts[:-1], cuts[1:]):
            out += decoder.decode_stream(indexes[lo:hi], *lists)
        return out

    assert benchmark.pedantic(decode, rounds=5, warmup_rounds=1) == symbols
    benchmark.group = f"decode {n}"
    record(benchmark, coder=f"{coder}-lists", op=f"decode in {parts} parts", n=n, streams=1, threads=1,
           device="cpu", bits=8 * len(data) / n)


@pytest.mark.parametrize("n", SIZES)
def test_reference(benchmark, tables, n):
    lists = _lists(n, tables)
    data = benchmark.pedantic(reference.encode_stream, lists, rounds=1)
    record(benchmark, coder="python-reference", op="encode", n=n, streams=1, threads=1, device="cpu",
           bits=8 * len(data) / n)
    decoded = reference.decode_stream(data, *lists[1:])
    assert decoded == lists[0]


@pytest.mark.parametrize("n", SIZES)
def test_reference_decode(benchmark, tables, n):
    lists = _lists(n, tables)
    data = reference.encode_stream(*lists)
    out = benchmark.pedantic(reference.decode_stream, (data, *lists[1:]), rounds=1)
    assert out == lists[0]
    record(benchmark, coder="python-reference", op="decode", n=n, streams=1, threads=1, device="cpu",
           bits=8 * len(data) / n)


@pytest.mark.parametrize("n", SIZES)
def test_compressai_coder(benchmark, compressai, tables, n):
    """CompressAI's RansEncoder/RansDecoder with the Python lists prebuilt (its best case)."""
    lists = _lists(n, tables)
    data = compressai.ans.RansEncoder().encode_with_indexes(*lists)
    assert compressai.ans.RansDecoder().decode_with_indexes(data, *lists[1:]) == lists[0]
    benchmark.pedantic(compressai.ans.RansEncoder().encode_with_indexes, lists, rounds=5, warmup_rounds=1)
    record(benchmark, coder="compressai-lists", op="encode", n=n, streams=1, threads=1, device="cpu",
           bits=8 * len(data) / n)


@pytest.mark.parametrize("n", SIZES)
def test_compressai_coder_decode(benchmark, compressai, tables, n):
    lists = _lists(n, tables)
    data = compressai.ans.RansEncoder().encode_with_indexes(*lists)
    benchmark.pedantic(compressai.ans.RansDecoder().decode_with_indexes, (data, *lists[1:]), rounds=5, warmup_rounds=1)
    record(benchmark, coder="compressai-lists", op="decode", n=n, streams=1, threads=1, device="cpu",
           bits=8 * len(data) / n)


def _float_latent(n: int):
    """(y (1, n) float32, indexes (1, n) int32): a float latent and its precomputed scale indexes,
    the inputs of CompressAI's GaussianConditional.compress(y, indexes)."""
    g = torch.Generator().manual_seed(n)
    scales = torch.exp(torch.rand(1, n, generator=g) * torch.log(torch.tensor(20 / 0.11)) + torch.log(torch.tensor(0.11)))
    return torch.randn(1, n, generator=g) * scales, scale_indexes(scales, default_scale_table())


def _compressai_gc(compressai):
    gc = compressai.entropy_models.GaussianConditional(default_scale_table().tolist())
    gc.update()
    return gc


def _ecc_compress(y, indexes, tables):
    return ecc.ops.rans_encode(torch.round(y).int(), indexes, *tables)


@pytest.mark.parametrize("n", SIZES)
def test_end_to_end(benchmark, compressai, tables, n):
    """Float y + indexes to bytes: CompressAI's GaussianConditional.compress (its tensors go
    through Python lists) vs rounding + ecc's op."""
    y, indexes = _float_latent(n)
    gc = _compressai_gc(compressai)
    assert gc.compress(y, indexes)[0] == bytes(_ecc_compress(y, indexes, tables)[0].numpy())
    benchmark.pedantic(gc.compress, (y, indexes), rounds=3, warmup_rounds=1)
    record(benchmark, coder="compressai-gc", op="compress (e2e)", n=n, streams=1, threads=1, device="cpu", bits=None)


@pytest.mark.parametrize("n", SIZES)
def test_end_to_end_ecc(benchmark, tables, threads, n):
    y, indexes = _float_latent(n)
    benchmark.pedantic(_ecc_compress, (y, indexes, tables), rounds=10, warmup_rounds=1)
    record(benchmark, coder="ecc", op="compress (e2e)", n=n, streams=1, threads=threads, device="cpu", bits=None)


@pytest.mark.parametrize("n", SIZES)
def test_end_to_end_decompress(benchmark, compressai, tables, n):
    y, indexes = _float_latent(n)
    gc = _compressai_gc(compressai)
    strings = gc.compress(y, indexes)
    benchmark.pedantic(gc.decompress, (strings, indexes), rounds=3, warmup_rounds=1)
    record(benchmark, coder="compressai-gc", op="decompress (e2e)", n=n, streams=1, threads=1, device="cpu", bits=None)


@pytest.mark.parametrize("n", SIZES)
def test_end_to_end_decompress_ecc(benchmark, tables, threads, n):
    y, indexes = _float_latent(n)
    data, sizes = _ecc_compress(y, indexes, tables)

    def ecc_decompress():
        return ecc.ops.rans_decode(data, sizes, indexes, *tables).float()

    assert torch.equal(ecc_decompress(), torch.round(y))
    benchmark.pedantic(ecc_decompress, rounds=10, warmup_rounds=1)
    record(benchmark, coder="ecc", op="decompress (e2e)", n=n, streams=1, threads=threads, device="cpu", bits=None)


GPU_BATCHES = [(1, 100_000), (1024, 10_000), (16384, 1000), (8192, 10_000)]


@pytest.mark.skipif(not HAS_CUDA, reason="needs a CUDA device and a CUDA build")
@pytest.mark.parametrize("op", ["encode", "decode"])
@pytest.mark.parametrize("streams,n", GPU_BATCHES)
def test_ecc_cuda(benchmark, tables, op, streams, n):
    symbols, indexes = (t.cuda() for t in gaussian_latent(n, seed=streams, batch=streams))
    cuda_tables = tuple(t.cuda() for t in tables)
    data, sizes = ecc.ops.rans_encode(symbols, indexes, *cuda_tables)
    assert torch.equal(ecc.ops.rans_decode(data, sizes, indexes, *cuda_tables), symbols)

    def run():
        if op == "encode":
            ecc.ops.rans_encode(symbols, indexes, *cuda_tables)
        else:
            ecc.ops.rans_decode(data, sizes, indexes, *cuda_tables)
        torch.cuda.synchronize()

    benchmark.pedantic(run, rounds=10, warmup_rounds=2)
    record(benchmark, coder="ecc", op=op, n=n, streams=streams, threads=1, device="cuda", bits=_bits(data, n * streams))
