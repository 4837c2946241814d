"""Entropy-coding backends: the native ops (``ecc.ops``) and the pure-Python reference."""

from . import reference

__all__ = ["reference"]
