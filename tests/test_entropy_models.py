"""ecc.entropy: EntropyBottleneck and GaussianConditional against CompressAI (same tables, same
bytes), round trips, entropy skip, rate honesty and clear errors."""

import math

import pytest
import torch

import ecc
from ecc.entropy import CoderSettings, EntropyBottleneck, GaussianConditional


def trained_like_bottleneck(channels=16, seed=0):
    """An EntropyBottleneck with perturbed (non-initial) weights and fitted tail quantiles."""
    torch.manual_seed(seed)
    eb = EntropyBottleneck(channels)
    with torch.no_grad():
        for p in [*eb.matrices, *eb.biases, *eb.factors]:
            p.add_(0.3 * torch.randn_like(p))
    opt = torch.optim.Adam([eb.quantiles], lr=0.5)
    for _ in range(300):
        opt.zero_grad()
        eb.loss().backward()
        opt.step()
    return eb.eval()


def test_bottleneck_tables_and_bytes_equal_compressai(compressai):
    ours = trained_like_bottleneck()
    theirs = compressai.entropy_models.EntropyBottleneck(16)
    theirs.load_state_dict({k: v for k, v in ours.state_dict().items() if not k.startswith("_")}, strict=False)
    ours.update()
    theirs.update(force=True)
    assert torch.equal(ours._quantized_cdf, theirs._quantized_cdf)
    assert torch.equal(ours._cdf_length, theirs._cdf_length) and torch.equal(ours._offset, theirs._offset)
    z = torch.randn(3, 16, 7, generator=torch.Generator().manual_seed(1)) * 4
    data, sizes = ours.compress(z)
    strings = theirs.compress(z)
    starts = [0, *torch.cumsum(sizes, 0).tolist()]
    assert [bytes(data[a:b].numpy()) for a, b in zip(starts, starts[1:])] == strings
    assert torch.equal(ours.decompress(data, sizes, (7,)), theirs.decompress(strings, (7,)))


@pytest.mark.parametrize("shape", [(1, 16, 1), (4, 16, 33), (2, 16, 5, 3)])
@pytest.mark.parametrize("format", ["compressai", "interleaved"])
def test_bottleneck_round_trip_equals_forward(shape, format):
    eb = trained_like_bottleneck()
    eb.update()
    z = torch.randn(shape, generator=torch.Generator().manual_seed(2)) * 3
    z_hat, _ = eb(z, training=False)
    data, sizes = eb.compress(z, CoderSettings(format))
    assert sizes.shape == (shape[0],)
    assert torch.equal(eb.decompress(data, sizes, shape[2:], CoderSettings(format)), z_hat)


def gaussian_latent_float(shape, seed):
    g = torch.Generator().manual_seed(seed)
    scales = torch.exp(torch.rand(shape, generator=g) * math.log(20 / 0.05) + math.log(0.05))
    means = torch.randn(shape, generator=g)
    return means + torch.randn(shape, generator=g) * scales, scales, means


def test_gaussian_conditional_bytes_equal_compressai(compressai):
    y, scales, means = gaussian_latent_float((3, 24, 50), 3)
    ours = GaussianConditional()
    ours.update()
    theirs = compressai.entropy_models.GaussianConditional(ecc.coding.default_scale_table().tolist())
    theirs.update()
    indexes = ours.build_indexes(scales)
    assert torch.equal(indexes, theirs.build_indexes(scales).int())
    data, sizes = ours.compress(y, indexes, means)
    strings = theirs.compress(y, indexes, means)
    starts = [0, *torch.cumsum(sizes, 0).tolist()]
    assert [bytes(data[a:b].numpy()) for a, b in zip(starts, starts[1:])] == strings
    assert torch.equal(ours.decompress(data, sizes, indexes, means), theirs.decompress(strings, indexes, means=means))


@pytest.mark.parametrize("shape", [(1, 8, 1), (5, 24, 37)])
@pytest.mark.parametrize("skip_scale", [0.0, 0.2, 1e6])
@pytest.mark.parametrize("format", ["compressai", "interleaved"])
def test_gaussian_conditional_round_trip_with_skip(shape, skip_scale, format):
    y, scales, means = gaussian_latent_float(shape, 4)
    gc = GaussianConditional()
    gc.update()
    gc.set_skip_scale(skip_scale) if skip_scale < 1e6 else setattr(gc, "skip_below", 64)  # 1e6: all skipped
    y_hat, likelihoods = gc(y, scales, means, training=False)
    indexes = gc.build_indexes(scales)
    coder = CoderSettings(format)
    data, sizes = gc.compress(y, indexes, means, coder)
    assert torch.equal(gc.decompress(data, sizes, indexes, means, coder), y_hat)
    skipped = indexes < gc.skip_below
    assert torch.equal(y_hat[skipped], means[skipped]) and bool((likelihoods[skipped] == 1).all())
    if gc.skip_below == 64:
        assert torch.equal(y_hat, means)


def test_estimated_rate_matches_real_bytes():
    """On a trained-looking latent the likelihood rate is within 1% of the real bitstream."""
    y, scales, means = gaussian_latent_float((4, 64, 400), 5)
    gc = GaussianConditional()
    gc.update()
    gc.set_skip_scale(0.15)
    _, likelihoods = gc(y, scales, means, training=False)
    estimated = -torch.log2(likelihoods).sum().item()
    data, _ = gc.compress(y, gc.build_indexes(scales), means)
    actual = 8 * data.numel()
    assert abs(actual - estimated) / actual < 0.01, (actual, estimated)


def test_skip_aware_rate_has_gradients_for_kept_elements():
    y, scales, means = gaussian_latent_float((2, 8, 30), 6)
    scales.requires_grad_(True)
    gc = GaussianConditional()
    gc.set_skip_scale(0.3)
    _, likelihoods = gc(y, scales, means, training=True)
    (-torch.log2(likelihoods).sum()).backward()
    kept = gc.build_indexes(scales.detach()) >= gc.skip_below
    assert bool((scales.grad[~kept] == 0).all()) and bool((scales.grad[kept] != 0).any())


def test_clear_errors():
    gc = GaussianConditional()
    y, scales, _ = gaussian_latent_float((1, 4, 5), 7)
    with pytest.raises(RuntimeError, match="call .update\\(\\)"):
        gc.compress(y, gc.build_indexes(scales))
    gc.update()
    with pytest.raises(ValueError, match="must have one shape"):
        gc.compress(y, gc.build_indexes(scales)[..., :3])
    with pytest.raises(ValueError, match="ascending"):
        GaussianConditional(scale_table=[1.0, 0.5])
    eb = EntropyBottleneck(4)
    with pytest.raises(RuntimeError, match="call .update\\(\\)"):
        eb.compress(torch.zeros(1, 4, 3))
    eb.update()
    with pytest.raises(ValueError, match="expected z of shape"):
        eb.compress(torch.zeros(1, 5, 3))


def test_pmf_to_quantized_cdf_equals_compressai(compressai):
    from compressai._CXX import pmf_to_quantized_cdf

    g = torch.Generator().manual_seed(8)
    pmf = torch.rand(40, 200, generator=g) ** 6
    lengths = torch.randint(1, 201, (40,), generator=g, dtype=torch.int32)
    pmf *= (torch.arange(200) < lengths[:, None]).float()
    pmf = pmf / pmf.sum(1, keepdim=True) * 0.99
    tail = torch.full((40,), 0.01)
    cdf, cdf_length = ecc.ops.pmf_to_quantized_cdf(pmf, lengths, tail)
    for r in range(40):
        assert cdf[r, : cdf_length[r]].tolist() == pmf_to_quantized_cdf(pmf[r, : lengths[r]].tolist() + [0.01], 16)
    with pytest.raises(RuntimeError, match="finite and in \\[0, 1\\]"):
        ecc.ops.pmf_to_quantized_cdf(-pmf, lengths, tail)


def test_tables_load_from_a_state_dict_without_update(tmp_path):
    gc = GaussianConditional()
    gc.update()
    eb = trained_like_bottleneck(channels=4)
    eb.update()
    torch.save({"gc": gc.state_dict(), "eb": eb.state_dict()}, tmp_path / "m.pt")
    state = torch.load(tmp_path / "m.pt", weights_only=True)
    gc2, eb2 = GaussianConditional(), EntropyBottleneck(4)
    gc2.load_state_dict(state["gc"])
    eb2.load_state_dict(state["eb"])
    assert torch.equal(gc2._quantized_cdf, gc._quantized_cdf) and torch.equal(eb2._quantized_cdf, eb._quantized_cdf)
    z = torch.randn(2, 4, 9)
    assert torch.equal(eb2.decompress(*eb.compress(z), (9,)), eb.decompress(*eb.compress(z), (9,)))
