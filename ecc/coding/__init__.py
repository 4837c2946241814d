"""Entropy-coding backends: the native ops (``ecc.ops``) and the pure-Python reference."""

from . import reference
from .compressai_adapter import compressai_backend
from .ideal import ideal_bits
from .scale_table import SCALE_MIN, default_scale_table, scale_indexes

__all__ = ["reference", "compressai_backend", "SCALE_MIN", "ideal_bits", "default_scale_table", "scale_indexes"]
