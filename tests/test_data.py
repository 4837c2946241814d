"""The corpus build (ecc.data): processing, joining, splits, determinism, the dataset and the CLI.

The sources are tiny synthetic trees laid out like the Debian packages, so no package is needed
(the espeak-ng test skips without it).
"""

import argparse
import csv
import dataclasses
import hashlib
import shutil

import numpy as np
import pytest
import torch

from ecc.data import SOURCES, SpeechCrops, build, dev_files
from ecc.data.audio import GAP_SECONDS, MARGIN_SECONDS, PEAK, TARGET_DBFS, join_clips, prepare, trim_silence
from ecc.data.build import _Corpus
from ecc.data.cli import add_parser, main
from ecc.data.dataset import augment
from ecc.data.sources import ensure_installed
from ecc.data.tts import Utterance, synthesize

sf = pytest.importorskip("soundfile")
pytest.importorskip("soxr")
pytest.importorskip("tqdm")

SOURCE = {source.name: source for source in SOURCES}


def _speech(seconds: float, rate: int, f0: float = 150.0, pad: float = 0.3, seed: int = 0) -> np.ndarray:
    """A voiced-speech-like signal (harmonics of f0, syllable envelope) between pads of faint noise."""
    t = np.arange(round(seconds * rate)) / rate
    voiced = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 8)) * np.sin(np.pi * 3 * t / seconds) ** 2
    silence = np.zeros(round(pad * rate))
    wave = np.concatenate([silence, 0.3 * voiced / np.max(np.abs(voiced)), silence])
    return (wave + 1e-4 * np.random.default_rng(seed).standard_normal(len(wave))).astype(np.float32)


def _write(path, wave, rate, channels=1):
    path.parent.mkdir(parents=True, exist_ok=True)
    data = np.stack([wave] * channels, axis=1) if channels > 1 else wave
    fmt = {"ogg": {"format": "OGG", "subtype": "VORBIS"}, "wav": {"subtype": "PCM_16"}}[path.suffix[1:]]
    sf.write(path, data, rate, **fmt)


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    """tuxpaint, festvox-ru and gcin-voice trees: dev files, a duplicate, an 8-kHz file, an effect."""
    root = tmp_path_factory.mktemp("packages")
    tux = root / "tuxpaint"
    for i, name in enumerate(["animals/frog_desc.ogg", "animals/frog_desc_es.ogg", "animals/frog_desc_el.ogg",
                              "animals/toad_desc_es.ogg", "animals/frog.ogg", "town/x_desc_pt_BR.wav", "town/y_desc_da.ogg.ogg",
                              *(f"food/w{k}_desc_ru.ogg" for k in range(6))]):
        _write(tux / name, _speech(0.8, 44100, f0=120 + 10 * i, seed=i), 44100, channels=2)
    shutil.copy(tux / "food/w0_desc_ru.ogg", tux / "food/w0-1_desc_ru.ogg")  # the same bytes: dropped
    _write(tux / "birds/pigeon_desc_ca.ogg", _speech(0.8, 8000), 8000)  # narrowband: dropped
    ru = root / "festvox"
    for number in (560, 561, 620, 621):
        _write(ru / f"ru_{number:04d}.wav", _speech(5.0, 16000, f0=100, seed=number), 16000)
    gcin = root / "gcin"
    for syllable, speaker in [("ㄅ", 3), ("ㄅ", 5), ("ㄆ", 3)]:
        _write(gcin / syllable / f"{speaker}.ogg", _speech(0.4, 44100, seed=speaker), 44100)
    return [dataclasses.replace(SOURCE["tuxpaint"], root=tux), dataclasses.replace(SOURCE["festvox-ru"], root=ru),
            dataclasses.replace(SOURCE["gcin-voice"], root=gcin)]


def _manifest(root):
    with open(root / "manifest.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def corpus(sources, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    summary = build(out, sources=sources, tts_minutes=0, jobs=1, progress=False)
    return out, summary


def test_trim_silence_keeps_the_speech_and_a_margin():
    wave = _speech(1.0, 16000, pad=0.5)
    trimmed = trim_silence(wave)
    assert abs(len(trimmed) - 16000 * (1 + 2 * MARGIN_SECONDS)) <= 0.04 * 16000  # frame granularity
    assert len(trim_silence(np.zeros(16000, np.float32))) == 0
    assert prepare(np.zeros(16000, np.float32), 16000) == "silent"


def test_prepare_resamples_to_16k_and_normalises():
    pcm = prepare(_speech(1.0, 44100, pad=0.0), 44100)
    assert pcm.dtype == np.int16 and abs(len(pcm) - 16000) <= 1
    wave = pcm / 32768
    level = 10 * np.log10(np.mean(wave**2))
    assert np.max(np.abs(wave)) <= PEAK + 1e-3 and level <= TARGET_DBFS + 0.5
    assert np.max(np.abs(wave)) == pytest.approx(PEAK, abs=1e-3) or level == pytest.approx(TARGET_DBFS, abs=1)
    assert prepare(_speech(1.0, 8000), 8000) == "below 16 kHz"


def test_join_clips():
    seconds = [1.0, 1.0, 1.0, 5.0, 1.0, 0.5]
    clips = [np.full(round(s * 16000), i + 1, np.int16) for i, s in enumerate(seconds)]
    crops = list(join_clips(clips, 4 * 16000, np.random.default_rng(0)))
    assert [members for _, members in crops] == [[3], [0, 1, 2], [4, 5]]  # a long clip passes alone
    for crop, members in crops:
        assert len(members) == 1 or len(crop) <= 4 * 16000
        values = [int(v) for v in crop if v]
        assert values == [i + 1 for i in members for _ in range(len(clips[i]))]  # in order, whole
        gaps = len(crop) - sum(len(clips[i]) for i in members)
        shortest, longest = (round(16000 * seconds) * (len(members) - 1) for seconds in GAP_SECONDS)
        assert shortest <= gaps <= longest


def test_build_splits_and_files(corpus, sources):
    out, summary = corpus
    rows = _manifest(out)
    dev = [row for row in rows if row["split"] == "dev"]
    train = [row for row in rows if row["split"] == "train"]
    dev_origins = {origin.rsplit("/", 1)[1] for row in dev for origin in row["origin"].split(";")}
    train_origins = {origin.rsplit("/", 1)[1] for row in train for origin in row["origin"].split(";")}
    assert dev_origins == {"frog_desc_es.ogg", "toad_desc_es.ogg", "frog_desc_el.ogg", "ru_0561.wav", "ru_0620.wav"}
    assert len([row for row in dev if row["language"] == "es"]) == 1  # words are joined in dev too
    assert not dev_origins & train_origins
    assert {"ru_0560.wav", "ru_0621.wav", "frog_desc.ogg", "x_desc_pt_BR.wav", "y_desc_da.ogg.ogg"} <= train_origins
    assert "frog.ogg" not in train_origins and "pigeon_desc_ca.ogg" not in train_origins
    assert len({"w0_desc_ru.ogg", "w0-1_desc_ru.ogg"} & train_origins) == 1  # duplicates kept once
    assert summary["inputs"]["tuxpaint"]["dropped"] == {"below 16 kHz": 1, "duplicate": 1}
    assert {row["language"] for row in train} == {"en", "pt_BR", "da", "ru", "zh"}
    assert {row["speaker"] for row in train if row["source"] == "gcin-voice"} == {"3", "5"}
    assert summary["splits"]["dev"]["languages"].keys() == {"el", "es", "ru"}
    tux_ru = [row for row in train if row["source"] == "tuxpaint" and row["language"] == "ru"]
    assert len(tux_ru) < 6 and all(float(row["seconds"]) <= 4 for row in tux_ru)  # six words joined
    for row in rows:
        data = (out / row["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"]
        info = sf.info(out / row["path"])
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
        assert float(row["seconds"]) == pytest.approx(info.frames / 16000, abs=1e-4)
    assert sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.wav")) == sorted(r["path"] for r in rows)


def test_rebuild_is_identical(corpus, sources, tmp_path):
    out, _ = corpus
    build(tmp_path, sources=sources, tts_minutes=0, jobs=2, progress=False)
    assert _manifest(tmp_path) == _manifest(out)
    assert (tmp_path / "summary.json").read_text() == (out / "summary.json").read_text()
    build(tmp_path, sources=sources[1:], tts_minutes=0, jobs=1, progress=False)  # replaces the old build
    assert all(row["source"] != "tuxpaint" for row in _manifest(tmp_path))
    assert len(list(tmp_path.glob("*/*.wav"))) == len(_manifest(tmp_path))


def test_an_interrupted_build_leaves_no_manifest_and_can_be_rebuilt(corpus, sources, tmp_path, monkeypatch):
    out, _ = corpus
    build(tmp_path, sources=sources, tts_minutes=0, jobs=1, progress=False)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_Corpus, "finish", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build(tmp_path, sources=sources[1:], tts_minutes=0, jobs=1, progress=False)
    assert not (tmp_path / "manifest.csv").exists() and (tmp_path / ".building").exists()
    with pytest.raises(ValueError, match="no manifest.csv"):
        dev_files(tmp_path)
    monkeypatch.undo()
    build(tmp_path, sources=sources, tts_minutes=0, jobs=1, progress=False)  # the interrupted folder is ours
    assert _manifest(tmp_path) == _manifest(out) and not (tmp_path / ".building").exists()


def test_missing_packages_name_the_command(sources, tmp_path, monkeypatch):
    gone = dataclasses.replace(sources[0], root=tmp_path / "nope")
    with pytest.raises(ValueError, match="apt-get install -y --no-install-recommends tuxpaint-stamps-default"):
        ensure_installed([gone, *sources[1:]], tts=False, install=False)
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ValueError, match=r"espeak-ng.*--tts-minutes 0"):
        build(tmp_path / "out", sources=sources, tts_minutes=1, progress=False)
    (tmp_path / "foreign" / "train").mkdir(parents=True)
    (tmp_path / "foreign" / "train" / "mine.wav").write_bytes(b"")
    with pytest.raises(ValueError, match="no manifest.csv"):
        build(tmp_path / "foreign", sources=sources, tts_minutes=0, progress=False)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_tts_is_deterministic_and_joined_into_train(sources, tmp_path):
    utterance = Utterance("en-us+f2", 160, 50, "The birch canoe slid on the smooth planks.")
    assert synthesize(utterance) == synthesize(utterance)
    summary = build(tmp_path, sources=sources[2:], tts_minutes=0.5, jobs=1, progress=False)
    tts = summary["splits"]["train"]["sources"]["espeak-ng"]
    assert tts["speakers"] == 16 and {"en", "de", "fr"} <= tts["languages"].keys()
    assert tts["hours"] * 60 >= 0.5


def test_speech_crops(corpus):
    out, _ = corpus
    data = SpeechCrops(out, "train", seconds=1.0, augment=True, seed=0)
    assert len(data) == len(data.audio) // 16000 and data.audio.dtype == np.int16
    item = data[0]
    assert item.shape == (1, 16000) and item.dtype == torch.float32 and item.abs().max() <= 1
    batch = next(iter(torch.utils.data.DataLoader(data, batch_size=4)))
    assert batch.shape == (4, 1, 16000)
    fixed = SpeechCrops(out, "train", seconds=1.0, augment=False)
    assert torch.equal(fixed[3], fixed[3]) and not torch.equal(fixed[3], fixed[4])
    assert fixed[3].abs().max() <= 1 - 2**-15
    long = SpeechCrops(out, "dev", seconds=10.0, augment=False)  # longer than every file: zero-padded
    assert long[0].shape == (1, 160000) and (long[0] == 0).sum() > 0
    with pytest.raises(IndexError):
        long[len(long)]
    assert dev_files(out) == [out / row["path"] for row in _manifest(out) if row["split"] == "dev"]
    with pytest.raises(ValueError, match="ecc data build"):
        SpeechCrops(out / "train")


def test_augment_keeps_shape_and_range():
    wave = _speech(1.0, 16000, pad=0.0)
    for seed in range(20):
        out = augment(wave * 3, np.random.default_rng(seed))
        assert out.shape == wave.shape and out.dtype == np.float32 and np.abs(out).max() <= 1 + 1e-6


def test_cli_parser(capsys, tmp_path):
    parser = argparse.ArgumentParser(prog="ecc")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["data", "build", "OUT", "--install", "--tts-minutes", "5", "--jobs", "2"])
    assert (args.out, args.install, args.tts_minutes, args.jobs, args.seed) == ("OUT", True, 5.0, 2, 0)
    with pytest.raises(SystemExit):
        parser.parse_args(["data"])  # the build subcommand is required
    assert main(["build", str(tmp_path), "--tts-minutes", "-1"]) == 2
    assert "--tts-minutes >= 0" in capsys.readouterr().err
