"""Evaluation of speech codecs: ``ecc eval`` and its parts (see docs/eval.md).

Modules: ``codec`` (the interface and registry; importing this package registers the
baselines ``opus`` and ``codec2``), ``align`` (delay), ``metrics``, ``bdrate``, ``runner`` (the
parallel loop), ``report`` and ``plots`` (outputs), ``data`` (clips), ``cli``. Only what the
registry needs is imported here, so that ``ecc`` starts without scipy or matplotlib.
"""

from . import codec2, ecc_codec, opus  # noqa: F401  (register the baselines and ECC)
from .codec import Codec, Coded, codec_names, get_codec, register_codec

__all__ = ["Codec", "Coded", "codec_names", "get_codec", "register_codec"]
