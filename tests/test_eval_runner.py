"""The evaluation loop and its outputs, on tool-free codecs with known delay, quality and rate;
the failed-file path; the worker pool; the ``ecc eval`` command line."""

import argparse
import csv
import json
import subprocess
import sys

import numpy as np
import pytest

from ecc.eval import codec as codec_module
from ecc.eval.cli import add_parser
from ecc.eval.codec import Codec, Coded
from ecc.eval.report import write_report
from ecc.eval.runner import evaluate
from ecc.eval.synthetic import speech_like


class NoisyCodec(Codec):
    """Delays by 160 samples and adds white noise at the point's SNR (dB); 1 kB/s per dB."""

    name = "noisy"
    default_points = ("5", "15", "25")
    bytes_per_db_second = 1000

    def encode_decode(self, wave, point):
        snr = float(point)
        noise = np.random.default_rng(int(point)).normal(0, 1, len(wave)) * np.sqrt(np.mean(wave**2))
        decoded = np.concatenate([np.zeros(160), wave + noise * 10 ** (-snr / 20)]).astype(np.float32)
        payload = round(len(wave) / 16000 * snr * self.bytes_per_db_second)
        return Coded(decoded, payload, payload + 47)


class HalfRateNoisyCodec(NoisyCodec):
    """The same audio as NoisyCodec for half the bytes."""

    name = "noisy-half"
    bytes_per_db_second = 500


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    import soundfile

    folder = tmp_path_factory.mktemp("clips")
    for seed in (1, 2):
        soundfile.write(folder / f"clip{seed}.wav", speech_like(2.0, seed), 16000, subtype="PCM_16")
    (folder / "broken.wav").write_bytes(b"RIFF, but not really")
    return sorted(str(p) for p in folder.iterdir())  # broken.wav first


@pytest.fixture(scope="module")
def evaluation(clips):
    return evaluate(clips, [NoisyCodec(), HalfRateNoisyCodec()], ["stoi", "estoi"])


def test_every_file_codec_and_point_is_scored(evaluation, clips):
    assert evaluation.delays == {(c, p): 160 for c in ("noisy", "noisy-half") for p in ("5", "15", "25")}
    assert len(evaluation.rows) == 2 * 2 * 3  # two good clips, two codecs, three points
    for row in evaluation.rows:
        assert row["delay_ms"] == 10.0 and row["seconds"] == 2.0
        per_db = 8 if row["codec"] == "noisy" else 4
        assert row["kbps"] == pytest.approx(per_db * float(row["point"]))
        assert row["file_kbps"] == pytest.approx(row["kbps"] + 8 * 47 / 2 / 1000)
        assert 0.5 < row["stoi"] <= 1.0
    by_point = {(r["file"], r["point"]): r["stoi"] for r in evaluation.rows if r["codec"] == "noisy"}
    for clip in clips[1:]:
        assert by_point[clip, "5"] < by_point[clip, "15"] < by_point[clip, "25"]


def test_a_failed_file_is_reported_and_left_out(evaluation, clips):
    assert [path for path, _ in evaluation.failures] == [clips[0]]
    assert "broken.wav" in evaluation.failures[0][1]
    assert all(row["file"] != clips[0] for row in evaluation.rows)


def test_report_files(evaluation, tmp_path):
    report = write_report(evaluation, tmp_path / "out", command="ecc eval clips/")
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["rd_estoi.png", "rd_stoi.png", "report.json", "report.md",
                                                      "scores.csv"]
    with open(out / "scores.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 12 and float(rows[0]["stoi"]) == pytest.approx(evaluation.rows[0]["stoi"])
    summary = json.loads((out / "report.json").read_text())
    assert summary["failures"][0]["file"].endswith("broken.wav")
    assert [(m["codec"], m["point"], m["files"]) for m in summary["means"]][:2] == [("noisy", "5", 2),
                                                                                    ("noisy", "15", 2)]
    # identical audio at half the rate: BD-rate -50 % (and +100 % the other way), for every metric
    for metric in ("stoi", "estoi"):
        assert summary["bd_rate"][metric]["noisy-half"]["noisy"] == pytest.approx(-50)
        assert summary["bd_rate"][metric]["noisy"]["noisy-half"] == pytest.approx(100)
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = report.read_text()
    assert "![STOI vs bitrate](rd_stoi.png)" in text
    assert "| noisy | – | +100.0 |" in text and "| noisy-half | -50.0 | – |" in text
    assert "2 of 3 file(s) evaluated" in text and "broken.wav" in text.split("## Failed files")[1]


def test_worker_pool_gives_the_same_rows(evaluation, clips):
    pooled = evaluate(clips, [NoisyCodec(), HalfRateNoisyCodec()], ["stoi", "estoi"], jobs=2)
    assert pooled.failures == evaluation.failures
    assert len(pooled.rows) == len(evaluation.rows)
    for ours, theirs in zip(pooled.rows, evaluation.rows):  # equal up to float rounding
        assert ours.keys() == theirs.keys()
        for key, value in ours.items():
            assert value == (pytest.approx(theirs[key], rel=1e-12) if isinstance(value, float) else theirs[key]), key


def test_no_readable_file_is_an_error(clips):
    with pytest.raises(ValueError, match="could be read"):
        evaluate(clips[:1], [NoisyCodec()], ["stoi"])


def ecc_eval(*argv):
    parser = argparse.ArgumentParser(prog="ecc")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["eval", *argv])
    return args.func(args)


def test_cli_writes_the_report_and_prints_the_means(clips, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(codec_module._REGISTRY, "noisy", NoisyCodec)
    code = ecc_eval(*clips, "--codecs", "noisy", "--points", "noisy=5,25", "--metrics", "stoi",
                    "--out", str(tmp_path / "r"), "--jobs", "1", "--quiet")
    assert code == 0
    out, err = capsys.readouterr()
    assert "| noisy | 25 | 2 |" in out and "2 of 3 file(s) evaluated" in out
    assert "broken.wav" in err
    assert "--points noisy=5,25" in (tmp_path / "r" / "report.md").read_text()


def test_cli_narrowband_evaluates_telephone_band_copies(clips, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(codec_module._REGISTRY, "noisy", NoisyCodec)
    code = ecc_eval(*clips[1:], "--narrowband", "--codecs", "noisy", "--points", "noisy=25", "--metrics", "stoi",
                    "--out", str(tmp_path / "r"), "--jobs", "1", "--quiet")
    assert code == 0 and "2 of 2 file(s) evaluated" in capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "r" / "narrowband").iterdir()) == ["00_clip1.wav", "01_clip2.wav"]
    assert "--narrowband" in (tmp_path / "r" / "report.md").read_text()


@pytest.mark.parametrize("argv, message", [
    (["--codecs", "mp3"], "unknown codec 'mp3'"),
    (["--codecs", "opus", "--points", "codec2=3200"], "--codecs does not evaluate"),
    (["--metrics", "mos"], "unknown metric 'mos'"),
    (["/nonexistent/clip.wav"], "does not exist"),
    (["--rd-clips", "some/clip.wav"], "not both"),
])
def test_cli_user_errors(argv, message, tmp_path):
    with pytest.raises(ValueError, match=message):
        ecc_eval(*argv, "--out", str(tmp_path / "r"), "--quiet")


def test_cli_names_missing_packages(monkeypatch):
    from ecc.eval import cli

    monkeypatch.setattr(cli, "_PACKAGES", ("scipy", "no_such_package_for_ecc"))
    with pytest.raises(ValueError, match="pip install no_such_package_for_ecc"):
        ecc_eval("--quiet")


def test_cli_rejects_malformed_points():
    with pytest.raises(SystemExit):
        ecc_eval("--points", "opus")


def test_ecc_command_line_has_eval():
    result = subprocess.run([sys.executable, "-m", "ecc", "eval", "--codecs", "mp3"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]  # one line, no traceback
    assert "unknown codec 'mp3'" in result.stderr
