"""ChannelSliceContext: deterministic inference path (identical across thread counts and, when a
GPU is lent, devices), exact round trips, agreement with the training path, rate honesty."""

import pytest
import torch

import ecc
from ecc.entropy import ChannelSliceContext, CoderSettings, DeterministicConvStack


def build(skip_below=0, seed=0):
    torch.manual_seed(seed)
    model = ChannelSliceContext(channels=32, hyper_channels=16, slices=4, hidden=48, skip_below=skip_below).eval()
    model.update()
    return model


def latent(batch, length, seed=1):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, 32, length, generator=g) * 3, torch.randn(batch, 16, length, generator=g)


@pytest.mark.parametrize("batch,length", [(1, 1), (3, 37), (2, 250)])
@pytest.mark.parametrize("skip_below", [0, 10, 64])
@pytest.mark.parametrize("format", ["compressai", "interleaved"])
def test_round_trip_is_exact(batch, length, skip_below, format):
    model = build(skip_below)
    y, hyper = latent(batch, length)
    data, sizes, y_hat = model.compress(y, hyper, CoderSettings(format))
    assert sizes.shape == ((1 if format == "compressai" else 4), batch)  # one shared stream, or one per slice
    assert torch.equal(model.decompress(data, sizes, hyper, CoderSettings(format)), y_hat)
    if skip_below == 64:
        assert data.numel() == sizes.numel() * (8 if format == "compressai" else 8)  # empty streams only


@pytest.mark.parametrize("format", ["compressai", "interleaved"])
def test_settings_per_call_leave_the_module_unchanged(format):
    """A call's coder and skip threshold code exactly as a module built with them, and change nothing."""
    shared, own = build(skip_below=0), build(skip_below=10)
    y, hyper = latent(2, 40, seed=4)
    coder = CoderSettings(format)
    data, sizes, y_hat = shared.compress(y, hyper, coder, skip_below=10)
    assert all(torch.equal(a, b) for a, b in zip((data, sizes, y_hat), own.compress(y, hyper, coder)))
    assert torch.equal(shared.decompress(data, sizes, hyper, coder, skip_below=10), y_hat)
    assert shared.gaussian.skip_below == 0 and not hasattr(shared.gaussian, "coder")


def test_bytes_do_not_depend_on_thread_count():
    model = build(skip_below=5)
    y, hyper = latent(4, 120, seed=2)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = model.compress(y, hyper)
        torch.set_num_threads(max(2, before))
        many = model.compress(y, hyper)
    finally:
        torch.set_num_threads(before)
    assert all(torch.equal(a, b) for a, b in zip(one, many))


def test_deterministic_path_agrees_with_training_layers():
    stack = DeterministicConvStack((16, 48, 48, 8), kernel_size=5)
    x = torch.randn(3, 16, 40)
    assert torch.allclose(stack(x, deterministic=True), stack(x), atol=1e-5, rtol=1e-5)
    model = build()
    y, hyper = latent(2, 50, seed=3)
    y_hat_eval, _ = model(y, hyper, training=False)
    _, _, y_hat_det = model.compress(y, hyper)
    close = (y_hat_eval - y_hat_det).abs() < 1e-3
    assert close.float().mean() > 0.99  # rare elements may round differently across paths


def test_the_packed_weights_follow_the_weights():
    """Short sequences use weights packed once per weight version: changed weights (in place, or
    loaded) are repacked, so the deterministic path always agrees with the training layers."""
    stack = DeterministicConvStack((16, 24, 8), kernel_size=3)
    x = torch.randn(1, 16, 2)
    first = stack(x, deterministic=True)
    assert torch.equal(stack(x, deterministic=True), first)
    with torch.no_grad():
        stack.convs[0].weight.mul_(2)
    assert torch.allclose(stack(x, deterministic=True), stack(x), atol=1e-5, rtol=1e-5)
    other = DeterministicConvStack((16, 24, 8), kernel_size=3)
    stack.load_state_dict(other.state_dict())
    torch.testing.assert_close(stack(x, deterministic=True), other(x, deterministic=True), rtol=0, atol=0)


def sample_from_model(model, hyper, seed):
    """A latent distributed as the model predicts (what training drives it towards)."""
    g, decoded, parts = torch.Generator().manual_seed(seed), [], []
    with torch.no_grad():
        for i in range(model.slices):
            mean, log_scale = model._slice_params(i, hyper, decoded, deterministic=False)
            parts.append(mean + torch.exp(log_scale) * torch.randn(mean.shape, generator=g))
            decoded.append(torch.round(parts[i] - mean) + mean)
            decoded[i] = model._refine(i, hyper, decoded, deterministic=False)
    return torch.cat(parts, 1)


def test_estimated_rate_is_close_to_real_bytes():
    """On a latent distributed as predicted, the likelihood rate is within 2% of the real bytes."""
    model = build()
    _, hyper = latent(4, 400, seed=4)
    y = sample_from_model(model, hyper, seed=5)
    _, likelihoods = model(y, hyper, training=False)
    data, _, _ = model.compress(y, hyper)
    estimated, actual = model.rate_bits(likelihoods).item(), 8 * data.numel()
    assert abs(actual - estimated) / actual < 0.02, (actual, estimated)


def test_training_step_has_gradients():
    model = build().train()
    y, hyper = latent(2, 30, seed=5)
    y_hat, likelihoods = model(y, hyper)
    loss = model.rate_bits(likelihoods) + ((y_hat - y) ** 2).sum()
    loss.backward()
    assert all(p.grad is not None for p in model.params.parameters())
    assert all(p.grad is not None for p in model.lrp.parameters())


def test_bad_input():
    with pytest.raises(ValueError, match="divisible by slices"):
        ChannelSliceContext(channels=30, hyper_channels=4, slices=4)
    model = build()
    y, hyper = latent(2, 10)
    data, sizes, _ = model.compress(y, hyper)
    with pytest.raises(ValueError, match="sizes must be \\(parts, batch\\)"):
        model.decompress(data, sizes.flatten(), hyper)
    with pytest.raises(RuntimeError, match="input channels"):
        ecc.ops.deterministic_conv1d(y, torch.zeros(4, 5, 3), torch.zeros(4))
    with pytest.raises(ValueError, match="activation must be one of"):
        ecc.ops.deterministic_conv1d(y, torch.zeros(4, 32, 3), torch.zeros(4), "gelu")
