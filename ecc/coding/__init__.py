"""Entropy-coding backends: the native ops (``ecc.ops``) and the pure-Python reference."""

from . import reference
from .ideal import ideal_bits
from .scale_table import default_scale_table, scale_indexes

__all__ = ["reference", "ideal_bits", "default_scale_table", "scale_indexes"]
