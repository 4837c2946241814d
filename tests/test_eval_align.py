"""The delay estimator on known shifts, waveform-preserving and phase-destroying."""

import numpy as np
import pytest

from ecc.eval.align import estimate_delay, remove_delay
from ecc.eval.synthetic import speech_like

REFERENCE = speech_like(3.0, seed=1)


def shifted(wave, delay):
    """``wave`` delayed by ``delay`` samples (advanced if negative), same length."""
    return np.roll(wave, delay) * (np.arange(len(wave)) >= delay) * (np.arange(len(wave)) < len(wave) + delay)


@pytest.mark.parametrize("delay", [0, 1, 37, 437, -120])
def test_waveform_shift_is_found_exactly(delay):
    noise = np.random.default_rng(0).normal(0, 0.01, len(REFERENCE))
    assert estimate_delay(REFERENCE, (shifted(REFERENCE, delay) + noise).astype(np.float32)) == delay


@pytest.mark.parametrize("delay", [288, 480])
def test_parametric_codec_shift_is_found_from_the_envelope(delay):
    # A vocoder keeps the envelope but not the phase: flip the sign of every 5-ms block at random,
    # which leaves no waveform correlation but the same amplitude envelope.
    signs = np.repeat(np.random.default_rng(2).choice([-1.0, 1.0], len(REFERENCE) // 80 + 1), 80)
    scrambled = (shifted(REFERENCE, delay) * signs[: len(REFERENCE)]).astype(np.float32)
    assert abs(np.corrcoef(REFERENCE[: -delay], scrambled[delay:])[0, 1]) < 0.2
    assert estimate_delay(REFERENCE, scrambled) == pytest.approx(delay, abs=16)  # 1 ms


def test_silence_has_no_delay():
    with pytest.raises(ValueError, match="silent"):
        estimate_delay(REFERENCE, np.zeros_like(REFERENCE))


def test_remove_delay_shifts_then_cuts_or_pads():
    decoded = np.arange(1, 11, dtype=np.float32)
    assert remove_delay(decoded, 3, 10).tolist() == [4, 5, 6, 7, 8, 9, 10, 0, 0, 0]
    assert remove_delay(decoded, -2, 5).tolist() == [0, 0, 1, 2, 3]
    assert remove_delay(decoded, 0, 12).tolist() == list(range(1, 11)) + [0, 0]


def test_delayed_decoding_is_undone():
    delayed = np.concatenate([np.zeros(333, np.float32), REFERENCE, np.zeros(50, np.float32)])
    delay = estimate_delay(REFERENCE, delayed)
    assert delay == 333
    np.testing.assert_array_equal(remove_delay(delayed, delay, len(REFERENCE)), REFERENCE)
