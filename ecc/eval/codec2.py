"""Codec 2 through ``c2enc``/``c2dec`` (Debian package ``codec2``).

Codec 2 codes 8-kHz speech, so the 16-kHz input is resampled to 8 kHz (16-bit raw) before
``c2enc`` and the decoded 8 kHz back to 16 kHz; ``450PWB`` ("pseudo-wideband") decodes to
16 kHz itself. The output file is named ``.bit``, so ``c2enc`` writes bare frames with no
header: payload and file size are the same bytes. Each frame is padded to whole bytes, which is
why e.g. 1300 bit/s mode costs 1400 bit/s in a file (52 bits per 40 ms -> 7 bytes).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np

from .audio import from_pcm16, resample, to_pcm16
from .codec import SAMPLE_RATE, Codec, Coded, register_codec
from .tools import require_tools, run_tool

CODEC2_RATE = 8_000


@register_codec
class Codec2(Codec):
    """Codec 2 at every mode of ``c2enc`` 1.0 (450 to 3200 bit/s)."""

    name = "codec2"
    default_points = ("450", "450PWB", "700C", "1200", "1300", "1400", "1600", "2400", "3200")

    def check(self) -> None:
        require_tools("codec2", "c2enc", "c2dec")

    def version(self) -> str:
        self.check()
        if shutil.which("dpkg-query"):
            return "codec2 " + run_tool(["dpkg-query", "-W", "-f=${Version}", "codec2"]).strip()
        return "codec2 (version unknown)"

    def encode_decode(self, wave: np.ndarray, point: str) -> Coded:
        self.check_point(point)
        out_rate = SAMPLE_RATE if point == "450PWB" else CODEC2_RATE
        with tempfile.TemporaryDirectory(prefix="ecc-codec2-") as tmp:
            source, coded, decoded = Path(tmp, "in.raw"), Path(tmp, "coded.bit"), Path(tmp, "out.raw")
            to_pcm16(resample(wave, SAMPLE_RATE, CODEC2_RATE)).astype("<i2").tofile(source)
            run_tool(["c2enc", point, str(source), str(coded)])
            run_tool(["c2dec", point, str(coded), str(decoded)])
            size = coded.stat().st_size
            pcm = np.fromfile(decoded, dtype="<i2")
        return Coded(resample(from_pcm16(pcm), out_rate, SAMPLE_RATE), size, size)
