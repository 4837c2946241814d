"""Evaluation of speech codecs: ``ecc eval`` and its parts (see docs/eval.md).

Codecs (``Codec``, registered by name), the delay estimator, the metrics, BD-rate, the
parallel evaluation loop and the report. Importing this package registers the baselines.
"""

from . import codec2, opus  # noqa: F401  (register the baselines)
from .align import estimate_delay, remove_delay
from .bdrate import bd_rate, pareto_front
from .codec import Codec, Coded, codec_names, get_codec, register_codec
from .data import default_clips, find_clips
from .metrics import METRICS, score
from .report import write_report
from .runner import Evaluation, evaluate

__all__ = [
    "METRICS", "Codec", "Coded", "Evaluation", "bd_rate", "codec_names", "default_clips", "estimate_delay",
    "evaluate", "find_clips", "get_codec", "pareto_front", "register_codec", "remove_delay", "score",
    "write_report",
]
