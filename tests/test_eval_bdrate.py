"""BD-rate: closed-form cases, a published example, an independent numerical integration."""

import numpy as np
import pytest
from scipy.interpolate import PchipInterpolator

from ecc.eval.bdrate import bd_rate, pareto_front

RATES = np.array([1.0, 2.0, 4.0, 8.0])
QUALITY = np.array([2.0, 2.9, 3.6, 4.0])

# "Test 1" of FAU-LMS's bjontegaard package (x265 at four QPs; README and example_usage.py).
# bjontegaard 1.3.0, method="pchip" -- equal to the JCT-VC/JVET CTC Excel sheet to 10 decimals,
# according to its authors -- gives -4.417485350589045 %. (Samplers that integrate the same
# PCHIP with the trapezoid rule on 100 points, as in the popular bjontegaard_metric.py, give
# -4.4205 %: close, but not the exact integral.)
FAU_ANCHOR = ([9487.76, 4593.60, 2486.44, 1358.24], [40.037, 38.615, 36.845, 34.851])
FAU_TEST = ([9787.80, 4469.00, 2451.52, 1356.24], [40.121, 38.651, 36.970, 34.987])
# The VCEG-M33-style sample 3 of bjontegaard_metric.py; bjontegaard 1.3.0 (pchip): 31.379878202397627 %.
SAMPLE3_ANCHOR = ([686.76, 309.58, 157.11, 85.95], [40.28, 37.18, 34.24, 31.42])
SAMPLE3_TEST = ([893.34, 407.8, 204.93, 112.75], [40.39, 37.21, 34.17, 31.24])


def test_identical_curves_give_zero():
    assert bd_rate(RATES, QUALITY, RATES, QUALITY) == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("factor, expected", [(0.5, -50.0), (2.0, 100.0), (0.8, -20.0)])
def test_a_constant_rate_factor_is_the_bd_rate(factor, expected):
    assert bd_rate(RATES, QUALITY, factor * RATES, QUALITY) == pytest.approx(expected, rel=1e-12)


def test_order_of_points_does_not_matter():
    order = [2, 0, 3, 1]
    assert bd_rate(RATES[order], QUALITY[order], 0.5 * RATES, QUALITY) == pytest.approx(-50.0)


@pytest.mark.parametrize("anchor, test, expected", [
    (FAU_ANCHOR, FAU_TEST, -4.417485350589045),
    (SAMPLE3_ANCHOR, SAMPLE3_TEST, 31.379878202397627),
])
def test_published_examples(anchor, test, expected):
    assert bd_rate(*anchor, *test) == pytest.approx(expected, abs=1e-9)


def dense_bd_rate(anchor, test, n=200_001):
    """The definition, integrated numerically: mean log-rate difference over the shared range."""
    curves = [(np.asarray(q)[np.argsort(q)], np.log(np.asarray(r))[np.argsort(q)]) for r, q in (anchor, test)]
    low, high = max(c[0][0] for c in curves), min(c[0][-1] for c in curves)
    grid = np.linspace(low, high, n)
    a, t = (PchipInterpolator(*c)(grid) for c in curves)
    return (np.exp(np.trapezoid(t - a, grid) / (high - low)) - 1) * 100


def test_matches_numerical_integration_of_the_definition():
    assert bd_rate(*FAU_ANCHOR, *FAU_TEST) == pytest.approx(dense_bd_rate(FAU_ANCHOR, FAU_TEST), abs=1e-6)
    assert bd_rate(*SAMPLE3_ANCHOR, *SAMPLE3_TEST) == pytest.approx(
        dense_bd_rate(SAMPLE3_ANCHOR, SAMPLE3_TEST), abs=1e-6)


def test_pareto_front_keeps_the_best_point_at_each_rate():
    rates = [1.2, 0.6, 1.4, 1.4, 3.2, 2.4]
    quality = [1.5, 1.4, 1.3, 1.6, 1.9, 1.95]
    assert pareto_front(rates, quality).tolist() == [1, 0, 3, 5]
    assert pareto_front(RATES, QUALITY).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("args, message", [
    ((RATES[:1], QUALITY[:1], RATES, QUALITY), "at least two"),
    ((RATES, QUALITY[::-1], RATES, QUALITY), "rise strictly"),
    ((-RATES, QUALITY, RATES, QUALITY), "positive"),
    ((RATES, QUALITY, RATES, QUALITY + 10), "do not overlap"),
])
def test_bad_curves_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        bd_rate(*args)
