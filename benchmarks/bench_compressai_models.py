"""CompressAI models on CompressAI's coder and on ecc's (``ecc.coding.use_ecc``), side by side in
one process, one thread: each entropy-model call on a 2 x 192 x 48 x 48 latent, and whole zoo
architectures (random init, default sizes) on a 256 x 256 image. Every benchmark first checks
that ecc's strings and outputs equal CompressAI's. Run:
    python -m pytest benchmarks/bench_compressai_models.py --benchmark-columns=median,rounds
The autoregressive models again with the two coders alternating call by call (``-s`` prints them):
    python -m pytest benchmarks/bench_compressai_models.py -k alternating -s
"""

from __future__ import annotations

import copy
import functools
import statistics
import time

import pytest
import torch

from ecc.coding import compressai_backend, use_ecc

from conftest import record

LATENT = (2, 192, 48, 48)
MODELS = ["FactorizedPrior", "ScaleHyperprior", "MeanScaleHyperprior", "JointAutoregressiveHierarchicalPriors",
          "Cheng2020Anchor", "Cheng2020AnchorCheckerboard", "Elic2022Official", "Elic2022Chandelier"]
SHORT = {"GaussianConditional": "GC", "EntropyBottleneck": "EB", "FactorizedPrior": "factorized",
         "ScaleHyperprior": "hyperprior", "MeanScaleHyperprior": "mean-scale",
         "JointAutoregressiveHierarchicalPriors": "mbt2018", "Cheng2020Anchor": "cheng2020",
         "Cheng2020AnchorCheckerboard": "cheng-ckbd", "Elic2022Official": "elic", "Elic2022Chandelier": "elic-chand"}
SIZES = {"FactorizedPrior": dict(N=128, M=192), "ScaleHyperprior": dict(N=128, M=192),
         "MeanScaleHyperprior": dict(N=128, M=192)}  # the zoo's lower qualities; the rest use their defaults


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@functools.cache
def _latent():
    g = torch.Generator().manual_seed(0)
    scales = torch.exp(torch.rand(LATENT, generator=g) * torch.log(torch.tensor(20 / 0.11)) + torch.log(torch.tensor(0.11)))
    means = torch.randn(LATENT, generator=g)
    return means + torch.randn(LATENT, generator=g) * scales, scales, means


@functools.cache
def _entropy_models(compressai):
    """(CompressAI's GaussianConditional and EntropyBottleneck, the same switched to ecc)."""
    gc = compressai.entropy_models.GaussianConditional(None)
    gc.update_scale_table(compressai.models.google.get_scale_table())
    torch.manual_seed(0)
    eb = compressai.entropy_models.EntropyBottleneck(LATENT[1])
    eb.update(force=True)
    theirs = {"GaussianConditional": gc, "EntropyBottleneck": eb}
    ours = copy.deepcopy(theirs)
    for model in ours.values():
        use_ecc(model)  # deep copies: switched for the whole run
    return theirs, ours


def _calls(compressai, model_name: str, switched: bool):
    """{"compress": f, "decompress": f} for one entropy model, and the compressed strings."""
    y, scales, means = _latent()
    theirs, ours = _entropy_models(compressai)
    model = (ours if switched else theirs)[model_name]
    if model_name == "GaussianConditional":
        indexes = model.build_indexes(scales)
        strings = theirs[model_name].compress(y, indexes, means)
        return {"compress": lambda: model.compress(y, indexes, means),
                "decompress": lambda: model.decompress(strings, indexes, means=means)}
    strings = theirs[model_name].compress(y)
    return {"compress": lambda: model.compress(y), "decompress": lambda: model.decompress(strings, LATENT[2:])}


@pytest.mark.parametrize("coder", ["compressai", "ecc"])
@pytest.mark.parametrize("op", ["compress", "decompress"])
@pytest.mark.parametrize("model_name", ["GaussianConditional", "EntropyBottleneck"])
def test_entropy_model(benchmark, compressai, model_name, op, coder):
    theirs, ours = (_calls(compressai, model_name, s)[op] for s in (False, True))
    first, second = theirs(), ours()
    assert first == second if op == "compress" else torch.equal(first, second)
    benchmark.group = f"{model_name}.{op}"
    benchmark.pedantic(ours if coder == "ecc" else theirs, rounds=10 if coder == "ecc" else 5, warmup_rounds=1)
    n = 1
    for d in LATENT:
        n *= d
    record(benchmark, coder=coder, op=f"{SHORT[model_name]}.{op}", n=n // LATENT[0], streams=LATENT[0], threads=1,
           device="cpu", bits=None)


@functools.cache
def _model(compressai, name: str):
    """(model, image, CompressAI's compress output): a random-init model, checked byte-identical."""
    torch.manual_seed(1)
    model = getattr(compressai.models, name)(**SIZES.get(name, {})).eval()
    model.update(force=True)
    g = torch.Generator().manual_seed(0)
    image = torch.nn.functional.interpolate(torch.rand(1, 3, 32, 32, generator=g), size=(256, 256), mode="bilinear")
    with torch.no_grad():
        out = model.compress(image)
        x_hat = model.decompress(out["strings"], out["shape"])["x_hat"]
        with compressai_backend(model):
            ours = model.compress(image)
            assert ours["strings"] == out["strings"], f"{name}: ecc's strings differ from CompressAI's"
            assert torch.equal(model.decompress(ours["strings"], ours["shape"])["x_hat"], x_hat)
    return model, image, out


def _zoo_call(compressai, name: str, op: str):
    """(model, the call of ``op`` on the bench image) for a zoo model from :func:`_model`."""
    model, image, out = _model(compressai, name)
    if op == "compress":
        return model, lambda: model.compress(image)
    return model, lambda: model.decompress(out["strings"], out["shape"])


@pytest.mark.parametrize("coder", ["compressai", "ecc"])
@pytest.mark.parametrize("op", ["compress", "decompress"])
@pytest.mark.parametrize("name", MODELS)
def test_zoo_model(benchmark, compressai, name, op, coder):
    model, call = _zoo_call(compressai, name, op)
    benchmark.group = f"{name}.{op}"
    with torch.no_grad(), compressai_backend(*([model] if coder == "ecc" else [])):
        benchmark.pedantic(call, rounds=5, warmup_rounds=1)
    record(benchmark, coder=coder, op=f"{SHORT[name]}.{op}", n=256 * 256, streams=1, threads=1, device="cpu",
           bits=None)


@pytest.mark.parametrize("op", ["compress", "decompress"])
@pytest.mark.parametrize("name", MODELS)
def test_zoo_model_alternating(compressai, name, op):
    """One call on CompressAI's coder, one on ecc's, 5 times after a warm-up pair: on a shared
    machine the load drifts between the separate runs of test_zoo_model, alternating gives both
    coders the same. Prints the medians and the median of the 5 per-pair ratios."""
    model, call = _zoo_call(compressai, name, op)
    times = {"compressai": [], "ecc": []}
    with torch.no_grad():
        for pair in range(6):
            for coder in times:
                with compressai_backend(*([model] if coder == "ecc" else [])):
                    start = time.perf_counter()
                    call()
                    if pair:
                        times[coder].append(time.perf_counter() - start)
    theirs, ours = (statistics.median(t) for t in times.values())
    pairs = statistics.median(a / b for a, b in zip(*times.values()))
    print(f"\n{SHORT[name]}.{op} alternating: CompressAI {theirs * 1e3:.0f} ms, ecc {ours * 1e3:.0f} ms, "
          f"{theirs / ours:.2f}x (median of pairs {pairs:.2f}x)")


@pytest.mark.parametrize("coder", ["compressai", "ecc"])
@pytest.mark.parametrize("op", ["encode", "decode"])
def test_list_coder(benchmark, compressai, op, coder):
    """The list-level coders (``compressai.ans`` and ecc's drop-ins) on one 100,000-symbol stream of
    Python lists against the default 64 x 3,133 table: the lists' conversion included."""
    from ecc.coding import compressai_adapter, default_scale_table
    from ecc.ops import gaussian_cdf_table
    from ecc.testing import gaussian_latent

    symbols, indexes = (t.tolist() for t in gaussian_latent(100_000, seed=7))
    tables = [t.tolist() for t in gaussian_cdf_table(default_scale_table())]
    module = compressai_adapter if coder == "ecc" else compressai.ans
    data = compressai.ans.RansEncoder().encode_with_indexes(symbols, indexes, *tables)
    assert compressai_adapter.RansEncoder().encode_with_indexes(symbols, indexes, *tables) == data
    if op == "encode":
        call = functools.partial(module.RansEncoder().encode_with_indexes, symbols, indexes, *tables)
    else:
        call = functools.partial(module.RansDecoder().decode_with_indexes, data, indexes, *tables)
    assert benchmark.pedantic(call, rounds=10, warmup_rounds=1) == (data if op == "encode" else symbols)
    benchmark.group = f"lists {op}"
    record(benchmark, coder=coder, op=f"lists.{op}", n=len(symbols), streams=1, threads=1, device="cpu",
           bits=8 * len(data) / len(symbols))


@pytest.mark.parametrize("coder", ["compressai", "ecc"])
@pytest.mark.parametrize("op", ["compress", "decompress"])
def test_small_call(benchmark, compressai, op, coder):
    """One GaussianConditional call on 192 elements (one autoregressive position's worth): what a
    call costs beyond its symbols (ecc: the op's table checks, ~100 us to encode, ~50 us to
    decode, until prepared tables; CompressAI: the 64 x 3,133 table as lists)."""
    theirs, ours = _entropy_models(compressai)
    model = (ours if coder == "ecc" else theirs)["GaussianConditional"]
    y, scales, means = (t[:1, :, :1, :1] for t in _latent())
    indexes = model.build_indexes(scales)
    strings = theirs["GaussianConditional"].compress(y, indexes, means)
    assert ours["GaussianConditional"].compress(y, indexes, means) == strings
    if op == "compress":
        call = functools.partial(model.compress, y, indexes, means)
    else:
        call = functools.partial(model.decompress, strings, indexes, means=means)
    benchmark.pedantic(call, rounds=200, warmup_rounds=5)
    benchmark.group = f"small {op}"
    record(benchmark, coder=coder, op=f"GC.{op} (192)", n=LATENT[1], streams=1, threads=1, device="cpu", bits=None)
