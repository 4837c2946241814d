"""Bjontegaard delta rate (BD-rate, VCEG-M33) with piecewise cubic interpolation.

As in the JCT-VC/JVET common-test-condition sheets (and FAU-LMS's ``bjontegaard`` package,
method ``"pchip"``): log rate is interpolated as a function of quality by a piecewise cubic
Hermite polynomial (PCHIP) through each codec's points, both curves are integrated exactly over
the quality interval they share, and the mean log-rate difference d gives (e^d - 1) * 100 %.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import PchipInterpolator


def pareto_front(rates, qualities) -> np.ndarray:
    """Indices of the points no other point beats (lower or equal rate, higher quality), by rate.

    Codec 2's modes, or a learned codec's lambdas, need not form a monotone curve; BD-rate
    compares the best quality each codec reaches at each rate.
    """
    rates, qualities = np.asarray(rates, dtype=float), np.asarray(qualities, dtype=float)
    order = np.lexsort((-qualities, rates))  # by rate, the best quality first among equal rates
    front, best = [], -np.inf
    for i in order:
        if qualities[i] > best:
            front.append(i)
            best = qualities[i]
    return np.array(front, dtype=int)


def bd_rate(anchor_rates, anchor_qualities, test_rates, test_qualities) -> float:
    """Average rate difference of the test codec against the anchor at equal quality, in percent.

    Negative: the test codec needs fewer bits for the same quality. Each curve needs at least
    two points whose quality rises strictly with rate (see ``pareto_front``).

    Raises:
        ValueError: too few points, a non-monotone curve, or quality ranges that do not overlap.
    """
    curves = []
    for who, rates, qualities in (("anchor", anchor_rates, anchor_qualities), ("test", test_rates, test_qualities)):
        rates, qualities = np.asarray(rates, dtype=float), np.asarray(qualities, dtype=float)
        if rates.shape != qualities.shape or rates.ndim != 1 or len(rates) < 2:
            raise ValueError(f"{who}: need at least two (rate, quality) points, "
                             f"got shapes {rates.shape} and {qualities.shape}")
        if np.any(rates <= 0):
            raise ValueError(f"{who}: rates must be positive")
        order = np.argsort(rates)
        if np.any(np.diff(qualities[order]) <= 0):
            raise ValueError(f"{who}: quality must rise strictly with rate (take the pareto_front first)")
        curves.append(PchipInterpolator(qualities[order], np.log(rates[order])))
    low = max(curve.x[0] for curve in curves)
    high = min(curve.x[-1] for curve in curves)
    if low >= high:
        raise ValueError("the quality ranges of the two curves do not overlap")
    anchor, test = (curve.integrate(low, high) for curve in curves)
    return float((np.exp((test - anchor) / (high - low)) - 1) * 100)
