"""Waveforms <-> ``.ecc`` bytes with an ECC model: segmenting, batching and the container.

A signal is cut into segments of at most ``segment_seconds`` that are coded independently (the
memory of the time mixing grows with the square of a segment's length); segments of the same
padded length, from one file or many, are coded in one batch. Each segment's parts (its z, then
its S y slices) go into one stream with the default ``compressai`` coder (format version 2 on), or
into 1 + S streams, one per part, in that order (``interleaved``, and every version-1 file).

The decoder side is bit-exact on every device and thread count (see :class:`ecc.model.ECC`). The
encoder's floating-point analysis may differ in the last bits between batch sizes or devices; that
changes which bits are written, never whether they decode.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import torch
from tqdm.auto import tqdm

from . import bitstream, ops, rate_control
from .audio import mix_down
from .entropy import CoderSettings
from .model import SAMPLE_RATE, ECC
from .model.weights import model_hash

# batch limit: utterances x latent frames^2, i.e. the time mixing's (B, C, T, T) memory
_MAX_BATCH_AREA = 8 * 250**2
# integer PCM -> float in [-1, 1), as soundfile reads it
_PCM_SCALE = {torch.int16: 2.0**15, torch.int32: 2.0**31}
# a peak above this (+6 dBFS) is not speech at full scale but a scaling mistake, and is refused
FULL_SCALE_LIMIT = 2.0
# the longest segment a file may declare (a file's segment length is the encoder's segment_seconds)
MAX_SEGMENT_SECONDS = 60
_MAX_SEGMENT_SAMPLES = MAX_SEGMENT_SECONDS * SAMPLE_RATE
# the longest file decoded: 2^31 samples (37 h) of 16-bit PCM fill the 4 GiB a WAV file can hold
MAX_FILE_SAMPLES = 2**31
# the shortest stream either coder writes: `compressai`'s 8-byte final state, `interleaved`'s 4-byte
# header and one lane's 4-byte state
_MIN_STREAM_BYTES = 8


class SpeechCodec:
    """Compress 16 kHz speech to ``.ecc`` bytes and back with one model.

    Args:
        model: an :class:`~ecc.model.ECC` (``ecc.model.weights.load_model()`` for the shipped one).
        device: where the networks run.
        segment_seconds: longest independently coded segment.
        coder: stream format (default ``compressai``; ``CoderSettings("interleaved")`` for the
            lane-interleaved format).

    Example::

        codec = SpeechCodec(load_model())
        blob = codec.compress(wave, quality=2.0)      # wave: (N,) float32 at 16 kHz
        decoded = codec.decompress(blob)              # (N,) float32
    """

    def __init__(self, model: ECC, device: str | torch.device = "cpu", segment_seconds: float = 10.0,
                 coder: CoderSettings | None = None):
        if not 0 < segment_seconds <= MAX_SEGMENT_SECONDS:
            raise ValueError(f"segment_seconds must be in (0, {MAX_SEGMENT_SECONDS}], got {segment_seconds}")
        block = model.padded_length(1)  # padding granularity in samples
        self.segment_samples = max(block, int(segment_seconds * SAMPLE_RATE) // block * block)
        self.device = torch.device(device)
        self.model = model.eval().to(self.device)
        self.coder = coder or CoderSettings()
        self.hash = model_hash(model)

    def _batches(self, lengths: Sequence[int], progress: bool, what: str):
        """Groups of segment keys with one padded length, within the memory budget."""
        groups = defaultdict(list)
        for key, length in enumerate(lengths):
            groups[self.model.padded_length(length)].append(key)
        batches = []
        for padded, keys in sorted(groups.items()):
            frames = 2 * self.model.z_shape(padded)[0]
            step = max(1, _MAX_BATCH_AREA // frames**2)
            batches += [keys[i:i + step] for i in range(0, len(keys), step)]
        return tqdm(batches, desc=what, unit="batch", disable=not progress or len(batches) < 2)

    def compress(self, wave: torch.Tensor | np.ndarray, quality: float | None = None, *,
                 bitrate: float | None = None) -> bytes:
        """wave at 16 kHz -> the ``.ecc`` file's bytes, at a ``quality`` or a ``bitrate``.

        Args:
            wave: torch tensor or numpy array, (N,) mono or (C, N) channels first (mixed down to
                mono with a warning, as ``ecc compress`` does; C <= N). Float samples in [-1, 1]
                (any float dtype), or int16 / int32 PCM, scaled to [-1, 1) as soundfile reads
                it (divided by 2^15 / 2^31).
            quality: in [0, points - 1] (continuous); or instead
            bitrate: kbps the file should have (bits on disk, header included, / duration): the
                quality is searched per file (:mod:`ecc.rate_control`) to within 10%, 5% for
                files of 5 s or more.

        Raises:
            TypeError: another dtype (bool, uint8, int64, complex, ...): convert it first.
            ValueError: another shape; NaN or inf samples (the message gives the first one's
                sample index and time); a peak above ``FULL_SCALE_LIMIT`` (2.0, +6 dBFS), which
                is a scaling mistake, not speech (peaks between 1 and 2 are coded as they are);
                a quality outside the model's range; a bitrate the file cannot be coded at (the
                message gives the file's range: it depends on its length, as the header counts).
        """
        return self.compress_many([wave], quality, what=["audio"], bitrate=bitrate)[0]

    def compress_many(self, waves: Sequence[torch.Tensor | np.ndarray], quality: float | None = None,
                      progress: bool = False, what: Sequence[str] | None = None, *,
                      bitrate: float | None = None) -> list[bytes]:
        """Several waveforms at 16 kHz, batched -> one ``.ecc`` blob each.

        Args:
            waves: each as :meth:`compress` takes it.
            quality, bitrate: one of them, as :meth:`compress`; a bitrate is hit per file.
            what: a name per wave for error messages (default ``waves[i]``).
        Raises:
            TypeError, ValueError: as :meth:`compress`, naming the wave.
        """
        if (quality is None) == (bitrate is None):
            raise ValueError("give either a quality or a bitrate (kbps)")
        what = what or [f"waves[{i}]" for i in range(len(waves))]
        waves = [encoder_input(wave, name) for wave, name in zip(waves, what)]
        skip_below = self.model.skip_below  # read once: the header and the streams agree
        if bitrate is None:
            return self._encode(waves, [quality] * len(waves), skip_below, progress)

        def encode(files: list[int], qualities: list[float]) -> list[bytes]:
            return self._encode([waves[i] for i in files], qualities, skip_below, progress)

        return rate_control.search(encode, [len(w) / SAMPLE_RATE for w in waves], float(bitrate), self.model.points,
                                   self.model.meta.get("point_kbps"), what)

    def _encode(self, waves: list[torch.Tensor], qualities: list[float], skip_below: int,
                progress: bool) -> list[bytes]:
        """Checked waves ((N_i,) float32) -> their blobs, wave i at ``qualities[i]``."""
        qualities = [float(torch.tensor(q, dtype=torch.float32)) for q in qualities]  # what the header stores
        for q in qualities:
            if not 0 <= q <= self.model.points - 1:
                raise ValueError(f"quality must lie in [0, {self.model.points - 1}] for model "
                                 f"{self.model.model_id}, got {q}")
        pieces = [(i, start, end) for i, wave in enumerate(waves) for start, end in _segments(len(wave), self.segment_samples)]
        streams: list[list[bytes]] = [[] for _ in pieces]
        for keys in self._batches([end - start for _, start, end in pieces], progress, "encoding"):
            length = max(pieces[k][2] - pieces[k][1] for k in keys)
            x = torch.zeros(len(keys), 1, length)
            for row, k in enumerate(keys):
                i, start, end = pieces[k]
                x[row, 0, : end - start] = waves[i][start:end]
            quality = torch.tensor([qualities[pieces[k][0]] for k in keys])  # (B,) float32
            out = self.model.compress(x.to(self.device), quality, self.coder, skip_below)
            for row, blobs in enumerate(_split_streams(*out["strings"])):
                streams[keys[row]] = blobs
        per_file: list[list[bytes]] = [[] for _ in waves]
        for (i, _, _), blobs in zip(pieces, streams):  # pieces run in file and segment order
            per_file[i] += blobs
        return [bitstream.pack(self._header(len(wave), q, skip_below), [len(b) for b in blobs], b"".join(blobs))
                for wave, q, blobs in zip(waves, qualities, per_file)]

    def _header(self, num_samples: int, quality: float, skip_below: int) -> bitstream.Header:
        lanes = 0 if self.coder.format == "compressai" else (self.coder.lanes or 0)
        # one stream per part with the compressai coder is the version-1 layout; from version 3
        # the file stores the model's hash alone (the id would cost 12 bytes per file)
        version = 1 if self.coder.format == "compressai" and not self.coder.shared else bitstream.VERSION
        model_id = self.model.model_id if version < 3 else ""
        return bitstream.Header(SAMPLE_RATE, num_samples, model_id, self.hash, quality,
                                skip_below, self.coder.format, lanes, self.segment_samples, version)

    def decompress(self, blob: bytes, name: str | None = None) -> torch.Tensor:
        """An ``.ecc`` file's bytes -> the decoded waveform (N,) float32 at 16 kHz (on the CPU)."""
        return self.decompress_many([blob], [name])[0]

    def decompress_many(self, blobs: Sequence[bytes], names: Sequence[str | None] | None = None,
                        progress: bool = False) -> list[torch.Tensor]:
        """Several ``.ecc`` blobs, batched -> their waveforms ((N_i,) float32 each).

        Raises:
            ecc.bitstream.EccFileError: a damaged, foreign, newer or other-model file.
        """
        names = names or [None] * len(blobs)
        files = [self._read(blob, name) for blob, name in zip(blobs, names)]
        spans = [_segments(header.num_samples, header.chunk_samples) for header, _ in files]
        # (file, segment within the file, start, end) of every segment of every file
        pieces = [(i, j, start, end) for i, file_spans in enumerate(spans) for j, (start, end) in enumerate(file_spans)]
        outputs = [torch.empty(header.num_samples) for header, _ in files]  # the segments cover every sample
        # the segments of one batch share a skip threshold and a coder, which go to the model with
        # the call (the model may be coding for other threads meanwhile); each row has its file's
        # quality (files coded with --bitrate each have their own)
        keys_by_setting = defaultdict(list)
        for k, (i, _, _, _) in enumerate(pieces):
            h = files[i][0]
            keys_by_setting[(h.skip_below, h.coder, h.lanes, _shared(h))].append(k)
        for (skip_below, coder, lanes, shared), keys in keys_by_setting.items():
            settings = CoderSettings(coder, lanes or None, shared=shared)
            lengths = [pieces[k][3] - pieces[k][2] for k in keys]
            for batch in self._batches(lengths, progress, "decoding"):
                batch = [keys[b] for b in batch]
                length = max(pieces[k][3] - pieces[k][2] for k in batch)
                segs = [files[i][1][j] for i, j, _, _ in (pieces[k] for k in batch)]
                quality = torch.tensor([files[pieces[k][0]][0].quality for k in batch])
                data, sizes = _join_streams(segs)
                try:
                    x_hat = self.model.decompress((data.to(self.device), sizes), self.model.z_shape(length),
                                                  quality, length, settings, skip_below)["x_hat"]
                except RuntimeError as e:  # the native decoders' bounds and final-state checks
                    who = ", ".join(sorted({names[pieces[k][0]] or "file" for k in batch}))
                    raise bitstream.CorruptFile(f"{who}: the coded streams do not decode "
                                                f"({str(e).splitlines()[0]})") from None
                x_hat = x_hat.cpu()
                for row, k in enumerate(batch):
                    i, _, start, end = pieces[k]
                    outputs[i][start:end] = x_hat[row, 0, : end - start]
        return outputs

    def _read(self, blob: bytes, name: str | None):
        """(header, per-segment lists of stream byte strings) of a checked file."""
        header, sizes, payload = bitstream.unpack(blob, name)
        bitstream.check_model(header, self.model.model_id, self.hash, name)
        per_segment = 1 if _shared(header) else 1 + self.model.context.slices
        _check_counts(header, sizes, per_segment, self.model.points, name)
        streams = _cut(payload, sizes)
        return header, [streams[j:j + per_segment] for j in range(0, len(streams), per_segment)]


def encoder_input(wave: torch.Tensor | np.ndarray, what: str) -> torch.Tensor:
    """A wave as :meth:`SpeechCodec.compress` takes it -> (N,) float32 on the CPU, checked; ``what``
    names it in errors and warnings."""
    dtype = wave.dtype if isinstance(wave, torch.Tensor) else np.asarray(wave).dtype
    if not isinstance(wave, torch.Tensor) and dtype in (np.float16, np.float32, np.float64, np.int16, np.int32):
        wave = torch.from_numpy(np.array(wave))  # a copy: the input may be read-only
    if isinstance(wave, torch.Tensor) and wave.dtype in _PCM_SCALE:
        wave = wave.detach().cpu().float() / _PCM_SCALE[wave.dtype]
    elif isinstance(wave, torch.Tensor) and wave.is_floating_point():
        wave = wave.detach().cpu().float()
    else:
        raise TypeError(f"{what}: dtype {dtype} is not audio the codec takes: pass float samples in [-1, 1] "
                        "or int16 / int32 PCM")
    if wave.dim() == 2:
        channels, samples = wave.shape
        if 0 < samples < channels:
            raise ValueError(f"{what}: shape {tuple(wave.shape)} has more channels than samples; the codec "
                             f"takes (N,) or (channels, N): pass .T of (N, channels) audio")
        wave = mix_down(wave, 0, what, stacklevel=4)
    elif wave.dim() != 1:
        raise ValueError(f"{what}: shape {tuple(wave.shape)}; the codec takes (N,) or (channels, N) audio")
    bad = ~torch.isfinite(wave)
    if bool(bad.any()):
        first = int(bad.nonzero()[0])
        raise ValueError(f"{what} has {int(bad.sum())} non-finite samples (NaN or inf), the first at sample "
                         f"{first} ({first / SAMPLE_RATE:.3f} s): replace them (e.g. torch.nan_to_num) first")
    if len(wave) and float(wave.abs().max()) > FULL_SCALE_LIMIT:
        peak = int(wave.abs().argmax())
        raise ValueError(f"{what} peaks at {float(wave[peak]):.6g} (sample {peak}, {peak / SAMPLE_RATE:.3f} s), "
                         f"far beyond full scale: the codec takes samples in [-1, 1]; scale the audio down "
                         "(int16 PCM held as floats: divide by 32768)")
    return wave


def _segments(num_samples: int, segment_samples: int) -> list[tuple[int, int]]:
    step = segment_samples or max(num_samples, 1)
    return [(start, min(start + step, num_samples)) for start in range(0, num_samples, step)]


def _shared(header: bitstream.Header) -> bool:
    """Whether the file codes each segment in one stream (``compressai`` from format version 2)."""
    return header.coder == "compressai" and header.version >= 2


def _check_counts(header: bitstream.Header, sizes: Sequence[int], per_segment: int, points: int,
                  name: str | None) -> None:
    """Refuse a header whose counts the payload cannot back, by arithmetic on the header and the
    size table, before anything is allocated: every stream holds at least _MIN_STREAM_BYTES, the
    streams make whole segments, a segment holds at most _MAX_SEGMENT_SAMPLES, a file at most
    MAX_FILE_SAMPLES, and num_samples needs exactly that many segments. A decoder's work and
    output are then bounded by the file's size.

    Raises:
        ecc.bitstream.CorruptFile: naming the file and the field.
    """
    where = name or "file"
    if header.sample_rate != SAMPLE_RATE:
        raise bitstream.CorruptFile(f"{where}: sample rate {header.sample_rate} Hz; ECC codes {SAMPLE_RATE} Hz")
    if not 0 <= header.quality <= points - 1:
        raise bitstream.CorruptFile(f"{where}: quality {header.quality} is outside the model's [0, {points - 1}]")
    if len(sizes) % per_segment:
        raise bitstream.CorruptFile(f"{where}: {len(sizes)} streams is not a multiple of {per_segment}")
    if sizes and min(sizes) < _MIN_STREAM_BYTES:
        raise bitstream.CorruptFile(f"{where}: a stream of {min(sizes)} bytes (every coded stream has at "
                                    f"least {_MIN_STREAM_BYTES})")
    if header.num_samples > MAX_FILE_SAMPLES:
        raise bitstream.CorruptFile(f"{where}: {header.num_samples} samples (at most {MAX_FILE_SAMPLES}, "
                                    f"{MAX_FILE_SAMPLES / SAMPLE_RATE / 3600:.0f} h)")
    step = header.chunk_samples or header.num_samples
    if step > _MAX_SEGMENT_SAMPLES:
        raise bitstream.CorruptFile(f"{where}: segments of {step} samples (at most {_MAX_SEGMENT_SAMPLES}, "
                                    f"{MAX_SEGMENT_SECONDS} s)")
    segments = len(sizes) // per_segment
    expected = -(-header.num_samples // step) if step else 0
    if segments != expected:
        raise bitstream.CorruptFile(f"{where}: {segments} coded segments for {header.num_samples} samples "
                                    f"(expected {expected})")


def _split_streams(data: torch.Tensor, sizes: torch.Tensor) -> list[list[bytes]]:
    """ECC.compress strings (data, sizes (P, B)) -> per utterance its P streams as bytes."""
    streams = _cut(data.cpu().numpy().tobytes(), sizes.reshape(-1).tolist())
    parts, batch = sizes.shape
    return [[streams[p * batch + b] for p in range(parts)] for b in range(batch)]


def _cut(raw: bytes, sizes: Sequence[int]) -> list[bytes]:
    """raw split into consecutive pieces of ``sizes`` bytes."""
    out, start = [], 0
    for size in sizes:
        out.append(raw[start:start + size])
        start += size
    return out


def _join_streams(segments: list[list[bytes]]) -> tuple[torch.Tensor, torch.Tensor]:
    """The inverse of :func:`_split_streams`: ECC.decompress strings for a batch of segments."""
    blobs = [seg[p] for p in range(len(segments[0])) for seg in segments]
    return ops.byte_tensor(b"".join(blobs)), torch.tensor([len(b) for b in blobs], dtype=torch.int64).reshape(-1, len(segments))
