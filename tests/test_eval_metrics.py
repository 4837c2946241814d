"""The metrics: fast checks on a short synthetic clip; the heavy ones (ViSQOL, real clips, the
whole evaluation on the default clips) behind ``-m slow``."""

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from ecc.eval.metrics import METRICS, check_metrics, score
from ecc.eval.synthetic import speech_like

CLEAN = speech_like(3.0, seed=4)
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox/sense_and_sensibility_01_austen_64kb-0870.wav")


def with_noise(wave, snr_db, seed=0):
    noise = np.random.default_rng(seed).normal(0, 1, len(wave))
    return (wave + noise * np.sqrt(np.mean(wave**2)) * 10 ** (-snr_db / 20)).astype(np.float32)


def test_pesq_and_stoi_rank_noise_levels():
    names = ["pesq_wb", "pesq_nb", "stoi", "estoi"]
    clean, mild, heavy = (score(CLEAN, x, names) for x in (CLEAN, with_noise(CLEAN, 25), with_noise(CLEAN, 5)))
    assert clean["pesq_wb"] > 4.5 and clean["stoi"] > 0.999
    for name in names:
        assert clean[name] >= mild[name] > heavy[name], name


def test_shapes_must_match():
    with pytest.raises(ValueError, match="one shape"):
        score(CLEAN, CLEAN[:-1], ["stoi"])


def test_missing_packages_name_the_pip_command(monkeypatch):
    monkeypatch.setitem(METRICS, "visqol", dataclasses.replace(METRICS["visqol"], modules=("no_such_module",)))
    with pytest.raises(ValueError, match=r"pip install 'visqol-python\[lattice\]==3.8.0'"):
        check_metrics(["visqol"])
    with pytest.raises(ValueError, match="unknown metric"):
        check_metrics(["mos"])


@pytest.mark.slow
def test_visqol_speech_mode_ranks_noise_levels():
    check_metrics(["visqol"])
    clean, mild, heavy = (score(CLEAN, x, ["visqol"])["visqol"] for x in (CLEAN, with_noise(CLEAN, 30),
                                                                            with_noise(CLEAN, 5)))
    assert 1 <= heavy < mild < clean <= 5


@pytest.mark.slow
@pytest.mark.skipif(not LIBRIVOX.exists(), reason="apt-get install -y pocketsphinx-testdata")
def test_every_metric_on_a_real_clip():
    from ecc.eval.audio import load_clip

    wave = load_clip(LIBRIVOX)
    clean, noisy = score(wave, wave, list(METRICS)), score(wave, with_noise(wave, 10), list(METRICS))
    assert clean["pesq_wb"] > 4.5 and clean["stoi"] > 0.999 and clean["visqol"] > 4
    assert all(noisy[m] < clean[m] for m in METRICS)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("opusenc") is None or shutil.which("c2enc") is None,
                    reason="apt-get install -y opus-tools codec2")
def test_baselines_on_the_default_clips(tmp_path):
    """The whole evaluation on three default clips, every point and metric: Opus beats Codec 2."""
    from ecc.eval import get_codec
    from ecc.eval.data import default_clips
    from ecc.eval.report import means, write_report
    from ecc.eval.runner import evaluate

    clips = [c for c in default_clips() if "librivox" in str(c)][:3]
    evaluation = evaluate(clips, [get_codec("opus")(), get_codec("codec2")()], list(METRICS), jobs=2)
    assert not evaluation.failures
    write_report(evaluation, tmp_path)
    mean = {(m["codec"], m["point"]): m for m in means(evaluation)}
    for metric in METRICS:
        assert mean["opus", "24k"][metric] > mean["opus", "6k"][metric] > mean["codec2", "450"][metric], metric
        assert mean["opus", "24k"][metric] > mean["codec2", "3200"][metric], metric
    assert all(18 <= mean["codec2", p]["delay_ms"] <= 35 for p in get_codec("codec2").default_points)
