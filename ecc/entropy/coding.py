"""How the entropy modules call the coder: one stream per batch element, tensors in and out."""

from __future__ import annotations

import torch

from .. import ops


class CoderSettings:
    """Stream format shared by a module's compress/decompress (``format``, ``lanes``, ``chunk_size``
    as in :func:`ecc.ops.rans_encode`)."""

    def __init__(self, format: str = "compressai", lanes: int | None = None, chunk_size: int = ops.DEFAULT_CHUNK_SIZE):
        self.format, self.lanes, self.chunk_size = format, lanes, chunk_size

    def encode(self, symbols: torch.Tensor, indexes: torch.Tensor, tables, skip_below: int = -1):
        """symbols, indexes (B, ...) int32 -> (data uint8 (total,), sizes int64 (B,)): stream b codes
        element b in row-major order."""
        extra = {"lanes": self.lanes, "chunk_size": self.chunk_size} if self.format == "interleaved" else {}
        return ops.rans_encode(symbols.reshape(len(symbols), -1), indexes.reshape(len(indexes), -1).int(), *tables,
                               skip_below=skip_below, format=self.format, **extra)

    def decode(self, data: torch.Tensor, sizes: torch.Tensor, indexes: torch.Tensor, tables, skip_below: int = -1):
        """The symbols of :meth:`encode`, int32 shaped like ``indexes``."""
        flat = ops.rans_decode(data, sizes, indexes.reshape(len(indexes), -1).int(), *tables, skip_below=skip_below,
                               format=self.format)
        return flat.reshape(indexes.shape)


def require_tables(module: torch.nn.Module, cdf: torch.Tensor) -> None:
    if cdf.numel() == 0:
        raise RuntimeError(f"{type(module).__name__} has no CDF tables yet: call .update() after training "
                           "(or load a state_dict that has them) before compress/decompress")


class TableBuffers(torch.nn.Module):
    """Holds the CDF table buffers (_quantized_cdf, _cdf_length, _offset), which change shape with
    ``update()``; loading a state_dict takes the stored shapes (checkpoints carry their tables)."""

    _TABLES = ("_quantized_cdf", "_cdf_length", "_offset")

    def register_tables(self) -> None:
        for name in self._TABLES:
            self.register_buffer(name, torch.zeros(0, dtype=torch.int32))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in self._TABLES:
            stored = state_dict.get(prefix + name)
            if stored is not None:
                setattr(self, name, torch.empty_like(stored, device=getattr(self, name).device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
