"""The learned ECC codec under ``ecc eval``: real ``.ecc`` bytes through :class:`ecc.speech_codec.SpeechCodec`.

Operating points are ``q<quality>``, ``q0`` .. ``q<points - 1>`` of the model (``q0`` .. ``q4`` for
the shipped one; fractions such as ``q1.5`` interpolate). The model is the shipped one unless
the environment variable ``ECC_MODEL`` names a model file.
"""

from __future__ import annotations

import os

import numpy as np

from .codec import Codec, Coded, register_codec


@register_codec
class EccCodec(Codec):
    """ECC at the operating points of one model file."""

    name = "ecc"

    def __init__(self, points=None):
        from ..model.weights import load_model

        self._codec = None
        self._top = load_model(os.environ.get("ECC_MODEL")).points - 1  # the highest quality
        super().__init__(points)

    @property
    def default_points(self) -> tuple[str, ...]:
        return tuple(f"q{quality}" for quality in range(self._top + 1))

    def __getstate__(self):  # workers load the model themselves
        return {**self.__dict__, "_codec": None}

    def _speech_codec(self):
        if self._codec is None:
            import torch

            from ..model.weights import load_model
            from ..speech_codec import SpeechCodec

            torch.set_num_threads(1)  # the evaluation runs one worker per core
            self._codec = SpeechCodec(load_model(os.environ.get("ECC_MODEL")))
        return self._codec

    def check_point(self, point: str) -> None:
        try:
            quality = float(point[1:]) if point.startswith("q") else -1.0
        except ValueError:
            quality = -1.0
        if not 0 <= quality <= self._top:
            raise ValueError(f"ecc operating points are q0 .. q{self._top} (fractions interpolate), got {point!r}")

    def version(self) -> str:
        codec = self._speech_codec()
        from .. import __version__

        return f"ecc {__version__}, model {codec.model.model_id} ({codec.hash.hex()})"

    def encode_decode(self, wave: np.ndarray, point: str) -> Coded:
        import torch

        from .. import bitstream

        self.check_point(point)
        codec = self._speech_codec()
        blob = codec.compress(torch.from_numpy(np.ascontiguousarray(wave)), float(point[1:]))
        payload = len(bitstream.unpack(blob)[2])
        return Coded(codec.decompress(blob).numpy(), payload, len(blob))
