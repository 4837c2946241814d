"""The codec's building blocks: the STFT front end and the CRM time mixing."""

import torch

from ecc.model import SpectralFrontEnd, TimeMixing


def test_time_mixing_matches_its_definition():
    """The FFT computation equals the quadratic softmax form of the docstring's formula."""
    torch.manual_seed(0)
    mixing = TimeMixing(8)
    x = torch.randn(2, 8, 37)
    r, k, v = mixing.rkv(mixing.norm(x)).chunk(3, 1)
    k = 10 * torch.tanh(k / 10)
    steps = torch.arange(37.0)
    logits = k[:, :, None, :] - mixing.decay.exp()[:, None, None] * (steps[:, None] - steps[None, :]).abs()
    expected = x + mixing.output(torch.sigmoid(r) * torch.einsum("bcts,bcs->bct", logits.softmax(-1), v))
    assert torch.allclose(mixing(x), expected, atol=1e-5)


def test_time_mixing_survives_extreme_keys():
    mixing = TimeMixing(4)
    with torch.no_grad():
        mixing.rkv.bias.fill_(0)
        mixing.rkv.bias[4:8] = 1e4  # keys far beyond the bound
    assert torch.isfinite(mixing(torch.randn(1, 4, 300))).all()


def test_front_end_reconstructs_the_padded_signal():
    front = SpectralFrontEnd(frame_multiple=8)
    x = torch.randn(2, 1, 5000)
    n = front.padded_length(5000)
    assert n % 1280 == 0 and n >= 5000 + 320
    features = front.analysis(torch.nn.functional.pad(x, (0, n - 5000)))
    assert features.shape == (2, 322, n // 160)
    assert torch.allclose(front.synthesis(features, 5000), x, atol=1e-4)
