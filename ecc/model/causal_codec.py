"""The streaming ECC model: the network of :class:`ecc.model.ECC` made causal, coded packet by packet."""

from __future__ import annotations

import torch

from ..entropy import CoderSettings
from .causal_stft import CausalFrontEnd
from .codec import ECC
from .stft import HOP, polar_features


class CausalECC(ECC):
    """ECC for streaming: causal convolutions, RWKV time mixing in its recurrent form, an STFT
    with no lookahead past the packet, and the entropy model (hyperprior, slice context, entropy
    skip, deterministic op) run on each packet of ``packet_frames`` latent frames alone::

        packet p: x[640 F p : 640 F (p + 1)] --analysis_step, g_a.step--> y (B, C, F)   (state carried)
                  y --h_a, EntropyBottleneck, h_s, ChannelSliceContext--> one rANS stream per packet
                  y_hat --g_s.step, synthesis_step--> samples [640 F p - 160, 640 F (p + 1) - 160)

    So a packet decodes from its own bytes (bit-exactly on any device: the entropy parameters go
    through the deterministic op) plus the decoder's state, and the latency is one packet plus
    the synthesis's 10 ms. :meth:`forward` runs whole clips through the same steps (training).
    The parameters have the shapes of :class:`ECC`'s (a causal model starts from a trained one).

    Args:
        packet_frames: latent frames per packet (even: the hyperprior halves the rate); 2 = 80 ms.
        **config: as :class:`ECC`.
    """

    causal = True

    def __init__(self, packet_frames: int = 2, **config):
        if packet_frames < 2 or packet_frames % 2:
            raise ValueError(f"packet_frames must be even and at least 2, got {packet_frames}")
        if config.get("synthesis_hop", HOP) != HOP:
            raise ValueError(f"the streaming model synthesises at a hop of {HOP} samples only")
        super().__init__(**config)
        self.config.update(causal=True, packet_frames=packet_frames)
        self.packet_frames = packet_frames
        self.front = CausalFrontEnd()

    @property
    def packet_samples(self) -> int:
        """Samples per packet (640 per latent frame)."""
        return 4 * HOP * self.packet_frames

    def padded_length(self, num_samples: int) -> int:
        """Whole packets holding N samples and the synthesis's 160-sample delay."""
        return -(-(num_samples + HOP) // self.packet_samples) * self.packet_samples

    def encode_step(self, state: tuple | None, x: torch.Tensor, gain: torch.Tensor):
        """(state, x (B, L) float32, gain (B, C, 1)) -> (state, y (B, C, L / 640)); None starts a stream."""
        front, network = state or (None, None)
        features, front = self.front.analysis_step(x, front)
        real, imag = features.chunk(2, 1)
        y, network = self.g_a.step(torch.cat([torch.sqrt(real.square() + imag.square()), features], 1), network)
        return (front, network), y * gain

    def decode_step(self, state: tuple | None, y_hat: torch.Tensor, inverse_gain: torch.Tensor):
        """(state, y_hat (B, C, T), inverse gain (B, C, 1)) -> (state, the 640 T samples ending 160
        before the packet's end, (B, 640 T) float32)."""
        network, front = state or (None, None)
        decoded, network = self.g_s.step(y_hat * inverse_gain, network)
        wave, front = self.front.synthesis_step(polar_features(*self._polar(decoded)), front)
        return (network, front), wave

    def _latent(self, x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        x = torch.nn.functional.pad(x[:, 0], (0, self.padded_length(x.shape[-1]) - x.shape[-1]))
        return self.encode_step(None, x, gain)[1]

    def _decode(self, y_hat: torch.Tensor, inverse_gain: torch.Tensor, num_samples: int) -> torch.Tensor:
        return self.decode_step(None, y_hat, inverse_gain)[1][:, None, HOP : HOP + num_samples]

    def _quantise(self, y: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """As :meth:`ECC._quantise`, each packet's frames coded alone (packets folded into the batch)."""
        batch, channels, frames = y.shape
        packets = frames // self.packet_frames

        def fold(t):
            return t.reshape(batch, t.shape[1], packets, -1).transpose(1, 2).reshape(batch * packets, t.shape[1], -1)

        def unfold(t):
            return t.reshape(batch, packets, t.shape[1], -1).transpose(1, 2).reshape(batch, t.shape[1], -1)

        y_hat, likelihoods = super()._quantise(fold(y))
        return unfold(y_hat), {name: unfold(value) for name, value in likelihoods.items()}

    @torch.no_grad()
    def compress_packet(self, y: torch.Tensor, coder: CoderSettings, skip_below: int | None = None):
        """y (B, C, packet_frames) -> (data uint8, sizes int64 (P, B), y_hat (B, C, packet_frames)):
        one packet of B streams, as :meth:`ECC.compress` codes latents."""
        writer = coder.writer()
        y_hat = self._write(writer, y, skip_below)[1]
        return (*writer.finish(), y_hat)

    @torch.no_grad()
    def decompress_packet(self, data: torch.Tensor, sizes: torch.Tensor, coder: CoderSettings,
                          skip_below: int | None = None) -> torch.Tensor:
        """y_hat (B, C, packet_frames) from :meth:`compress_packet`'s data and sizes (P, B).

        Raises:
            RuntimeError: bytes that are truncated, corrupt or longer than a packet's.
        """
        reader = coder.reader(data, sizes)
        y_hat = self._read(reader, sizes.shape[1], (self.packet_frames // 2,), skip_below)
        reader.finish()
        return y_hat

    def compress(self, *args, **kwargs):
        raise ValueError("a streaming model codes packets: use ecc.streaming.StreamEncoder")

    def decompress(self, *args, **kwargs):
        raise ValueError("a streaming model codes packets: use ecc.streaming.StreamDecoder")
