"""Typed Python wrappers of ecc's kernels (``torch.ops.ecc.*``) with their fake implementations.

Tensors in, tensors out. Every op runs on the device of its inputs (CPU always; CUDA when ecc
was built with it) and gives identical results on every device.
"""

from __future__ import annotations

import torch

from . import _C  # noqa: F401  (loads the library that registers torch.ops.ecc)

__all__ = ["cuda_version", "simd_path", "gaussian_cdf_table", "pmf_to_quantized_cdf", "deterministic_conv1d",
           "pack_conv1d_weight", "PreparedTables",
           "prepare_tables", "rans_encode", "rans_decode", "rans_decode_part", "rans_encode_padded", "rans_decode_padded",
           "rans_compact", "check_status", "byte_tensor"]


def byte_tensor(raw: bytes) -> torch.Tensor:
    """Bytes as the (len,) uint8 ``data`` that the decode ops take (``torch.frombuffer`` alone
    refuses an empty buffer)."""
    return torch.frombuffer(bytearray(raw), dtype=torch.uint8) if raw else torch.empty(0, dtype=torch.uint8)


def cuda_version() -> int:
    """CUDA runtime version ecc was built with (e.g. 13000 for 13.0), or 0 for a CPU-only build."""
    return torch.ops.ecc.cuda_version()


def simd_path() -> str:
    """The CPU kernels of the `interleaved` format in use now: "avx512", "avx2" or "scalar" (the
    best this CPU has, or the one the environment variable ECC_SIMD names; every path writes the
    same bytes)."""
    return torch.ops.ecc.simd_path()


def _check_device(*tensors: torch.Tensor) -> None:
    if any(t.is_cuda for t in tensors) and cuda_version() == 0:
        raise RuntimeError(
            "ecc was built without CUDA, so its ops take CPU tensors only. Move the inputs to the "
            "CPU, or rebuild ecc where torch has CUDA: pip install --no-build-isolation ."
        )


# --- gaussian_cdf_table -------------------------------------------------------------------------


def gaussian_cdf_table(scales: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Quantized Gaussian CDF tables, exactly CompressAI's ``GaussianConditional.update()``.

    Args:
        scales: (S,) float32 standard deviations, each in (0, ~5363].
    Returns:
        cdf (S, Lmax) int32 rows zero-padded to Lmax = max cdf_length; cdf_length (S,) int32;
        offset (S,) int32 (the symbol value of each row's first slot). Same device as ``scales``.
    """
    _check_device(scales)
    return torch.ops.ecc.gaussian_cdf_table(scales.to(torch.float32).contiguous())


@torch.library.register_fake("ecc::gaussian_cdf_table")
def _(scales):
    width = torch.library.get_ctx().new_dynamic_size()
    rows = scales.shape[0]
    return (
        scales.new_empty((rows, width), dtype=torch.int32),
        scales.new_empty((rows,), dtype=torch.int32),
        scales.new_empty((rows,), dtype=torch.int32),
    )


# --- pmf_to_quantized_cdf -------------------------------------------------------------------------


def pmf_to_quantized_cdf(
    pmf: torch.Tensor, pmf_length: torch.Tensor, tail_mass: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Quantized CDF rows from probabilities, exactly CompressAI's ``pmf_to_quantized_cdf``.

    Args:
        pmf: (S, L) float32; row r's first pmf_length[r] entries are its probabilities.
        pmf_length: (S,) int32, at most min(L, 65535).
        tail_mass: (S,) float32, the probability outside the row (its escape slot).
    Returns:
        cdf (S, max(pmf_length) + 2) int32 zero-padded; cdf_length (S,) int32 = pmf_length + 2.
    """
    _check_device(pmf, pmf_length, tail_mass)
    return torch.ops.ecc.pmf_to_quantized_cdf(
        pmf.to(torch.float32).contiguous(), pmf_length.to(torch.int32).contiguous(), tail_mass.to(torch.float32).contiguous()
    )


@torch.library.register_fake("ecc::pmf_to_quantized_cdf")
def _(pmf, pmf_length, tail_mass):
    width = torch.library.get_ctx().new_dynamic_size()
    return pmf.new_empty((pmf.shape[0], width), dtype=torch.int32), pmf.new_empty((pmf.shape[0],), dtype=torch.int32)


# --- deterministic_conv1d ------------------------------------------------------------------------

ACTIVATIONS = {None: 0, "relu": 1, "leaky_relu": 2, "hardtanh": 3}


def deterministic_conv1d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor,
                         activation: str | None = None, packed: torch.Tensor | None = None) -> torch.Tensor:
    """``act(conv1d(x, weight, bias, padding=K // 2))`` with the same bits on every device and
    thread count (fixed summation order, no FMA): the entropy-parameter path of ecc's models.

    Args:
        x: (B, Cin, T) float32; weight: (Cout, Cin, K) float32, K odd; bias: (Cout,) float32.
        activation: None, "relu", "leaky_relu" (slope 1/8) or "hardtanh".
        packed: :func:`pack_conv1d_weight` of ``weight``, kept by a caller that convolves short
            sequences (a streaming packet's frames) with one weight many times: the CPU kernel
            then skips repacking it per call. It must be that weight's (not checked); the same bits.
    Returns:
        (B, Cout, T) float32.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    _check_device(x, weight, bias)
    return torch.ops.ecc.deterministic_conv1d(x.contiguous(), weight.contiguous(), bias.contiguous(),
                                              ACTIVATIONS[activation], packed)


def pack_conv1d_weight(weight: torch.Tensor) -> torch.Tensor:
    """weight (Cout, Cin, K) float32 -> (Cin, K, Cout rounded up to 16) float32, zero past Cout:
    the layout :func:`deterministic_conv1d`'s CPU kernel reads on short sequences."""
    cout, cin, kernel = weight.shape
    packed = weight.new_zeros(cin, kernel, -(-cout // 16) * 16)
    packed[..., :cout] = weight.detach().permute(1, 2, 0)
    return packed


@torch.library.register_fake("ecc::deterministic_conv1d")
def _(x, weight, bias, activation, packed=None):
    return x.new_empty((x.shape[0], weight.shape[0], x.shape[2]))


def _conv1d_backward(ctx, grad):
    raise RuntimeError("ecc.ops.deterministic_conv1d is not differentiable: it is the inference path; "
                       "train through torch.nn.functional.conv1d with the same weights (as "
                       "DeterministicConvStack(deterministic=False) does)")


torch.library.register_autograd("ecc::deterministic_conv1d", _conv1d_backward)


# --- prepare_tables -------------------------------------------------------------------------------


class PreparedTables:
    """Coder tables checked and prepared once (:func:`prepare_tables`): pass one in place of
    ``cdf, cdf_length, offset`` to every coding function, so a call only codes.

    ``tensors`` is the list of ``torch.ops.ecc.prepare_tables`` (csrc/prepared_tables.h): the three
    tables, the encoder's packed per-slot reciprocals (E, 3) int64, the packed row starts (S + 1,)
    int64 and the decoder's buckets (S, 256) int16, all on the tables' device (a CUDA coder finds
    them resident there). Plain tensors, so the ops keep their schemas, fake implementations and
    opcheck, and torch.compile sees tensors only. A call checks their shapes (and, on the CPU, the
    row structure in O(rows)); the rows themselves were checked once, when prepared.
    """

    __slots__ = ("tensors",)

    def __init__(self, tensors: list[torch.Tensor]):
        self.tensors = list(tensors)

    @property
    def tables(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(cdf, cdf_length, offset) as prepared (copies of the caller's)."""
        return self.tensors[0], self.tensors[1], self.tensors[2]

    @property
    def num_rows(self) -> int:
        return self.tensors[0].shape[0]

    @property
    def device(self) -> torch.device:
        return self.tensors[0].device

    def to(self, device: torch.device | str) -> PreparedTables:
        """The same prepared tables on ``device`` (their contents do not depend on it)."""
        return PreparedTables([t.to(device) for t in self.tensors])


def prepare_tables(cdf: torch.Tensor, cdf_length: torch.Tensor, offset: torch.Tensor) -> PreparedTables:
    """Check every row of the tables once and build what the coders need from them.

    Args:
        cdf (S, Lmax) int32, cdf_length (S,) int32, offset (S,) int32: as :func:`gaussian_cdf_table`.
    Returns:
        :class:`PreparedTables` on the tables' device.
    Raises:
        RuntimeError naming the first row that is not a valid quantized CDF.
    """
    _check_device(cdf, cdf_length, offset)
    return PreparedTables(torch.ops.ecc.prepare_tables(cdf.contiguous(), cdf_length.contiguous(), offset.contiguous()))


@torch.library.register_fake("ecc::prepare_tables")
def _(cdf, cdf_length, offset):
    entries = torch.library.get_ctx().new_dynamic_size()
    rows = cdf.shape[0]
    return [torch.empty_like(cdf), torch.empty_like(cdf_length), torch.empty_like(offset),
            cdf.new_empty((entries, 3), dtype=torch.int64), cdf.new_empty((rows + 1,), dtype=torch.int64),
            cdf.new_empty((rows, 256), dtype=torch.int16)]


def _prepared_or_tensors(cdf, cdf_length, offset) -> PreparedTables | tuple[torch.Tensor, ...]:
    """The tables argument of a coding function: a PreparedTables alone, or the three tensors."""
    if isinstance(cdf, PreparedTables):
        if cdf_length is not None or offset is not None:
            raise TypeError("pass PreparedTables alone in place of cdf, cdf_length, offset "
                            "(give skip_below and the rest as keywords)")
        return cdf
    if cdf_length is None or offset is None:
        raise TypeError("pass the tables as cdf, cdf_length, offset, or one PreparedTables from ecc.ops.prepare_tables")
    _check_device(cdf, cdf_length, offset)
    return cdf.contiguous(), cdf_length.contiguous(), offset.contiguous()


def _prepared(cdf, cdf_length, offset) -> PreparedTables:
    tables = _prepared_or_tensors(cdf, cdf_length, offset)
    return tables if isinstance(tables, PreparedTables) else prepare_tables(*tables)


# --- rans_encode ----------------------------------------------------------------------------------


FORMATS = ("compressai", "interleaved", "compact", "range")
PADDED_FORMATS = ("compressai", "interleaved")  # the formats of the zero-sync (padded) API
CPU_ONLY_FORMATS = ("compact", "range")  # the formats with CPU kernels only
DEFAULT_CHUNK_SIZE = 1 << 16


def rans_encode(
    symbols: torch.Tensor,
    indexes: torch.Tensor,
    cdf: torch.Tensor | PreparedTables,
    cdf_length: torch.Tensor | None = None,
    offset: torch.Tensor | None = None,
    skip_below: int = -1,
    format: str = "compressai",
    lanes: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Encode B independent rANS streams (docs/format.md).

    ``format="compressai"`` (default): with ``skip_below`` <= 0 each stream is byte-identical to
    CompressAI's ``RansEncoder().encode_with_indexes(symbols[b], indexes[b], cdf, cdf_length,
    offset)``. ``format="interleaved"``: the fast GPU format, ``lanes`` rANS states per chunk of
    ``chunk_size`` elements (a power of two); ``lanes=None`` picks 1-32 from the chunk length.
    ``format="compact"``: the `compressai` format's contract (decodable in parts) with a 3- or
    4-byte flush and no header, for short streams; CPU only. ``format="range"``: the same contract
    on an arithmetic range coder: no flushed state, trailing zero bytes dropped; for short streams
    such as packets; CPU only.

    Args:
        symbols: (B, N) or (N,) int32 values to code.
        indexes: same shape, int32 row of the table for each symbol, in [0, S).
        cdf, cdf_length, offset: the tables, as returned by :func:`gaussian_cdf_table`, or one
            :class:`PreparedTables` in their place (checked and prepared once, not per call).
        skip_below: entropy skip; elements whose index is below it are not coded.
    Returns:
        data (total,) uint8: the streams back to back; sizes (B,) int64 (or (1,) for 1-D input):
        stream b is ``data[sizes[:b].sum() : sizes[:b + 1].sum()]``.
    """
    tables = _prepared_or_tensors(cdf, cdf_length, offset)
    symbols, indexes = _as_streams(symbols).contiguous(), _as_streams(indexes).contiguous()
    _check_device(symbols, indexes)
    prepared = isinstance(tables, PreparedTables)
    _check_cpu_only(format, symbols, tables)
    if _check_format(format) == "interleaved":
        if prepared:
            return torch.ops.ecc.rans_encode_interleaved.prepared(symbols, indexes, tables.tensors, skip_below,
                                                                   lanes or 0, chunk_size)
        return torch.ops.ecc.rans_encode_interleaved.default(symbols, indexes, *tables, skip_below, lanes or 0, chunk_size)
    if lanes is not None or chunk_size != DEFAULT_CHUNK_SIZE:
        raise ValueError("lanes and chunk_size apply to format='interleaved' only")
    encode = {"compressai": torch.ops.ecc.rans_encode, "compact": torch.ops.ecc.rans_encode_compact,
              "range": torch.ops.ecc.rans_encode_range}[format]
    if prepared:
        return encode.prepared(symbols, indexes, tables.tensors, skip_below)
    return encode.default(symbols, indexes, *tables, skip_below)


def _encoded_like(symbols):
    total = torch.library.get_ctx().new_dynamic_size()
    return (
        symbols.new_empty((total,), dtype=torch.uint8),
        symbols.new_empty((symbols.shape[0],), dtype=torch.int64),
    )


def _encode_fake(symbols, *args):
    return _encoded_like(symbols)


for _op in ("rans_encode", "rans_encode_interleaved", "rans_encode_compact", "rans_encode_range"):
    for _overload in ("", ".prepared"):
        torch.library.register_fake(f"ecc::{_op}{_overload}")(_encode_fake)


# --- rans_decode ----------------------------------------------------------------------------------


def rans_decode(
    data: torch.Tensor,
    sizes: torch.Tensor,
    indexes: torch.Tensor,
    cdf: torch.Tensor | PreparedTables,
    cdf_length: torch.Tensor | None = None,
    offset: torch.Tensor | None = None,
    skip_below: int = -1,
    format: str = "compressai",
) -> torch.Tensor:
    """Decode the streams made by :func:`rans_encode` (or by CompressAI's coder).

    Args:
        data: (total,) uint8, the streams back to back.
        sizes: (B,) int64 bytes of each stream; they must add up to ``total``.
        indexes: (B, N) or (N,) int32, the indexes used to encode.
        cdf, cdf_length, offset, skip_below, format: as used to encode (an `interleaved`
            stream records its lanes and chunk size itself); the tables may be one
            :class:`PreparedTables`.
    Returns:
        symbols int32 shaped like ``indexes``; skipped elements are 0.
    Raises:
        RuntimeError naming the stream when one is truncated, corrupt or does not match.
    """
    tables = _prepared_or_tensors(cdf, cdf_length, offset)
    args = (data.contiguous(), sizes.reshape(-1).contiguous(), _as_streams(indexes).contiguous())
    _check_device(*args)
    _check_cpu_only(format, data, tables)
    decode = {"compressai": torch.ops.ecc.rans_decode, "interleaved": torch.ops.ecc.rans_decode_interleaved,
              "compact": torch.ops.ecc.rans_decode_compact,
              "range": torch.ops.ecc.rans_decode_range}[_check_format(format)]
    if isinstance(tables, PreparedTables):
        out = decode.prepared(*args, tables.tensors, skip_below)
    else:
        out = decode.default(*args, *tables, skip_below)
    return out.reshape(indexes.shape)


def _decode_fake(data, sizes, indexes, *args):
    return torch.empty_like(indexes)


for _op in ("rans_decode", "rans_decode_interleaved", "rans_decode_compact", "rans_decode_range"):
    for _overload in ("", ".prepared"):
        torch.library.register_fake(f"ecc::{_op}{_overload}")(_decode_fake)


def rans_decode_part(
    data: torch.Tensor,
    sizes: torch.Tensor,
    state: torch.Tensor | None,
    indexes: torch.Tensor,
    cdf: torch.Tensor | PreparedTables,
    cdf_length: torch.Tensor | None = None,
    offset: torch.Tensor | None = None,
    skip_below: int = -1,
    finish: bool = False,
    format: str = "compressai",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Decode `compressai`-, `compact`- or `range`-format streams in parts, as CompressAI's ``RansDecoder.set_stream`` +
    ``decode_stream``: each call decodes the next N elements of every stream, so a later part's
    indexes and tables may depend on what an earlier part decoded. The parts of one stream may
    use different tables; the stream is the encoding of all parts' elements in order.

    Args:
        data, sizes: as :func:`rans_decode`.
        state: (B, 2) int64 from the previous call, or None to start at the streams' beginnings.
        indexes: (B, N) int32, this part's indexes (N may be 0).
        cdf, cdf_length, offset, skip_below: this part's tables (or one :class:`PreparedTables`)
            and entropy skip.
        finish: check that the streams end after this part (their final state, every byte read).
        format: "compressai", "compact" or "range" (`interleaved` streams cannot be read in parts).
    Returns:
        (symbols (B, N) int32, state (B, 2) int64 after them: per stream the coder's state and the
        bytes read).
    Raises:
        RuntimeError naming the stream when one is truncated, corrupt, or (with ``finish``) longer.
    """
    tables = _prepared_or_tensors(cdf, cdf_length, offset)
    indexes = _as_streams(indexes).contiguous()
    if state is None:
        state = torch.zeros(indexes.shape[0], 2, dtype=torch.int64, device=indexes.device)
    args = (data.contiguous(), sizes.reshape(-1).contiguous(), state.contiguous(), indexes)
    _check_device(*args)
    if _check_format(format) == "interleaved":
        raise ValueError("rans_decode_part reads format 'compressai', 'compact' or 'range'; an `interleaved` "
                         "stream cannot be decoded in parts (use rans_decode)")
    _check_cpu_only(format, data, tables)
    decode = {"compressai": torch.ops.ecc.rans_decode_part, "compact": torch.ops.ecc.rans_decode_part_compact,
              "range": torch.ops.ecc.rans_decode_part_range}[format]
    if isinstance(tables, PreparedTables):
        return decode.prepared(*args, tables.tensors, skip_below, finish)
    return decode.default(*args, *tables, skip_below, finish)


def _decode_part_fake(data, sizes, state, indexes, *args):
    return torch.empty_like(indexes), torch.empty_like(state)


for _op in ("rans_decode_part", "rans_decode_part_compact", "rans_decode_part_range"):
    for _overload in ("", ".prepared"):
        torch.library.register_fake(f"ecc::{_op}{_overload}")(_decode_part_fake)


# --- the zero-sync API ----------------------------------------------------------------------------


def rans_encode_padded(
    symbols: torch.Tensor,
    indexes: torch.Tensor,
    tables: PreparedTables,
    skip_below: int = -1,
    format: str = "compressai",
    lanes: int | None = None,
    chunk_size: int = 0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """:func:`rans_encode` without a host sync (capturable in a CUDA graph): the same streams,
    each in a row of a padded array sized by an upper bound, and a status instead of an exception.

    Args:
        symbols, indexes: (B, N) int32; tables: :class:`PreparedTables` on their device.
        skip_below, format, lanes: as :func:`rans_encode`; chunk_size: as :func:`rans_encode`, or
            0 (default) to choose it from the batch (2^16 down to 2^12 until the batch has 4096 chunks).
    Returns:
        padded (B, max_bytes) uint8: stream b is ``padded[b, :sizes[b]]`` (max_bytes depends on
        B, N, format, lanes and chunk size only; the bytes after a stream are zeros on the CPU,
        unspecified on CUDA); sizes (B,) int64 (0 where the status is not 0);
        status (B,) int32: 0, or the stream's error code (:func:`check_status` raises for it).
    """
    symbols, indexes = _as_streams(symbols).contiguous(), _as_streams(indexes).contiguous()
    _check_device(symbols, indexes)
    if _check_padded_format(format) == "interleaved":
        return torch.ops.ecc.rans_encode_interleaved_padded(symbols, indexes, tables.tensors, skip_below, lanes or 0,
                                                            chunk_size)
    if lanes is not None or chunk_size != 0:
        raise ValueError("lanes and chunk_size apply to format='interleaved' only")
    return torch.ops.ecc.rans_encode_padded(symbols, indexes, tables.tensors, skip_below)


def _padded_like(symbols):
    width = torch.library.get_ctx().new_dynamic_size()
    rows = symbols.shape[0]
    return (symbols.new_empty((rows, width), dtype=torch.uint8), symbols.new_empty((rows,), dtype=torch.int64),
            symbols.new_empty((rows,), dtype=torch.int32))


@torch.library.register_fake("ecc::rans_encode_padded")
def _(symbols, indexes, tables, skip_below):
    return _padded_like(symbols)


@torch.library.register_fake("ecc::rans_encode_interleaved_padded")
def _(symbols, indexes, tables, skip_below, lanes, chunk_size):
    return _padded_like(symbols)


def rans_decode_padded(
    padded: torch.Tensor,
    sizes: torch.Tensor,
    indexes: torch.Tensor,
    tables: PreparedTables,
    skip_below: int = -1,
    format: str = "compressai",
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`rans_decode` without a host sync: streams in the padded form of
    :func:`rans_encode_padded` (stream b = ``padded[b, :sizes[b]]``), a status instead of an exception.

    Args:
        padded: (B, W) uint8; sizes: (B,) int64; indexes: (B, N) int32; tables: :class:`PreparedTables`.
    Returns:
        symbols (B, N) int32 (unspecified for a stream whose status is not 0); status (B,) int32.
    """
    args = (padded.contiguous(), sizes.reshape(-1).contiguous(), _as_streams(indexes).contiguous())
    _check_device(*args)
    decode = (torch.ops.ecc.rans_decode_interleaved_padded if _check_padded_format(format) == "interleaved"
              else torch.ops.ecc.rans_decode_padded)
    return decode(*args, tables.tensors, skip_below)


@torch.library.register_fake("ecc::rans_decode_padded")
def _(padded, sizes, indexes, tables, skip_below):
    return torch.empty_like(indexes), sizes.new_empty(sizes.shape, dtype=torch.int32)


@torch.library.register_fake("ecc::rans_decode_interleaved_padded")
def _(padded, sizes, indexes, tables, skip_below):
    return torch.empty_like(indexes), sizes.new_empty(sizes.shape, dtype=torch.int32)


def rans_compact(padded: torch.Tensor, sizes: torch.Tensor) -> torch.Tensor:
    """The flat form of padded streams, made on their device: (B, W) uint8 and sizes (B,) int64 ->
    data (sum(sizes),) uint8, the streams back to back (what :func:`rans_decode` takes). Reads the
    total on the host, to size the output."""
    _check_device(padded, sizes)
    return torch.ops.ecc.rans_compact(padded.contiguous(), sizes.reshape(-1).contiguous())


@torch.library.register_fake("ecc::rans_compact")
def _(padded, sizes):
    return padded.new_empty((torch.library.get_ctx().new_dynamic_size(),))


def check_status(status: torch.Tensor, tables: PreparedTables, op: str = "rans_decode") -> None:
    """Raise the error of the first stream whose status (B,) int32 is not 0, the exception the flat
    op ``op`` raises for it (RuntimeError naming the stream). Reads the statuses on the host: call it
    once, after the coding calls."""
    torch.ops.ecc.rans_check_status(status, op, tables.num_rows)


@torch.library.register_fake("ecc::rans_check_status")
def _(status, op, num_rows):
    return None


def _check_format(format: str) -> str:
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}")
    return format


def _check_padded_format(format: str) -> str:
    if _check_format(format) not in PADDED_FORMATS:
        raise ValueError("the zero-sync (padded) API codes format 'compressai' or 'interleaved'; "
                         "code `compact` and `range` streams with rans_encode / rans_decode")
    return format


def _check_cpu_only(format: str, data: torch.Tensor, tables) -> None:
    """The `compact` and `range` formats have CPU kernels only: a clear error instead of the dispatcher's."""
    if format not in CPU_ONLY_FORMATS:
        return
    for device in (data.device, tables.device if isinstance(tables, PreparedTables) else tables[0].device):
        if device.type != "cpu":
            raise RuntimeError(f"format={format!r} is CPU-only (ecc has no {device.type} kernels for it): move the "
                               "tensors and tables to the CPU, or use format='compressai'")


def _as_streams(t: torch.Tensor) -> torch.Tensor:
    if t.dim() not in (1, 2):
        raise ValueError(f"expected (B, N) streams or one (N,) stream, got shape {tuple(t.shape)}")
    return t.reshape(1, -1) if t.dim() == 1 else t
