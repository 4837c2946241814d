"""The scores: PESQ (ITU-T P.862, wide and narrow band), STOI, ESTOI and ViSQOL (speech mode).

Each metric compares an aligned decoded signal with its reference, both float32 (N,) at
16 kHz. The packages are optional; ``check_metrics`` says which one to install.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .codec import SAMPLE_RATE


def _pesq(mode: str) -> Callable[[np.ndarray, np.ndarray], float]:
    def score(reference: np.ndarray, decoded: np.ndarray) -> float:
        from pesq import pesq

        return float(pesq(SAMPLE_RATE, reference, decoded, mode))

    return score


def _stoi(extended: bool) -> Callable[[np.ndarray, np.ndarray], float]:
    def score(reference: np.ndarray, decoded: np.ndarray) -> float:
        from pystoi import stoi

        return float(stoi(reference, decoded, SAMPLE_RATE, extended=extended))

    return score


_visqol_api = None  # one per process: building it loads the TFLite quality model


@contextlib.contextmanager
def _native_stderr_silenced():
    """Silence writes to file descriptor 2 from native code (LiteRT's "INFO: Created TensorFlow
    Lite XNNPACK delegate" line, which would break the progress bar). Python errors still raise."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _visqol(reference: np.ndarray, decoded: np.ndarray) -> float:
    """ViSQOL v3 speech mode, MOS-LQO in [1, 5], with the deep-lattice quality model that the
    C++ ViSQOL uses by default (pure-Python port: ``visqol-python``)."""
    global _visqol_api
    if _visqol_api is None:
        from visqol import VisqolApi

        api = VisqolApi()
        with _native_stderr_silenced():
            api.create(mode="speech", use_lattice_model=True)
        _visqol_api = api
    result = _visqol_api.measure_from_arrays(reference.astype(np.float64), decoded.astype(np.float64), SAMPLE_RATE)
    return float(result.moslqo)


@dataclass(frozen=True)
class Metric:
    """A score: its report label, the modules it imports, the distribution that provides them and
    the pip requirement that installs it."""

    label: str
    modules: tuple[str, ...]
    distribution: str
    requirement: str
    fn: Callable[[np.ndarray, np.ndarray], float]


METRICS: dict[str, Metric] = {
    "pesq_wb": Metric("PESQ-WB", ("pesq",), "pesq", "pesq==0.0.4", _pesq("wb")),
    "pesq_nb": Metric("PESQ-NB", ("pesq",), "pesq", "pesq==0.0.4", _pesq("nb")),
    "stoi": Metric("STOI", ("pystoi",), "pystoi", "pystoi==0.4.1", _stoi(False)),
    "estoi": Metric("ESTOI", ("pystoi",), "pystoi", "pystoi==0.4.1", _stoi(True)),
    "visqol": Metric("ViSQOL", ("visqol", "ai_edge_litert"), "visqol-python", "visqol-python[lattice]==3.8.0",
                     _visqol),
}


def metric_available(name: str) -> bool:
    """Whether the packages of metric ``name`` are installed."""
    return all(importlib.util.find_spec(module) is not None for module in METRICS[name].modules)


def check_metrics(names: list[str]) -> None:
    """ValueError for an unknown metric or one whose package is missing (naming the pip command)."""
    for name in names:
        if name not in METRICS:
            raise ValueError(f"unknown metric {name!r}; choose from {', '.join(METRICS)}")
        if not metric_available(name):
            raise ValueError(f"metric {name} needs `pip install '{METRICS[name].requirement}'`")


def score(reference: np.ndarray, decoded: np.ndarray, names: list[str]) -> dict[str, float]:
    """Every metric in ``names`` of ``decoded`` against ``reference`` (float32 (N,), 16 kHz, aligned)."""
    if reference.shape != decoded.shape:
        raise ValueError(f"reference {reference.shape} and decoded {decoded.shape} must have one shape")
    return {name: METRICS[name].fn(reference, decoded) for name in names}
