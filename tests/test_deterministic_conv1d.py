"""ecc.ops.deterministic_conv1d against its definition (csrc/common/context.h): each output is the
bias plus every in-range term w[o, i, k] * x[i, t + k - K/2], in the order i then k, in float32."""

import numpy as np
import pytest
import torch

import ecc

ACTIVATIONS = {None: lambda v: v, "relu": lambda v: max(v, np.float32(0)),
               "leaky_relu": lambda v: v if v > 0 else np.float32(0.125) * v,
               "hardtanh": lambda v: min(max(v, np.float32(-1)), np.float32(1))}


def reference(x: np.ndarray, w: np.ndarray, b: np.ndarray, activation) -> np.ndarray:
    """The definition, one float32 multiply and one float32 add a term."""
    batch, cin, length = x.shape
    cout, _, kernel = w.shape
    out = np.zeros((batch, cout, length), np.float32)
    for n in range(batch):
        for o in range(cout):
            for t in range(length):
                acc = b[o]
                for i in range(cin):
                    for k in range(kernel):
                        s = t + k - kernel // 2
                        if 0 <= s < length:
                            acc = np.float32(acc + np.float32(w[o, i, k] * x[n, i, s]))
                out[n, o, t] = ACTIVATIONS[activation](acc)
    return out


# lengths below and above the CPU kernel's switch from vectorising over channels to over time;
# 21 output channels: a whole block of 16 and a partial one
@pytest.mark.parametrize("length", [1, 2, 3, 8, 15, 16, 23])
@pytest.mark.parametrize("kernel", [1, 3, 5])
def test_every_bit_is_the_definitions(length, kernel):
    generator = torch.Generator().manual_seed(length * 10 + kernel)
    x = torch.randn(2, 6, length, generator=generator)
    w = torch.randn(21, 6, kernel, generator=generator)
    b = torch.randn(21, generator=generator)
    packed = ecc.ops.pack_conv1d_weight(w)
    for activation in ACTIVATIONS:
        out = ecc.ops.deterministic_conv1d(x, w, b, activation).numpy()
        expected = reference(x.numpy(), w.numpy(), b.numpy(), activation)
        assert np.array_equal(out.view(np.int32), expected.view(np.int32)), activation
        with_packed = ecc.ops.deterministic_conv1d(x, w, b, activation, packed).numpy()
        assert np.array_equal(with_packed.view(np.int32), expected.view(np.int32)), activation


def test_a_packed_weight_of_the_wrong_shape_is_refused():
    x, w, b = torch.randn(1, 6, 2), torch.randn(21, 6, 3), torch.randn(21)
    assert ecc.ops.pack_conv1d_weight(w).shape == (6, 3, 32)
    for bad in (ecc.ops.pack_conv1d_weight(torch.randn(21, 6, 5)), ecc.ops.pack_conv1d_weight(torch.randn(40, 6, 3)),
                torch.zeros(6, 3, 32, dtype=torch.float64)):
        with pytest.raises(RuntimeError, match="packed"):
            ecc.ops.deterministic_conv1d(x, w, b, None, bad)
