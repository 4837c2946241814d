"""Codecs: the registry, and the Opus and Codec 2 round trips with their byte counts."""

import shutil

import numpy as np
import pytest

from ecc.eval import codec as codec_module
from ecc.eval import get_codec
from ecc.eval.align import estimate_delay
from ecc.eval.codec import Codec, Coded, codec_names, register_codec
from ecc.eval.synthetic import speech_like

WAVE = speech_like(2.0, seed=3)  # 2 s: whole Codec 2 frames in every mode

needs_opus = pytest.mark.skipif(shutil.which("opusenc") is None, reason="apt-get install -y opus-tools")
needs_codec2 = pytest.mark.skipif(shutil.which("c2enc") is None, reason="apt-get install -y codec2")


def test_baselines_are_registered():
    assert {"opus", "codec2"} <= set(codec_names())
    assert get_codec("opus").name == "opus"


def test_ecc_is_registered_and_checks_its_points():
    from ecc.model.weights import load_model

    top = load_model().points - 1  # the shipped model's highest point
    ecc = get_codec("ecc")
    assert ecc.name == "ecc" and ecc(["q0", "q2.5"]).points == ("q0", "q2.5")
    for bad in (f"q{top + 1}", "2", "qx"):
        with pytest.raises(ValueError, match=f"ecc operating points are q0 .. q{top}"):
            ecc([bad])


def test_ecc_points_follow_the_model(tmp_path, monkeypatch):
    from ecc.model import ECC
    from ecc.model.weights import save_model

    save_model(ECC(latent_channels=8, hyper_channels=4, hyper_features=16, widths=(16, 16, 16), slices=2,
                   context_hidden=16, points=2), tmp_path / "m.pt", "ecc-two-points")
    monkeypatch.setenv("ECC_MODEL", str(tmp_path / "m.pt"))
    ecc = get_codec("ecc")
    assert ecc().points == ("q0", "q1") and ecc(["q0.5"]).points == ("q0.5",)
    with pytest.raises(ValueError, match="ecc operating points are q0 .. q1"):
        ecc(["q2"])


def test_registering_a_second_codec_under_a_taken_name_fails():
    class Fake(Codec):
        name = "ecc"
        default_points = ("q1",)

        def encode_decode(self, wave, point):
            return Coded(wave, 1, 1)

    with pytest.raises(ValueError, match="already registered"):
        codec_module.register_codec(Fake)


def test_unknown_codecs_and_points_are_refused():
    with pytest.raises(ValueError, match="unknown codec 'mp3'"):
        get_codec("mp3")
    with pytest.raises(ValueError, match="no operating point '999'"):
        get_codec("codec2")(["999"])
    for bad in ("5k", "300k", "12", "fastk"):
        with pytest.raises(ValueError, match="opus operating point"):
            get_codec("opus")([bad])


def test_a_name_cannot_be_registered_twice():
    class Other(Codec):
        name = "opus"
        default_points = ("x",)

        def encode_decode(self, wave, point):
            raise NotImplementedError

    with pytest.raises(ValueError, match="already registered"):
        register_codec(Other)


def test_missing_tools_name_the_debian_package(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(ValueError, match="apt-get install -y opus-tools"):
        get_codec("opus")().check()
    with pytest.raises(ValueError, match="apt-get install -y codec2"):
        get_codec("codec2")().check()


@needs_opus
@pytest.mark.parametrize("kbps", [6, 16])
def test_opus_round_trip(kbps):
    opus = get_codec("opus")()
    coded = opus.encode_decode(WAVE, f"{kbps}k")
    assert coded.decoded.dtype == np.float32 and len(coded.decoded) == len(WAVE)  # opusdec trims pre-skip
    assert abs(estimate_delay(WAVE, coded.decoded)) <= 2
    assert coded.payload_bytes < coded.file_bytes  # Ogg pages and OpusHead/OpusTags are not payload
    assert 8 * coded.payload_bytes / 2.0 / 1000 == pytest.approx(kbps, rel=0.35)
    snr = 10 * np.log10(np.sum(WAVE**2) / np.sum((WAVE - coded.decoded) ** 2))
    assert snr > (3 if kbps == 6 else 8)


# bits per frame and frame length (ms) of each mode (codec2 1.0, src/codec2.c)
CODEC2_FRAMES = {"3200": (64, 20), "2400": (48, 20), "1600": (64, 40), "1400": (56, 40), "1300": (52, 40),
                 "1200": (48, 40), "700C": (28, 40), "450": (18, 40), "450PWB": (18, 40)}


@needs_codec2
def test_codec2_every_mode_round_trips_with_headerless_frames():
    codec2 = get_codec("codec2")()
    assert set(codec2.points) == set(CODEC2_FRAMES)
    for mode, (bits, ms) in CODEC2_FRAMES.items():
        coded = codec2.encode_decode(WAVE, mode)
        frames = 2000 // ms
        assert coded.payload_bytes == coded.file_bytes == frames * ((bits + 7) // 8), mode
        assert coded.decoded.dtype == np.float32 and abs(len(coded.decoded) - len(WAVE)) <= 16 * ms, mode
        assert 10 * 16 <= estimate_delay(WAVE, coded.decoded) <= 45 * 16, mode  # 10-45 ms
        assert np.sqrt(np.mean(coded.decoded**2)) > 0.2 * np.sqrt(np.mean(WAVE**2)), mode
