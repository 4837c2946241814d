"""StreamDecoder: packets in (or None for a lost one), 16 kHz speech out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .. import ops
from ..audio import SAMPLE_RATE
from ..entropy import CoderSettings
from ..model import CausalECC
from ..model.stft import HOP
from ..model.weights import model_hash
from .model_file import streaming_model
from .packet import HEADED_START, SEQUENCE_MODULUS, PacketError, StreamHeader, unpack

LATE_WINDOW = 8  # a packet up to this many behind the next expected one is late (or a duplicate): dropped


@dataclass
class DecoderState:
    """Everything one stream's decoder carries from packet to packet."""

    network: tuple | None = None            # CausalECC.decode_step's state
    header: StreamHeader | None = None      # the last header seen (None: no quality known yet)
    inverse_gain: torch.Tensor | None = None
    last: torch.Tensor | None = None        # the last packet's y_hat (B, C, F): what concealment repeats
    index: int = 0                          # the next packet expected
    ended: bool = False


class StreamDecoder:
    """Decodes one stream, packet by packet (docs/streaming.md has the rules for lost, late,
    duplicated and garbage packets).

    Args:
        model: the encoder's model (a :class:`~ecc.model.CausalECC`, a model file, or None for the
            shipped streaming model); a header from another model is a :class:`PacketError`.
    """

    def __init__(self, model: CausalECC | str | None = None):
        self.model = streaming_model(model)
        self.coder = CoderSettings(format="range")
        self._hash = model_hash(self.model)
        self.state = DecoderState()

    @property
    def frame_samples(self) -> int:
        return self.model.packet_samples

    def push(self, packet: bytes | None) -> np.ndarray:
        """packet bytes, or None for a lost one -> float32 (M,): the samples it completes (a lost
        packet's concealed; packets it shows were lost, concealed, before it; nothing for a late
        or duplicated one, or for the end packet after a final packet that arrived).

        Raises:
            PacketError: a packet that cannot be decoded; the state is unchanged (push None instead).
        """
        state = self.state
        if packet is None:
            return np.zeros(0, np.float32) if state.ended else self._output(self._conceal(1), None)
        parsed = unpack(packet)
        # not joined yet (no header seen): each packet counts as the next one
        ahead = (parsed.sequence - state.index) % SEQUENCE_MODULUS if state.header else 0
        if state.ended or ahead >= SEQUENCE_MODULUS - LATE_WINDOW:
            return np.zeros(0, np.float32)
        if parsed.drop is not None and parsed.drop > self.frame_samples:
            raise PacketError(f"corrupt end marker: {parsed.drop} samples to drop from a packet of {self.frame_samples}")
        if parsed.end:  # the final packet (and any before it) lost
            state.ended = True
            return self._output(self._conceal(ahead if state.header else 1), parsed.drop)
        header = parsed.header or state.header
        if parsed.header is not None:
            self._check(parsed.header)
            ahead = parsed.header.index - state.index
            at_start = state.header is None and state.index == 0 and ahead < HEADED_START  # packets 0.. lost
            if not at_start and (state.header is None or not 0 <= ahead < SEQUENCE_MODULUS - LATE_WINDOW):
                state.index, ahead = parsed.header.index, 0  # joining, or a long gap
        if header is None:  # no quality known yet: the packet is concealed
            waves = self._conceal(ahead + 1)
        else:
            y_hat = self._payload(parsed.payload, header)
            if parsed.header is not None:
                state.header = header
                state.inverse_gain = self.model._gains(header.quality, 1)[1]
            waves = self._conceal(ahead) + [self._decode(y_hat)]
        if parsed.drop is not None:
            state.ended = True
        return self._output(waves, parsed.drop)

    def flush(self) -> np.ndarray:
        """The end of the stream: nothing is left once the final packet is in (if it was lost, the
        last packet's 10 ms of overlap are dropped)."""
        self.state.ended = True
        return np.zeros(0, np.float32)

    def _check(self, header: StreamHeader) -> None:
        if header.model_hash != self._hash:
            raise PacketError(f"the stream was encoded with model {header.model_hash.hex()}, this decoder has "
                              f"{self.model.model_id} ({self._hash.hex()}): decode with the encoder's model")
        if header.sample_rate != SAMPLE_RATE or not 0 <= header.quality <= self.model.points - 1:
            raise PacketError(f"corrupt header: sample rate {header.sample_rate}, quality {header.quality}")

    @torch.inference_mode()
    def _payload(self, payload: bytes, header: StreamHeader) -> torch.Tensor:
        data = ops.byte_tensor(payload)
        try:
            return self.model.decompress_packet(data, torch.tensor([[len(payload)]]), self.coder, header.skip_below)
        except RuntimeError as e:
            raise PacketError(f"corrupt or truncated packet ({str(e).splitlines()[0]})") from None

    @torch.inference_mode()
    def _decode(self, y_hat: torch.Tensor) -> np.ndarray:
        state = self.state
        if state.inverse_gain is None:
            wave = torch.zeros(1, self.frame_samples)
        else:
            state.network, wave = self.model.decode_step(state.network, y_hat, state.inverse_gain)
        state.last = y_hat
        state.index += 1
        return wave[0].numpy()

    def _conceal(self, count: int) -> list[np.ndarray]:
        """``count`` lost packets: each repeats the last packet's latents (silence before any)."""
        if self.state.last is None:
            self.state.index += count
            return [np.zeros(self.frame_samples, np.float32)] * count
        return [self._decode(self.state.last) for _ in range(count)]

    def _output(self, waves: list[np.ndarray], drop: int | None) -> np.ndarray:
        """The packets' samples, minus the 160 before the stream (packet 0) and ``drop`` at its end."""
        first = self.state.index - len(waves)
        wave = np.concatenate(waves) if waves else np.zeros(0, np.float32)
        if first == 0:
            wave = wave[HOP:]
        return wave[: len(wave) - drop] if drop else wave
