"""mbt2018's autoregressive decoding loop (``JointAutoregressiveHierarchicalPriors._decompress_ar``,
shared by ``Cheng2020Anchor``) on ecc's ops, for a model switched with :func:`ecc.coding.use_ecc`.

Every floating-point operation is CompressAI's, in its order, on the same tensors (the same
``conv2d`` on the same crop, the model's own ``entropy_parameters``, ``build_indexes`` and
``dequantize``), so ``y_hat`` comes out bit for bit the same. What changes is around them: the
stream is decoded with :func:`ecc.ops.rans_decode_part` on the model's prepared tables, indexes go
in and symbols come out as tensors (CompressAI passes the 64 x 3,133 table and the indexes as
Python lists at every position and builds the symbols back from a list).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .. import ops
from .compressai_entropy import coding_device, coding_tables, stream_tensors


def decompress_ar(model, y_string: bytes, y_hat: torch.Tensor, params: torch.Tensor, height: int, width: int,
                  kernel_size: int, padding: int) -> None:
    """``_decompress_ar``: decode one image's latents position by position into ``y_hat``.

    Args:
        y_string: the image's ``y`` string, as CompressAI's ``_compress_ar`` wrote it.
        y_hat: (1, M, height + 2 * padding, width + 2 * padding) float, zeros; written in place.
        params: (1, 2M, height, width) float, the hyper-synthesis output.
    """
    gaussian = model.gaussian_conditional
    context = model.context_prediction
    device = coding_device(y_hat)
    data, sizes = stream_tensors([y_string], device)
    tables = coding_tables(gaussian, device)
    state = None
    for h in range(height):
        for w in range(width):
            y_crop = y_hat[:, :, h : h + kernel_size, w : w + kernel_size]
            ctx_p = F.conv2d(y_crop, context.weight, bias=context.bias)
            p = params[:, :, h : h + 1, w : w + 1]
            gaussian_params = model.entropy_parameters(torch.cat((p, ctx_p), dim=1))
            scales_hat, means_hat = gaussian_params.chunk(2, 1)
            indexes = gaussian.build_indexes(scales_hat)
            symbols, state = ops.rans_decode_part(data, sizes, state, indexes.reshape(1, -1).to(device, torch.int32),
                                                  *tables)
            rv = gaussian.dequantize(symbols.reshape(1, -1, 1, 1), means_hat)
            y_hat[:, :, h + padding : h + padding + 1, w + padding : w + padding + 1] = rv
