"""The codec interface of ``ecc eval`` and the registry that ``--codecs`` names look up.

A codec under evaluation turns 16-kHz mono audio into a payload and back. Baselines wrap
command-line tools (``ecc.eval.opus``, ``ecc.eval.codec2``); the learned ECC codec
(``ecc.eval.ecc_codec``) registers itself the same way::

    @register_codec
    class EccCodec(Codec):
        name = "ecc"
        default_points = ("q0", "q1", "q2", "q3", "q4")
        def encode_decode(self, wave, point): ...
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import ClassVar, NamedTuple

import numpy as np

from ..audio import SAMPLE_RATE


_REGISTRY: dict[str, type[Codec]] = {}


class Coded(NamedTuple):
    """One encode/decode round trip.

    decoded: float32 (M,) at 16 kHz, not yet aligned (M may differ from the input length).
    payload_bytes: the coded audio alone (no container headers).
    file_bytes: the size the codec's own file format takes on disk.
    """

    decoded: np.ndarray
    payload_bytes: int
    file_bytes: int


class Codec(abc.ABC):
    """A speech codec: 16-kHz mono float32 in [-1, 1] in, the same out.

    Subclasses set ``name`` and ``default_points`` (operating points, lowest rate first) and
    implement ``encode_decode``. Instances must pickle: the evaluation sends them to workers.

    Args:
        points: the operating points to evaluate (default: ``default_points``).
    """

    name: ClassVar[str]
    default_points: ClassVar[tuple[str, ...]]

    def __init__(self, points: Sequence[str] | None = None):
        self.points = tuple(points) if points else self.default_points
        for point in self.points:
            self.check_point(point)

    def check(self) -> None:
        """Raise ValueError saying how to install what the codec needs, if anything is missing
        (default: nothing to check)."""

    def check_point(self, point: str) -> None:
        """Raise ValueError unless ``point`` is an operating point of this codec."""
        if point not in self.default_points:
            raise ValueError(f"{self.name} has no operating point {point!r}; "
                             f"choose from {', '.join(self.default_points)}")

    def version(self) -> str:
        """A line naming the implementation and its version, for the report."""
        return self.name

    @abc.abstractmethod
    def encode_decode(self, wave: np.ndarray, point: str) -> Coded:
        """Encode and decode ``wave`` (float32 (N,), 16 kHz) at operating point ``point``."""


def register_codec(cls: type[Codec]) -> type[Codec]:
    """Class decorator: make ``cls`` available to ``ecc eval --codecs cls.name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"a codec named {cls.name!r} is already registered ({_REGISTRY[cls.name].__qualname__})")
    _REGISTRY[cls.name] = cls
    return cls


def codec_names() -> list[str]:
    """The registered codec names, in registration order."""
    return list(_REGISTRY)


def get_codec(name: str) -> type[Codec]:
    """The codec class registered as ``name``; ValueError naming the choices if there is none."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    raise ValueError(f"unknown codec {name!r}; available: {', '.join(_REGISTRY)}")
