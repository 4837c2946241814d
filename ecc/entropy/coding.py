"""How the entropy modules call the coder: tensors in and out, one stream per batch element (and
per part, unless the parts share it)."""

from __future__ import annotations

import functools

import torch

from .. import ops


_IN_PARTS = ("compressai", "compact", "range")  # the formats a StreamReader can read part by part


class CoderSettings:
    """Stream format shared by a module's compress/decompress (``format``, ``lanes``, ``chunk_size``
    as in :func:`ecc.ops.rans_encode`).

    ``shared`` (the default for ``compressai``, ``compact`` and ``range``): a :meth:`writer` codes
    all its parts into one stream per batch element, so the streams' flushes (8 bytes each for
    ``compressai``, 3-4 for ``compact``, ~3 bits for ``range``) and sizes are paid once. Otherwise
    each part gets its own streams (``interleaved`` streams cannot be read in parts).
    """

    def __init__(self, format: str = "compressai", lanes: int | None = None, chunk_size: int = ops.DEFAULT_CHUNK_SIZE,
                 shared: bool | None = None):
        shared = format in _IN_PARTS if shared is None else bool(shared)
        if shared and format not in _IN_PARTS:
            raise ValueError(f"shared streams need format 'compressai', 'compact' or 'range' (a {format!r} stream "
                             "cannot be decoded in parts)")
        self.format, self.lanes, self.chunk_size, self.shared = format, lanes, chunk_size, shared

    def encode(self, symbols: torch.Tensor, indexes: torch.Tensor, tables, skip_below: int = -1):
        """symbols, indexes (B, ...) int32 -> (data uint8 (total,), sizes int64 (B,)): stream b codes
        element b in row-major order."""
        extra = {"lanes": self.lanes, "chunk_size": self.chunk_size} if self.format == "interleaved" else {}
        return ops.rans_encode(symbols.reshape(len(symbols), -1), indexes.reshape(len(indexes), -1).int(), *_args(tables),
                               skip_below=skip_below, format=self.format, **extra)

    def decode(self, data: torch.Tensor, sizes: torch.Tensor, indexes: torch.Tensor, tables, skip_below: int = -1):
        """The symbols of :meth:`encode`, int32 shaped like ``indexes``."""
        flat = ops.rans_decode(data, sizes, indexes.reshape(len(indexes), -1).int(), *_args(tables), skip_below=skip_below,
                               format=self.format)
        return flat.reshape(indexes.shape)

    def writer(self) -> StreamWriter:
        return StreamWriter(self)

    def reader(self, data: torch.Tensor, sizes: torch.Tensor) -> StreamReader:
        return StreamReader(self, data, sizes)


class StreamWriter:
    """Collects the parts of B streams (each part: symbols, indexes, tables, skip_below), then
    codes them with :meth:`finish`. A :class:`StreamReader` reads the parts back in the same order,
    so a part's indexes may depend on the parts before it (a hyperprior, then context slices)."""

    def __init__(self, coder: CoderSettings):
        self.coder, self.parts = coder, []

    def add(self, symbols: torch.Tensor, indexes: torch.Tensor, tables, skip_below: int = -1) -> None:
        """symbols, indexes (B, ...) int32, tables (cdf, cdf_length, offset): the next part."""
        if self.parts and len(symbols) != len(self.parts[0][0]):
            raise ValueError(f"every part needs the same batch size ({len(self.parts[0][0])}), got {len(symbols)}")
        self.parts.append((symbols.reshape(len(symbols), -1).int(), indexes.reshape(len(indexes), -1).int(),
                           tables, skip_below))

    def finish(self) -> tuple[torch.Tensor, torch.Tensor]:
        """(data uint8 (total,), sizes int64 (P, B)): P = 1 for shared streams (stream b codes every
        part's elements of b, in order), else one stream per part and element, part-major."""
        if not self.parts:
            raise ValueError("nothing to code: add() at least one part first")
        if not self.coder.shared or len(self.parts) == 1:  # one part needs no stacked tables
            coded = [self.coder.encode(*part) for part in self.parts]
            return torch.cat([data for data, _ in coded]), torch.stack([sizes for _, sizes in coded])
        data, sizes = self.coder.encode(*_merged(self.parts), skip_below=1)
        return data, sizes[None]


def _merged(parts):
    """(symbols, indexes, tables) coding every part at once: one table of all parts' rows after a
    placeholder row 0, each index moved to its part's rows, and skipped elements to row 0 (the
    caller skips below 1). The bytes are those of coding the parts one after another. Parts that
    all hold :class:`~ecc.ops.PreparedTables` get their merged table prepared once (cached)."""
    tables = tuple(tables for _, _, tables, _ in parts)
    if all(isinstance(t, ops.PreparedTables) for t in tables):
        merged, first_rows = _merged_prepared(tables)
    else:
        merged, first_rows = _merge_tables([_raw(t) for t in tables])
    indexes = []
    for i, ((_, index, part_tables, skip_below), first_row) in enumerate(zip(parts, first_rows)):
        rows = _raw(part_tables)[0].shape[0]
        if index.numel() and not 0 <= int(index.min()) <= int(index.max()) < rows:
            raise ValueError(f"part {i} has an index outside [0, {rows}), the number of its cdf rows")
        indexes.append(torch.where(index < skip_below, 0, index + first_row).int())
    return torch.cat([symbols for symbols, _, _, _ in parts], 1), torch.cat(indexes, 1), merged


def _merge_tables(tables: list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]):
    """Every part's (cdf, cdf_length, offset) stacked after a placeholder row 0 (part 0's first
    row), cdfs zero-padded to the widest -> (merged tables, each part's first row)."""
    width = max(cdf.shape[1] for cdf, _, _ in tables)
    stacked = [tuple(t[:1] for t in tables[0])] + list(tables)
    first_rows = [1]
    for cdf, _, _ in tables[:-1]:
        first_rows.append(first_rows[-1] + cdf.shape[0])
    cdf = torch.cat([torch.nn.functional.pad(c, (0, width - c.shape[1])) for c, _, _ in stacked])
    return (cdf, torch.cat([n for _, n, _ in stacked]), torch.cat([o for _, _, o in stacked])), first_rows


@functools.lru_cache(maxsize=32)
def _merged_prepared(tables: tuple[ops.PreparedTables, ...]) -> tuple[ops.PreparedTables, list[int]]:
    """:func:`_merge_tables` of prepared tables, prepared (the cache holds the parts' tables, so
    their identities are not reused while cached: a model's tables are new objects after ``update()``)."""
    merged, first_rows = _merge_tables([t.tables for t in tables])
    return ops.prepare_tables(*merged), first_rows


class StreamReader:
    """Reads back, part by part, the streams of :meth:`StreamWriter.finish` (data, sizes (P, B))."""

    def __init__(self, coder: CoderSettings, data: torch.Tensor, sizes: torch.Tensor):
        if sizes.dim() != 2 or (coder.shared and sizes.shape[0] != 1):
            raise ValueError(f"sizes must be (parts, batch){' with one part for shared streams' if coder.shared else ''}, "
                             f"got {tuple(sizes.shape)}")
        self.coder, self.data, self.sizes = coder, data, sizes
        self.read_parts, self._start, self._state, self._tables = 0, 0, None, None

    def read(self, indexes: torch.Tensor, tables, skip_below: int = -1) -> torch.Tensor:
        """The next part's symbols, int32 shaped like ``indexes`` (B, ...)."""
        flat = indexes.reshape(len(indexes), -1).int()
        self.read_parts += 1
        if self.coder.shared:
            symbols, self._state = ops.rans_decode_part(self.data, self.sizes[0], self._state, flat, *_args(tables),
                                                        skip_below=skip_below, format=self.coder.format)
            self._tables = tables
            return symbols.reshape(indexes.shape)
        if self.read_parts > len(self.sizes):
            raise RuntimeError(f"the streams hold {len(self.sizes)} parts; part {self.read_parts} was asked for")
        sizes = self.sizes[self.read_parts - 1]
        end = self._start + int(sizes.sum())
        data, self._start = self.data[self._start:end], end
        return self.coder.decode(data, sizes, indexes, tables, skip_below)

    def finish(self) -> None:
        """Check that the streams end after the parts read (RuntimeError otherwise)."""
        if not self.coder.shared:
            if self.read_parts != len(self.sizes):
                raise RuntimeError(f"the streams hold {len(self.sizes)} parts, {self.read_parts} were read")
            return
        if self._tables is None:
            raise RuntimeError("finish() before any part was read")
        empty = torch.zeros(self.sizes.shape[1], 0, dtype=torch.int32, device=self.data.device)
        first_row = [t[:1] for t in _raw(self._tables)]  # no element is decoded: one valid row serves
        ops.rans_decode_part(self.data, self.sizes[0], self._state, empty, *first_row, finish=True,
                             format=self.coder.format)


def _args(tables) -> tuple:
    """A part's tables as the ops take them: one PreparedTables, or cdf, cdf_length, offset."""
    return (tables,) if isinstance(tables, ops.PreparedTables) else tuple(tables)


def _raw(tables) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    return tables.tables if isinstance(tables, ops.PreparedTables) else tuple(tables)


def require_tables(module: torch.nn.Module, cdf: torch.Tensor) -> None:
    if cdf.numel() == 0:
        raise RuntimeError(f"{type(module).__name__} has no CDF tables yet: call .update() after training "
                           "(or load a state_dict that has them) before compress/decompress")


class TableBuffers(torch.nn.Module):
    """Holds the CDF table buffers (_quantized_cdf, _cdf_length, _offset), which change shape with
    ``update()``; loading a state_dict takes the stored shapes (checkpoints carry their tables)."""

    _TABLES = ("_quantized_cdf", "_cdf_length", "_offset")

    def _tables(self) -> ops.PreparedTables:
        """The tables prepared for the coder (ecc.ops.prepare_tables), kept until the buffers change
        (``update()``, ``load_state_dict``, ``.to()``: new tensors or an in-place write);
        RuntimeError before ``update()``."""
        require_tables(self, self._quantized_cdf)
        buffers = tuple(getattr(self, name) for name in self._TABLES)
        versions = tuple(t._version for t in buffers)
        cached = self.__dict__.get("_prepared")  # (buffers, versions, prepared): held, so no id is reused
        if cached is None or any(a is not b for a, b in zip(cached[0], buffers)) or cached[1] != versions:
            cached = (buffers, versions, ops.prepare_tables(*buffers))
            self.__dict__["_prepared"] = cached
        return cached[2]

    def register_tables(self) -> None:
        for name in self._TABLES:
            self.register_buffer(name, torch.zeros(0, dtype=torch.int32))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        for name in self._TABLES:
            stored = state_dict.get(prefix + name)
            if stored is not None:
                setattr(self, name, torch.empty_like(stored, device=getattr(self, name).device))
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
