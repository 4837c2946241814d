"""The ECC speech codec network (Xu, Cheng et al., "Benchmarking Neural Speech Compression from a
Rate-Distortion Perspective", arXiv 2606.11631)."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..entropy import ChannelSliceContext, CoderSettings, DeterministicConvStack, EntropyBottleneck
from .causal import CausalConv1d, CausalConvTranspose1d, CausalCRMBlock, CausalSequential
from .crm import CRMBlock
from .stft import HOP, SpectralFrontEnd, polar_features


def _layers(causal: bool):
    """(convolution (in, out, kernel, stride), transposed convolution (in, out, 4, 2), CRM block,
    sequence): the ordinary layers, or their causal forms (:mod:`ecc.model.causal`)."""
    if causal:
        return CausalConv1d, CausalConvTranspose1d, CausalCRMBlock, CausalSequential
    return (lambda a, b, k, stride=1: nn.Conv1d(a, b, k, stride, (k - stride + 1) // 2),
            lambda a, b, k, stride: nn.ConvTranspose1d(a, b, k, stride, 1), CRMBlock, nn.Sequential)


def _analysis(widths: tuple[int, int, int], latent: int, inputs: int, causal: bool = False) -> nn.Sequential:
    """Spectral features (B, inputs, 4T) at 100 Hz -> y (B, latent, T) at 25 Hz."""
    a, b, c = widths
    conv, _, crm, sequence = _layers(causal)
    return sequence(
        conv(inputs, a, 3), crm(a, time_mixing=False),
        conv(a, b, 4, 2), crm(b, time_mixing=False),
        conv(b, c, 4, 2), crm(c), crm(c),
        conv(c, latent, 3))


def _synthesis(widths: tuple[int, int, int], latent: int, causal: bool = False, frames: int = 1) -> nn.Sequential:
    """y_hat (B, latent, T) -> ``frames`` x (log compressed magnitude, phase) (B, frames x 2 x 161, 4T):
    ``frames`` STFT frames per 10 ms (see :func:`_frames_in_time`); mirrors :func:`_analysis`."""
    a, b, c = widths
    conv, up, crm, sequence = _layers(causal)
    return sequence(
        conv(latent, c, 3), crm(c), crm(c),
        up(c, b, 4, 2), crm(b, time_mixing=False),
        up(b, a, 4, 2), crm(a, time_mixing=False), crm(a, time_mixing=False),
        conv(a, frames * SpectralFrontEnd.channels, 3))


def _frames_in_time(decoded: torch.Tensor, frames: int) -> torch.Tensor:
    """g_s's output (B, frames x 322, F) -> (B, 322, frames x F): the k-th group of 322 channels
    of column t is frame ``frames t + k``."""
    batch, channels, length = decoded.shape
    grouped = decoded.view(batch, frames, channels // frames, length)
    return grouped.permute(0, 2, 3, 1).reshape(batch, channels // frames, frames * length)


class ECC(nn.Module):
    """The ECC codec: STFT front end, CRM encoder/decoder, hyperprior and channel-wise slice context
    with LRP and entropy skip, one model for several operating points (gain units).

    Dataflow (B utterances of N samples at 16 kHz, T = padded N / 640 latent frames, 25 Hz)::

        x (B, 1, N) --pad, STFT--> (B, 161 + 322, 4T) --g_a (CRM blocks, /4)--> y (B, C, T) * gain[q]
        z = h_a(y) (B, Cz, T/2) --EntropyBottleneck--> z_hat --repeat x2, h_s--> hyper (B, H, T)
        y_hat = ChannelSliceContext(y, hyper): S slices, each q = round(y - mu) (skip: q = 0), LRP
        x_hat = iSTFT(exp(m) e^(i p))[:N] with (m, p) = g_s(y_hat / gain[q])

    With ``synthesis_hop = 80`` g_s predicts two frames per 10 ms and the iSTFT overlaps its
    20 ms windows by 75% instead of 50% (as Vocos-style decoders do): the encoder side, and so
    every stream, is the same as at 160.

    The rate knob ``quality`` in [0, points - 1] picks the operating point (learned per-channel
    gains, interpolated log-linearly between points, as in gained VAEs). Everything the decoder
    must reproduce bit for bit (h_s, the slice context, scale indexes) runs through ecc's
    deterministic op, so a stream decodes on any device and thread count.

    Args:
        latent_channels: C; hyper_channels: Cz; hyper_features: H.
        widths: channels of the encoder at 100, 50 and 25 Hz (the decoder mirrors them).
        slices, context_hidden, scale_levels: of the slice context; points: operating points.
        synthesis_hop: the decoder's STFT hop in samples, 160 or 80.

    The model is read-only while it codes: :meth:`compress` and :meth:`decompress` take the stream
    format (``coder``) and the entropy-skip threshold per call, so one model serves any number of
    codecs and threads. :attr:`skip_below` is the model's own threshold (what it was trained with,
    stored in its file): the default of both calls.
    """

    frames_per_second = 25
    causal = False  # True in :class:`ecc.model.CausalECC`, whose layers look only back

    def __init__(self, latent_channels: int = 48, hyper_channels: int = 16, hyper_features: int = 64,
                 widths: tuple[int, int, int] = (96, 160, 224), slices: int = 4, context_hidden: int = 64,
                 points: int = 5, scale_levels: int = 128, synthesis_hop: int = HOP):
        super().__init__()
        if synthesis_hop not in (HOP, HOP // 2):
            raise ValueError(f"synthesis_hop must be {HOP} or {HOP // 2}, got {synthesis_hop}")
        self.config = dict(latent_channels=latent_channels, hyper_channels=hyper_channels,
                           hyper_features=hyper_features, widths=tuple(widths), slices=slices,
                           context_hidden=context_hidden, points=points, scale_levels=scale_levels)
        if synthesis_hop != HOP:  # absent at the default: the config (and hash) of every earlier model file
            self.config["synthesis_hop"] = synthesis_hop
        self.synthesis_hop = synthesis_hop
        self.model_id, self.meta = "ecc-untrained", {}  # set by ecc.model.weights when saved or loaded
        self.front = SpectralFrontEnd(frame_multiple=8)
        self.g_a = _analysis(tuple(widths), latent_channels, SpectralFrontEnd.channels * 3 // 2, self.causal)
        self.g_s = _synthesis(tuple(widths), latent_channels, self.causal, HOP // synthesis_hop)
        log_gains = torch.linspace(-1.0, 1.0, points)[:, None].repeat(1, latent_channels)
        self.log_gain = nn.Parameter(log_gains)
        self.log_inverse_gain = nn.Parameter(-log_gains)
        self.h_a = nn.Sequential(nn.Conv1d(latent_channels, hyper_features, 3, padding=1), nn.LeakyReLU(0.125),
                                 nn.Conv1d(hyper_features, hyper_channels, 4, 2, 1))
        self.entropy_bottleneck = EntropyBottleneck(hyper_channels)
        self.h_s = DeterministicConvStack((hyper_channels, hyper_features, hyper_features), kernel_size=3)
        self.context = ChannelSliceContext(latent_channels, hyper_features, slices, context_hidden,
                                           scale_levels=scale_levels)

    @property
    def synthesis_head(self) -> str:
        """The state-dict name of g_s's last layer, whose output channels are the frames' groups of
        (log magnitude, phase) (:func:`_frames_in_time`): ``name + ".weight"``, ``name + ".bias"``."""
        return f"g_s.{len(self.g_s) - 1}"

    @property
    def points(self) -> int:
        return self.log_gain.shape[0]

    @property
    def skip_below(self) -> int:
        """The model's own entropy-skip threshold: scale-table rows below it are not coded (0: off)."""
        return self.context.gaussian.skip_below

    def set_entropy_skip(self, skip_below: int) -> None:
        """Sets the model's own threshold (a training stage, or the one a model file stores). Not
        for coding with another threshold: pass ``skip_below`` to :meth:`compress` instead."""
        self.context.gaussian.skip_below = int(skip_below)

    def update(self) -> None:
        """Refresh the CDF tables (after training or loading) before compress/decompress."""
        self.entropy_bottleneck.update()
        self.context.update()

    def aux_loss(self) -> torch.Tensor:
        """The EntropyBottleneck's quantile loss (optimise the ``quantiles`` separately)."""
        return self.entropy_bottleneck.loss()

    def _gains(self, quality: torch.Tensor | float, batch: int):
        """(gain, inverse gain), each (B, C, 1), for quality (B,) or a float in [0, points - 1]."""
        q = torch.as_tensor(quality, dtype=torch.float32, device=self.log_gain.device).expand(batch)
        if bool(((q < 0) | (q > self.points - 1)).any()):
            raise ValueError(f"quality must lie in [0, {self.points - 1}], got {q.tolist()}")
        low = q.floor().long().clamp(max=max(self.points - 2, 0))
        high = (low + 1).clamp(max=self.points - 1)
        frac = (q - low)[:, None]

        def mix(table):
            return ((1 - frac) * table[low] + frac * table[high]).exp()[..., None]

        return mix(self.log_gain), mix(self.log_inverse_gain)

    def padded_length(self, num_samples: int) -> int:
        """Samples the network sees for an N-sample input (N is padded with zeros to this)."""
        return self.front.padded_length(num_samples)

    def z_shape(self, num_samples: int) -> tuple[int]:
        """The ``shape`` that :meth:`compress` returns for N-sample inputs: (T/2,)."""
        return (self.padded_length(num_samples) // self.padded_length(1),)

    def _latent(self, x: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
        x = F.pad(x, (0, self.padded_length(x.shape[-1]) - x.shape[-1]))
        # The compressed magnitudes go in beside the complex spectrum: a first linear layer over
        # the complex parts alone cannot recover magnitudes (their phases are random frame to
        # frame), and the encoder learned ~10x slower without them.
        features = self.front.analysis(x)
        real, imag = features.chunk(2, 1)
        return self.g_a(torch.cat([torch.sqrt(real.square() + imag.square()), features], 1)) * gain

    def _hyper(self, z_hat: torch.Tensor, deterministic: bool) -> torch.Tensor:
        return self.h_s(z_hat.repeat_interleave(2, -1), deterministic)

    def _spectrum(self, y_hat: torch.Tensor, inverse_gain: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """y_hat (B, C, T) -> the decoder's compressed magnitude and phase, each (B, 161, 4T x
        160 / synthesis_hop)."""
        # The decoder predicts log compressed magnitude and phase (as Vocos does), so the
        # magnitude the mel loss judges does not depend on the phase outputs.
        return self._polar(_frames_in_time(self.g_s(y_hat * inverse_gain), HOP // self.synthesis_hop))

    @staticmethod
    def _polar(decoded: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """g_s's output (B, 2 x 161, F) -> (compressed magnitude, phase), each (B, 161, F)."""
        log_magnitude, phase = decoded.chunk(2, 1)
        return log_magnitude.clamp(max=5.0).exp(), phase

    def _decode(self, y_hat: torch.Tensor, inverse_gain: torch.Tensor, num_samples: int) -> torch.Tensor:
        return self.front.synthesis(polar_features(*self._spectrum(y_hat, inverse_gain)), num_samples,
                                    self.synthesis_hop)

    def forward(self, x: torch.Tensor, quality: torch.Tensor | float) -> dict:
        """x (B, 1, N) float32, quality (B,) or float -> {"x_hat": (B, 1, N), "likelihoods":
        {"y": (B, C, T), "z": (B, Cz, T/2)}}. Training: noise for the rate, straight-through
        rounding for the decoder. Evaluation: exactly the y_hat that :meth:`compress` codes."""
        if x.dim() != 3 or x.shape[1] != 1:
            raise ValueError(f"expected x of shape (B, 1, N), got {tuple(x.shape)}")
        out = self.quantize(x, quality)
        return {"x_hat": self.decode(out["y_hat"], quality, x.shape[-1]), "likelihoods": out["likelihoods"]}

    def quantize(self, x: torch.Tensor, quality: torch.Tensor | float) -> dict:
        """The encoder side of :meth:`forward`: x (B, 1, N) float32, quality (B,) or float ->
        {"y_hat": (B, C, T) the latents the decoder sees (in eval mode exactly those that
        :meth:`compress` codes), "likelihoods": {"y": (B, C, T), "z": (B, Cz, T/2)}}."""
        y_hat, likelihoods = self._quantise(self._latent(x, self._gains(quality, x.shape[0])[0]))
        return {"y_hat": y_hat, "likelihoods": likelihoods}

    def _quantise(self, y: torch.Tensor) -> tuple[torch.Tensor, dict]:
        """y (B, C, T) -> (y_hat (B, C, T), {"y": (B, C, T), "z": (B, Cz, T/2)} likelihoods), as
        :meth:`forward` describes."""
        z_hat, z_likelihoods = self.entropy_bottleneck(self.h_a(y))
        deterministic = not self.training
        y_hat, y_likelihoods = self.context(y, self._hyper(z_hat, deterministic), ste=True,
                                            deterministic=deterministic)
        return y_hat, {"y": y_likelihoods, "z": z_likelihoods}

    def decode(self, y_hat: torch.Tensor, quality: torch.Tensor | float, num_samples: int) -> torch.Tensor:
        """The decoder alone: y_hat (B, C, T) float32, quality (B,) or float -> x_hat (B, 1, num_samples)."""
        return self._decode(y_hat, self._gains(quality, y_hat.shape[0])[1], num_samples)

    @torch.no_grad()
    def compress(self, x: torch.Tensor, quality: torch.Tensor | float, coder: CoderSettings | None = None,
                 skip_below: int | None = None) -> dict:
        """x (B, 1, N) float32 -> {"strings": (data uint8 (total,), sizes int64 (P, B)), "shape": (T/2,)}:
        the parts z, y slice 0 .. S-1 of each utterance, in one stream per utterance (P = 1, the
        default ``compressai`` coder) or one per part (P = 1 + S, part-major).

        Args:
            quality: a float, or (B,) float32, one per utterance.
            coder: stream format (default: ``CoderSettings()``, the ``compressai`` format).
            skip_below: entropy-skip threshold (default: the model's :attr:`skip_below`).
        """
        if x.dim() != 3 or x.shape[1] != 1:
            raise ValueError(f"expected x of shape (B, 1, N), got {tuple(x.shape)}")
        y = self._latent(x, self._gains(quality, x.shape[0])[0])
        writer = (coder or CoderSettings()).writer()
        shape, _ = self._write(writer, y, skip_below)
        return {"strings": writer.finish(), "shape": shape}

    def _write(self, writer, y: torch.Tensor, skip_below: int | None) -> tuple[tuple[int, ...], torch.Tensor]:
        """Adds y (B, C, T) to ``writer`` (z, then the slices); returns (z's shape (T/2,), y_hat (B, C, T))."""
        z = self.h_a(y)
        z_hat = self.entropy_bottleneck.write(writer, z)
        return tuple(z.shape[2:]), self.context.write(writer, y, self._hyper(z_hat, deterministic=True), skip_below)

    def _read(self, reader, batch: int, shape: tuple[int, ...], skip_below: int | None) -> torch.Tensor:
        """y_hat (B, C, T) from the parts :meth:`_write` added, z being (B, Cz, *shape)."""
        z_hat = self.entropy_bottleneck.read(reader, (batch, self.entropy_bottleneck.channels, *shape))
        return self.context.read(reader, self._hyper(z_hat, deterministic=True), skip_below)

    @torch.no_grad()
    def decompress(self, strings: tuple[torch.Tensor, torch.Tensor], shape: tuple[int, ...],
                   quality: torch.Tensor | float, num_samples: int, coder: CoderSettings | None = None,
                   skip_below: int | None = None) -> dict:
        """The inverse of :meth:`compress` (the same ``coder`` and ``skip_below``):
        {"x_hat": (B, 1, num_samples), "y_hat": (B, C, T)}.

        Raises:
            RuntimeError: streams that are truncated, corrupt or longer than they should be.
        """
        data, sizes = strings
        reader = (coder or CoderSettings()).reader(data, sizes)
        batch = sizes.shape[1]
        y_hat = self._read(reader, batch, shape, skip_below)
        reader.finish()
        inverse_gain = self._gains(quality, batch)[1]
        return {"x_hat": self._decode(y_hat, inverse_gain, num_samples), "y_hat": y_hat}
