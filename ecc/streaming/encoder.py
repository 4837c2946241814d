"""StreamEncoder: 16 kHz speech in, packets out, a packet every ``frame_samples`` samples."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..audio import SAMPLE_RATE
from ..entropy import CoderSettings
from ..model import CausalECC
from ..model.stft import HOP
from ..model.weights import model_hash
from .model_file import streaming_model
from .packet import HEADED_START, Packet, StreamHeader, pack

HEADER_EVERY = 50  # packets (4 s at 80 ms): how long a decoder joining mid-stream waits at most
END_COPIES = 2  # end packets after the final packet: the length stays exact unless the final packet and both are lost


@dataclass
class EncoderState:
    """Everything one stream's encoder carries from packet to packet."""

    network: tuple | None = None                    # CausalECC.encode_step's state
    pending: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # samples not yet in a packet
    index: int = 0                                  # packets written
    samples: int = 0                                # samples pushed
    ended: bool = False


def _quality(model: CausalECC, bitrate: float | None, quality: float | None) -> float:
    """The operating point: ``quality``, or the one whose measured rate (``meta["point_kbps"]``,
    interpolated log-linearly) is ``bitrate``, or the model's ``meta["default_quality"]``."""
    if bitrate is not None and quality is not None:
        raise ValueError("give bitrate or quality, not both")
    if quality is not None:
        if not 0 <= quality <= model.points - 1:
            raise ValueError(f"quality must lie in [0, {model.points - 1}], got {quality}")
        return float(quality)
    if bitrate is None:
        return float(model.meta.get("default_quality", (model.points - 1) / 2))
    rates = model.meta.get("point_kbps")
    if not rates:
        raise ValueError(f"model {model.model_id} has no measured point_kbps: give quality instead of bitrate")
    if not rates[0] <= bitrate <= rates[-1]:
        raise ValueError(f"bitrate {bitrate} kbps is outside this model's range "
                         f"[{rates[0]:.2f}, {rates[-1]:.2f}] kbps")
    logs = np.log(rates)
    return float(np.interp(math.log(bitrate), logs, np.arange(len(rates))))


def as_samples(samples) -> np.ndarray:
    """(N,) float numpy or torch -> (N,) float32 numpy; ValueError for other shapes or non-finite values."""
    if isinstance(samples, torch.Tensor):
        samples = samples.detach().cpu().numpy()
    samples = np.asarray(samples)
    if samples.ndim != 1 or not np.issubdtype(samples.dtype, np.floating):
        raise ValueError(f"push takes (N,) float samples at 16 kHz, got shape {samples.shape} {samples.dtype}")
    if not np.isfinite(samples).all():
        raise ValueError("samples must be finite (got NaN or inf)")
    return samples.astype(np.float32)


class StreamEncoder:
    """Encodes one stream: ``push`` samples as they come, ``flush`` at the end (docs/streaming.md).

    The same samples give the same packets however they are cut into ``push`` calls: the
    network always runs on whole packets.

    Args:
        model: a :class:`~ecc.model.CausalECC`, a model file, or None for the shipped streaming model.
        bitrate: target kbit/s (from the model's measured rates); or
        quality: operating point in [0, points - 1]; neither: the model's default.
    """

    def __init__(self, model: CausalECC | str | None = None, bitrate: float | None = None,
                 quality: float | None = None):
        self.model = streaming_model(model)
        self.quality = _quality(self.model, bitrate, quality)
        self.coder, self.skip_below = CoderSettings(format="range"), self.model.skip_below
        self._gain = self.model._gains(self.quality, 1)[0]
        self._hash = model_hash(self.model)
        self.state = EncoderState()

    @property
    def frame_samples(self) -> int:
        """Samples per packet."""
        return self.model.packet_samples

    @property
    def latency_ms(self) -> float:
        """Algorithmic latency: a packet, plus the synthesis's half window."""
        return 1000 * (self.frame_samples + HOP) / SAMPLE_RATE

    def push(self, samples) -> list[bytes]:
        """samples (N,) float32 (numpy or torch, any N >= 0) -> the packets they complete."""
        if self.state.ended:
            raise ValueError("this stream was flushed: start a new StreamEncoder")
        samples = as_samples(samples)
        state = self.state
        state.pending = np.concatenate([state.pending, samples])
        state.samples += len(samples)
        whole = len(state.pending) // self.frame_samples * self.frame_samples
        packets = [self._packet(chunk, None) for chunk in state.pending[:whole].reshape(-1, self.frame_samples)]
        state.pending = state.pending[whole:]
        return packets

    def flush(self) -> list[bytes]:
        """Ends the stream: the samples left (and the synthesis's delay) padded with zeros to whole
        packets, the last marked final, then two end packets (no audio: the final packet's end under
        the next sequence number, so a decoder that loses the final packet still ends exactly)."""
        if self.state.ended:
            return []
        state = self.state
        padded = self.model.padded_length(state.samples) - (state.samples - len(state.pending))
        tail = np.concatenate([state.pending, np.zeros(padded - len(state.pending), np.float32)])
        chunks = tail.reshape(-1, self.frame_samples)
        drop = self.model.padded_length(state.samples) - HOP - state.samples
        packets = [self._packet(chunk, drop if i == len(chunks) - 1 else None) for i, chunk in enumerate(chunks)]
        packets += [pack(Packet(state.index, None, drop, b"", end=True))] * END_COPIES  # the end again
        state.pending, state.ended = state.pending[:0], True
        return packets

    @torch.inference_mode()
    def _packet(self, samples: np.ndarray, drop: int | None) -> bytes:
        state = self.state
        state.network, y = self.model.encode_step(state.network, torch.from_numpy(samples)[None], self._gain)
        data, _, _ = self.model.compress_packet(y, self.coder, self.skip_below)
        header = None
        if state.index < HEADED_START or state.index % HEADER_EVERY == 0:
            header = StreamHeader(self._hash, SAMPLE_RATE, self.quality, self.skip_below, state.index)
        state.index += 1
        return pack(Packet(state.index - 1, header, drop, data.numpy().tobytes()))


def stream_kbps(model: CausalECC, wave: torch.Tensor, quality: float) -> float:
    """kbit/s of streaming ``wave`` (N,) at ``quality``: every packet byte."""
    encoder = StreamEncoder(model, quality=quality)
    packets = encoder.push(wave) + encoder.flush()
    return 8 * sum(map(len, packets)) / (len(wave) / SAMPLE_RATE) / 1000
