"""ecc as the entropy coder of CompressAI models.

``RansEncoder``, ``BufferedRansEncoder`` and ``RansDecoder`` have the methods and list/bytes
arguments of ``compressai.ans`` and produce the same bytes; every call goes through ecc's
native ops (``decode_stream`` through :func:`ecc.ops.rans_decode_part`, which keeps the
stream's position between calls). One line switches a model over::

    with ecc.coding.compressai_backend(model):
        out = model.compress(x)          # same strings as CompressAI's own coder

For ecc's own models use the tensor path (:func:`ecc.ops.rans_encode`), which never builds
Python lists.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Sequence

import numpy as np
import torch

from .. import ops


def _tables(cdfs: Sequence[Sequence[int]], cdf_sizes: Sequence[int], offsets: Sequence[int]):
    """CompressAI's list tables as ecc's (cdf (S, Lmax), cdf_length (S,), offset (S,)) int32."""
    widths = {len(row) for row in cdfs}
    if len(widths) == 1:  # CompressAI's rows are padded to one width: one conversion
        cdf = torch.from_numpy(np.array(cdfs, dtype=np.int32))
    else:
        cdf = torch.zeros(len(cdfs), max(widths, default=2), dtype=torch.int32)
        for r, row in enumerate(cdfs):
            cdf[r, : len(row)] = torch.as_tensor(row, dtype=torch.int32)
    return cdf, torch.as_tensor(cdf_sizes, dtype=torch.int32), torch.as_tensor(offsets, dtype=torch.int32)


class _LastTables:
    """:func:`_tables` of the last lists seen, reused while the lists are equal to a copy of them
    (CompressAI's autoregressive decoder passes the same tables for every position)."""

    def __init__(self):
        self._lists = self._converted = None

    def __call__(self, cdfs, cdf_sizes, offsets):
        if not all(isinstance(t, list) for t in (cdfs, cdf_sizes, offsets)):
            return _tables(cdfs, cdf_sizes, offsets)
        if self._lists is None or self._lists != (cdfs, cdf_sizes, offsets):
            self._lists = ([list(row) for row in cdfs], list(cdf_sizes), list(offsets))
            self._converted = _tables(cdfs, cdf_sizes, offsets)
        return self._converted


def _encode(symbols, indexes, tables) -> bytes:
    data, _ = ops.rans_encode(torch.as_tensor(symbols, dtype=torch.int32).reshape(-1),
                              torch.as_tensor(indexes, dtype=torch.int32).reshape(-1), *tables)
    return data.numpy().tobytes()


class RansEncoder:
    """Drop-in for ``compressai.ans.RansEncoder``."""

    def __init__(self):
        self._tables = _LastTables()

    def encode_with_indexes(self, symbols, indexes, cdfs, cdfs_sizes, offsets) -> bytes:
        return _encode(symbols, indexes, self._tables(cdfs, cdfs_sizes, offsets))


class BufferedRansEncoder:
    """Drop-in for ``compressai.ans.BufferedRansEncoder``: several ``encode_with_indexes`` calls
    (each with its own tables), one stream at ``flush()``."""

    def __init__(self):
        self._symbols, self._indexes, self._rows, self._sizes, self._offsets = [], [], [], [], []

    def encode_with_indexes(self, symbols, indexes, cdfs, cdfs_sizes, offsets) -> None:
        base = len(self._rows)  # this call's rows follow the earlier calls' rows
        self._symbols += list(symbols)
        self._indexes += [base + i for i in indexes]
        self._rows += list(cdfs)
        self._sizes += list(cdfs_sizes)
        self._offsets += list(offsets)

    def flush(self) -> bytes:
        data = _encode(self._symbols, self._indexes, _tables(self._rows, self._sizes, self._offsets))
        self.__init__()
        return data


class RansDecoder:
    """Drop-in for ``compressai.ans.RansDecoder``."""

    def __init__(self):
        self._data = self._state = None
        self._tables = _LastTables()

    def decode_with_indexes(self, encoded: bytes, indexes, cdfs, cdfs_sizes, offsets) -> list[int]:
        data = ops.byte_tensor(encoded)
        idx = torch.as_tensor(indexes, dtype=torch.int32).reshape(-1)
        out = ops.rans_decode(data, torch.tensor([len(encoded)]), idx, *self._tables(cdfs, cdfs_sizes, offsets))
        return out.tolist()

    def set_stream(self, encoded: bytes) -> None:
        self._data, self._state = ops.byte_tensor(encoded), None

    def decode_stream(self, indexes, cdfs, cdfs_sizes, offsets) -> list[int]:
        """The next ``len(indexes)`` symbols of the stream given to :meth:`set_stream`."""
        if self._data is None:
            raise RuntimeError("call set_stream(encoded) before decode_stream(...)")
        idx = torch.as_tensor(indexes, dtype=torch.int32).reshape(1, -1)
        symbols, self._state = ops.rans_decode_part(self._data, torch.tensor([self._data.numel()]), self._state,
                                                    idx, *self._tables(cdfs, cdfs_sizes, offsets))
        return symbols.reshape(-1).tolist()


_REPLACEMENTS = {"RansEncoder": RansEncoder, "RansDecoder": RansDecoder, "BufferedRansEncoder": BufferedRansEncoder}


@contextlib.contextmanager
def compressai_backend(*models: torch.nn.Module):
    """Within the block, CompressAI uses ecc's coder: the given models' entropy models, models
    built inside the block, and the autoregressive models' buffered coders. Restored on exit."""
    import compressai.ans

    patched = []
    for name, module in list(sys.modules.items()):
        if name == "compressai" or name.startswith("compressai."):
            for attr, ours in _REPLACEMENTS.items():
                theirs = getattr(module, attr, None)
                if theirs is not None and theirs is getattr(compressai.ans, attr):
                    patched.append((module, attr, theirs))
    for module in (m for model in models for m in model.modules()):
        coder = getattr(module, "entropy_coder", None)
        if coder is not None and hasattr(coder, "_encoder"):
            patched += [(coder, "_encoder", coder._encoder), (coder, "_decoder", coder._decoder)]
    try:
        for target, attr, theirs in patched:
            if attr in _REPLACEMENTS:
                setattr(target, attr, _REPLACEMENTS[attr])
            else:
                setattr(target, attr, RansEncoder() if attr == "_encoder" else RansDecoder())
        yield
    finally:
        for target, attr, theirs in reversed(patched):
            setattr(target, attr, theirs)
