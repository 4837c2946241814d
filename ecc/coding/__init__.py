"""Entropy-coding backends: the native ops (``ecc.ops``) and the pure-Python reference."""

from . import reference
from .compressai_switch import compressai_backend, use_compressai, use_ecc
from .ideal import ideal_bits
from .scale_table import SCALE_MIN, default_scale_table, scale_indexes

__all__ = ["reference", "compressai_backend", "use_compressai", "use_ecc", "SCALE_MIN", "ideal_bits",
           "default_scale_table", "scale_indexes"]
