"""Rate control: the continuous quality per file whose ``.ecc`` file has a target bitrate.

A file's bitrate is its bits on disk (header included) over its duration. It rises with the
quality, close to exponentially (the gains are interpolated log-linearly between the operating
points), so the search works on log-rate: a first guess from the model's measured point rates
(``model.meta["point_kbps"]``), steps along the secant (or that curve's slope) until the target is
bracketed, then regula falsi with bisection as the safeguard. Encoding is cheap (milliseconds per
audio second), and every pass codes all files still searching in one batch. The bytes returned
are those of the pass that was measured, so the rate reported is the rate written.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

# encode passes at most; a file stops searching once within half its tolerance
PASSES = 10


def tolerance(seconds: float) -> float:
    """Relative bitrate error a file of ``seconds`` is coded within: 5% from 5 s, else 10%."""
    return 0.05 if seconds >= 5 else 0.10


def _float32(q: float) -> float:
    """What the header stores (and so what both sides code with)."""
    return float(np.float32(q))


class _File:
    """The search state of one file: the measured (quality, log-rate error) points and the best blob."""

    def __init__(self, seconds: float, quality: float):
        self.seconds, self.quality = seconds, quality
        self.below = self.above = None  # nearest measured (quality, error) under / over the target
        self.last = self._previous = None  # the last two measured (quality, error)
        self.best = (math.inf, b"", 0.0)  # (|relative error|, blob, kbps)

    def measure(self, blob: bytes, kbps: float) -> float:
        """Records this pass's blob; returns its rate's log-error against the target ``kbps``."""
        rate = 8 * len(blob) / self.seconds / 1000
        relative = abs(rate / kbps - 1)
        if relative < self.best[0]:
            self.best = (relative, blob, rate)
        error = math.log(rate / kbps)
        point = (self.quality, error)
        if error < 0:
            self.below = point if self.below is None or error > self.below[1] else self.below
        else:
            self.above = point if self.above is None or error < self.above[1] else self.above
        self._previous, self.last = self.last, point
        return error

    def next_quality(self, slope: Callable[[float], float] | None, top: float) -> float:
        """The next quality to try, within [0, top]."""
        if self.below is not None and self.above is not None:
            (q0, e0), (q1, e1) = self.below, self.above
            q = q0 - e0 * (q1 - q0) / (e1 - e0)  # regula falsi on log-rate
            lo, hi = min(q0, q1), max(q0, q1)
            if not lo + 0.1 * (hi - lo) <= q <= hi - 0.1 * (hi - lo):
                q = (q0 + q1) / 2
            return _float32(q)
        q, error = self.last
        previous = self._previous
        if previous is not None and abs(q - previous[0]) > 1e-6 and (error - previous[1]) / (q - previous[0]) > 1e-3:
            step = -error * (q - previous[0]) / (error - previous[1])  # secant through the last two
        elif slope is not None:
            step = -error / slope(q)
        else:  # no measured rates: try the end of the range
            step = top if error < 0 else -top
        return _float32(min(max(q + step, 0.0), top))


def _curve(point_kbps: Sequence[float] | None, points: int):
    """(first quality guess for a kbps, d log-rate / d quality at a quality) from the model's
    measured point rates, or None without them."""
    if not point_kbps or len(point_kbps) != points or points < 2:
        return None
    logs = np.log(np.asarray(point_kbps, dtype=np.float64))
    grid = np.arange(points, dtype=np.float64)

    def guess(kbps: float) -> float:
        return float(np.interp(math.log(kbps), logs, grid)) if np.all(np.diff(logs) > 0) else (points - 1) / 2

    def slope(q: float) -> float:
        i = min(int(q), points - 2)
        return max(float(logs[i + 1] - logs[i]), 0.05)

    return guess, slope


def search(encode: Callable[[list[int], list[float]], list[bytes]], seconds: Sequence[float], kbps: float,
           points: int, point_kbps: Sequence[float] | None, names: Sequence[str]) -> list[bytes]:
    """Blobs whose bitrates are within :func:`tolerance` of ``kbps``.

    Args:
        encode: (file indexes, their float32 qualities) -> those files' blobs, in one batch.
        seconds: each file's duration; an empty file (0 s) is coded once at the first guess.
        kbps: the target, positive and finite.
        points: the model's operating points (qualities span [0, points - 1]).
        point_kbps: the model's measured rate per point, or None.
        names: each file's name for errors.
    Raises:
        ValueError: a target outside a file's reachable range (the message gives the range).
    """
    if not (math.isfinite(kbps) and kbps > 0):
        raise ValueError(f"bitrate must be a positive number of kbps, got {kbps}")
    top = float(points - 1)
    curve = _curve(point_kbps, points)
    first = _float32(curve[0](kbps)) if curve else top / 2
    files = [_File(s, first) for s in seconds]
    out: list[bytes | None] = [None] * len(files)
    todo = list(range(len(files)))
    for _ in range(PASSES):
        if not todo:
            break
        blobs = encode(todo, [files[i].quality for i in todo])
        searching = []
        for i, blob in zip(todo, blobs):
            f = files[i]
            if f.seconds == 0:
                out[i] = blob
                continue
            error = f.measure(blob, kbps)
            if f.best[0] <= tolerance(f.seconds) / 2:
                out[i] = f.best[1]
                continue
            unbracketed = f.below is None or f.above is None
            if unbracketed and ((error < 0 and f.quality >= top) or (error > 0 and f.quality <= 0)):  # an end
                if f.best[0] <= tolerance(f.seconds):
                    out[i] = f.best[1]
                    continue
                raise _out_of_range(encode, i, f, kbps, top, names[i], point_kbps)
            f.quality = f.next_quality(curve[1] if curve else None, top)
            searching.append(i)
        todo = searching
    for i in todo:  # out of passes: the closest measured
        out[i] = files[i].best[1]
    return out


def _out_of_range(encode, i: int, f: _File, kbps: float, top: float, name: str, point_kbps) -> ValueError:
    """The error for a target file ``i`` cannot reach, with its range (one more encode, of the other end)."""
    end = 0.0 if f.quality >= top else top
    other = 8 * len(encode([i], [end])[0]) / f.seconds / 1000
    low, high = sorted((f.best[2], other))
    model = f"; the model's points span {min(point_kbps):g}-{max(point_kbps):g} kbps on its dev files" \
        if point_kbps else ""
    return ValueError(f"{name} ({f.seconds:.2f} s): {kbps:g} kbps is outside the bitrates it can be coded at, "
                      f"{low:.3f}-{high:.3f} kbps (qualities 0-{top:g}; the rate counts the file's header, so "
                      f"shorter files reach less low){model}")
