"""CompressAI's entropy models coding tensors on ecc's ops: same strings, no Python lists.

``compress``/``decompress`` replace ``EntropyModel.compress``/``decompress`` (used by
``GaussianConditional`` and, through ``bottleneck_compress``/``bottleneck_decompress``, by
``EntropyBottleneck``) on a model that :func:`ecc.coding.use_ecc` switched. Quantization and
dequantization are CompressAI's own methods; the coding is one :func:`ecc.ops.rans_encode` /
:func:`ecc.ops.rans_decode` call per batch, on the latents' device (CUDA when ecc has it), with
the tables from :func:`model_tables`. ``build_indexes`` replaces ``GaussianConditional``'s
(one comparison per scale-table entry) with one ``torch.bucketize``, the same integers.
"""

from __future__ import annotations

import weakref

import torch

from .. import ops

# entropy model -> {device: (its buffers, their versions, tables)}
_TABLES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# entropy model -> (its CPU tables from model_tables, those tables prepared)
_PREPARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# GaussianConditional -> (its scale_table, that table's version, the table's bucket bounds or None)
_BOUNDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _version(t: torch.Tensor):
    return None if t.is_inference() else t._version  # inference tensors carry no version counter


def model_tables(model, device: torch.device) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The tables ecc's ops code a CompressAI entropy model with, made once per ``update()``.

    Args:
        model: a ``compressai.entropy_models.EntropyModel`` with its CDF buffers filled.
        device: where the tables are wanted.
    Returns:
        cdf (S, L) int32, cdf_length (S,) int32, offset (S,) int32, contiguous, on ``device``:
        the model's ``_quantized_cdf``, ``_cdf_length`` and ``_offset``, reused while those
        buffers are the same tensors at the same version.
    """
    buffers = (model._quantized_cdf, model._cdf_length, model._offset)
    versions = [_version(b) for b in buffers]
    per_device = _TABLES.setdefault(model, {})
    cached = per_device.get(device)
    if cached is not None and cached[1] == versions and all(a is b for a, b in zip(cached[0], buffers)):
        return cached[2]
    cdf, cdf_length, offset = buffers[0], buffers[1].reshape(-1), buffers[2].reshape(-1)
    tables = tuple(t.to(device=device, dtype=torch.int32).contiguous() for t in (cdf, cdf_length, offset))
    per_device[device] = (buffers, versions, tables)
    return tables


def coding_tables(model, device: torch.device) -> tuple:
    """The tables arguments of ecc's coding ops for ``model`` on ``device``: on the CPU one
    :class:`ecc.ops.PreparedTables`, checked and prepared once per ``update()`` (a call then only
    codes); elsewhere the three tensors of :func:`model_tables`."""
    tables = model_tables(model, device)
    if device.type != "cpu":
        return tables
    cached = _PREPARED.get(model)
    if cached is None or cached[0] is not tables:
        cached = _PREPARED[model] = (tables, ops.prepare_tables(*tables))
    return (cached[1],)


def coding_device(t: torch.Tensor) -> torch.device:
    """The device ecc codes ``t`` on: its own, or the CPU when ecc was built without CUDA."""
    return t.device if not t.is_cuda or ops.cuda_version() else torch.device("cpu")


def stream_tensors(strings: list[bytes], device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
    """CompressAI's strings as the ops' data (total,) uint8 and sizes (B,) int64 on ``device``."""
    data = ops.byte_tensor(b"".join(strings)).to(device)
    return data, torch.tensor([len(s) for s in strings], dtype=torch.int64).to(device)


def _strings(data: torch.Tensor, sizes: torch.Tensor) -> list[bytes]:
    """The ops' (data, sizes) as CompressAI's list of one ``bytes`` per stream."""
    raw = data.cpu().numpy().tobytes()
    ends = sizes.cpu().cumsum(0).tolist()
    return [raw[a:b] for a, b in zip([0, *ends[:-1]], ends)]


def _check_tables(model) -> None:
    model._check_cdf_size()
    model._check_cdf_length()
    model._check_offsets_size()


def compress(model, inputs: torch.Tensor, indexes: torch.Tensor, means: torch.Tensor | None = None) -> list[bytes]:
    """``EntropyModel.compress``: one string per batch element, CompressAI's bytes.

    Args:
        inputs: (B, ...) float latents; indexes: int, the same shape; means: broadcastable or None.
    """
    symbols = model.quantize(inputs, "symbols", means)
    if inputs.dim() < 2:
        raise ValueError("Invalid `inputs` size. Expected a tensor with at least 2 dimensions.")
    if inputs.size() != indexes.size():
        raise ValueError("`inputs` and `indexes` should have the same size.")
    _check_tables(model)
    device = coding_device(symbols)
    data, sizes = ops.rans_encode(symbols.flatten(1).to(device, torch.int32), indexes.flatten(1).to(device, torch.int32),
                                  *coding_tables(model, device))
    return _strings(data, sizes)


def decompress(model, strings: list[bytes], indexes: torch.Tensor, dtype: torch.dtype = torch.float,
               means: torch.Tensor | None = None) -> torch.Tensor:
    """``EntropyModel.decompress``: the dequantized latents, shaped like ``indexes``, on the
    device of the model's tables."""
    if not isinstance(strings, (tuple, list)):
        raise ValueError("Invalid `strings` parameter type.")
    if len(strings) != indexes.size(0):
        raise ValueError("Invalid strings or indexes parameters")
    if indexes.dim() < 2:
        raise ValueError("Invalid `indexes` size. Expected a tensor with at least 2 dimensions.")
    _check_tables(model)
    if means is not None:
        if means.size()[:2] != indexes.size()[:2]:
            raise ValueError("Invalid means or indexes parameters")
        if means.size() != indexes.size() and any(m != 1 for m in means.size()[2:]):
            raise ValueError("Invalid means parameters")
    device, shape = coding_device(indexes), indexes.size()
    indexes = indexes.flatten(1).to(device, torch.int32)
    symbols = ops.rans_decode(*stream_tensors(list(strings), device), indexes, *coding_tables(model, device))
    outputs = symbols.reshape(shape).to(model._quantized_cdf.device)
    return model.dequantize(outputs, means, dtype)


def _scale_bounds(model) -> torch.Tensor | None:
    """``scale_table[:-1]`` of a GaussianConditional, or None when its table is not a non-empty,
    non-decreasing float vector (then only CompressAI's comparisons give its indexes)."""
    table = model.scale_table
    cached = _BOUNDS.get(model)
    if cached is None or cached[0] is not table or cached[1] != _version(table):
        ordered = (table.dim() == 1 and table.numel() > 0 and table.is_floating_point()
                   and bool((table[1:] >= table[:-1]).all()))
        cached = _BOUNDS[model] = (table, _version(table), table[:-1].contiguous() if ordered else None)
    return cached[2]


def build_indexes(model, scales: torch.Tensor) -> torch.Tensor:
    """``GaussianConditional.build_indexes``: per scale, the index of its row in the scale table.

    CompressAI starts at S - 1 and subtracts 1 for every entry ``t`` of ``scale_table[:-1]`` with
    ``scale <= t``; on a non-decreasing table that is the number of entries ``t < scale``, which is
    ``torch.bucketize(scale, scale_table[:-1], right=False)``, with the entries cast to the scales'
    dtype as CompressAI's comparison casts them (NaN counts no entry below it: S - 1 on both sides).

    Args:
        scales: float tensor, any shape.
    Returns:
        int32 indexes, the shape and device of ``scales``.
    """
    bounds = _scale_bounds(model)
    if bounds is None or not scales.is_floating_point():
        return type(model).build_indexes(model, scales)
    scales = model.lower_bound_scale(scales)
    return torch.bucketize(scales.contiguous(), bounds.to(scales.device, scales.dtype), out_int32=True)


def bottleneck_compress(model, x: torch.Tensor) -> list[bytes]:
    """``EntropyBottleneck.compress``: x (B, C, ...) coded around the medians, channel c with row c."""
    indexes = model._build_indexes(x.size()).to(x.device)
    spatial_dims = x.dim() - 2
    medians = model._extend_ndims(model._get_medians().detach(), spatial_dims)
    medians = medians.expand(x.size(0), *([-1] * (spatial_dims + 1)))
    return compress(model, x, indexes, medians)


def bottleneck_decompress(model, strings: list[bytes], size) -> torch.Tensor:
    """``EntropyBottleneck.decompress``: (len(strings), C, *size) float latents."""
    output_size = (len(strings), model._quantized_cdf.size(0), *size)
    indexes = model._build_indexes(output_size).to(model._quantized_cdf.device)
    medians = model._extend_ndims(model._get_medians().detach(), len(size))
    medians = medians.expand(len(strings), *([-1] * (len(size) + 1)))
    return decompress(model, strings, indexes, medians.dtype, medians)
