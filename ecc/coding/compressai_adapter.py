"""Drop-ins for CompressAI's list-level coders (``compressai.ans``) on ecc's native ops.

``RansEncoder``, ``BufferedRansEncoder`` and ``RansDecoder`` have the methods and list/bytes
arguments of ``compressai.ans`` and produce the same bytes; ``decode_stream`` runs on
:func:`ecc.ops.rans_decode_part`, which keeps the stream's position between calls. Lists become
tensors through numpy (``np.fromiter``, about 4x ``torch.as_tensor`` on a list).

A model switched with :func:`ecc.coding.use_ecc` codes tensors without any list; these coders
serve CompressAI's autoregressive loops (mbt2018, cheng2020), which call them with lists, and
code that calls a coder directly.
"""

from __future__ import annotations

import itertools
from typing import Sequence

import numpy as np
import torch

from .. import ops
from . import reference
from .compressai_entropy import coding_tables, model_tables

_CPU = torch.device("cpu")


def int32_tensor(values: Sequence[int]) -> torch.Tensor:
    """A sequence of ints as a (len,) int32 CPU tensor."""
    return torch.from_numpy(np.fromiter(values, dtype=np.int32, count=len(values)))


def _tables(cdfs: Sequence[Sequence[int]], cdf_sizes: Sequence[int], offsets: Sequence[int]):
    """CompressAI's list tables as ecc's (cdf (S, Lmax), cdf_length (S,), offset (S,)) int32."""
    widths = {len(row) for row in cdfs}
    if len(widths) == 1:  # CompressAI's rows are padded to one width: one conversion
        width = widths.pop()
        flat = np.fromiter(itertools.chain.from_iterable(cdfs), dtype=np.int32, count=len(cdfs) * width)
        cdf = torch.from_numpy(flat.reshape(len(cdfs), width))
    else:
        cdf = torch.zeros(len(cdfs), max(widths, default=2), dtype=torch.int32)
        for r, row in enumerate(cdfs):
            cdf[r, : len(row)] = int32_tensor(row)
    return cdf, int32_tensor(cdf_sizes), int32_tensor(offsets)


class _ListTables:
    """The tables arguments of ecc's ops for the last lists seen (:func:`_tables`' three tensors,
    or one prepared table), reused while they are the same tables.

    Without ``models`` (a drop-in built by user code) "the same" means equal to a copy of the
    last lists: the caller may change them in place. With ``models`` (CompressAI entropy models:
    the coders that a switched model's methods build, whose lists are locals of CompressAI's loop,
    passed unchanged for every position) it means the same list objects, and tables equal to one
    of ``models``' are coded with that model's prepared tables.
    """

    def __init__(self, models: Sequence[torch.nn.Module] = ()):
        self._models = models
        self._lists = self._converted = None

    def __call__(self, cdfs, cdf_sizes, offsets):
        lists = (cdfs, cdf_sizes, offsets)
        if not all(isinstance(t, list) for t in lists):
            return self._of_model(_tables(*lists))
        if self._models:
            if self._lists is None or any(a is not b for a, b in zip(self._lists, lists)):
                self._lists, self._converted = lists, self._of_model(_tables(*lists))
        elif self._lists is None or self._lists != lists:
            self._lists = ([list(row) for row in cdfs], list(cdf_sizes), list(offsets))
            self._converted = _tables(*lists)
        return self._converted

    def _of_model(self, tables):
        for model in self._models:
            theirs = model_tables(model, _CPU)
            if all(a.shape == b.shape and torch.equal(a, b) for a, b in zip(tables, theirs)):
                return coding_tables(model, _CPU)
        return tables


def _encode(symbols: torch.Tensor, indexes: torch.Tensor, tables) -> bytes:
    data, _ = ops.rans_encode(symbols, indexes, *tables)
    return data.numpy().tobytes()


class RansEncoder:
    """Drop-in for ``compressai.ans.RansEncoder``.

    Args:
        models: CompressAI entropy models whose tables the lists may hold (then coded with
            :func:`ecc.coding.compressai_entropy.model_tables`, prepared once per model).
    """

    def __init__(self, *, models: Sequence[torch.nn.Module] = ()):
        self._tables = _ListTables(models)

    def encode_with_indexes(self, symbols, indexes, cdfs, cdfs_sizes, offsets) -> bytes:
        return _encode(int32_tensor(symbols), int32_tensor(indexes), self._tables(cdfs, cdfs_sizes, offsets))


class BufferedRansEncoder:
    """Drop-in for ``compressai.ans.BufferedRansEncoder``: several ``encode_with_indexes`` calls
    (each with its own tables), one stream at ``flush()``. ``models`` as :class:`RansEncoder`."""

    def __init__(self, *, models: Sequence[torch.nn.Module] = ()):
        self._tables = _ListTables(models)
        self._parts = []  # (symbols (n,) int32, indexes (n,) int32, tables)

    def encode_with_indexes(self, symbols, indexes, cdfs, cdfs_sizes, offsets) -> None:
        self._parts.append((int32_tensor(symbols), int32_tensor(indexes), self._tables(cdfs, cdfs_sizes, offsets)))

    def flush(self) -> bytes:
        """The stream of every part added since the last flush (with none, the empty stream: 8
        bytes, which decodes to no symbols; CompressAI's own flush crashes there)."""
        parts, self._parts = self._parts, []
        if not parts:
            return reference.encode_stream([], [], [], [], [])
        symbols = torch.cat([p[0] for p in parts])
        if all(p[2] is parts[0][2] for p in parts):
            return _encode(symbols, torch.cat([p[1] for p in parts]), parts[0][2])
        # each part's rows follow the earlier parts' rows in one table
        tables = [p[2][0].tables if isinstance(p[2][0], ops.PreparedTables) else p[2] for p in parts]
        bases = itertools.accumulate((t[0].shape[0] for t in tables[:-1]), initial=0)
        indexes = torch.cat([p[1] + base for p, base in zip(parts, bases)])
        width = max(t[0].shape[1] for t in tables)
        cdf = torch.cat([torch.nn.functional.pad(t[0], (0, width - t[0].shape[1])) for t in tables])
        return _encode(symbols, indexes, (cdf, *(torch.cat([t[i] for t in tables]) for i in (1, 2))))


class RansDecoder:
    """Drop-in for ``compressai.ans.RansDecoder``. ``models`` as :class:`RansEncoder`."""

    def __init__(self, *, models: Sequence[torch.nn.Module] = ()):
        self._data = self._sizes = self._state = None
        self._tables = _ListTables(models)

    def decode_with_indexes(self, encoded: bytes, indexes, cdfs, cdfs_sizes, offsets) -> list[int]:
        out = ops.rans_decode(ops.byte_tensor(encoded), torch.tensor([len(encoded)]), int32_tensor(indexes),
                              *self._tables(cdfs, cdfs_sizes, offsets))
        return out.numpy().tolist()

    def set_stream(self, encoded: bytes) -> None:
        self._data, self._sizes, self._state = ops.byte_tensor(encoded), torch.tensor([len(encoded)]), None

    def decode_stream(self, indexes, cdfs, cdfs_sizes, offsets) -> list[int]:
        """The next ``len(indexes)`` symbols of the stream given to :meth:`set_stream`."""
        if self._data is None:
            raise RuntimeError("call set_stream(encoded) before decode_stream(...)")
        symbols, self._state = ops.rans_decode_part(self._data, self._sizes, self._state, int32_tensor(indexes)[None],
                                                    *self._tables(cdfs, cdfs_sizes, offsets))
        return symbols[0].numpy().tolist()
