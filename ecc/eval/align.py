"""Codec delay: estimate it by cross-correlation and remove it before scoring.

Waveform codecs (Opus) keep the waveform, so the peak of the waveform cross-correlation gives
the delay to the sample. Parametric codecs (Codec 2) resynthesise the phase, which leaves that
peak low and ambiguous; their delay comes from the cross-correlation of the amplitude envelopes
(|x| smoothed over 20 ms, which removes the pitch ripple) instead. The estimate is per codec and
operating point (see ``ecc.eval.runner``), not per file: a codec's delay is a constant of its
algorithm, and one long signal pins it down better than many short ones.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

# A normalised waveform cross-correlation peak at least this high counts as a waveform match.
WAVEFORM_MATCH = 0.5
_ENVELOPE_WINDOW = 320  # samples: 20 ms at 16 kHz


def _xcorr_peak(reference: np.ndarray, decoded: np.ndarray, max_delay: int) -> tuple[int, float]:
    """(lag, normalised correlation) of the highest cross-correlation within +-max_delay."""
    corr = signal.correlate(decoded, reference, mode="full", method="fft")
    lags = signal.correlation_lags(len(decoded), len(reference), mode="full")
    window = np.abs(lags) <= max_delay
    best = int(np.argmax(corr[window]))
    norm = np.sqrt(np.dot(reference, reference) * np.dot(decoded, decoded))
    return int(lags[window][best]), float(corr[window][best] / norm) if norm > 0 else 0.0


def _envelope(wave: np.ndarray) -> np.ndarray:
    window = np.hanning(_ENVELOPE_WINDOW)
    env = np.convolve(np.abs(wave), window / window.sum(), mode="same")
    return env - env.mean()


def estimate_delay(reference: np.ndarray, decoded: np.ndarray, max_delay: int = 1600) -> int:
    """Delay of ``decoded`` behind ``reference`` in samples (negative: it runs ahead).

    Args:
        reference, decoded: float32 (N,) and (M,), same sample rate.
        max_delay: largest delay considered, in samples (default 100 ms at 16 kHz).

    Raises:
        ValueError: either signal is silent.
    """
    reference = np.asarray(reference, dtype=np.float64)
    decoded = np.asarray(decoded, dtype=np.float64)
    if not np.any(reference) or not np.any(decoded):
        raise ValueError("cannot estimate a delay: the reference or the decoded signal is silent")
    lag, match = _xcorr_peak(reference, decoded, max_delay)
    if match >= WAVEFORM_MATCH:
        return lag
    return _xcorr_peak(_envelope(reference), _envelope(decoded), max_delay)[0]


def remove_delay(decoded: np.ndarray, delay: int, length: int) -> np.ndarray:
    """Shift ``decoded`` earlier by ``delay`` samples and cut or zero-pad it to ``length``."""
    shifted = decoded[delay:] if delay >= 0 else np.concatenate([np.zeros(-delay, decoded.dtype), decoded])
    out = np.zeros(length, dtype=decoded.dtype)
    out[: min(length, len(shifted))] = shifted[:length]
    return out
