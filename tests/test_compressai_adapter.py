"""ecc as CompressAI's entropy coder: same strings as CompressAI's own coder, and they decode."""

import threading
import warnings

import pytest
import torch

import ecc
from ecc.coding import compressai_adapter, compressai_autoregressive, compressai_backend, use_compressai, use_ecc

# Eight architectures of CompressAI 1.2.8's zoo, small enough for CI.
MODELS = {
    "FactorizedPrior": dict(N=32, M=48),
    "ScaleHyperprior": dict(N=32, M=48),
    "MeanScaleHyperprior": dict(N=32, M=48),
    "JointAutoregressiveHierarchicalPriors": dict(N=32, M=48),
    "Cheng2020Anchor": dict(N=32),
    "Cheng2020AnchorCheckerboard": dict(N=32),
    "Elic2022Official": dict(N=32, M=160),
    "Elic2022Chandelier": dict(N=32, M=160),
}
CUDA = pytest.mark.skipif(not (torch.cuda.is_available() and ecc.ops.cuda_version()),
                          reason="needs CUDA and a CUDA build")


@pytest.fixture(scope="module")
def image():
    return torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))  # multiples of 64


def build(compressai, name, **kwargs):
    torch.manual_seed(1)
    model = getattr(compressai.models, name)(**(kwargs or MODELS[name])).eval()
    model.update(force=True)
    return model


def entropy_models(compressai, model):
    return [m for m in model.modules() if isinstance(m, compressai.entropy_models.EntropyModel)]


class Refuses:
    """Stands in for CompressAI's coders: any use fails the test."""

    name = "ans"

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        raise AssertionError(f"CompressAI's coder was used ({name})")


@pytest.mark.parametrize("name", list(MODELS))
def test_model_strings_equal_compressai_and_decode(compressai, image, monkeypatch, name):
    """The same strings and x_hat as CompressAI's coder, and none of CompressAI's coders runs in the block."""
    model = build(compressai, name)
    with torch.no_grad():
        theirs = model.compress(image)
        reference = model.decompress(theirs["strings"], theirs["shape"])["x_hat"]
        refusing = {m: Refuses() for m in entropy_models(compressai, model)}
        for m, coder in refusing.items():
            m.entropy_coder = coder
        with compressai_backend(model):
            for module in ("compressai.models.google", "compressai.latent_codecs.rasterscan"):
                monkeypatch.setattr(f"{module}.BufferedRansEncoder", Refuses)
                monkeypatch.setattr(f"{module}.RansDecoder", Refuses)
            ours = model.compress(image)
            decoded = model.decompress(ours["strings"], ours["shape"])["x_hat"]
    assert ours["strings"] == theirs["strings"]
    assert torch.equal(decoded, reference)
    assert all(m.entropy_coder is coder for m, coder in refusing.items())


def test_raster_scan_latent_codec_strings_equal_compressai(compressai, monkeypatch):
    """RasterScanLatentCodec's loops (which build compressai.ans coders) run on ecc's drop-ins."""
    from compressai.latent_codecs import RasterScanLatentCodec
    from compressai.layers import MaskedConv2d
    from compressai.models.utils import conv

    torch.manual_seed(2)
    gaussian_conditional = compressai.entropy_models.GaussianConditional(None)
    gaussian_conditional.update_scale_table(compressai.models.google.get_scale_table())
    codec = RasterScanLatentCodec(gaussian_conditional, conv(16, 8, kernel_size=1, stride=1),
                                  MaskedConv2d(4, 8, kernel_size=5, padding=2, stride=1)).eval()
    g = torch.Generator().manual_seed(3)
    y, params = torch.randn(1, 4, 6, 5, generator=g) * 3, torch.randn(1, 8, 6, 5, generator=g)
    with torch.no_grad():
        theirs = codec.compress(y, params)
        with compressai_backend(codec):
            monkeypatch.setattr("compressai.latent_codecs.rasterscan.BufferedRansEncoder", Refuses)
            monkeypatch.setattr("compressai.latent_codecs.rasterscan.RansDecoder", Refuses)
            ours = codec.compress(y, params)
            decoded = codec.decompress(ours["strings"], ours["shape"], params)["y_hat"]
    assert ours["strings"] == theirs["strings"]
    assert torch.equal(decoded, theirs["y_hat"])


def test_backend_is_restored_after_the_block(compressai):
    model = build(compressai, "ScaleHyperprior")
    original = model.entropy_bottleneck.entropy_coder._encoder
    with compressai_backend(model):
        assert isinstance(model.entropy_bottleneck.entropy_coder._encoder, compressai_adapter.RansEncoder)
        assert compressai.ans.RansEncoder is not compressai_adapter.RansEncoder  # nothing global is patched
    assert model.entropy_bottleneck.entropy_coder._encoder is original
    assert not {"compress", "decompress"} & set(model.entropy_bottleneck.__dict__)


def switched(compressai, model) -> bool:
    """Whether any part of ``model`` is on ecc's coder (instance attributes set by use_ecc)."""
    return any({"compress", "_compress_ar", "_decompress_ar"} & set(m.__dict__) for m in model.modules())


def test_use_ecc_is_reversible_and_nests(compressai):
    model = build(compressai, "JointAutoregressiveHierarchicalPriors")
    restore = use_ecc(model)
    assert switched(compressai, model)
    assert use_ecc(model)() is None and switched(compressai, model)  # a second switch switches nothing
    restore()
    assert not switched(compressai, model)
    use_ecc(model)
    use_compressai(model)
    assert not switched(compressai, model)
    with compressai_backend(model):
        with compressai_backend(model):
            pass
        assert switched(compressai, model)  # the inner block leaves the outer one's switch
    assert not switched(compressai, model)


def test_switch_does_not_leak_to_other_models_or_threads(compressai, image):
    """A model built inside the block and one used in another thread meanwhile keep CompressAI's coder."""
    other = build(compressai, "JointAutoregressiveHierarchicalPriors")
    small = image[:1, :, :64, :64]
    with torch.no_grad():
        expected = other.compress(small)["strings"]
    inside, seen = threading.Event(), {}

    def use_other():
        inside.wait()
        with torch.no_grad():
            seen["strings"] = other.compress(small)["strings"]
        seen["switched"] = switched(compressai, other)

    thread = threading.Thread(target=use_other)
    thread.start()
    model = build(compressai, "JointAutoregressiveHierarchicalPriors")
    with compressai_backend(model):
        built_inside = build(compressai, "MeanScaleHyperprior")
        inside.set()
        thread.join()
        assert not switched(compressai, built_inside)
        assert isinstance(built_inside.gaussian_conditional.entropy_coder._encoder, compressai.ans.RansEncoder)
        assert compressai.models.google.RansDecoder is compressai.ans.RansDecoder
    assert seen == {"strings": expected, "switched": False}


def test_other_coders_and_precisions_are_refused(compressai):
    model = compressai.entropy_models.GaussianConditional([0.11, 1.0, 10.0], entropy_coder_precision=15)
    with pytest.raises(ValueError, match="precision 16"):
        use_ecc(model)
    assert "compress" not in model.__dict__


def test_tables_follow_update_and_in_place_changes(compressai):
    """ecc's tables are made once per update(): a new table (update) and an in-place change of the
    buffers are both seen."""
    ours, theirs = (compressai.entropy_models.GaussianConditional([0.11, 1.0, 10.0]) for _ in range(2))
    y = torch.randn(2, 4, 8, 8, generator=torch.Generator().manual_seed(5)) * 4
    indexes = torch.randint(0, 3, y.shape, generator=torch.Generator().manual_seed(6), dtype=torch.int32)
    use_ecc(ours)
    strings = []
    for change in (lambda gc: gc.update(), lambda gc: gc.update_scale_table([0.2, 2.0, 20.0], force=True),
                   lambda gc: gc._offset.sub_(1)):
        change(ours)
        change(theirs)
        strings.append(ours.compress(y, indexes))
        assert strings[-1] == theirs.compress(y, indexes)
    assert len(set(map(tuple, strings))) == 3


def test_empty_batch_matches_compressai(compressai):
    gc = compressai.entropy_models.GaussianConditional([0.11, 1.0, 10.0])
    gc.update()
    y, indexes = torch.zeros(0, 4, 2, 2), torch.zeros(0, 4, 2, 2, dtype=torch.int32)
    with compressai_backend(gc):
        assert gc.compress(y, indexes) == []
        assert gc.decompress([], indexes).shape == (0, 4, 2, 2)


@CUDA
@pytest.mark.parametrize("name", ["ScaleHyperprior", "Cheng2020AnchorCheckerboard", "Elic2022Official"])
def test_cuda_model_codes_on_the_device(compressai, image, monkeypatch, name):
    """A model on CUDA codes its latents there (the ops get CUDA tensors) and writes CompressAI's strings."""
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    model, x = build(compressai, name).cuda(), image.cuda()
    devices = []
    for op in ("rans_encode", "rans_decode"):
        real = getattr(ecc.ops, op)
        spy = lambda *args, real=real, **kw: devices.append(args[2].device) or real(*args, **kw)  # noqa: E731
        monkeypatch.setattr(ecc.ops, op, spy)
    with torch.no_grad():
        theirs = model.compress(x)
        reference = model.decompress(theirs["strings"], theirs["shape"])["x_hat"]
        with compressai_backend(model):
            ours = model.compress(x)
            decoded = model.decompress(ours["strings"], ours["shape"])["x_hat"]
    assert ours["strings"] == theirs["strings"]
    assert torch.equal(decoded, reference)
    assert devices and all(d.type == "cuda" for d in devices)


def test_list_api_matches_compressai(compressai, tables):
    from ecc.testing import gaussian_latent

    symbols, indexes = gaussian_latent(3000, seed=2)
    args = (symbols.tolist(), indexes.tolist(), *(t.tolist() for t in tables))
    assert compressai_adapter.RansEncoder().encode_with_indexes(*args) == compressai.ans.RansEncoder().encode_with_indexes(*args)
    buffered, theirs = compressai_adapter.BufferedRansEncoder(), compressai.ans.BufferedRansEncoder()
    for part in (slice(0, 1000), slice(1000, 3000)):
        for coder in (buffered, theirs):
            coder.encode_with_indexes(args[0][part], args[1][part], *args[2:])
    data = buffered.flush()
    assert data == theirs.flush()
    decoder = compressai_adapter.RansDecoder()
    decoder.set_stream(data)
    assert decoder.decode_stream(args[1][:1000], *args[2:]) + decoder.decode_stream(args[1][1000:], *args[2:]) == args[0]
    assert compressai_adapter.RansDecoder().decode_with_indexes(data, *args[1:]) == args[0]


def test_an_empty_buffered_flush_is_the_empty_stream(tables):
    """CompressAI's BufferedRansEncoder.flush() with nothing added (and its RansEncoder on no
    symbols) crashes the process; ecc's returns the empty stream: the flushed initial state."""
    lists = [t.tolist() for t in tables]
    empty = compressai_adapter.BufferedRansEncoder().flush()
    assert empty == compressai_adapter.RansEncoder().encode_with_indexes([], [], *lists) == bytes([0, 0, 0, 0x80]) + bytes(4)
    decoder = compressai_adapter.RansDecoder()
    decoder.set_stream(empty)
    assert decoder.decode_stream([], *lists) == []


def test_decode_stream_needs_set_stream():
    with pytest.raises(RuntimeError, match="set_stream"):
        compressai_adapter.RansDecoder().decode_stream([0], [[0, 65536]], [2], [0])


def test_decode_stream_of_a_truncated_stream_raises(tables):
    from ecc.testing import gaussian_latent

    symbols, indexes = gaussian_latent(3000, seed=3)
    lists = [t.tolist() for t in tables]
    data = compressai_adapter.RansEncoder().encode_with_indexes(symbols.tolist(), indexes.tolist(), *lists)
    decoder = compressai_adapter.RansDecoder()
    decoder.set_stream(data[: len(data) // 2])
    with pytest.raises(RuntimeError):
        decoder.decode_stream(indexes.tolist(), *lists)
    decoder.set_stream(b"")
    with pytest.raises(RuntimeError):
        decoder.decode_stream(indexes.tolist(), *lists)


def test_tables_changed_in_place_are_not_reused(tables):
    """The coders reuse the last converted tables only while the lists still hold the same values."""
    from ecc.testing import gaussian_latent

    symbols, indexes = gaussian_latent(2000, seed=4)
    args = [symbols.tolist(), indexes.tolist(), *(t.tolist() for t in tables)]
    encoder = compressai_adapter.RansEncoder()
    first = encoder.encode_with_indexes(*args)
    assert encoder.encode_with_indexes(*args) == first
    args[4][:] = [o - 1 for o in args[4]]   # offsets shifted in place: the same list objects
    args[2][0][1] += 1                       # and one cdf value changed inside a row
    changed = encoder.encode_with_indexes(*args)
    assert changed == compressai_adapter.RansEncoder().encode_with_indexes(*args) != first


def scale_probes(table: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """Random scales, every table entry and its float neighbours in ``dtype``, and edge values."""
    entries = table.to(dtype)
    up, down = (torch.nextafter(entries, torch.full_like(entries, v)) for v in (float("inf"), -float("inf")))
    g = torch.Generator().manual_seed(8)
    random = torch.exp(torch.rand(4000, generator=g, dtype=torch.float64) * 8 - 4).to(dtype)
    edges = torch.tensor([0.0, -0.0, -1.0, 1e-30, 1e30, float("inf"), -float("inf"), float("nan")]).to(dtype)
    return torch.cat([random, entries, up, down, edges]).reshape(1, -1, 1)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16])
@pytest.mark.parametrize("table", ["zoo", "one entry", "ties", "unordered"])
def test_build_indexes_equals_compressai(compressai, dtype, table):
    """The switched build_indexes (one bucketize) gives CompressAI's integer for every scale: table
    entries and their neighbours, below the bound, past the last entry, inf and NaN; an unordered
    table takes CompressAI's comparisons."""
    tables = {"zoo": compressai.models.google.get_scale_table().tolist(), "one entry": [0.5],
              "ties": [0.11, 0.5, 0.5, 0.5, 2.0, 2.0], "unordered": [0.11, 0.3, 0.5, 8.0]}
    gc = compressai.entropy_models.GaussianConditional(tables[table])
    if table == "unordered":
        gc.scale_table[1] = 3.0  # CompressAI checks the order of a list only
    scales = scale_probes(gc.scale_table, dtype)
    expected = gc.build_indexes(scales)
    with compressai_backend(gc):
        assert "build_indexes" in gc.__dict__
        got = gc.build_indexes(scales)
        assert torch.equal(gc.build_indexes(scales[0, :5, 0]), expected[0, :5, 0])  # other shapes, a view
    assert "build_indexes" not in gc.__dict__
    assert got.dtype == expected.dtype == torch.int32 and torch.equal(got, expected)


def test_build_indexes_follows_a_new_scale_table(compressai):
    gc = compressai.entropy_models.GaussianConditional([0.11, 1.0, 10.0])
    scales = scale_probes(torch.tensor([0.11, 1.0, 2.0, 5.0, 10.0]), torch.float32)
    with compressai_backend(gc):
        first = gc.build_indexes(scales)
        gc.update_scale_table([0.11, 2.0, 5.0, 10.0], force=True)
        second = gc.build_indexes(scales)
        gc.scale_table[1] = 20.0  # in place, now unordered
        third = gc.build_indexes(scales)
    assert torch.equal(third, gc.build_indexes(scales))
    for got, table in ((first, [0.11, 1.0, 10.0]), (second, [0.11, 2.0, 5.0, 10.0])):
        assert torch.equal(got, compressai.entropy_models.GaussianConditional(table).build_indexes(scales))
    assert not torch.equal(second, third)


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=CUDA)])
@pytest.mark.parametrize("name", ["JointAutoregressiveHierarchicalPriors", "Cheng2020Anchor"])
@pytest.mark.parametrize("seed, size, masked", [(3, (64, 128), True), (4, (128, 64), False)])
def test_autoregressive_decoding_equals_compressai(compressai, monkeypatch, name, seed, size, masked, device):
    """mbt2018's (and cheng2020's) _decompress_ar on ecc: CompressAI's y strings and x_hat exactly,
    with the context weights masked (as a trained model's) or not (a fresh one decodes other symbols
    than it coded, both sides alike); on CUDA the loop decodes on the device."""
    monkeypatch.setattr(torch.backends.cudnn, "deterministic", True)
    monkeypatch.setattr(torch.backends.cudnn, "benchmark", False)
    model = build(compressai, name, **MODELS[name])
    torch.manual_seed(seed)
    for p in model.entropy_parameters.parameters():
        p.data.normal_(0, 0.2)
    if masked:
        model.context_prediction.weight.data *= model.context_prediction.mask
    model = model.to(device)
    image = torch.rand(1, 3, *size, generator=torch.Generator().manual_seed(seed)).to(device)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Inference on GPU is not recommended")
        theirs = model.compress(image)
        reference = model.decompress(theirs["strings"], theirs["shape"])["x_hat"]
        with compressai_backend(model):
            assert model._decompress_ar.__func__ is compressai_autoregressive.decompress_ar
            ours = model.compress(image)
            decoded = model.decompress(ours["strings"], ours["shape"])["x_hat"]
    assert "_decompress_ar" not in model.__dict__
    assert ours["strings"] == theirs["strings"]
    assert torch.equal(decoded, reference)


def test_drop_ins_with_model_tables_match_compressai(compressai, tables):
    """Coders built for a switched model code its tables prepared; parts with another table
    still join one stream as CompressAI's BufferedRansEncoder writes it."""
    from ecc.testing import gaussian_latent

    gc = compressai.entropy_models.GaussianConditional(compressai.models.google.get_scale_table().tolist())
    gc.update()
    model_lists = [gc.quantized_cdf.tolist(), gc.cdf_length.tolist(), gc.offset.tolist()]
    other_lists = [t.tolist() for t in tables]
    symbols, indexes = gaussian_latent(2000, seed=5)
    parts = [(symbols[:800].tolist(), indexes[:800].tolist(), model_lists),
             (symbols[800:].tolist(), indexes[800:].tolist(), other_lists)]
    ours, theirs = compressai_adapter.BufferedRansEncoder(models=(gc,)), compressai.ans.BufferedRansEncoder()
    for s, i, lists in parts:
        for coder in (ours, theirs):
            coder.encode_with_indexes(s, i, *lists)
    assert ours.flush() == theirs.flush()
    data = compressai.ans.RansEncoder().encode_with_indexes(*parts[0][:2], *model_lists)
    assert compressai_adapter.RansEncoder(models=(gc,)).encode_with_indexes(*parts[0][:2], *model_lists) == data
    decoder = compressai_adapter.RansDecoder(models=(gc,))
    decoder.set_stream(data)
    assert decoder.decode_stream(parts[0][1], *model_lists) == parts[0][0]
