"""ecc as CompressAI's entropy coder: same strings as CompressAI's own coder, and they decode."""

import pytest
import torch

from ecc.coding import compressai_adapter, compressai_backend


@pytest.fixture(scope="module")
def image():
    return torch.rand(2, 3, 128, 192, generator=torch.Generator().manual_seed(0))  # multiples of 64


def build(compressai, name, **kwargs):
    torch.manual_seed(1)
    model = getattr(compressai.models, name)(**kwargs).eval()
    model.update(force=True)
    return model


@pytest.mark.parametrize("name", ["FactorizedPrior", "ScaleHyperprior", "MeanScaleHyperprior",
                                  "JointAutoregressiveHierarchicalPriors"])
def test_model_strings_equal_compressai_and_decode(compressai, image, name):
    model = build(compressai, name, N=32, M=48)
    with torch.no_grad():
        theirs = model.compress(image)
        with compressai_backend(model):
            ours = model.compress(image)
            decoded = model.decompress(ours["strings"], ours["shape"])["x_hat"]
        reference = model.decompress(theirs["strings"], theirs["shape"])["x_hat"]
    assert ours["strings"] == theirs["strings"]
    assert torch.equal(decoded, reference)


def test_backend_is_restored_after_the_block(compressai):
    model = build(compressai, "ScaleHyperprior", N=32, M=48)
    original = model.entropy_bottleneck.entropy_coder._encoder
    with compressai_backend(model):
        assert isinstance(model.entropy_bottleneck.entropy_coder._encoder, compressai_adapter.RansEncoder)
        assert compressai.ans.RansEncoder is compressai_adapter.RansEncoder
    assert model.entropy_bottleneck.entropy_coder._encoder is original
    assert compressai.ans.RansEncoder is not compressai_adapter.RansEncoder


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
