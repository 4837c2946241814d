"""Opus through ``opusenc``/``opusdec`` (Debian package ``opus-tools``).

The encoder runs with its defaults (VBR, complexity 10, 20-ms frames) at ``--bitrate``; the
decoder writes 16 kHz (``--rate 16000``) and removes the pre-skip itself. The payload is the
Opus audio packets alone: the OpusHead/OpusTags header packets and the Ogg page headers are
counted only in the file size.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from .audio import from_pcm16, to_pcm16
from .codec import SAMPLE_RATE, Codec, Coded, register_codec
from .ogg import opus_audio_bytes
from .tools import require_tools, run_tool


@register_codec
class OpusCodec(Codec):
    """Opus at a target bitrate; operating points are ``"<kbps>k"``, 6 to 256 kbps."""

    name = "opus"
    default_points = ("6k", "8k", "12k", "16k", "24k")

    def check(self) -> None:
        require_tools("opus-tools", "opusenc", "opusdec")

    def check_point(self, point: str) -> None:
        try:
            kbps = float(point.removesuffix("k")) if point.endswith("k") else None
        except ValueError:
            kbps = None
        if kbps is None or not 6 <= kbps <= 256:
            raise ValueError(f"opus operating point {point!r}: expected '<kbps>k' with 6 <= kbps <= 256, e.g. 12k")

    def version(self) -> str:
        self.check()
        return run_tool(["opusenc", "--version"]).splitlines()[0]

    def encode_decode(self, wave: np.ndarray, point: str) -> Coded:
        import soundfile

        self.check_point(point)
        with tempfile.TemporaryDirectory(prefix="ecc-opus-") as tmp:
            source, coded, decoded = Path(tmp, "in.wav"), Path(tmp, "coded.opus"), Path(tmp, "out.wav")
            soundfile.write(source, to_pcm16(wave), SAMPLE_RATE, subtype="PCM_16")
            run_tool(["opusenc", "--quiet", "--bitrate", point.removesuffix("k"), str(source), str(coded)])
            run_tool(["opusdec", "--quiet", "--rate", str(SAMPLE_RATE), str(coded), str(decoded)])
            data = coded.read_bytes()
            pcm, rate = soundfile.read(decoded, dtype="int16")
        if rate != SAMPLE_RATE or pcm.ndim != 1:
            raise RuntimeError(f"opusdec wrote {pcm.ndim}-D audio at {rate} Hz; expected mono at {SAMPLE_RATE}")
        return Coded(from_pcm16(pcm), opus_audio_bytes(data), len(data))
